import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { EdgeRecord, PendingRecord } from '../../core/record.js';
import type { RecordBuffer } from './buffer.js';
import type { AppendResult } from './types.js';
import { alarmRecord, batteryRecord, chargerRecord, openTestBuffer, predictionRecord, tempDir } from './test-support.js';
import type { ManualClock } from '../../core/clock.js';

const CAP = 256 * 1024;

describe('RecordBuffer size cap', () => {
  let cleanup: () => void;
  let path: string;
  let buffer: RecordBuffer;
  let clock: ManualClock;

  beforeEach(() => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    path = join(tmp.dir, 'buffer.sqlite');
    ({ buffer, clock } = openTestBuffer(path, { maxBytes: CAP, sinks: ['a'], retentionMs: 0, synchronous: 'normal' }));
  });
  afterEach(() => {
    buffer.close();
    cleanup();
  });

  /** A realistic mix: two packs and a charger every tick, an alarm or prediction now and then. */
  function batch(tick: number): PendingRecord[] {
    const ts = clock.now() + tick * 1000;
    const out = [batteryRecord('pack-1', ts, tick), batteryRecord('pack-2', ts, tick + 3), chargerRecord('evse-1', ts)];
    if (tick % 7 === 0) out.push(alarmRecord('pack-1', ts));
    if (tick % 11 === 0) out.push(predictionRecord('pack-2', ts));
    return out;
  }

  function sumDropped(results: AppendResult[]): Record<string, number> {
    const sum: Record<string, number> = {};
    for (const r of results) for (const d of r.dropped) sum[`${d.reason}:${d.type}`] = (sum[`${d.reason}:${d.type}`] ?? 0) + d.count;
    return sum;
  }

  it('drops the oldest telemetry first, never alarms or predictions, counts every drop, and stays under the cap', () => {
    const results: AppendResult[] = [];
    const accepted: EdgeRecord[] = [];
    for (let tick = 0; tick < 800; tick++) {
      const result = buffer.append(batch(tick));
      results.push(result);
      accepted.push(...result.accepted);
      expect(buffer.stats().usedBytes).toBeLessThanOrEqual(CAP);
    }
    const stats = buffer.stats();
    const kept = buffer.pending('a', 1_000_000).map((p) => p.record);
    const keptKeys = new Set(kept.map((r) => r.key));
    expect(stats.rows).toBe(kept.length);
    expect(kept.length).toBeLessThan(accepted.length); // the cap really was hit

    // Every alarm and prediction survives.
    const precious = accepted.filter((r) => r.type === 'alarm' || r.type === 'prediction');
    expect(precious.length).toBe(115 + 73);
    for (const r of precious) expect(keptKeys.has(r.key)).toBe(true);

    // Per device, the telemetry kept is exactly the newest suffix of what was accepted.
    for (const deviceId of ['pack-1', 'pack-2', 'evse-1']) {
      const seqs = accepted.filter((r) => r.deviceId === deviceId && (r.type === 'battery' || r.type === 'charger')).map((r) => r.seq);
      const keptSeqs = kept.filter((r) => r.deviceId === deviceId && (r.type === 'battery' || r.type === 'charger')).map((r) => r.seq);
      expect(keptSeqs.length).toBeGreaterThan(0);
      expect(keptSeqs).toEqual(seqs.slice(seqs.length - keptSeqs.length));
    }

    // Counts are exact: what was accepted and is gone, by type, as reported and as persisted.
    const lost: Record<string, number> = {};
    for (const r of accepted) if (!keptKeys.has(r.key)) lost[`buffer_full:${r.type}`] = (lost[`buffer_full:${r.type}`] ?? 0) + 1;
    expect(Object.keys(lost).sort()).toEqual(['buffer_full:battery', 'buffer_full:charger']);
    expect(sumDropped(results)).toEqual(lost);
    expect(stats.dropped).toEqual(lost);
    buffer.close();
    ({ buffer } = openTestBuffer(path, { clock, maxBytes: CAP, sinks: ['a'] }));
    expect(buffer.stats().dropped).toEqual(lost);
  });

  it('keeps cursors consistent when undelivered rows are dropped from under them', () => {
    buffer.append(batch(0));
    const firstIds = buffer.pending('a', 1000).map((p) => p.id);
    // Live-first: the sink acked something new, but not the oldest rows, which the cap then takes.
    for (let tick = 1; tick < 600; tick++) buffer.append(batch(tick));
    const newest = buffer.pending('a', 5, 'newest').map((p) => p.id);
    buffer.ack('a', newest);
    for (let tick = 600; tick < 800; tick++) buffer.append(batch(tick));
    const [sink] = buffer.stats().sinks;
    const pending = buffer.pending('a', 1_000_000);
    expect(sink?.pending).toBe(pending.length);
    expect(pending.some((p) => newest.includes(p.id))).toBe(false);
    // The first batch's telemetry is gone; its alarm and prediction (tick 0) are the oldest rows left.
    expect(pending.slice(0, 2).map((p) => p.record.type)).toEqual(['alarm', 'prediction']);
    expect(sink?.cursor).toBe((firstIds[3] as number) - 1);
    buffer.ack('a', pending.slice(0, 2).map((p) => p.id));
    // The cursor skips every row the cap deleted, up to the first telemetry still stored.
    const after = buffer.stats().sinks[0];
    expect(after?.cursor).toBe((buffer.pending('a', 1)[0]?.id as number) - 1);
    expect(after?.cursor).toBeGreaterThan(firstIds[4] as number);
  });

  it('when only alarms and predictions are left, drops incoming telemetry and still accepts alarms', () => {
    let tick = 0;
    while (buffer.stats().usedBytes <= CAP) {
      buffer.append(Array.from({ length: 50 }, (_, i) => (i % 2 ? alarmRecord('pack-1', tick++) : predictionRecord('pack-1', tick++))));
    }
    const rowsBefore = buffer.stats().rows;
    const result = buffer.append([batteryRecord('pack-1', tick), alarmRecord('pack-1', tick + 1), chargerRecord('evse-1', tick + 2)]);
    expect(result.accepted.map((r) => r.type)).toEqual(['alarm']);
    expect(result.dropped).toEqual([
      { reason: 'buffer_full', type: 'battery', count: 1 },
      { reason: 'buffer_full', type: 'charger', count: 1 },
    ]);
    // The dropped telemetry consumed its seq: the loss shows downstream as a gap.
    expect(result.accepted[0]?.seq).toBe(tick + 2);
    const stats = buffer.stats();
    expect(stats.rows).toBe(rowsBefore + 1);
    expect(stats.usedBytes).toBeGreaterThan(CAP);
    expect(stats.dropped).toEqual({ 'buffer_full:battery': 1, 'buffer_full:charger': 1 });
  });

  it('gives space back on compact() after retention deleted delivered rows', () => {
    buffer.close();
    ({ buffer } = openTestBuffer(path, { clock, maxBytes: 64 * 1024 * 1024, sinks: ['a'], retentionMs: 0, synchronous: 'normal' }));
    for (let tick = 0; tick < 1500; tick += 10) buffer.append(Array.from({ length: 10 }, (_, i) => batch(tick + i)).flat());
    buffer.compact();
    const full = buffer.stats();
    expect(full.fileBytes).toBeGreaterThan(1024 * 1024);
    buffer.ack('a', buffer.pending('a', 1_000_000).map((p) => p.id));
    clock.advance(3_600_000 * 1000);
    expect(buffer.applyRetention()).toBe(full.rows);
    const deleted = buffer.stats();
    expect(deleted.usedBytes).toBeLessThan(full.usedBytes / 10); // freed pages are on the freelist
    buffer.compact();
    const compacted = buffer.stats();
    expect(compacted.fileBytes).toBeLessThan(full.fileBytes / 10);
    expect(compacted.fileBytes).toBeLessThan(deleted.fileBytes);
    expect(compacted.usedBytes).toBe(deleted.usedBytes);
  });
});
