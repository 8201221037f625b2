import { describe, expect, it } from 'vitest';
import { planFleet, simulateDevice, simulateFleet, simulatorConfig } from './generate.js';
import { hashString, Rng } from './rng.js';

describe('Rng', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('gaussian has mean ~0 and sd ~1; exponential has mean 1/rate', () => {
    const r = new Rng(99);
    const g = Array.from({ length: 20_000 }, () => r.gaussian());
    const mean = g.reduce((s, x) => s + x, 0) / g.length;
    const sd = Math.sqrt(g.reduce((s, x) => s + (x - mean) ** 2, 0) / g.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    const e = Array.from({ length: 20_000 }, () => r.exponential(4));
    expect(Math.abs(e.reduce((s, x) => s + x, 0) / e.length - 0.25)).toBeLessThan(0.01);
  });

  it('the default device seed is a stable hash of the id', () => {
    expect(hashString('pack-1')).toBe(hashString('pack-1'));
    expect(hashString('pack-1')).not.toBe(hashString('pack-2'));
  });
});

describe('simulateDevice', () => {
  it('samples from t = 0 to durationS inclusive at sampleEveryS, ts from startTs', () => {
    const rs = [...simulateDevice({ deviceId: 'x', kind: 'charger', config: simulatorConfig({}), durationS: 3600, sampleEveryS: 600, startTs: 1_000_000 })];
    expect(rs.map((r) => r.ts)).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => 1_000_000 + k * 600_000));
  });

  it('without a seed, the device id decides the output', () => {
    const run = (id: string) => [...simulateDevice({ deviceId: id, kind: 'battery', config: simulatorConfig({ cells_series: 4 }), durationS: 3600, sampleEveryS: 300 })];
    expect(run('a')).toEqual(run('a'));
    expect(run('a')).not.toEqual(run('b'));
  });
});

describe('simulateFleet', () => {
  const opts = { seed: 7, count: 40, kind: 'battery' as const, durationS: 30 * 86_400, sampleEveryS: 3600, faultRate: 0.05, base: { cells_series: 4 } };

  it('plans are deterministic, varied, keep base fields fixed and carry drawn faults', () => {
    const plan = planFleet(opts);
    expect(planFleet(opts)).toEqual(plan);
    expect(plan).toHaveLength(40);
    expect(new Set(plan.map((d) => d.deviceId)).size).toBe(40);
    expect(new Set(plan.map((d) => d.config.chemistry))).toEqual(new Set(['nmc', 'lfp']));
    expect(plan.every((d) => d.config.cells_series === 4)).toBe(true);
    expect(new Set(plan.map((d) => d.config.seed)).size).toBe(40);
    const faults = plan.flatMap((d) => d.config.faults);
    expect(faults.length).toBeGreaterThan(5);
    for (const f of faults) {
      expect(['internal_short', 'cooling_failure', 'sensor_stuck', 'sensor_drift', 'comms_loss']).toContain(f.type);
      expect(f.start_s).toBeLessThan(opts.durationS);
    }
    expect(planFleet({ ...opts, faultRate: 0 }).flatMap((d) => d.config.faults)).toEqual([]);
  });

  it('hazard grows with age and temperature: old hot devices get more faults than new cool ones', () => {
    const count = (base: Record<string, number>) =>
      planFleet({ ...opts, count: 200, base: { cells_series: 4, ...base } }).reduce((s, d) => s + d.config.faults.length, 0);
    expect(count({ initial_cycles: 1500, initial_age_days: 1500, ambient_c: 40 })).toBeGreaterThan(2 * count({ initial_cycles: 0, initial_age_days: 0, ambient_c: 15 }));
  });

  it('yields every device in time order with its labels', () => {
    const small = { ...opts, count: 3, durationS: 86_400 };
    const rs = [...simulateFleet(small)];
    const ids = [...new Set(rs.map((r) => r.deviceId))];
    expect(ids).toEqual(['battery-000', 'battery-001', 'battery-002']);
    for (const id of ids) {
      const ts = rs.filter((r) => r.deviceId === id).map((r) => r.ts);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    }
    expect(rs.every((r) => Array.isArray(r.reading.faults) && r.reading.source === 'simulator')).toBe(true);
  });

  it('charger fleets draw charger faults', () => {
    const plan = planFleet({ ...opts, kind: 'charger', count: 100 });
    const types = new Set(plan.flatMap((d) => d.config.faults.map((f) => f.type)));
    expect(types.has('ground_fault')).toBe(true);
    expect(types.has('charger_overtemp')).toBe(true);
    expect(types.has('internal_short')).toBe(false);
  });
});
