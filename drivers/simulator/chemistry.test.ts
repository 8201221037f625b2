import { describe, expect, it } from 'vitest';
import { CHEMISTRIES, type Chemistry, ocv, socFromOcv } from './chemistry.js';

const LIMITS: Record<Chemistry, [number, number]> = { nmc: [3.0, 4.2], lfp: [2.5, 3.65] };

describe('OCV curves', () => {
  for (const chem of ['nmc', 'lfp'] as const) {
    const table = CHEMISTRIES[chem].ocvTable;

    it(`${chem}: strictly increasing on a fine grid and within the chemistry limits`, () => {
      let prev = -Infinity;
      for (let k = 0; k <= 1000; k++) {
        const v = ocv(table, k / 1000);
        expect(v).toBeGreaterThan(prev);
        expect(v).toBeGreaterThanOrEqual(LIMITS[chem][0]);
        expect(v).toBeLessThanOrEqual(LIMITS[chem][1]);
        prev = v;
      }
      expect(ocv(table, 0)).toBeCloseTo(LIMITS[chem][0], 6);
    });

    it(`${chem}: socFromOcv inverts ocv`, () => {
      for (const soc of [0.03, 0.2, 0.5, 0.77, 0.99]) expect(socFromOcv(table, ocv(table, soc))).toBeCloseTo(soc, 9);
    });

    it(`${chem}: charge set point and alarm thresholds bracket the curve`, () => {
      const p = CHEMISTRIES[chem];
      expect(p.overvoltageV).toBeGreaterThan(p.chargeVoltageV);
      expect(p.chargeVoltageV).toBeLessThanOrEqual(ocv(table, 1) + 1e-9);
      expect(p.undervoltageV).toBeLessThanOrEqual(ocv(table, 0));
      expect(p.dischargeCutoffV).toBeGreaterThan(p.undervoltageV);
    });
  }

  it('LFP has the flat plateau (20-90 % within 3.2-3.35 V), NMC does not', () => {
    const lfp = CHEMISTRIES.lfp.ocvTable;
    const nmc = CHEMISTRIES.nmc.ocvTable;
    expect(ocv(lfp, 0.9) - ocv(lfp, 0.2)).toBeLessThan(0.15);
    expect(ocv(lfp, 0.2)).toBeGreaterThan(3.2);
    expect(ocv(lfp, 0.9)).toBeLessThan(3.35);
    expect(ocv(nmc, 0.9) - ocv(nmc, 0.2)).toBeGreaterThan(0.4);
  });

  it('extrapolates below empty so an over-discharged cell keeps falling', () => {
    const nmc = CHEMISTRIES.nmc.ocvTable;
    expect(ocv(nmc, -0.02)).toBeLessThan(ocv(nmc, 0));
  });
});
