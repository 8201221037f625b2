/**
 * Reading a device's recent history back out of the buffer for the local status page, without a
 * second copy in memory and with a bound on what one query reads.
 *
 * The buffer has no index on ts (one index fewer on every insert, see buffer.ts), only the
 * UNIQUE (device_id, seq) index. Per device, seq order is arrival order, and ts follows it except
 * across a clock step. So a time window is turned into a seq range by binary search (about
 * log2(rows) single-row index seeks), and the range is cut into at most `maxPoints` equal seq
 * buckets; each bucket answers with its newest row of the requested type (one index seek that
 * walks back until it meets that type, never past the bucket's start).
 *
 * Invariants:
 * - At most `maxPoints` payloads are parsed per call (they are what costs memory), whatever the
 *   window. Rows visited are at most the seq range (when the type is absent from it), typically
 *   `maxPoints` times the spacing of that type among the device's rows.
 * - Every returned record carries its own ts: after a clock step the window's edge may be off
 *   by the step, but no point is ever drawn at a time it did not have.
 * - Newest first, like recent().
 */
import type Database from 'better-sqlite3';
import type { EdgeRecord, RecordType } from '../../core/record.js';
import { T } from './schema.js';

/** Upper bound on points per call, whatever the caller asks for. */
export const MAX_SAMPLE_POINTS = 1000;

type Stmt = Database.Statement;

export class HistorySampler {
  private readonly s: Record<'bounds' | 'seqAtOrAfter' | 'newestInBucket' | 'newestSince', Stmt>;

  constructor(db: Database.Database) {
    this.s = {
      bounds: db.prepare(`SELECT min(seq) AS lo, max(seq) AS hi FROM ${T.records} WHERE device_id = ?`),
      seqAtOrAfter: db.prepare(`SELECT seq, ts FROM ${T.records} WHERE device_id = ? AND seq >= ? ORDER BY seq LIMIT 1`),
      newestInBucket: db.prepare(`SELECT payload FROM ${T.records}
        WHERE device_id = ? AND seq > ? AND seq <= ? AND type = ? ORDER BY seq DESC LIMIT 1`),
      newestSince: db.prepare(`SELECT payload FROM ${T.records}
        WHERE device_id = ? AND seq >= ? AND type = ? ORDER BY seq DESC LIMIT ?`),
    };
  }

  /**
   * Up to `maxPoints` records of one type from the device's rows with ts >= sinceTs, spread evenly
   * over that range (by seq), newest first. The newest row of the type is always included.
   */
  sample(deviceId: string, type: RecordType, sinceTs: number, maxPoints: number): EdgeRecord[] {
    const points = Math.max(1, Math.min(MAX_SAMPLE_POINTS, Math.floor(maxPoints)));
    const bounds = this.s.bounds.get(deviceId) as { lo: number | null; hi: number | null };
    if (bounds.lo === null || bounds.hi === null) return [];
    const first = this.firstSeqSince(deviceId, bounds.lo, bounds.hi, sinceTs);
    if (first === undefined) return [];
    const span = bounds.hi - first + 1;
    const step = Math.ceil(span / points);
    const out: EdgeRecord[] = [];
    for (let top = bounds.hi; top >= first; top -= step) {
      const row = this.s.newestInBucket.get(deviceId, Math.max(first, top - step + 1) - 1, top, type) as { payload: string } | undefined;
      if (row) out.push(JSON.parse(row.payload) as EdgeRecord);
    }
    return out;
  }

  /**
   * The newest `limit` records of one (sparse) type with ts >= sinceTs, newest first: every row
   * since the window's first seq may be visited (so the window bounds the scan), but at most
   * `limit` payloads are parsed. For predictions and alarms, which sample() would alias.
   */
  newestSince(deviceId: string, type: RecordType, sinceTs: number, limit: number): EdgeRecord[] {
    const bounds = this.s.bounds.get(deviceId) as { lo: number | null; hi: number | null };
    if (bounds.lo === null || bounds.hi === null) return [];
    const first = this.firstSeqSince(deviceId, bounds.lo, bounds.hi, sinceTs);
    if (first === undefined) return [];
    const rows = this.s.newestSince.all(deviceId, first, type, Math.max(0, Math.floor(limit))) as Array<{ payload: string }>;
    return rows.map((row) => JSON.parse(row.payload) as EdgeRecord);
  }

  /** The smallest stored seq in [lo, hi] whose ts >= sinceTs, assuming ts grows with seq. */
  private firstSeqSince(deviceId: string, lo: number, hi: number, sinceTs: number): number | undefined {
    let answer: number | undefined;
    while (lo <= hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      // Seqs may have holes (cap, retention): the seek lands on the next stored one.
      const row = this.s.seqAtOrAfter.get(deviceId, mid) as { seq: number; ts: number } | undefined;
      if (!row || row.seq > hi) {
        hi = mid - 1;
      } else if (row.ts >= sinceTs) {
        answer = row.seq;
        hi = mid - 1;
      } else {
        lo = row.seq + 1;
      }
    }
    return answer;
  }
}
