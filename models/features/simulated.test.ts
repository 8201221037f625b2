/**
 * The feature engine on the project's own simulator output (canonical readings from
 * drivers/simulator): coulomb-counted throughput must agree with the simulator's own equivalent
 * full cycle counter, and the state must survive a JSON round trip mid-stream.
 */
import { describe, expect, it } from 'vitest';
import { planLabCells, simulateLabCell, trueEndOfLife } from '../../drivers/simulator/capacity-trajectory.js';
import { simulateDevice, simulatorConfig } from '../../drivers/simulator/generate.js';
import { BatteryFeatureEngine, defaultEngineConfig } from './engine.js';
import { endOfLifeCycle, TRAJECTORY_FEATURE_NAMES, trajectoryFeatures, trajectoryFeatureVector } from './trajectory.js';

describe('feature engine on simulated pack readings', () => {
  it('counts the same equivalent full cycles as the simulator and finds its charge/discharge days', () => {
    const config = simulatorConfig({ chemistry: 'lfp', cells_series: 16, capacity_ah: 100, profile: 'storage', max_step_s: 10 });
    const engineConfig = defaultEngineConfig(100, { seriesCells: 16 });
    let engine = new BatteryFeatureEngine(engineConfig);
    let first: number | undefined;
    let last: number | undefined;
    let n = 0;
    for (const { ts, reading } of simulateDevice({ deviceId: 'pack-1', kind: 'battery', config, durationS: 2 * 86400, sampleEveryS: 10 })) {
      if (reading.body.type !== 'battery') continue;
      const { cycleCount, sohPct: _soh, fullCapacityAh: _full, ...signals } = reading.body.battery;
      first ??= cycleCount;
      last = cycleCount;
      // Without the BMS counter and SoH, everything below comes from the engine's own counting.
      engine.update(ts, signals);
      if (++n === 9000) engine = BatteryFeatureEngine.fromJSON(JSON.stringify(engine));
    }
    const simulatedEfc = (last ?? NaN) - (first ?? NaN);
    expect(simulatedEfc).toBeGreaterThan(0.5);
    expect(Math.abs(engine.equivalentFullCycles() - simulatedEfc) / simulatedEfc).toBeLessThan(0.01);
    const kinds = engine.segments().map((s) => s.kind);
    expect(kinds.filter((k) => k === 'discharge').length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((k) => k === 'charge').length).toBeGreaterThanOrEqual(2);
  });
});

describe('trajectory features on simulated lab cells (rul_capacity training rows)', () => {
  it('find each cell\'s end of life despite noise and glitches, and give finite features along its life', () => {
    for (const p of planLabCells(6, 3)) {
      const { capFrac } = simulateLabCell(p);
      const eol = endOfLifeCycle(capFrac, p.eolFrac)!;
      const truth = trueEndOfLife(p)!;
      expect(Math.abs(eol - truth)).toBeLessThanOrEqual(Math.max(10, 0.1 * truth));
      for (const k of [10, Math.round(eol / 2), eol]) {
        const v = trajectoryFeatureVector(trajectoryFeatures(capFrac.slice(0, k), p.eolFrac));
        expect(v).toHaveLength(TRAJECTORY_FEATURE_NAMES.length);
        for (const x of v) expect(Number.isFinite(x)).toBe(true);
      }
    }
  });
});
