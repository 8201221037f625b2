/**
 * BMS alarm flags, evaluated on the values the BMS measures (so a stuck or drifting temperature
 * sensor can raise or hide a temperature alarm, as it would on a real pack).
 *
 * Thresholds (per cell unless stated):
 *  cell_overvoltage        > 4.25 V NMC, > 3.65 V LFP (just above the charge set point)
 *  cell_undervoltage       < 2.9 V NMC, < 2.5 V LFP (below the empty OCV, under load)
 *  cell_imbalance          max - min cell voltage > 100 mV
 *  pack_overtemperature    hottest sensor > 55 degC (typical automotive discharge limit)
 *  pack_undertemperature   coldest sensor < -20 degC
 *  charge_undertemperature charging while the coldest sensor < 0 degC (lithium plating risk)
 *  temperature_imbalance   sensor spread > 10 K
 *  soc_low                 pack SoC < 10 %
 *  overcurrent_charge      charge current > 1.5 x the chemistry's max charge C-rate
 *  overcurrent_discharge   discharge current > 3C
 */
import type { ChemistryParams } from './chemistry.js';

export const IMBALANCE_V = 0.1;
export const OVERTEMPERATURE_C = 55;
export const UNDERTEMPERATURE_C = -20;
export const CHARGE_UNDERTEMPERATURE_C = 0;
export const TEMPERATURE_SPREAD_K = 10;
export const SOC_LOW_PCT = 10;

export interface MeasuredPack {
  cellVoltageMinV: number;
  cellVoltageMaxV: number;
  tempMinC: number;
  tempMaxC: number;
  socPct: number;
  currentA: number;
}

export function batteryAlarms(m: MeasuredPack, chem: ChemistryParams, nominalAh: number): string[] {
  const flags: string[] = [];
  if (m.cellVoltageMaxV > chem.overvoltageV) flags.push('cell_overvoltage');
  if (m.cellVoltageMinV < chem.undervoltageV) flags.push('cell_undervoltage');
  if (m.cellVoltageMaxV - m.cellVoltageMinV > IMBALANCE_V) flags.push('cell_imbalance');
  if (m.tempMaxC > OVERTEMPERATURE_C) flags.push('pack_overtemperature');
  if (m.tempMinC < UNDERTEMPERATURE_C) flags.push('pack_undertemperature');
  if (m.currentA > 0.05 && m.tempMinC < CHARGE_UNDERTEMPERATURE_C) flags.push('charge_undertemperature');
  if (m.tempMaxC - m.tempMinC > TEMPERATURE_SPREAD_K) flags.push('temperature_imbalance');
  if (m.socPct < SOC_LOW_PCT) flags.push('soc_low');
  if (m.currentA > 1.5 * chem.maxChargeC * nominalAh) flags.push('overcurrent_charge');
  if (m.currentA < -3 * nominalAh) flags.push('overcurrent_discharge');
  return flags;
}
