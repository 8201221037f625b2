/**
 * Cycle-level capacity-fade trajectories of single cells cycled to end of life, as in a lab ageing
 * test (one full charge/discharge per cycle, discharge capacity measured every cycle): simulated
 * training cells for the rul_capacity model (models/training/build-features.ts). The pack
 * simulator steps seconds and would need hours of CPU per cell life, so this applies the same
 * ageing laws (ageing.ts, chemistry.ts) once per cycle.
 *
 * True fade after k cycles:
 *   fade(k) = s * sqrt(k)                                  SEI growth (the calendar law's sqrt(t);
 *                                                          in a lab test time is proportional to cycles)
 *           + sum over cycles 1..k of (r + platingFadePerEfc(fade, onset, gain))
 *   r = cycleFadePerEfc(chemistry) x arrhenius(EA_CYCLE, T) x stress   (linear cycle fade)
 * stress > 1 stands for lab conditions (100 % depth of discharge, ~1C, no thermal management) that
 * age cells several times faster than the automotive duty the chemistry table describes; the knee
 * (ageing.ts, platingFadePerEfc) starts when the fade passes `onset` and its gain is scaled to the
 * cell's own fade rate, so knees are as sharp relative to the life of fast and slow cells alike.
 *
 * Measured capacity = initial - fade + recovery + noise. Recovery: after a rest (probability per
 * cycle) capacity jumps up and relaxes back with a time constant of a few cycles, as in the NASA
 * PCoE cells (Saha and Goebel 2009); noise: Gaussian; glitches: rare single-cycle drops, as in the
 * CALCE records. Fade shapes:
 *   nmc: NMC rates, mild early SEI fade, knee anywhere from mid-life to after end of life;
 *   lfp: LFP rates (slow cycle fade, so a higher lab stress), larger early SEI fade, frequent knee;
 *   lco: LCO-like (CALCE CS2 cells): NMC rates x 1.5, strong early fade then near-linear, mild knee.
 * Magnitudes are drawn to span the published lab cells (lives of ~100 to ~1500 cycles), not
 * calibrated to any one cell. Same seed => same cells.
 */
import { arrhenius, EA_CYCLE, platingFadePerEfc } from './ageing.js';
import { CHEMISTRIES } from './chemistry.js';
import { Rng } from './rng.js';

export type FadeShape = 'nmc' | 'lfp' | 'lco';
export const FADE_SHAPES: readonly FadeShape[] = ['nmc', 'lfp', 'lco'];

export interface LabCellParams {
  id: string;
  shape: FadeShape;
  tempC: number;
  /** Capacity of the new cell as a fraction of nominal. */
  initialFrac: number;
  /** End-of-life threshold as a fraction of nominal. */
  eolFrac: number;
  /** SEI fade coefficient: fraction lost per sqrt(cycle). */
  seiPerSqrtCycle: number;
  /** Linear cycle fade per cycle (chemistry rate x Arrhenius x lab stress). */
  cycleFadePerCycle: number;
  /** Total fade at which lithium plating starts (may lie beyond end of life: no knee). */
  kneeOnsetFade: number;
  /** Plating gain per cycle (1 / e-folding cycles of the excess fade). */
  kneeGainPerCycle: number;
  /** Measurement noise, standard deviation as a fraction of nominal. */
  noiseSd: number;
  /** Probability per cycle of a rest that temporarily recovers capacity (0: none). */
  restProbability: number;
  recoveryFrac: number;
  recoveryTauCycles: number;
  /** Probability per cycle of a single-cycle measurement glitch (capacity reads low). */
  glitchProbability: number;
  seed: number;
}

export interface LabCellTrajectory {
  params: LabCellParams;
  /** Measured capacity fraction per cycle, cycle 1 first. */
  capFrac: number[];
  /** Noise-free capacity fraction per cycle. */
  trueFrac: number[];
}

/** Cycles simulated after the true capacity falls below end of life (room for centred filters). */
const CYCLES_AFTER_EOL = 30;

/** Simulate one cell until its true capacity has been below end of life for CYCLES_AFTER_EOL cycles. */
export function simulateLabCell(p: LabCellParams, maxCycles = 4000): LabCellTrajectory {
  const rng = new Rng(p.seed);
  const noise = rng.fork(1);
  const capFrac: number[] = [];
  const trueFrac: number[] = [];
  let cycleFade = 0;
  let recovery = 0;
  let belowFor = 0;
  for (let k = 1; k <= maxCycles && belowFor < CYCLES_AFTER_EOL; k++) {
    const fade = p.seiPerSqrtCycle * Math.sqrt(k) + cycleFade;
    cycleFade += p.cycleFadePerCycle + platingFadePerEfc(fade, p.kneeOnsetFade, p.kneeGainPerCycle);
    const q = p.initialFrac - (p.seiPerSqrtCycle * Math.sqrt(k) + cycleFade);
    recovery *= Math.exp(-1 / p.recoveryTauCycles);
    if (rng.next() < p.restProbability) recovery += p.recoveryFrac * rng.uniform(0.5, 1.5);
    let measured = q + recovery + noise.gaussian(0, p.noiseSd);
    if (rng.next() < p.glitchProbability) measured -= rng.uniform(0.03, 0.15);
    trueFrac.push(q);
    capFrac.push(measured);
    belowFor = q < p.eolFrac ? belowFor + 1 : 0;
  }
  return { params: p, capFrac, trueFrac };
}

/** Lab stress range (multiplier on the chemistry's cycle fade) per shape: LFP's base rate is lowest. */
const STRESS: Record<FadeShape, [number, number]> = { nmc: [1, 20], lfp: [2, 30], lco: [0.5, 5] };

const logUniform = (rng: Rng, lo: number, hi: number) => Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));

/** Draw one cell of a shape (before the life check in planLabCells). */
function drawCell(rng: Rng, shape: FadeShape, id: string): LabCellParams {
  const tempC = rng.uniform(20, 40);
  const initialFrac = rng.uniform(0.9, 1.03);
  const eolFrac = shape === 'nmc' && rng.next() < 0.5 ? 0.7 : 0.8;
  const budget = initialFrac - eolFrac;
  const chem = shape === 'lfp' ? CHEMISTRIES.lfp : CHEMISTRIES.nmc;
  const stress = logUniform(rng, ...STRESS[shape]);
  const cycleFadePerCycle = chem.cycleFadePerEfc * (shape === 'lco' ? 1.5 : 1) * arrhenius(EA_CYCLE, tempC) * stress;
  // Early (SEI) fade drawn as the fade it causes by cycle 100.
  const sei100 = shape === 'nmc' ? rng.uniform(0.003, 0.02) : shape === 'lfp' ? rng.uniform(0.01, 0.03) : rng.uniform(0.02, 0.06);
  const onset = shape === 'nmc' ? rng.uniform(0.3, 1.3) : shape === 'lfp' ? rng.uniform(0.3, 1.0) : rng.uniform(0.5, 1.5);
  const sharpness = shape === 'lco' ? logUniform(rng, 2, 10) : logUniform(rng, 3, 30);
  const rested = rng.next() < 0.5;
  return {
    id,
    shape,
    tempC,
    initialFrac,
    eolFrac,
    seiPerSqrtCycle: sei100 / 10,
    cycleFadePerCycle,
    kneeOnsetFade: onset * budget,
    // Excess fade e-folds in (cycles the linear fade needs for the whole budget) / sharpness.
    kneeGainPerCycle: (sharpness * cycleFadePerCycle) / budget,
    noiseSd: logUniform(rng, 0.0015, 0.008),
    restProbability: rested ? rng.uniform(0.01, 0.05) : 0,
    recoveryFrac: rng.uniform(0.005, 0.03),
    recoveryTauCycles: rng.uniform(1, 6),
    glitchProbability: rng.uniform(0, 0.01),
    seed: rng.nextU32() | 0,
  };
}

/** Noise-free end-of-life cycle of a parameter set (first cycle below the threshold), or undefined. */
export function trueEndOfLife(p: LabCellParams, maxCycles = 4000): number | undefined {
  const i = simulateLabCell({ ...p, noiseSd: 0, restProbability: 0, glitchProbability: 0 }, maxCycles).trueFrac.findIndex((q) => q < p.eolFrac);
  return i < 0 ? undefined : i + 1;
}

/**
 * `count` cells cycling through the fade shapes, each redrawn until its noise-free life lies in
 * [minLife, maxLife] cycles (the span of published lab ageing tests).
 */
export function planLabCells(count: number, seed: number, minLife = 60, maxLife = 1500): LabCellParams[] {
  const rng = new Rng(seed);
  const cells: LabCellParams[] = [];
  for (let i = 0; i < count; i++) {
    const shape = FADE_SHAPES[i % FADE_SHAPES.length] as FadeShape;
    const id = `${shape}-${String(i).padStart(2, '0')}`;
    for (let attempt = 0; ; attempt++) {
      const p = drawCell(rng, shape, id);
      const life = trueEndOfLife(p, maxLife + 1);
      if ((life !== undefined && life >= minLife) || attempt >= 100) {
        cells.push(p);
        break;
      }
    }
  }
  return cells;
}
