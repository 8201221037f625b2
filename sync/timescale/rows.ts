/**
 * Record -> row mapping: which table a record goes to and the typed columns Grafana queries.
 * By default every table also keeps the full record as JSONB (`record`), so nothing the model
 * carries is lost even when no column exists for it yet; `record: none` trades that for ~3/4 of the
 * row's bytes (columnsFor).
 */
import type { EdgeRecord } from '../../core/record.js';

/** How a column's values travel: as a typed array parameter, converted in SQL where needed. */
export type ColumnKind = 'text' | 'float8' | 'int8' | 'int4' | 'bool' | 'jsonb' | 'ts' | 'textarr';

export interface Column {
  name: string;
  kind: ColumnKind;
  get: (r: EdgeRecord) => unknown;
}

export type TableName = 'telemetry' | 'predictions' | 'alarms';

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
/** Integer columns: a fractional reading is rounded rather than refused. */
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const list = (v: unknown): string | null => (Array.isArray(v) ? JSON.stringify(v) : null);

const header: Column[] = [
  { name: 'key', kind: 'text', get: (r) => r.key },
  { name: 'gateway_id', kind: 'text', get: (r) => r.gatewayId },
  { name: 'device_id', kind: 'text', get: (r) => r.deviceId },
  { name: 'device_kind', kind: 'text', get: (r) => r.deviceKind },
  { name: 'source', kind: 'text', get: (r) => r.source },
  { name: 'ts', kind: 'ts', get: (r) => r.ts },
  { name: 'clock_trusted', kind: 'bool', get: (r) => r.clockTrusted },
  { name: 'seq', kind: 'int8', get: (r) => r.seq },
];
const whole: Column = { name: 'record', kind: 'jsonb', get: (r) => JSON.stringify(r) };

const bat = (r: EdgeRecord) => (r.type === 'battery' ? r.battery : undefined);
const chg = (r: EdgeRecord) => (r.type === 'charger' ? r.charger : undefined);

export const COLUMNS: Record<TableName, Column[]> = {
  telemetry: [
    ...header,
    { name: 'record_type', kind: 'text', get: (r) => r.type },
    { name: 'pack_voltage_v', kind: 'float8', get: (r) => num(bat(r)?.packVoltageV) },
    { name: 'pack_current_a', kind: 'float8', get: (r) => num(bat(r)?.packCurrentA) },
    { name: 'power_w', kind: 'float8', get: (r) => num(bat(r)?.powerW ?? chg(r)?.powerW) },
    { name: 'soc_pct', kind: 'float8', get: (r) => num(bat(r)?.socPct) },
    { name: 'soh_pct', kind: 'float8', get: (r) => num(bat(r)?.sohPct) },
    { name: 'temp_min_c', kind: 'float8', get: (r) => num(bat(r)?.tempMinC) },
    { name: 'temp_max_c', kind: 'float8', get: (r) => num(bat(r)?.tempMaxC) },
    { name: 'temp_mean_c', kind: 'float8', get: (r) => num(bat(r)?.tempMeanC) },
    { name: 'cell_voltage_min_v', kind: 'float8', get: (r) => num(bat(r)?.cellVoltageMinV) },
    { name: 'cell_voltage_max_v', kind: 'float8', get: (r) => num(bat(r)?.cellVoltageMaxV) },
    { name: 'cycle_count', kind: 'int4', get: (r) => int(bat(r)?.cycleCount) },
    { name: 'remaining_capacity_ah', kind: 'float8', get: (r) => num(bat(r)?.remainingCapacityAh) },
    { name: 'full_capacity_ah', kind: 'float8', get: (r) => num(bat(r)?.fullCapacityAh) },
    { name: 'charging_state', kind: 'text', get: (r) => str(bat(r)?.chargingState) },
    { name: 'alarm_flags', kind: 'textarr', get: (r) => list(bat(r)?.alarmFlags) },
    { name: 'connector_status', kind: 'text', get: (r) => str(chg(r)?.connectorStatus) },
    { name: 'energy_delivered_wh', kind: 'float8', get: (r) => num(chg(r)?.energyDeliveredWh) },
    { name: 'session_energy_wh', kind: 'float8', get: (r) => num(chg(r)?.sessionEnergyWh) },
    { name: 'charger_temperature_c', kind: 'float8', get: (r) => num(chg(r)?.temperatureC) },
    { name: 'error_codes', kind: 'textarr', get: (r) => list(chg(r)?.errorCodes) },
    whole,
  ],
  predictions: [
    ...header,
    { name: 'model', kind: 'text', get: (r) => (r.type === 'prediction' ? r.prediction.model : null) },
    { name: 'model_version', kind: 'text', get: (r) => (r.type === 'prediction' ? r.prediction.modelVersion : null) },
    { name: 'inputs_ts', kind: 'ts', get: (r) => (r.type === 'prediction' ? num(r.prediction.inputsTs) : null) },
    { name: 'outputs', kind: 'jsonb', get: (r) => (r.type === 'prediction' ? JSON.stringify(r.prediction.outputs) : null) },
    whole,
  ],
  alarms: [
    ...header,
    { name: 'rule', kind: 'text', get: (r) => (r.type === 'alarm' ? r.alarm.rule : null) },
    { name: 'severity', kind: 'text', get: (r) => (r.type === 'alarm' ? r.alarm.severity : null) },
    { name: 'message', kind: 'text', get: (r) => (r.type === 'alarm' ? r.alarm.message : null) },
    { name: 'value', kind: 'float8', get: (r) => (r.type === 'alarm' ? num(r.alarm.value) : null) },
    { name: 'threshold', kind: 'float8', get: (r) => (r.type === 'alarm' ? num(r.alarm.threshold) : null) },
    whole,
  ],
};

/** Which optional copies a row carries (config `record`). */
export interface RowOptions { withRecord: boolean }

const noRecord: Column = { name: 'record', kind: 'jsonb', get: () => null };

/** The table's columns as written: without the full-record copy, `record` is sent as NULL. */
export function columnsFor(table: TableName, options: RowOptions): Column[] {
  return options.withRecord ? COLUMNS[table] : COLUMNS[table].map((c) => (c === whole ? noRecord : c));
}

export function tableOf(r: EdgeRecord): TableName | undefined {
  switch (r.type) {
    case 'battery':
    case 'charger':
      return 'telemetry';
    case 'prediction':
      return 'predictions';
    case 'alarm':
      return 'alarms';
    default:
      return undefined;
  }
}

/** The largest |ts| PostgreSQL's timestamptz holds comfortably (year 200000), in ms. */
const MAX_TS_MS = 6.3e15;

/** Problems PostgreSQL would refuse, found without a round trip. Undefined when the record is fine. */
export function precheck(r: EdgeRecord): string | undefined {
  if (tableOf(r) === undefined) return `unknown record type "${String((r as { type?: unknown }).type)}"`;
  if (typeof r.ts !== 'number' || !Number.isFinite(r.ts) || Math.abs(r.ts) > MAX_TS_MS) return `invalid ts ${String(r.ts)}`;
  if (typeof r.key !== 'string' || r.key.length === 0) return 'missing idempotency key';
  return undefined;
}
