/**
 * Capacity-trajectory features for remaining-useful-life models. Input is the capacity history of one
 * device as a fraction of nominal (BMS state of health / 100, or the engine's coulomb-counted
 * capacity / nominal), one value per equivalent full cycle. Causal: features at cycle k use cycles
 * <= k only, so the same function serves training (every prefix of a finished history) and serving.
 */
import { centredMedian, fitLine, fitQuadratic, median } from './stats.js';

export const TRAJECTORY_FEATURE_NAMES = [
  'cycles_so_far', // cycles, equivalent full cycles observed
  'cap_frac', // fraction of nominal, trailing median of the last 5 cycles (rejects single-cycle glitches)
  'cap_frac_initial', // fraction of nominal, median of the first 5 cycles
  'fade_so_far', // fraction, cap_frac_initial - cap_frac
  'margin_to_eol', // fraction, cap_frac - eol_frac
  'slope_20', // fraction per 100 cycles, linear fit over the last 20 cycles
  'slope_50', // fraction per 100 cycles, last 50 cycles
  'slope_100', // fraction per 100 cycles, last 100 cycles
  'curvature_100', // fraction per (100 cycles)^2, 2*a of a quadratic fit over the last 100 cycles
  'linear_cycles_to_eol', // cycles, margin / fade rate of the last 50 cycles (capped at 5000)
  // Physics-informed, scale-free inputs (appended: earlier columns keep their positions). Logs let a
  // linear model on log(remaining + 1) combine extrapolations multiplicatively (power laws).
  'log_linear_eta_20', // ln(1 + margin / fade rate of the last 20 cycles), capped like linear_cycles_to_eol
  'log_linear_eta_50', // ln(1 + linear_cycles_to_eol)
  'log_linear_eta_100', // ln(1 + margin / fade rate of the last 100 cycles)
  'log_quadratic_eta', // ln(1 + cycles until the quadratic fit of the last 100 cycles reaches EoL), capped
  'log_cycles_so_far', // ln(cycles_so_far)
  'fade_budget_used', // fraction, fade_so_far / (cap_frac_initial - eol_frac), clamped to [-1, 2]
  'log_exp_eta', // ln(1 + cycles until Q = a exp(b k) + c, fitted to the whole history, reaches EoL), capped
] as const;
export type TrajectoryFeatureName = (typeof TRAJECTORY_FEATURE_NAMES)[number];
export type TrajectoryFeatures = Record<TrajectoryFeatureName, number>;

const MEDIAN_WINDOW = 5;
const MAX_CYCLES_TO_EOL = 5000;

/** Trailing median filter: element i is the median of elements max(0, i-w+1)..i. */
export function trailingMedian(xs: readonly number[], window = MEDIAN_WINDOW): number[] {
  return xs.map((_, i) => median(xs.slice(Math.max(0, i - window + 1), i + 1)));
}

/**
 * Features after observing `capFrac[0..]` (cycle numbers 1..n) for a device whose end of life is at
 * `eolFrac` of nominal. `smoothed` may be passed in when computing every prefix of a long history.
 */
export function trajectoryFeatures(
  capFrac: readonly number[],
  eolFrac: number,
  smoothed: readonly number[] = trailingMedian(capFrac),
): TrajectoryFeatures {
  const n = Math.min(capFrac.length, smoothed.length);
  if (n < 2) throw new Error('need at least two cycles of capacity history');
  const cycles = Array.from({ length: n }, (_, i) => i + 1);
  const last = (w: number) => {
    const from = Math.max(0, n - w);
    return { x: cycles.slice(from, n), y: smoothed.slice(from, n) };
  };
  const slopePer100 = (w: number) => {
    const { x, y } = last(w);
    return fitLine(x, y).slope * 100;
  };
  const capNow = smoothed[n - 1] as number;
  const capInitial = median(capFrac.slice(0, Math.min(MEDIAN_WINDOW, n)));
  const w100 = last(100);
  const curvature = w100.x.length >= 3 ? 2 * fitQuadratic(w100.x, w100.y).a * 100 * 100 : 0;
  const slope50 = slopePer100(50);
  const margin = capNow - eolFrac;
  const linearEta = etaFromRate(margin, -slope50 / 100);
  const budget = capInitial - eolFrac;
  const budgetUsed = budget > 0 ? Math.min(2, Math.max(-1, (capInitial - capNow) / budget)) : 2;
  return {
    cycles_so_far: n,
    cap_frac: capNow,
    cap_frac_initial: capInitial,
    fade_so_far: capInitial - capNow,
    margin_to_eol: margin,
    slope_20: slopePer100(20),
    slope_50: slope50,
    slope_100: slopePer100(100),
    curvature_100: curvature,
    linear_cycles_to_eol: linearEta,
    log_linear_eta_20: Math.log1p(etaFromRate(margin, -slopePer100(20) / 100)),
    log_linear_eta_50: Math.log1p(linearEta),
    log_linear_eta_100: Math.log1p(etaFromRate(margin, -slopePer100(100) / 100)),
    log_quadratic_eta: Math.log1p(quadraticEta(w100.x, w100.y, n, eolFrac)),
    log_cycles_so_far: Math.log(n),
    fade_budget_used: budgetUsed,
    log_exp_eta: Math.log1p(exponentialEta(cycles, smoothed.slice(0, n), eolFrac)),
  };
}

/** Growth rates b (per cycle) tried by exponentialEta: 40 log-spaced values from 1e-4 to 0.3. */
const EXP_RATES = Array.from({ length: 40 }, (_, i) => 10 ** (-4 + (i * Math.log10(3000)) / 39));

/**
 * Cycles after the last one until Q(k) = a exp(b k) + c, least-squares fitted to the whole history
 * (b > 0 by a grid search, a and c by linear least squares for each b), first falls below eolFrac;
 * the accelerating-fade extrapolation of the exponential baseline, in closed form. 0 when the fit
 * is already below, MAX_CYCLES_TO_EOL when it never crosses.
 */
export function exponentialEta(cycles: readonly number[], q: readonly number[], eolFrac: number): number {
  const n = Math.min(cycles.length, q.length);
  if (n < 5) return etaFromRate((q[n - 1] as number) - eolFrac, -fitLine(cycles.slice(0, n), q.slice(0, n)).slope);
  const now = cycles[n - 1] as number;
  let best: { sse: number; a: number; b: number; c: number } | undefined;
  for (const b of EXP_RATES) {
    // Regress q on z = exp(b (k - now)) (relative to now so z <= 1 and nothing overflows).
    const z = cycles.slice(0, n).map((k) => Math.exp(b * (k - now)));
    const line = fitLine(z, q.slice(0, n));
    let sse = 0;
    for (let i = 0; i < n; i++) sse += ((q[i] as number) - (line.slope * (z[i] as number) + line.intercept)) ** 2;
    if (!best || sse < best.sse) best = { sse, a: line.slope, b, c: line.intercept };
  }
  const { a, b, c } = best!;
  if (!(a + c >= eolFrac)) return 0; // fitted value now is already below
  const ratio = (eolFrac - c) / a; // exp(b d) at the crossing
  if (!(a < 0) || !(ratio > 0)) return MAX_CYCLES_TO_EOL;
  return Math.min(MAX_CYCLES_TO_EOL, Math.max(0, Math.log(ratio) / b));
}

/** margin / fade per cycle, in [0, MAX_CYCLES_TO_EOL]; MAX when the capacity is not fading. */
function etaFromRate(margin: number, fadePerCycle: number): number {
  return fadePerCycle > 0 && Number.isFinite(fadePerCycle) ? Math.min(MAX_CYCLES_TO_EOL, Math.max(0, margin / fadePerCycle)) : MAX_CYCLES_TO_EOL;
}

/**
 * Cycles after cycle `now` until a quadratic fit of (x, y) first falls below eolFrac, searched in
 * whole cycles up to MAX_CYCLES_TO_EOL (0 when the fit is already below, MAX when it never crosses).
 * Falls back to the linear fit for fewer than 10 points.
 */
function quadraticEta(x: readonly number[], y: readonly number[], now: number, eolFrac: number): number {
  if (x.length < 10) return etaFromRate((y[y.length - 1] as number) - eolFrac, -fitLine(x, y).slope);
  // Fit on cycles relative to now so the coefficients stay well conditioned.
  const q = fitQuadratic(x.map((v) => v - now), y);
  const at = (d: number) => q.a * d * d + q.b * d + q.c;
  if (!(at(0) >= eolFrac)) return 0;
  for (let d = 1; d <= MAX_CYCLES_TO_EOL; d++) if (at(d) < eolFrac) return d;
  return MAX_CYCLES_TO_EOL;
}

export function trajectoryFeatureVector(f: TrajectoryFeatures): number[] {
  return TRAJECTORY_FEATURE_NAMES.map((n) => f[n]);
}

/**
 * End of life of a finished history: first cycle (1-based) whose centred 5-cycle median is below
 * `eolFrac`, so a single glitched measurement does not end a cell's life early. Undefined when the
 * record never reaches the threshold (e.g. NASA B0007 never drops below 1.4 Ah).
 */
export function endOfLifeCycle(capFrac: readonly number[], eolFrac: number): number | undefined {
  const filtered = centredMedian(capFrac);
  const i = filtered.findIndex((v) => v < eolFrac);
  return i < 0 ? undefined : i + 1;
}
