import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSeversonSplit, sharedDataDir } from '../training/shared-data.js';
import { capacityFadeFeatures, deltaQStatistics, quantile, seversonFeaturesFromMatrix } from './severson.js';
import { fitLine, fitQuadratic, kurtosis, skewness, variance } from './stats.js';
import { endOfLifeCycle, exponentialEta, trajectoryFeatures } from './trajectory.js';

describe('stats (reference values from numpy/scipy)', () => {
  const x = [1, 2, 3, 10, 4.5];
  it('moments match numpy var and scipy skew / kurtosis(fisher=False)', () => {
    expect(variance(x)).toBeCloseTo(10.04, 12);
    expect(skewness(x)).toBeCloseTo(1.0376986870052132, 12);
    expect(kurtosis(x)).toBeCloseTo(2.6289781114585473, 12);
  });
  it('line and quadratic fits match numpy.polyfit', () => {
    const l = fitLine([1, 2, 3, 4, 5], [2, 4.1, 5.9, 8.2, 9.8]);
    expect(l.slope).toBeCloseTo(1.97, 12);
    expect(l.intercept).toBeCloseTo(0.09, 12);
    const q = fitQuadratic([0, 1, 2, 3, 4, 5], [1, 2.2, 5.1, 9.8, 17.2, 26.1]);
    expect(q.a).toBeCloseTo(1.00892857, 7);
    expect(q.b).toBeCloseTo(-0.03892857, 7);
    expect(q.c).toBeCloseTo(1.08214286, 7);
  });
});

describe('Severson features on synthetic curves', () => {
  it('dQ(V) statistics of a known difference', () => {
    const early = Array.from({ length: 100 }, (_, i) => i / 100);
    const late = early.map((q, i) => q - 0.001 * i); // dQ = -0.001 i: min -0.099, var 0.001^2 (100^2-1)/12
    const s = deltaQStatistics(early, late);
    expect(s.dq_log_min).toBeCloseTo(Math.log10(0.099), 9);
    expect(s.dq_log_var).toBeCloseTo(Math.log10(1e-6 * (100 * 100 - 1) / 12), 9);
    expect(s.dq_log_abs_mean).toBeCloseTo(Math.log10(0.0495), 9);
    // numpy.quantile(-0.001 * arange(100), [0.1, 0.5]) = -0.0891, -0.0495
    expect(s.dq_log_abs_p10).toBeCloseTo(Math.log10(0.0891), 9);
    expect(s.dq_log_abs_p50).toBeCloseTo(Math.log10(0.0495), 9);
    expect(quantile([3, 1, 2, 4], 0.25)).toBeCloseTo(1.75, 12);
  });
  it('capacity fade features ignore a single-cycle glitch', () => {
    const cycles = Array.from({ length: 99 }, (_, i) => i + 2);
    const cap = cycles.map((c) => 1.07 - 0.0001 * c);
    cap[10] = 31; // like train/cell2 cycle 12 in the published arrays
    const f = capacityFadeFeatures(cycles, cap);
    expect(f.cap_fade_slope).toBeCloseTo(-0.0001, 6); // the spike takes a neighbour's value: slope moves < 1e-7
    expect(f.cap_max_minus_c2).toBeCloseTo(0, 9);
    expect(f.cap_c100).toBeCloseTo(1.06, 9);
    expect(f.cap_fade_slope_91_100).toBeCloseTo(-0.0001, 9);
    expect(f.cap_fade_intercept_91_100).toBeCloseTo(1.07, 9);
  });
});

describe('trajectory features', () => {
  it('linear fade gives the known slope, margin and linear time to end of life', () => {
    const cap = Array.from({ length: 200 }, (_, i) => 1 - 0.001 * (i + 1));
    const f = trajectoryFeatures(cap, 0.7);
    expect(f.slope_50).toBeCloseTo(-0.1, 9);
    expect(f.curvature_100).toBeCloseTo(0, 6);
    // Trailing median of the last 5 = cycle 198: 0.802 -> 0.102 above EoL at 0.001 per cycle.
    expect(f.margin_to_eol).toBeCloseTo(0.102, 9);
    expect(f.linear_cycles_to_eol).toBeCloseTo(102, 6);
    expect(endOfLifeCycle(cap, 0.7)).toBeUndefined();
    expect(endOfLifeCycle(cap, 0.85)).toBe(151);
    expect(f.log_linear_eta_50).toBeCloseTo(Math.log1p(102), 6);
    expect(f.log_linear_eta_20).toBeCloseTo(Math.log1p(102), 6);
    // The quadratic fit is the line itself: 0.802 - 0.001 d first below 0.7 at d = 102 or 103 (float rounding at the boundary).
    expect(Math.round(Math.exp(f.log_quadratic_eta) - 1)).toBeGreaterThanOrEqual(102);
    expect(Math.round(Math.exp(f.log_quadratic_eta) - 1)).toBeLessThanOrEqual(103);
    expect(f.fade_budget_used).toBeCloseTo((0.997 - 0.802) / (0.997 - 0.7), 9); // initial = median of cycles 1..5
  });
  it('exponential extrapolation recovers a known accelerating fade', () => {
    // Q = 1.05 - 0.05 exp(0.01 k) reaches 0.8 at k = ln(5) / 0.01 = 160.9; b = 0.01 is on the grid within ~1 %.
    const cycles = Array.from({ length: 100 }, (_, i) => i + 1);
    const q = cycles.map((k) => 1.05 - 0.05 * Math.exp(0.01 * k));
    expect(exponentialEta(cycles, q, 0.8)).toBeGreaterThan(55);
    expect(exponentialEta(cycles, q, 0.8)).toBeLessThan(67);
    expect(exponentialEta(cycles, cycles.map(() => 1), 0.8)).toBe(5000); // no fade: never crosses
  });
});

const dataDir = sharedDataDir();
const haveSeverson = existsSync(join(dataDir, 'severson', 'train'));

describe.skipIf(!haveSeverson)(`Severson features on real cells (needs ${dataDir}; set EV_EDGE_SHARED_DATA)`, () => {
  it('are in the published ranges and the variance feature tracks cycle life', () => {
    const cells = readSeversonSplit(dataDir, 'train');
    expect(cells).toHaveLength(41);
    const rows = cells.map((c) => ({ life: c.cycleLife, f: seversonFeaturesFromMatrix(c.qd) }));
    for (const { f } of rows) {
      expect(f.cap_c2).toBeGreaterThan(1.0); // 1.1 Ah nominal cells, early in life
      expect(f.cap_c2).toBeLessThan(1.1);
      expect(f.dq_log_var).toBeGreaterThan(-6);
      expect(f.dq_log_var).toBeLessThan(-2);
      expect(f.cap_max_minus_c2).toBeLessThan(0.05);
    }
    // Severson et al. report a strong negative correlation (-0.93 on all cells) of log10 var dQ with
    // log10 cycle life; on the training split it must at least be clearly negative.
    const xs = rows.map((r) => r.f.dq_log_var);
    const ys = rows.map((r) => Math.log10(r.life));
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    let sxy = 0, sxx = 0, syy = 0;
    xs.forEach((x, i) => { sxy += (x - mx) * (ys[i]! - my); sxx += (x - mx) ** 2; syy += (ys[i]! - my) ** 2; });
    expect(sxy / Math.sqrt(sxx * syy)).toBeLessThan(-0.85);
  });
});
