/**
 * Cycle-life features of Severson et al. (Nature Energy 2019) from discharge capacity curves Q(V)
 * on a fixed voltage grid. Pure functions: the training pipeline feeds them the published arrays,
 * the online engine feeds them the Q(V) curves it captured on full discharges, so both sides compute
 * the same numbers with the same code.
 */
import { despike, fitLine, kurtosis, log10Abs, mean, skewness, variance } from './stats.js';

/** Linear-interpolated quantile (numpy's default method) of an unsorted sample, 0 <= p <= 1. */
export function quantile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return (s[lo] as number) + (h - lo) * ((s[hi] as number) - (s[lo] as number));
}

/** Feature names in the order the cycle_life model card lists them. */
export const SEVERSON_FEATURE_NAMES = [
  'dq_log_var', // log10 |var(dQ100-10(V))|, the single "variance model" feature
  'dq_log_min', // log10 |min(dQ100-10(V))|
  'dq_log_abs_mean', // log10 |mean(dQ100-10(V))|
  'dq_log_abs_skew', // log10 |skewness|
  'dq_log_abs_kurt', // log10 |kurtosis| (Pearson, not excess)
  'cap_fade_slope', // Ah/cycle, linear fit of discharge capacity over cycles 2..100
  'cap_fade_intercept', // Ah, intercept of that fit
  'cap_max_minus_c2', // Ah, max capacity over cycles 2..100 minus capacity at cycle 2
  'cap_c2', // Ah, discharge capacity at cycle 2
  'cap_c100', // Ah, discharge capacity at cycle 100
  // Added for the second model search (appended: earlier columns keep their positions).
  'dq_log_abs_p10', // log10 |10th percentile of dQ100-10(V)| (a robust "minimum"; Attia et al. 2021 quantile features)
  'dq_log_abs_p50', // log10 |median of dQ100-10(V)|
  'cap_fade_slope_91_100', // Ah/cycle, linear fit of discharge capacity over cycles 91..100 (Severson et al. SI)
  'cap_fade_intercept_91_100', // Ah, intercept of that fit
] as const;
export type SeversonFeatureName = (typeof SEVERSON_FEATURE_NAMES)[number];
export type SeversonFeatures = Record<SeversonFeatureName, number>;

/** Statistics of dQ(V) = Q_late(V) - Q_early(V), both sampled on the same voltage grid. */
export function deltaQStatistics(qEarly: readonly number[], qLate: readonly number[]) {
  if (qEarly.length !== qLate.length || qEarly.length < 4) {
    throw new Error(`Q(V) curves must share a grid of >= 4 points (got ${qEarly.length} and ${qLate.length})`);
  }
  const dq = qLate.map((q, i) => q - (qEarly[i] as number));
  return {
    dq_log_var: log10Abs(variance(dq)),
    dq_log_min: log10Abs(Math.min(...dq)),
    dq_log_abs_mean: log10Abs(mean(dq)),
    dq_log_abs_skew: log10Abs(skewness(dq)),
    dq_log_abs_kurt: log10Abs(kurtosis(dq)),
    dq_log_abs_p10: log10Abs(quantile(dq, 0.1)),
    dq_log_abs_p50: log10Abs(quantile(dq, 0.5)),
  };
}

/**
 * Capacity-fade features from per-cycle discharge capacity (Ah) indexed by cycle number. The
 * capacity series is de-spiked first: the published arrays hold single-cycle glitches of ~31 Ah
 * (e.g. train/cell2 cycle 12) that would otherwise dominate max-minus-cycle-2 and the slope.
 */
export function capacityFadeFeatures(cycles: readonly number[], capacityAh: readonly number[]) {
  const idx2 = cycles.indexOf(2);
  const idx100 = cycles.indexOf(100);
  if (idx2 < 0 || idx100 < 0) throw new Error('capacity history must include cycles 2 and 100');
  const xs = cycles.slice(idx2, idx100 + 1);
  const ys = despike(capacityAh.slice(idx2, idx100 + 1));
  const line = fitLine(xs, ys);
  const c2 = ys[0] as number;
  // Cycles 91..100: the fade rate just before prediction time (Severson et al. SI candidate features).
  const late = fitLine(xs.slice(-10), ys.slice(-10));
  return {
    cap_fade_slope: line.slope,
    cap_fade_intercept: line.intercept,
    cap_max_minus_c2: Math.max(...ys) - c2,
    cap_c2: c2,
    cap_c100: ys[ys.length - 1] as number,
    cap_fade_slope_91_100: late.slope,
    cap_fade_intercept_91_100: late.intercept,
  };
}

/**
 * One cell in the layout of the Attia et al. export: `qd[row][col]` is discharge capacity at grid
 * voltage `row` (3.6 V down to 2.0 V) for cycle `col + 2`. The capacity of a cycle is its last row.
 */
export function seversonFeaturesFromMatrix(qd: readonly (readonly number[])[]): SeversonFeatures {
  const nCycles = qd[0]?.length ?? 0;
  if (nCycles < 99) throw new Error(`expected 99 cycle columns (2..100), got ${nCycles}`);
  const column = (cycle: number) => qd.map((row) => row[cycle - 2] as number);
  const lastRow = qd[qd.length - 1] as readonly number[];
  const cycles = Array.from({ length: 99 }, (_, i) => i + 2);
  return {
    ...deltaQStatistics(column(10), column(100)),
    ...capacityFadeFeatures(cycles, lastRow.slice(0, 99)),
  };
}

/** Features in card order, for writing a model input row. */
export function seversonFeatureVector(f: SeversonFeatures): number[] {
  return SEVERSON_FEATURE_NAMES.map((n) => f[n]);
}
