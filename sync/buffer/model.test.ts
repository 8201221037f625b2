/**
 * Model-based property test: random sequences of appends, acks (any order, repeated, bogus ids),
 * dead letters, retention passes and reopenings are applied both to a real buffer file and to a
 * few lines of obviously-correct model; after every step the buffer must agree with the model.
 * A second run adds a small cap: the model learns from the buffer which rows it dropped and checks
 * that only the oldest telemetry went, every drop was reported, and the pending counts still agree.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.js';
import type { RecordBuffer } from './buffer.js';
import { alarmRecord, batteryRecord, openTestBuffer, tempDir } from './test-support.js';

const SINKS = ['a', 'b'] as const;
const DEVICES = ['pack-1', 'pack-2', 'evse-1'];
const RETENTION_MS = 10_000;

type Op =
  | { op: 'append'; devices: number[]; dtMs: number }
  | { op: 'ack' | 'dead'; sink: 0 | 1; picks: number[] }
  | { op: 'retention'; dtMs: number }
  | { op: 'reopen' };

/** >= 0: the n-th oldest stored row (or, past the end, an id never assigned); < 0: the n-th newest. */
const pickArb = fc.integer({ min: -30, max: 40 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('append' as const), devices: fc.array(fc.nat(DEVICES.length - 1), { minLength: 1, maxLength: 12 }), dtMs: fc.nat(3000) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('ack' as const), sink: fc.constantFrom(0 as const, 1 as const), picks: fc.array(pickArb, { maxLength: 15 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dead' as const), sink: fc.constantFrom(0 as const, 1 as const), picks: fc.array(pickArb, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('retention' as const), dtMs: fc.nat(15_000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const) }) },
);

interface Row { id: number; deviceId: string; seq: number; ts: number; type: string }

/** With `maxBytes`, the cap drops rows: the model learns which from the buffer and checks the policy. */
function run(ops: Op[], maxBytes = 64 * 1024 * 1024): void {
  const tmp = tempDir();
  const path = join(tmp.dir, 'buffer.sqlite');
  const clock = new ManualClock();
  const open = () => openTestBuffer(path, { clock, sinks: [...SINKS], retentionMs: RETENTION_MS, synchronous: 'normal', maxBytes }).buffer;
  let buffer: RecordBuffer = open();
  // The model.
  const rows = new Map<number, Row>();
  const acked = SINKS.map(() => new Set<number>());
  const deadLetters = SINKS.map(() => 0);
  const nextSeq = new Map<string, number>();
  let nextId = 1;
  const unacked = (s: number) => [...rows.keys()].filter((id) => !acked[s]!.has(id)).sort((x, y) => x - y);

  try {
    for (const step of ops) {
      if (step.op === 'append') {
        clock.advance(step.dtMs);
        // Every fifth record is an alarm: never dropped.
        const input = step.devices.map((d, i) => (i % 5 === 4 ? alarmRecord : batteryRecord)(DEVICES[d] as string, clock.now()));
        const { accepted, dropped } = buffer.append(input);
        // Each input record takes the next id and its device's next seq, accepted or not.
        const batch: Row[] = input.map((record) => {
          const seq = nextSeq.get(record.deviceId) ?? 1;
          nextSeq.set(record.deviceId, seq + 1);
          return { id: nextId++, deviceId: record.deviceId, seq, ts: record.ts, type: record.type };
        });
        for (const row of batch) rows.set(row.id, row);
        const stored = new Set(DEVICES.flatMap((d) => buffer.recent(d, 1_000_000).map((r) => `${r.deviceId}/${r.seq}`)));
        const capped = [...rows.values()].filter((r) => !stored.has(`${r.deviceId}/${r.seq}`));
        for (const r of capped) rows.delete(r.id);
        // Accepted = the batch minus what the cap took; the cap took the oldest telemetry only, all counted.
        expect(accepted.map((r) => `${r.deviceId}/${r.seq}`)).toEqual(batch.filter((r) => rows.has(r.id)).map((r) => `${r.deviceId}/${r.seq}`));
        expect(capped.every((r) => r.type === 'battery')).toBe(true);
        const keptTelemetry = [...rows.values()].filter((r) => r.type === 'battery').map((r) => r.id);
        if (capped.length > 0 && keptTelemetry.length > 0) expect(Math.max(...capped.map((r) => r.id))).toBeLessThan(Math.min(...keptTelemetry));
        expect(dropped.reduce((n, d) => n + d.count, 0)).toBe(capped.length);
      } else if (step.op === 'ack' || step.op === 'dead') {
        // Picks index every stored row (acked or not) from either end and, past the end, ids never assigned.
        const all = [...rows.keys()].sort((x, y) => x - y);
        const ids = step.picks.map((p) => (p < 0 ? all[Math.max(0, all.length + p)] ?? nextId : p < all.length ? (all[p] as number) : nextId + (p - all.length)));
        if (step.op === 'ack') {
          buffer.ack(SINKS[step.sink], ids);
        } else {
          buffer.deadLetter(SINKS[step.sink], ids.map((id) => ({ id, reason: `rejected ${id}` })));
          deadLetters[step.sink]! += new Set(ids.filter((id) => rows.has(id) && !acked[step.sink]!.has(id))).size;
        }
        for (const id of ids) if (rows.has(id)) acked[step.sink]!.add(id);
      } else if (step.op === 'retention') {
        clock.advance(step.dtMs);
        // Every sink has it (the cursor, not just an ahead ack, passed it) and it is old enough.
        const minCursor = Math.min(...buffer.stats().sinks.map((s) => s.cursor));
        const expired = [...rows.values()].filter((r) => r.id <= minCursor && r.ts < clock.now() - RETENTION_MS);
        for (const r of expired) expect(SINKS.every((_, s) => acked[s]!.has(r.id))).toBe(true);
        expect(buffer.applyRetention()).toBe(expired.length);
        for (const r of expired) rows.delete(r.id);
      } else {
        buffer.close();
        buffer = open();
      }

      // The buffer agrees with the model after every step.
      const stats = buffer.stats();
      expect(stats.rows).toBe(rows.size);
      SINKS.forEach((sink, s) => {
        const expected = unacked(s);
        expect(buffer.pending(sink, 10_000).map((p) => p.id)).toEqual(expected);
        expect(buffer.pending(sink, 3, 'newest').map((p) => p.id)).toEqual([...expected].reverse().slice(0, 3));
        const st = stats.sinks[s]!;
        expect(st.pending).toBe(expected.length);
        expect(st.deadLetters).toBe(deadLetters[s]);
        expect(st.oldestUnsentTs).toBe(expected.length > 0 ? rows.get(expected[0] as number)!.ts : null);
        // The cursor is as far as it may go: below the first unsent row, past every stored acked one.
        if (expected.length > 0) expect(st.cursor).toBe((expected[0] as number) - 1);
        else if (rows.size > 0) expect(st.cursor).toBeGreaterThanOrEqual(Math.max(...rows.keys()));
      });
    }
    for (const deviceId of nextSeq.keys()) {
      const seqs = [...rows.values()].filter((r) => r.deviceId === deviceId).map((r) => r.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
    }
  } finally {
    buffer.close();
    tmp.cleanup();
  }
}

describe('RecordBuffer against a model', () => {
  it('agrees with the model over random operation sequences', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 15, maxLength: 50 }), (ops) => run(ops)), { numRuns: 20, skipAllAfterTimeLimit: 30_000 });
  });

  it('agrees with the model when a small cap keeps dropping telemetry', () => {
    // 96 KiB: the empty schema takes about 56 KiB, leaving room for some 60 records.
    fc.assert(fc.property(fc.array(opArb, { minLength: 15, maxLength: 50 }), (ops) => run(ops, 96 * 1024)), { numRuns: 20, skipAllAfterTimeLimit: 30_000 });
  });
});
