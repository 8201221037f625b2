import { describe, expect, it } from 'vitest';
import type { BatterySignals } from '../../core/record.js';
import { BatteryFeatureEngine, defaultEngineConfig } from './engine.js';
import { gridVoltages } from './qv-capture.js';

type Reading = [number, BatterySignals];

/** A 2 Ah single cell: rest, then a constant-current discharge at `amps` during which the voltage
 * falls linearly from 3.65 V to 1.95 V with discharged charge, then rest (1 s sampling). */
function cycle(t0: number, amps: number, capacityAh: number, seconds = 3600): Reading[] {
  const out: Reading[] = [];
  let t = t0;
  for (let k = 0; k < 10; k++, t += 1000) out.push([t, { packVoltageV: 3.7, packCurrentA: 0, tempMaxC: 25 }]);
  const durationS = (capacityAh / amps) * 3600;
  for (let k = 0; k <= durationS; k++, t += 1000) {
    const q = amps * k / 3600;
    out.push([t, { packVoltageV: 3.65 - 1.7 * (q / capacityAh), packCurrentA: -amps, tempMaxC: 25 }]);
  }
  for (let k = 0; k < seconds - durationS; k += 10, t += 10000) out.push([t, { packVoltageV: 3.3, packCurrentA: 0, tempMaxC: 25 }]);
  return out;
}

function feed(engine: BatteryFeatureEngine, readings: Reading[]): void {
  for (const [t, b] of readings) engine.update(t, b);
}

describe('BatteryFeatureEngine', () => {
  it('coulomb-counts a constant-current discharge and detects its segments', () => {
    const e = new BatteryFeatureEngine(defaultEngineConfig(2));
    feed(e, cycle(0, 2, 1.8));
    const kinds = e.segments().map((s) => s.kind);
    expect(kinds).toEqual(['rest', 'discharge', 'rest']);
    const dis = e.segments()[1]!;
    // 2 A for 3240 s = 1.8 Ah, plus the 1 s ramp interval on each edge (trapezoid: 1 A mean, 1/3600 Ah each).
    expect(dis.ah).toBeCloseTo(1.8 + 2 / 3600, 9);
    expect((dis.endMs - dis.startMs) / 1000).toBe(3241);
    // Equivalent full cycles = throughput (in + out) / 2 / nominal; only discharge here.
    expect(e.equivalentFullCycles()).toBeCloseTo((1.8 + 2 / 3600) / 2 / 2, 9);
    // A discharge that swept the whole grid is a capacity measurement.
    expect(e.features().lastDischargeCapacityAh).toBe(dis.ah);
    expect(e.features().capacityFraction).toBeCloseTo(0.9, 3);
  });

  it('captures Q(V) on the fixed grid by interpolation', () => {
    const cfg = defaultEngineConfig(2, { qvGrid: { highV: 3.6, lowV: 2.0, points: 17 } });
    const e = new BatteryFeatureEngine(cfg);
    feed(e, cycle(0, 2, 1.7));
    // Voltage fell 1.7 V over 1.7 Ah: Q(V) = 3.65 - V Ah; re-based to 0 at 3.6 V gives 3.6 - V.
    const q = (e.toJSON().state.qvLatest as { q: number[] }).q;
    gridVoltages(cfg.qvGrid).forEach((v, i) => expect(q[i]).toBeCloseTo(3.6 - v, 3));
  });

  it('does not take a partial discharge as a capacity measurement', () => {
    const e = new BatteryFeatureEngine(defaultEngineConfig(2));
    const partial = cycle(0, 2, 1.8).filter(([, b]) => (b.packVoltageV ?? 0) > 2.5);
    feed(e, partial);
    expect(e.segments().map((s) => s.kind)).toContain('discharge');
    expect(e.features().lastDischargeCapacityAh).toBeNull();
  });

  it('estimates capacity from a partial discharge with a wide SoC swing', () => {
    const e = new BatteryFeatureEngine(defaultEngineConfig(2));
    let t = 0;
    e.update((t += 1000), { packVoltageV: 3.4, packCurrentA: 0, socPct: 90 });
    // 1 A for 3600 s while SoC falls 90 -> 30 %: 1 Ah over 60 % of capacity = 1.6667 Ah.
    for (let k = 0; k <= 3600; k++) e.update((t += 1000), { packVoltageV: 3.3, packCurrentA: -1, socPct: 90 - (60 * k) / 3600 });
    e.update((t += 1000), { packVoltageV: 3.3, packCurrentA: 0, socPct: 30 });
    const p = e.capacityHistory();
    expect(p).toHaveLength(1);
    expect(p[0]!.source).toBe('soc_swing');
    expect(p[0]!.capacityAh).toBeCloseTo((1 + 1 / 3600) / 0.6, 9);
  });

  it('estimates internal resistance from a current step', () => {
    const e = new BatteryFeatureEngine(defaultEngineConfig(2));
    // OCV 3.30 V, R = 50 mOhm: at -4 A the terminal voltage is 3.30 - 4 x 0.05 = 3.10 V; at +3 A, 3.45 V.
    const r = 0.05;
    const readings: Reading[] = [];
    let t = 0;
    for (const amps of [0, 0, -4, -4, 0, 0, 3, 3]) readings.push([(t += 1000), { packVoltageV: 3.3 + amps * r, packCurrentA: amps }]);
    feed(e, readings);
    expect(e.features().resistanceOhm).toBeCloseTo(r, 9);
    expect(e.toJSON().state.resistance.steps).toBe(3);
  });

  it('segments charge, rest and discharge and accumulates time above temperature thresholds', () => {
    const e = new BatteryFeatureEngine(defaultEngineConfig(2, { tempThresholdsC: [40] }));
    let t = 0;
    for (let k = 0; k < 100; k++) e.update((t += 1000), { packVoltageV: 3.5, packCurrentA: 1, tempMaxC: 45 });
    for (let k = 0; k < 50; k++) e.update((t += 1000), { packVoltageV: 3.4, packCurrentA: 0, tempMaxC: 35 });
    for (let k = 0; k < 30; k++) e.update((t += 1000), { packVoltageV: 3.2, packCurrentA: -1, tempMaxC: 30 });
    expect(e.segments().map((s) => s.kind)).toEqual(['charge', 'rest', 'discharge']);
    // 100 readings at 45 degC: 99 intervals while charging plus the one into the first rest reading.
    expect(e.features().tempAboveS['above_40C']).toBe(100);
    expect(e.features().segment).toBe('discharge');
  });

  it('does not integrate across a data gap', () => {
    const e = new BatteryFeatureEngine(defaultEngineConfig(2, { maxGapS: 60 }));
    e.update(0, { packVoltageV: 3.3, packCurrentA: -2 });
    e.update(3_600_000, { packVoltageV: 3.2, packCurrentA: -2 });
    expect(e.equivalentFullCycles()).toBe(0);
    expect(e.segments()[0]!.gap).toBe(true);
  });

  it('keeps rolling window mean and std', () => {
    const e = new BatteryFeatureEngine(defaultEngineConfig(2, { rollingWindowS: 10 }));
    for (let k = 0; k < 40; k++) e.update(k * 1000, { packVoltageV: 3.3, packCurrentA: 0, tempMaxC: k % 2 === 0 ? 20 : 30 });
    const temp = e.features().rolling.tempMaxC;
    expect(temp.n).toBe(11); // samples at t-10 s .. t
    expect(temp.mean).toBeCloseTo((6 * 30 + 5 * 20) / 11, 9);
    expect(temp.std).toBeGreaterThan(4.9);
  });

  it('round-trips its state through JSON without changing any result', () => {
    const readings = [...cycle(0, 2, 1.8), ...cycle(4_000_000, 2, 1.75), ...cycle(8_000_000, 2, 1.7)];
    const whole = new BatteryFeatureEngine(defaultEngineConfig(2, { qvReferenceCycle: 0 }));
    feed(whole, readings);
    let resumed = new BatteryFeatureEngine(defaultEngineConfig(2, { qvReferenceCycle: 0 }));
    const half = Math.floor(readings.length / 2);
    feed(resumed, readings.slice(0, half));
    resumed = BatteryFeatureEngine.fromJSON(JSON.stringify(resumed));
    feed(resumed, readings.slice(half));
    expect(resumed.features()).toEqual(whole.features());
    expect(resumed.capacityHistory().map((p) => p.capacityAh)).toHaveLength(3);
    // Capacity fell 1.8 -> 1.75 -> 1.7 Ah over ~0.9 cycles each: fade is negative and dQ(V) exists.
    expect(whole.features().fadeRatePer100Cycles!).toBeLessThan(0);
    expect(whole.features().deltaQ).not.toBeNull();
  });

  it('builds the cycle_life inputs from full discharges at cycles >= 10 and >= 100', () => {
    const cfg = defaultEngineConfig(2, { qvReferenceCycle: 1, qvLateCycle: 2, qvGrid: { highV: 3.6, lowV: 2.0, points: 50 } });
    const e = new BatteryFeatureEngine(cfg);
    expect(e.seversonInputs()).toBeUndefined();
    // Cycle index from the BMS counter so that 100 cycles of history exist without simulating them.
    e.update(0, { packCurrentA: 0, cycleCount: 1 });
    feed(e, cycle(1000, 2, 1.8));
    e.update(4_000_000, { packCurrentA: 0, cycleCount: 100 });
    feed(e, cycle(4_001_000, 2, 1.75));
    const f = e.seversonInputs()!;
    // Q(V) = (3.6 - V) C / 1.7 on the grid, so dQ(V) = (1.75 - 1.8)(3.6 - V) / 1.7, minimum at 2.0 V.
    expect(f.dq_log_min).toBeCloseTo(Math.log10((0.05 * 1.6) / 1.7), 3);
    expect(f.cap_c100).toBeCloseTo(1.75 + 2 / 3600, 9); // coulomb count incl. the two 1 s edges
    expect(f.cap_c2).toBeCloseTo(1.8 + 2 / 3600, 9);
  });

  it('uses BMS capacity and cycle count for the trajectory features', () => {
    const e = new BatteryFeatureEngine(defaultEngineConfig(2));
    for (let c = 1; c <= 60; c++) e.update(c * 1000, { packCurrentA: 0, cycleCount: c, sohPct: 100 - 0.1 * c });
    const f = e.trajectory(0.8)!;
    expect(f.cycles_so_far).toBe(60);
    expect(f.cap_frac).toBeCloseTo(1 - 0.001 * 58, 6); // trailing 5-cycle median = cycle 58
    expect(f.slope_50).toBeCloseTo(-0.1, 6); // -0.001 per cycle = -0.1 per 100 cycles
  });
});
