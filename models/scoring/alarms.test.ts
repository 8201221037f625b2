import { describe, expect, it } from 'vitest';
import { alarmRuleSchema, scoringSchema } from '../config.js';
import { AlarmEvaluator, signalValues } from './alarms.js';
import { recommend } from './maintenance.js';
import { FeatureWindow, binIndex, psi } from './psi.js';

describe('alarm hysteresis', () => {
  const rules = [
    alarmRuleSchema.parse({ name: 'hot', signal: 'tempMaxC', op: '>', threshold: 60, clear: 55, severity: 'critical' }),
    alarmRuleSchema.parse({ name: 'low', signal: 'cellVoltageMinV', op: '<', threshold: 2.5, clear: 2.7 }),
  ];

  it('fires once per episode and re-arms only past the clear level', () => {
    const a = new AlarmEvaluator(rules);
    const fired = [59, 61, 65, 56, 61, 55, 60, 60.1].map((t, i) => a.evaluate('p', 'battery', { tempMaxC: t }, i * 1000).length);
    expect(fired).toEqual([0, 1, 0, 0, 0, 0, 0, 1]);
  });

  it('handles "<" rules, ignores absent signals and other devices', () => {
    const a = new AlarmEvaluator(rules);
    expect(a.evaluate('p', 'battery', { cellVoltageMinV: 2.4 }, 0)[0]).toMatchObject({ rule: 'low', severity: 'warning', value: 2.4, threshold: 2.5 });
    expect(a.evaluate('p', 'battery', { tempMaxC: 20 }, 0)).toEqual([]); // low stays active: its signal is absent
    expect(a.evaluate('p', 'battery', { cellVoltageMinV: 2.6 }, 0)).toEqual([]); // inside the dead band
    expect(a.evaluate('q', 'battery', { cellVoltageMinV: 2.4 }, 0)).toHaveLength(1); // another device, own episode
    expect(a.evaluate('p', 'battery', { cellVoltageMinV: 2.8 }, 0)).toEqual([]); // clears
    expect(a.evaluate('p', 'battery', { cellVoltageMinV: 2.4 }, 0)).toHaveLength(1);
  });

  it('with clear_after_s, the episode ends only after the value stayed clear that long', () => {
    const rule = alarmRuleSchema.parse({ name: 'anomaly', signal: 'score', op: '>', threshold: 6, clear: 4, clear_after_s: 3600 });
    const a = new AlarmEvaluator([rule]);
    const min = 60_000;
    // Fires at 0; clear for 30 min, back above: same episode; clear 30 min again, then 61 min: ends.
    const seq: [number, number][] = [[0, 8], [10, 3], [40, 7], [50, 3], [80, 3], [111, 3], [112, 9]];
    expect(seq.map(([t, v]) => a.evaluate('p', 'battery', { score: v }, t * min).length)).toEqual([1, 0, 0, 0, 0, 0, 1]);
  });

  it('snapshot/restore keeps an episode open', () => {
    const a = new AlarmEvaluator(rules);
    a.evaluate('p', 'battery', { tempMaxC: 70 }, 0);
    const b = new AlarmEvaluator(rules);
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.evaluate('p', 'battery', { tempMaxC: 70 }, 0)).toEqual([]);
    expect(b.activeFor('p')).toEqual([{ rule: 'hot', severity: 'critical' }]);
  });

  it('rejects a clear level on the wrong side of the threshold', () => {
    expect(() => alarmRuleSchema.parse({ name: 'x', signal: 's', op: '>', threshold: 1, clear: 2 })).toThrow(/clear/);
  });

  it('derives cell and sensor spreads from raw battery signals', () => {
    expect(signalValues('battery', { cellVoltageMaxV: 3.7, cellVoltageMinV: 3.55, tempMaxC: 30, tempMinC: 26 })).toMatchObject({ cellSpreadMv: expect.closeTo(150, 6), tempSpreadC: 4 });
  });
});

describe('maintenance recommendation', () => {
  const cfg = scoringSchema.parse({}).maintenance;
  it('follows the documented rule, most urgent first', () => {
    expect(recommend({ activeAlarms: [] }, cfg)).toBe('NONE');
    expect(recommend({ failureProbability: 0.15, activeAlarms: [] }, cfg)).toBe('WITHIN_30_DAYS');
    expect(recommend({ rulCycles: 150, activeAlarms: [] }, cfg)).toBe('WITHIN_30_DAYS');
    expect(recommend({ failureProbability: 0.35, activeAlarms: [] }, cfg)).toBe('WITHIN_7_DAYS');
    expect(recommend({ failureProbability: 0.01, activeAlarms: [{ severity: 'warning' }] }, cfg)).toBe('WITHIN_7_DAYS');
    expect(recommend({ failureProbability: 0.75, activeAlarms: [] }, cfg)).toBe('IMMEDIATE');
    expect(recommend({ activeAlarms: [{ severity: 'info' }, { severity: 'critical' }] }, cfg)).toBe('IMMEDIATE');
  });
});

describe('population stability index', () => {
  it('bins like the training histogram: last edge <= x, outside values in the outer bins', () => {
    const edges = [0, 1, 2, 3];
    expect([-5, 0, 0.99, 1, 2.5, 3, 99].map((x) => binIndex(edges, x))).toEqual([0, 0, 0, 1, 2, 2, 2]);
  });

  it('is ~0 for the training distribution and matches the formula for a shift', () => {
    const train = [0.25, 0.25, 0.25, 0.25];
    expect(psi(train, [50, 50, 50, 50])).toBeCloseTo(0, 12);
    // live 10/20/30/40 %: sum (l - t) ln(l / t)
    const expected = (0.1 - 0.25) * Math.log(0.1 / 0.25) + (0.2 - 0.25) * Math.log(0.2 / 0.25) + (0.3 - 0.25) * Math.log(0.3 / 0.25) + (0.4 - 0.25) * Math.log(0.4 / 0.25);
    expect(psi(train, [10, 20, 30, 40])).toBeCloseTo(expected, 12);
    expect(psi(train, [0, 0, 0, 100])).toBeGreaterThan(1); // everything in one bin: major shift, still finite
    expect(Number.isFinite(psi(train, [0, 0, 0, 100]))).toBe(true);
  });

  it('keeps a sliding window of the last N values', () => {
    const w = new FeatureWindow([0, 1, 2], 4);
    for (const x of [0.5, 0.5, 0.5, 0.5, 1.5, 1.5]) w.add(x);
    expect(w.counts).toEqual([2, 2]);
    expect(w.size).toBe(4);
  });
});
