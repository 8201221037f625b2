import { describe, expect, it } from 'vitest';
import { progressOf } from './progress.js';

const at = (s: number, count: number) => ({ atMs: s * 1000, count });

describe('progressOf (flaky-link delivery progress)', () => {
  it('measures the longest gap between increases, the tail to the window end included', () => {
    const samples = [at(0, 0), at(5, 0), at(10, 3), at(11, 3), at(30, 8), at(31, 9), at(40, 9)];
    const p = progressOf(samples, 0, 60_000);
    expect(p.first_delivery_s).toBe(10);
    expect(p.delivered).toBe(9);
    // 10 -> 30 is 20 s; the tail 31 -> 60 is 29 s and must count: the sink stopped delivering.
    expect(p.max_stall_s).toBe(29);
    expect(p.per_minute).toEqual([9]);
  });

  it('counts only records that arrived inside the window, per minute', () => {
    const samples = [at(0, 4), at(20, 4), at(50, 10), at(70, 15), at(125, 30)];
    const p = progressOf(samples, 10_000, 130_000);
    expect(p.per_minute).toEqual([6, 20]);
    expect(p.delivered).toBe(30);
    expect(p.first_delivery_s).toBe(40);
    // 26 records over the 80 s from the first delivery (50 s) to the end (130 s).
    expect(p.records_per_min).toBe(Math.round(26 / (80 / 60)));
    expect(p.max_stall_s).toBe(55);
  });

  it('reports no delivery as nulls, not as a zero stall', () => {
    const p = progressOf([at(0, 0), at(30, 0)], 0, 30_000);
    expect(p).toMatchObject({ first_delivery_s: null, max_stall_s: null, delivered: 0 });
  });
});
