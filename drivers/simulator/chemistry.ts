/**
 * Per-chemistry cell parameters: open-circuit-voltage curve, voltage limits, impedance, thermal
 * mass, self-discharge and ageing rates. Values are typical of large-format automotive cells, not
 * of one product; every number says where its magnitude comes from.
 */

export type Chemistry = 'nmc' | 'lfp';

/**
 * OCV(SoC) sampled every 5 % SoC (21 points), strictly increasing.
 * NMC/graphite: 3.0 V empty to 4.2 V full with a steep knee below ~10 % and a gentle S-shape
 *   between (shape of e.g. Plett, "Battery Management Systems" Vol. 1, 2015, ch. 2; typical
 *   NMC 18650/pouch datasheets).
 * LFP/graphite: the famous flat two-phase plateau of ~3.2-3.35 V over 15-90 % SoC with steep ends,
 *   2.5 V empty and ~3.6 V at full charge (A123 ANR26650M1 datasheet; Dubarry et al. 2011).
 */
const OCV_TABLES: Record<Chemistry, readonly number[]> = {
  nmc: [
    3.0, 3.3, 3.45, 3.53, 3.58, 3.61, 3.63, 3.65, 3.67, 3.69, 3.72,
    3.76, 3.8, 3.84, 3.88, 3.92, 3.96, 4.0, 4.05, 4.11, 4.2,
  ],
  lfp: [
    2.5, 3.05, 3.17, 3.21, 3.235, 3.25, 3.26, 3.27, 3.28, 3.285, 3.29,
    3.295, 3.3, 3.31, 3.32, 3.325, 3.33, 3.335, 3.345, 3.37, 3.6,
  ],
};

export interface ChemistryParams {
  /** OCV table (V) at SoC = 0, 5, ..., 100 %. */
  ocvTable: readonly number[];
  /** Charger constant-voltage set point per cell (V). */
  chargeVoltageV: number;
  /** BMS alarm thresholds per cell (V). Above the charge set point / below the empty OCV minus a margin. */
  overvoltageV: number;
  undervoltageV: number;
  /** The BMS balances cells while the highest is above this (V): top of charge only for LFP. */
  balanceStartV: number;
  /** Drive profile stops discharging when the weakest cell sags to this under load (V). */
  dischargeCutoffV: number;
  /** Ohmic resistance times capacity (ohm*Ah) at 25 degC: 1.5 mOhm for a 60 Ah cell (NMC). */
  r0OhmAh: number;
  /** Polarisation resistance times capacity (ohm*Ah) and RC time constant (s). */
  r1OhmAh: number;
  rcTauS: number;
  /** Maximum charge current as C-rate (automotive cells: ~1C continuous). */
  maxChargeC: number;
  /** Cell mass per Ah (kg/Ah): ~250 Wh/kg at 3.7 V for NMC, ~170 Wh/kg at 3.2 V for LFP. */
  massKgPerAh: number;
  /** Self-discharge (fraction of capacity per 30 days) at 25 degC: ~2-3 % NMC, ~1-3 % LFP. */
  selfDischargePerMonth: number;
  /** Calendar fade coefficient: fraction lost per sqrt(day) at 25 degC and 50 % SoC. */
  calendarFadePerSqrtDay: number;
  /** Cycle fade coefficient: fraction lost per equivalent full cycle at 25 degC. */
  cycleFadePerEfc: number;
  /** Resistance growth per unit of capacity fade (R/R0 - 1 = ratio * fade). */
  resistanceGrowthPerFade: number;
}

/**
 * Ageing magnitudes. NMC: ~20 % fade after ~1000-2000 EFC at 25 degC (Schmalstieg et al., J. Power
 * Sources 257, 2014; Preger et al., J. Electrochem. Soc. 167, 2020) and ~2-4 %/year calendar fade
 * at moderate SoC; resistance typically grows ~2x faster than capacity fades. LFP: ~20 % after
 * ~3000-5000 EFC (Wang et al., J. Power Sources 196, 2011; Naumann et al., J. Power Sources 451,
 * 2020) and ~1-2 %/year calendar fade.
 */
export const CHEMISTRIES: Record<Chemistry, ChemistryParams> = {
  nmc: {
    ocvTable: OCV_TABLES.nmc,
    chargeVoltageV: 4.2,
    overvoltageV: 4.25,
    undervoltageV: 2.9,
    balanceStartV: 4.0,
    dischargeCutoffV: 3.1,
    r0OhmAh: 0.09,
    r1OhmAh: 0.06,
    rcTauS: 40,
    maxChargeC: 1,
    massKgPerAh: 0.0148,
    selfDischargePerMonth: 0.025,
    // 2.5 %/year: 0.025 / sqrt(365)
    calendarFadePerSqrtDay: 0.0013,
    // 1.2e-4 per EFC: ~18 % at 1500 EFC on top of calendar fade
    cycleFadePerEfc: 1.2e-4,
    resistanceGrowthPerFade: 2,
  },
  lfp: {
    ocvTable: OCV_TABLES.lfp,
    chargeVoltageV: 3.6,
    overvoltageV: 3.65,
    undervoltageV: 2.5,
    balanceStartV: 3.4,
    dischargeCutoffV: 2.7,
    r0OhmAh: 0.1,
    r1OhmAh: 0.06,
    rcTauS: 40,
    maxChargeC: 1,
    massKgPerAh: 0.019,
    selfDischargePerMonth: 0.02,
    // 1.5 %/year: 0.015 / sqrt(365)
    calendarFadePerSqrtDay: 0.0008,
    // 5e-5 per EFC: ~20 % at 4000 EFC
    cycleFadePerEfc: 5e-5,
    resistanceGrowthPerFade: 1.5,
  },
};

const STEP_PCT = 5;

/**
 * OCV (V) at a state of charge in 0..1, by linear interpolation on the uniform grid (O(1), called
 * for every cell at every sub-step). Outside 0..1 the end segments are extrapolated so that an
 * over-discharged cell (internal short) keeps falling, then clamped to a physical range.
 */
export function ocv(table: readonly number[], soc: number): number {
  const x = soc * (100 / STEP_PCT);
  const last = table.length - 1;
  let i = Math.floor(x);
  if (i < 0) i = 0;
  else if (i > last - 1) i = last - 1;
  const v0 = table[i] as number;
  const v1 = table[i + 1] as number;
  const v = v0 + (v1 - v0) * (x - i);
  return v < 0 ? 0 : v > 4.5 ? 4.5 : v;
}

/** Inverse of ocv() on 0..1 (used to start a pack from a measured-looking rest voltage). */
export function socFromOcv(table: readonly number[], voltage: number): number {
  const last = table.length - 1;
  if (voltage <= (table[0] as number)) return 0;
  if (voltage >= (table[last] as number)) return 1;
  for (let i = 0; i < last; i++) {
    const v0 = table[i] as number;
    const v1 = table[i + 1] as number;
    if (voltage <= v1) return ((i + (voltage - v0) / (v1 - v0)) * STEP_PCT) / 100;
  }
  return 1;
}
