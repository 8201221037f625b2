/**
 * Internal-resistance estimate from current steps: across two consecutive readings close in time,
 * a current step dI large enough to dominate noise gives R = dV / dI (V = OCV + I * R with current
 * positive while charging; OCV barely moves within a few seconds). Estimates are smoothed with an
 * exponentially weighted mean so one noisy step does not swing the value.
 */

export interface ResistanceConfig {
  /** Smallest |dI| (A) treated as a step. */
  minStepA: number;
  /** Largest time between the two readings (s): longer and OCV drift pollutes dV. */
  maxStepDtS: number;
  /** Weight of a new estimate in the running mean. */
  smoothing: number;
}

export interface ResistanceState {
  ohm: number | null;
  lastStepOhm: number | null;
  steps: number;
}

export function emptyResistance(): ResistanceState {
  return { ohm: null, lastStepOhm: null, steps: 0 };
}

export function updateResistance(
  s: ResistanceState,
  cfg: ResistanceConfig,
  prev: { tsMs: number; v: number; i: number },
  cur: { tsMs: number; v: number; i: number },
): void {
  const dI = cur.i - prev.i;
  const dt = (cur.tsMs - prev.tsMs) / 1000;
  if (Math.abs(dI) < cfg.minStepA || dt <= 0 || dt > cfg.maxStepDtS) return;
  const r = (cur.v - prev.v) / dI;
  // A negative or absurd value means the step coincided with something else (relay, OCV jump).
  if (!(r > 0 && r < 10)) return;
  s.lastStepOhm = r;
  s.steps++;
  s.ohm = s.ohm === null ? r : s.ohm + cfg.smoothing * (r - s.ohm);
}
