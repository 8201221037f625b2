import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRequests, type PlannablePoint } from './planner.js';

const p = (address: number, count = 1, table: PlannablePoint['table'] = 'holding', unitId?: number): PlannablePoint =>
  unitId === undefined ? { table, address, count } : { table, address, count, unitId };

describe('planRequests', () => {
  it('merges adjacent registers into one request', () => {
    const plan = planRequests([p(259), p(258), p(261), p(260)]);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ table: 'holding', start: 258, count: 4 });
    expect(plan[0]?.points.map((x) => x.address)).toEqual([258, 259, 260, 261]);
  });

  it('reads through holes up to max_gap, and not beyond', () => {
    expect(planRequests([p(100), p(111, 2)], { maxGap: 10 })).toMatchObject([{ start: 100, count: 13 }]);
    expect(planRequests([p(100), p(112, 2)], { maxGap: 10 })).toMatchObject([{ start: 100, count: 1 }, { start: 112, count: 2 }]);
    expect(planRequests([p(100), p(102)], { maxGap: 0 })).toHaveLength(2);
    expect(planRequests([p(100), p(101)], { maxGap: 0 })).toHaveLength(1);
  });

  it('never exceeds 125 registers (or max_registers) per request', () => {
    const points = Array.from({ length: 200 }, (_, i) => p(1000 + i));
    expect(planRequests(points).map((r) => r.count)).toEqual([125, 75]);
    expect(planRequests(points, { maxRegisters: 60 }).map((r) => r.count)).toEqual([60, 60, 60, 20]);
    expect(planRequests(points, { maxRegisters: 500 }).map((r) => r.count)).toEqual([125, 75]);
  });

  it('keeps tables and unit ids apart, and allows 2000 bits per coil read', () => {
    const plan = planRequests([p(10), p(10, 1, 'input'), p(11, 1, 'holding', 200), p(0, 1, 'coil'), p(5, 1, 'coil')]);
    expect(plan.map((r) => `${r.unitId ?? '-'}/${r.table}/${r.start}+${r.count}`).sort()).toEqual([
      '-/coil/0+6', '-/holding/10+1', '-/input/10+1', '200/holding/11+1',
    ]);
  });

  it('reads up to 2000 contiguous coils per request', () => {
    const coils = Array.from({ length: 2500 }, (_, i) => p(i, 1, 'coil'));
    expect(planRequests(coils).map((r) => r.count)).toEqual([2000, 500]);
  });

  it('handles overlapping points (one register feeding two fields)', () => {
    expect(planRequests([p(3824), p(3824), p(3816, 2)], { maxGap: 10 })).toMatchObject([{ start: 3816, count: 9 }]);
  });

  it('covers every point exactly once, within limits, for random maps (property)', () => {
    const point = fc.record({
      table: fc.constantFrom('holding', 'input', 'coil'),
      address: fc.integer({ min: 0, max: 2000 }),
      count: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(
      fc.property(fc.array(point, { maxLength: 80 }), fc.integer({ min: 0, max: 20 }), (raw, maxGap) => {
        const points = raw.map((x) => ({ ...x, table: x.table as PlannablePoint['table'], count: x.table === 'coil' ? 1 : x.count }));
        const plan = planRequests(points, { maxGap });
        expect(plan.flatMap((r) => r.points)).toHaveLength(points.length);
        for (const r of plan) {
          expect(r.count).toBeLessThanOrEqual(r.table === 'coil' ? 2000 : 125);
          for (const q of r.points) {
            expect(q.table).toBe(r.table);
            expect(q.address).toBeGreaterThanOrEqual(r.start);
            expect(q.address + q.count).toBeLessThanOrEqual(r.start + r.count);
          }
        }
        // Greedy merging never leaves two same-table requests that could have been one.
        const byTable = new Map<string, typeof plan>();
        for (const r of plan) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r]);
        for (const rs of byTable.values()) {
          for (let i = 1; i < rs.length; i++) {
            const a = rs[i - 1]!;
            const b = rs[i]!;
            const limit = a.table === 'coil' ? 2000 : 125;
            const mergeable = b.start - (a.start + a.count) <= maxGap && b.start + b.count - a.start <= limit;
            expect(mergeable).toBe(false);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
