import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ManualClock } from '../../core/clock.js';
import type { PendingRecord } from '../../core/record.js';
import type { RecordBuffer } from './buffer.js';
import { MAX_SAMPLE_POINTS } from './history.js';
import { batteryRecord, chargerRecord, openTestBuffer, predictionRecord, tempDir } from './test-support.js';

const T0 = 1_780_000_000_000;
const S = 1000;

describe('RecordBuffer.sample (status page history)', () => {
  let cleanup: () => void;
  let buffer: RecordBuffer;
  let clock: ManualClock;

  beforeEach(() => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    ({ buffer, clock } = openTestBuffer(join(tmp.dir, 'buffer.sqlite'), { sinks: [] }));
    // pack-1: one reading a second for 2000 s, a prediction after every 10th; charger-1 interleaved.
    const records: PendingRecord[] = [];
    for (let i = 0; i < 2000; i++) {
      records.push(batteryRecord('pack-1', T0 + i * S, i));
      if (i % 10 === 9) records.push(predictionRecord('pack-1', T0 + i * S));
      records.push(chargerRecord('charger-1', T0 + i * S));
    }
    buffer.append(records);
  });
  afterEach(() => {
    buffer.close();
    cleanup();
  });

  it('spreads at most maxPoints readings of the asked type evenly over the window, newest first and always included', () => {
    const since = T0 + 1000 * S;
    const points = buffer.sample('pack-1', 'battery', since, 50);
    expect(points.length).toBeGreaterThanOrEqual(49);
    expect(points.length).toBeLessThanOrEqual(50);
    expect(points.every((r) => r.type === 'battery' && r.deviceId === 'pack-1' && r.ts >= since)).toBe(true);
    expect(points[0]?.ts).toBe(T0 + 1999 * S);
    const gaps = points.slice(1).map((r, i) => (points[i] as { ts: number }).ts - r.ts);
    // 1000 s of readings in 50 buckets: about 20 s apart, never bunched up or leaving holes.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(18 * S);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(22 * S);
    expect(points.at(-1)!.ts).toBeLessThanOrEqual(since + 22 * S);
  });

  it('returns every reading when the window holds fewer than maxPoints', () => {
    const points = buffer.sample('pack-1', 'battery', T0 + 1990 * S, 100);
    expect(points.map((r) => (r.ts - T0) / S)).toEqual([1999, 1998, 1997, 1996, 1995, 1994, 1993, 1992, 1991, 1990]);
  });

  it('samples a sparse type (predictions) without mixing in others', () => {
    const points = buffer.sample('pack-1', 'prediction', T0, 20);
    expect(points.length).toBe(20);
    expect(points.every((r) => r.type === 'prediction')).toBe(true);
    expect(points[0]?.ts).toBe(T0 + 1999 * S);
  });

  it('is empty for an unknown device, a window after the newest record, and a type the device never had', () => {
    expect(buffer.sample('nope', 'battery', 0, 10)).toEqual([]);
    expect(buffer.sample('pack-1', 'battery', T0 + 5000 * S, 10)).toEqual([]);
    expect(buffer.sample('charger-1', 'battery', 0, 10)).toEqual([]);
  });

  it('bounds the points whatever the caller asks, and starts at the oldest stored row after retention', () => {
    expect(buffer.sample('charger-1', 'charger', 0, 1e9).length).toBe(MAX_SAMPLE_POINTS);
    clock.jumpWall(T0 + 1500 * S + 3_600_000 - clock.now()); // rows older than T0 + 1500 s are past retention (1 h)
    buffer.applyRetention();
    const points = buffer.sample('pack-1', 'battery', 0, 1e9);
    expect(points).toHaveLength(500);
    expect(points.at(-1)!.ts).toBe(T0 + 1500 * S);
  });
});

describe('RecordBuffer.newestSince (sparse types in a window)', () => {
  it('returns the newest predictions inside the window only, at most limit, newest first', () => {
    const tmp = tempDir();
    const { buffer } = openTestBuffer(join(tmp.dir, 'buffer.sqlite'), { sinks: [] });
    try {
      const records: PendingRecord[] = [];
      for (let i = 0; i < 600; i++) {
        records.push(batteryRecord('pack-1', T0 + i * S, i));
        if (i % 60 === 59) records.push(predictionRecord('pack-1', T0 + i * S));
      }
      buffer.append(records);
      const since = T0 + 300 * S;
      expect(buffer.newestSince('pack-1', 'prediction', since, 100).map((r) => (r.ts - T0) / S)).toEqual([599, 539, 479, 419, 359]);
      expect(buffer.newestSince('pack-1', 'prediction', since, 2).map((r) => (r.ts - T0) / S)).toEqual([599, 539]);
      expect(buffer.newestSince('pack-1', 'alarm', since, 100)).toEqual([]);
      expect(buffer.newestSince('pack-1', 'prediction', T0 + 700 * S, 100)).toEqual([]);
    } finally {
      buffer.close();
      tmp.cleanup();
    }
  });
});
