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
  const fadePerCycle = -slope50 / 100;
  const linearEta = fadePerCycle > 0 ? Math.min(MAX_CYCLES_TO_EOL, Math.max(0, margin / fadePerCycle)) : MAX_CYCLES_TO_EOL;
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
  };
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
