/**
 * OCPP 1.6 MeterValues -> charger signals. Only what the charger sent is used: a measurand it did
 * not report stays undefined (power is never computed from current and voltage).
 *
 * Rules (the README's table says the same):
 * - The measurand defaults to Energy.Active.Import.Register, the unit to Wh (OCPP 1.6 §7.31/7.45);
 *   kWh, kW and Celsius/Fahrenheit are converted; a value that is not a number is refused.
 * - Energy register: the phase-less value only (a per-phase register is not the connector total).
 * - Current.Import / Voltage: the phase-less value if sent, else the largest of the phases L1-L3
 *   (line to neutral; line-to-line voltages are ignored).
 * - Temperature: the hottest reported location other than the EV's.
 * - SoC: the EV's state of charge.
 * - Power.Active.Import: the phase-less value if sent, else the sum of the phases (the phases
 *   together are the connector's power, OCPP 1.6 §7.43).
 */
import type { ChargerSignals } from '../../core/record.js';

export interface SampledValue {
  value: string;
  context?: string;
  format?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}

export interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

/** Per-measurand fields a meter value can carry. */
export type MeterSignals = Pick<ChargerSignals, 'energyDeliveredWh' | 'powerW' | 'currentA' | 'voltageV' | 'temperatureC' | 'evSocPct'>;

export class MeterValueError extends Error {
  constructor(readonly reason: 'unparsable_value' | 'signed_value' | 'unknown_unit', message: string) {
    super(message);
    this.name = 'MeterValueError';
  }
}

const SCALE: Record<string, { unit: string; factor: number }> = {
  Wh: { unit: 'Wh', factor: 1 },
  kWh: { unit: 'Wh', factor: 1000 },
  W: { unit: 'W', factor: 1 },
  kW: { unit: 'W', factor: 1000 },
  A: { unit: 'A', factor: 1 },
  V: { unit: 'V', factor: 1 },
  Percent: { unit: 'Percent', factor: 1 },
};

function numeric(sv: SampledValue, defaultUnit: string): { value: number; unit: string } {
  if (sv.format === 'SignedData') throw new MeterValueError('signed_value', `signed meter value (${sv.measurand ?? 'Energy.Active.Import.Register'}) is not decoded`);
  const value = Number(sv.value);
  if (sv.value.trim() === '' || !Number.isFinite(value)) {
    throw new MeterValueError('unparsable_value', `sampled value "${sv.value}" of ${sv.measurand ?? 'Energy.Active.Import.Register'} is not a number`);
  }
  const unit = sv.unit ?? defaultUnit;
  if (unit === 'Celsius') return { value, unit: 'Celsius' };
  if (unit === 'Fahrenheit') return { value: ((value - 32) * 5) / 9, unit: 'Celsius' };
  if (unit === 'K') return { value: value - 273.15, unit: 'Celsius' };
  const scale = SCALE[unit];
  if (!scale) throw new MeterValueError('unknown_unit', `unit "${unit}" is not expected for ${sv.measurand ?? 'Energy.Active.Import.Register'}`);
  return { value: value * scale.factor, unit: scale.unit };
}

const DEFAULT_UNIT: Record<string, string> = {
  'Energy.Active.Import.Register': 'Wh',
  'Power.Active.Import': 'W',
  'Current.Import': 'A',
  Voltage: 'V',
  Temperature: 'Celsius',
  SoC: 'Percent',
};

/** One meter value (one timestamp) -> the signals it reports; measurands we do not map are ignored. */
export function meterSignals(meterValue: MeterValue): MeterSignals {
  const byMeasurand = new Map<string, Array<{ value: number; phase?: string; location?: string }>>();
  for (const sv of meterValue.sampledValue) {
    const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
    const unit = DEFAULT_UNIT[measurand];
    if (unit === undefined) continue;
    const { value } = numeric(sv, unit);
    const list = byMeasurand.get(measurand) ?? [];
    list.push({ value, ...(sv.phase ? { phase: sv.phase } : {}), ...(sv.location ? { location: sv.location } : {}) });
    byMeasurand.set(measurand, list);
  }
  const out: MeterSignals = {};
  const phaseless = (m: string) => byMeasurand.get(m)?.find((s) => s.phase === undefined)?.value;
  // Line-to-neutral (or bare line) phases only: line-to-line voltages and the neutral are not phases of the load.
  const phases = (m: string) => (byMeasurand.get(m) ?? []).filter((s) => s.phase !== undefined && /^L[123](-N)?$/.test(s.phase)).map((s) => s.value);

  const energy = phaseless('Energy.Active.Import.Register');
  if (energy !== undefined) out.energyDeliveredWh = energy;
  const power = phaseless('Power.Active.Import') ?? sumOrUndefined(phases('Power.Active.Import'));
  if (power !== undefined) out.powerW = power;
  const current = phaseless('Current.Import') ?? maxOrUndefined(phases('Current.Import'));
  if (current !== undefined) out.currentA = current;
  const voltage = phaseless('Voltage') ?? maxOrUndefined(phases('Voltage'));
  if (voltage !== undefined) out.voltageV = voltage;
  const temperature = maxOrUndefined((byMeasurand.get('Temperature') ?? []).filter((s) => s.location !== 'EV').map((s) => s.value));
  if (temperature !== undefined) out.temperatureC = temperature;
  const soc = byMeasurand.get('SoC')?.[0]?.value;
  if (soc !== undefined) out.evSocPct = soc;
  return out;
}

function maxOrUndefined(values: number[]): number | undefined {
  return values.length > 0 ? Math.max(...values) : undefined;
}

function sumOrUndefined(values: number[]): number | undefined {
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) : undefined;
}
