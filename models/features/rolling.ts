/**
 * Rolling time-window mean and standard deviation for anomaly scoring. Keeps the samples of the last
 * `windowS` seconds (bounded by `maxSamples`, oldest dropped first) as plain arrays so the state
 * serialises to JSON as is.
 */

export interface RollingState {
  ts: number[];
  values: number[];
}

export interface RollingStats {
  mean: number;
  std: number;
  min: number;
  max: number;
  n: number;
}

export function emptyRolling(): RollingState {
  return { ts: [], values: [] };
}

/** Add a sample at `tsMs` and drop samples older than `windowS` before it. Non-finite values are ignored. */
export function pushRolling(state: RollingState, tsMs: number, value: number, windowS: number, maxSamples: number): void {
  if (!Number.isFinite(value)) return;
  state.ts.push(tsMs);
  state.values.push(value);
  const cutoff = tsMs - windowS * 1000;
  let drop = 0;
  while (drop < state.ts.length && (state.ts[drop] as number) < cutoff) drop++;
  drop = Math.max(drop, state.ts.length - maxSamples);
  if (drop > 0) {
    state.ts.splice(0, drop);
    state.values.splice(0, drop);
  }
}

/** Population mean / std of the window; NaN fields when empty. */
export function rollingStats(state: RollingState): RollingStats {
  const n = state.values.length;
  if (n === 0) return { mean: NaN, std: NaN, min: NaN, max: NaN, n: 0 };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of state.values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let ss = 0;
  for (const v of state.values) ss += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(ss / n), min, max, n };
}
