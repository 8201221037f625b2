/**
 * The canonical fields a register map may target, per device kind, and the units a map may state
 * for them. The unit is part of each canonical field name (core/record.ts); a map that states
 * another unit of the same quantity (kWh for an ...Wh field) is converted by a fixed factor, and
 * a unit of a different quantity is a map error rather than a silently wrong number.
 */
import type { DeviceKind } from '../../core/record.js';
import { OCPP_CONNECTOR_STATUSES, OCPP_ERROR_CODES } from '../../core/record.js';

type Quantity = 'V' | 'A' | 'W' | 'Wh' | 'Ah' | 'Pct' | 'C' | 'S' | 'count';

const NUMERIC_FIELDS: Record<DeviceKind, Record<string, Quantity>> = {
  battery: {
    packVoltageV: 'V', packCurrentA: 'A', powerW: 'W', socPct: 'Pct', sohPct: 'Pct',
    tempMinC: 'C', tempMaxC: 'C', tempMeanC: 'C', cellVoltageMinV: 'V', cellVoltageMaxV: 'V',
    cycleCount: 'count', remainingCapacityAh: 'Ah', fullCapacityAh: 'Ah',
  },
  charger: {
    powerW: 'W', energyDeliveredWh: 'Wh', sessionEnergyWh: 'Wh', temperatureC: 'C', uptimeS: 'S',
    sessionCount: 'count', sinceMaintenanceS: 'S',
  },
};

/** Fields whose value comes from an `enum` (raw value -> name) or `bits` (bit -> name) table. */
const ENUM_FIELDS: Record<DeviceKind, Record<string, readonly string[] | 'any'>> = {
  battery: { chargingState: ['charging', 'discharging', 'idle'], alarmFlags: 'any' },
  charger: { connectorStatus: OCPP_CONNECTOR_STATUSES, errorCodes: OCPP_ERROR_CODES },
};

/** List fields collect names from several points (and from `bits`); scalar fields take one. */
export const LIST_FIELDS = new Set(['alarmFlags', 'errorCodes']);

const UNIT_FACTORS: Record<Quantity, Record<string, number>> = {
  V: { V: 1, mV: 0.001, kV: 1000 },
  A: { A: 1, mA: 0.001 },
  W: { W: 1, kW: 1000, mW: 0.001 },
  Wh: { Wh: 1, kWh: 1000, MWh: 1_000_000 },
  Ah: { Ah: 1, mAh: 0.001 },
  Pct: { '%': 1, Pct: 1 },
  C: { C: 1, degC: 1, '°C': 1 },
  S: { s: 1, S: 1, ms: 0.001, min: 60, h: 3600 },
  count: { count: 1 },
};

export type FieldKind = 'numeric' | 'enum';

export function fieldKind(kind: DeviceKind, field: string): FieldKind | undefined {
  if (field in NUMERIC_FIELDS[kind]) return 'numeric';
  if (field in ENUM_FIELDS[kind]) return 'enum';
  return undefined;
}

export function knownFields(kind: DeviceKind): string[] {
  return [...Object.keys(NUMERIC_FIELDS[kind]), ...Object.keys(ENUM_FIELDS[kind])];
}

/** The names an enum field accepts, or 'any' (alarm flags are free-form snake_case names). */
export function enumChoices(kind: DeviceKind, field: string): readonly string[] | 'any' {
  return ENUM_FIELDS[kind][field] ?? [];
}

/** Factor from the map's stated unit to the field's unit; undefined when they do not match. */
export function unitFactor(kind: DeviceKind, field: string, unit: string | undefined): number | undefined {
  const quantity = NUMERIC_FIELDS[kind][field];
  if (quantity === undefined) return undefined;
  if (unit === undefined) return 1;
  return UNIT_FACTORS[quantity][unit];
}

export function unitsFor(kind: DeviceKind, field: string): string[] {
  const quantity = NUMERIC_FIELDS[kind][field];
  return quantity ? Object.keys(UNIT_FACTORS[quantity]) : [];
}
