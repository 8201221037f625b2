import { describe, expect, it } from 'vitest';
import { platingFadePerEfc } from './ageing.js';
import { type LabCellParams, planLabCells, simulateLabCell, trueEndOfLife } from './capacity-trajectory.js';

const BASE: LabCellParams = {
  id: 'test',
  shape: 'nmc',
  tempC: 25,
  initialFrac: 1,
  eolFrac: 0.8,
  seiPerSqrtCycle: 0.001,
  cycleFadePerCycle: 4e-4,
  kneeOnsetFade: 1, // beyond end of life: no knee
  kneeGainPerCycle: 0.02,
  noiseSd: 0,
  restProbability: 0,
  recoveryFrac: 0.01,
  recoveryTauCycles: 3,
  glitchProbability: 0,
  seed: 1,
};

/** Fade over cycles [a, b) of a noise-free trajectory, per cycle. */
const rate = (q: number[], a: number, b: number) => ((q[a] as number) - (q[b] as number)) / (b - a);

describe('lithium-plating knee', () => {
  it('adds nothing below the onset and grows with the fade past it', () => {
    expect(platingFadePerEfc(0.1, 0.15, 0.01)).toBe(0);
    expect(platingFadePerEfc(0.15, 0.15, 0.01)).toBe(0);
    expect(platingFadePerEfc(0.2, 0.15, 0.01)).toBeCloseTo(5e-4, 12);
    expect(platingFadePerEfc(0.25, 0.15, 0.01)).toBeCloseTo(1e-3, 12);
  });

  it('a cell without a knee fades at a steady (SEI-decelerating) rate; with one the late rate is far higher', () => {
    const plain = simulateLabCell(BASE).trueFrac;
    const knee = simulateLabCell({ ...BASE, kneeOnsetFade: 0.08 }).trueFrac;
    const eolPlain = trueEndOfLife(BASE)!;
    const eolKnee = trueEndOfLife({ ...BASE, kneeOnsetFade: 0.08 })!;
    expect(rate(plain, eolPlain - 30, eolPlain - 1)).toBeLessThanOrEqual(rate(plain, 10, 40) + 1e-12);
    expect(rate(knee, eolKnee - 30, eolKnee - 1)).toBeGreaterThan(3 * rate(knee, 10, 40));
    expect(eolKnee).toBeLessThan(eolPlain);
  });
});

describe('simulated lab cells', () => {
  it('are reproducible from the seed', () => {
    const a = planLabCells(6, 42);
    expect(planLabCells(6, 42)).toEqual(a);
    expect(simulateLabCell(a[0]!).capFrac).toEqual(simulateLabCell(a[0]!).capFrac);
    expect(planLabCells(6, 43)).not.toEqual(a);
  });

  it('cover every fade shape, reach end of life within a lab-test span and carry measurement noise', () => {
    const cells = planLabCells(12, 7);
    expect(new Set(cells.map((c) => c.shape))).toEqual(new Set(['nmc', 'lfp', 'lco']));
    const lives = cells.map((c) => trueEndOfLife(c)!);
    for (const life of lives) {
      expect(life).toBeGreaterThanOrEqual(60);
      expect(life).toBeLessThanOrEqual(1500);
    }
    expect(Math.max(...lives) / Math.min(...lives)).toBeGreaterThan(2);
    for (const c of cells) {
      const t = simulateLabCell(c);
      expect(t.trueFrac.at(-1)!).toBeLessThan(c.eolFrac); // simulated past end of life
      const resid = t.capFrac.map((q, i) => q - (t.trueFrac[i] as number));
      expect(resid.some((r) => r !== 0)).toBe(true);
      for (let i = 1; i < t.trueFrac.length; i++) expect(t.trueFrac[i]!).toBeLessThan(t.trueFrac[i - 1]!); // true fade is monotone
    }
  });
});
