import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { idempotencyKey, type EdgeRecord, type PendingRecord } from '../../core/record.js';
import { ManualClock } from '../../core/clock.js';
import type { RecordBuffer } from './buffer.js';
import { alarmRecord, batteryRecord, chargerRecord, GATEWAY, openTestBuffer, predictionRecord, tempDir } from './test-support.js';

describe('RecordBuffer sequences and payloads', () => {
  let cleanup: () => void;
  let path: string;
  let buffer: RecordBuffer;
  const clock = new ManualClock();

  beforeEach(() => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    path = join(tmp.dir, 'buffer.sqlite');
    ({ buffer } = openTestBuffer(path, { clock, sinks: ['a'], retentionMs: 0 }));
  });
  afterEach(() => {
    buffer.close();
    cleanup();
  });

  const seqsOf = (records: EdgeRecord[], deviceId: string) => records.filter((r) => r.deviceId === deviceId).map((r) => r.seq);

  it('assigns gap-free per-device seqs across interleaved devices and batches, with idempotency keys', () => {
    const first = buffer.append([batteryRecord('pack-1', 1), chargerRecord('evse-1', 2), batteryRecord('pack-1', 3), alarmRecord('pack-1', 4)]);
    const second = buffer.append([chargerRecord('evse-1', 5), predictionRecord('pack-1', 6)]);
    const all = [...first.accepted, ...second.accepted];
    expect(seqsOf(all, 'pack-1')).toEqual([1, 2, 3, 4]);
    expect(seqsOf(all, 'evse-1')).toEqual([1, 2]);
    for (const record of all) expect(record.key).toBe(idempotencyKey(GATEWAY, record.deviceId, record.seq));
    expect(first.dropped).toEqual([]);
  });

  it('continues seqs after close and reopen, and never reuses one after its row was deleted', () => {
    buffer.append([batteryRecord('pack-1', 1), batteryRecord('pack-1', 2)]);
    const ids = buffer.pending('a', 10).map((p) => p.id);
    buffer.ack('a', ids);
    clock.advance(10);
    expect(buffer.applyRetention()).toBe(2); // the buffer is empty now
    buffer.close();
    ({ buffer } = openTestBuffer(path, { clock, sinks: ['a'], retentionMs: 0 }));
    const { accepted } = buffer.append([batteryRecord('pack-1', 3), batteryRecord('pack-2', 4)]);
    expect(accepted.map((r) => [r.deviceId, r.seq, r.key])).toEqual([
      ['pack-1', 3, `${GATEWAY}/pack-1/3`],
      ['pack-2', 1, `${GATEWAY}/pack-2/1`],
    ]);
    const [row] = buffer.pending('a', 1);
    expect(row?.id).toBe((ids[1] as number) + 1);
  });

  it('gives sinks exactly the record it accepted', () => {
    const { accepted } = buffer.append([batteryRecord('pack-1', 1, 7), alarmRecord('pack-1', 2)]);
    expect(buffer.pending('a', 10).map((p) => p.record)).toEqual(accepted);
    expect(accepted[0]).toMatchObject({ type: 'battery', seq: 1, battery: { cellVoltagesV: expect.any(Array) } });
    expect((accepted[0] as Extract<EdgeRecord, { type: 'battery' }>).battery.cellVoltagesV).toHaveLength(16);
  });

  it('drops and counts records it cannot store, without a seq and without failing the batch', () => {
    const cyclic = batteryRecord('pack-1', 3) as PendingRecord & { self?: unknown };
    cyclic.self = cyclic;
    const { accepted, dropped } = buffer.append([
      batteryRecord('pack-1', 1),
      { ...batteryRecord('pack-1', 2), ts: Number.NaN },
      { ...batteryRecord('', 2) },
      cyclic,
      { ...alarmRecord('pack-1', 2), type: 'bogus' } as unknown as PendingRecord,
      alarmRecord('pack-1', 4),
    ]);
    expect(accepted.map((r) => [r.type, r.seq])).toEqual([['battery', 1], ['alarm', 2]]);
    expect(dropped).toEqual([
      { reason: 'invalid', type: 'battery', count: 3 },
      { reason: 'invalid', type: 'unknown', count: 1 },
    ]);
    expect(buffer.stats()).toMatchObject({ rows: 2, dropped: { 'invalid:battery': 3, 'invalid:unknown': 1 } });
    expect(buffer.append([{ ...batteryRecord('pack-1', 5), ts: Infinity }])).toEqual({ accepted: [], dropped: [{ reason: 'invalid', type: 'battery', count: 1 }] });
  });

  it('rolls a batch back whole when the disk is full: nothing stored, no seq consumed', () => {
    buffer.append([batteryRecord('pack-1', 1)]);
    // A real SQLITE_FULL: cap the file at its current size, as a full SD card would.
    const db = (buffer as unknown as { db: { pragma(s: string, o?: object): unknown } }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = Array.from({ length: 200 }, (_, i) => batteryRecord('pack-1', 2 + i, i));
    expect(() => buffer.append(big)).toThrow(/full/i);
    expect(buffer.stats().rows).toBe(1);
    db.pragma('max_page_count = 1073741823');
    const { accepted } = buffer.append([batteryRecord('pack-1', 3)]);
    expect(accepted[0]?.seq).toBe(2);
    expect(buffer.stats().rows).toBe(2);
    expect(buffer.stats().sinks[0]?.pending).toBe(2);
  });

  it('reads the newest records of one device, optionally of some types', () => {
    buffer.append([batteryRecord('pack-1', 1), alarmRecord('pack-1', 2), batteryRecord('pack-2', 3), batteryRecord('pack-1', 4)]);
    buffer.append([predictionRecord('pack-1', 5)]);
    expect(buffer.recent('pack-1', 3).map((r) => [r.type, r.ts])).toEqual([['prediction', 5], ['battery', 4], ['alarm', 2]]);
    expect(buffer.recent('pack-1', 10, ['alarm', 'prediction']).map((r) => r.seq)).toEqual([4, 2]);
    expect(buffer.recent('pack-2', 10).map((r) => r.deviceId)).toEqual(['pack-2']);
    expect(buffer.recent('nobody', 10)).toEqual([]);
  });
});
