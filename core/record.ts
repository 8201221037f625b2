/**
 * The canonical data model: every driver produces these records, the scoring stage adds
 * predictions and alarms of the same shape, the buffer stores them and every sink ships them.
 *
 * Conventions (the single place they are defined):
 * - Units are part of each field name: V, A, W, Wh, Pct (0-100), C (degrees Celsius), S (seconds).
 * - Pack current sign: POSITIVE WHILE CHARGING (current flowing into the pack), negative while
 *   discharging. This matches JBD, JK, Daly and Victron BMS conventions, so most hardware needs no
 *   sign flip. Power follows the same sign (packVoltageV * packCurrentA).
 * - `ts` is wall-clock milliseconds since the Unix epoch as the gateway saw it. When the gateway has
 *   no trustworthy clock (no RTC, not yet synchronised), `clockTrusted` is false and consumers should
 *   order by (device, seq) rather than by ts. Records with source 'replay' carry the time recorded
 *   in the log instead (possibly with a fraction of a millisecond), so a replayed drive keeps its
 *   own timeline.
 * - Demo time: a simulator run with `demo_clock: true` stamps `ts` with its simulated time (starting
 *   at the wall time it started, then running `acceleration` times faster), so a day of ageing fits
 *   in minutes. Such records carry `timeBase: 'demo'`, are always `source: 'simulator'` and
 *   `clockTrusted: false` (their ts is not wall time, whatever the gateway clock is); they are still
 *   ordered (ts grows with seq per device, also across restarts). Absent timeBase = wall time.
 * - `seq` is assigned by the buffer inside the transaction that stores the record, so it is
 *   gap-free per device, never reused, and survives restarts. `key` is derived from it.
 */

export type DeviceKind = 'battery' | 'charger';
/** Where a record really came from. Simulated data is never labelled hardware. */
export type RecordSource = 'hardware' | 'simulator' | 'replay';
export const RECORD_SOURCES: readonly RecordSource[] = ['hardware', 'simulator', 'replay'];

export type ChargingState = 'charging' | 'discharging' | 'idle';

/** Battery pack telemetry. Fields a device cannot report are left undefined (stored as null). */
export interface BatterySignals {
  packVoltageV?: number;
  /** Positive while charging, negative while discharging (see module header). */
  packCurrentA?: number;
  powerW?: number;
  socPct?: number;
  sohPct?: number;
  tempMinC?: number;
  tempMaxC?: number;
  tempMeanC?: number;
  cellVoltageMinV?: number;
  cellVoltageMaxV?: number;
  /** Per-cell voltages in series order, when the device reports them. */
  cellVoltagesV?: number[];
  cycleCount?: number;
  /** Remaining / full capacity when the device reports them (BMS or simulator). */
  remainingCapacityAh?: number;
  fullCapacityAh?: number;
  chargingState?: ChargingState;
  /** Active alarm flags, named (e.g. 'cell_overvoltage', 'pack_overtemperature'). Empty when none. */
  alarmFlags?: string[];
}

/** OCPP 1.6 ChargePointStatus values, verbatim. */
export const OCPP_CONNECTOR_STATUSES = [
  'Available', 'Preparing', 'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing',
  'Reserved', 'Unavailable', 'Faulted',
] as const;
export type ConnectorStatus = (typeof OCPP_CONNECTOR_STATUSES)[number];

/** OCPP 1.6 ChargePointErrorCode values (NoError is represented by an empty list). */
export const OCPP_ERROR_CODES = [
  'ConnectorLockFailure', 'EVCommunicationError', 'GroundFailure', 'HighTemperature',
  'InternalError', 'LocalListConflict', 'OtherError', 'OverCurrentFailure', 'OverVoltage',
  'PowerMeterFailure', 'PowerSwitchFailure', 'ReaderFailure', 'ResetFailure', 'UnderVoltage',
  'WeakSignal',
] as const;
export type ChargerErrorCode = (typeof OCPP_ERROR_CODES)[number];

export interface ChargerSignals {
  connectorStatus?: ConnectorStatus;
  powerW?: number;
  /** Current to the EV; where the charger reports it per phase, the largest phase current. */
  currentA?: number;
  /** Supply voltage; where the charger reports it per phase, the highest phase voltage. */
  voltageV?: number;
  /** The EV's state of charge, when the charger reports it (DC chargers, ISO 15118). */
  evSocPct?: number;
  /** Lifetime energy meter of the connector. */
  energyDeliveredWh?: number;
  /** Energy delivered in the current (or last) session. */
  sessionEnergyWh?: number;
  temperatureC?: number;
  errorCodes?: ChargerErrorCode[];
  /** The charger vendor's own error code (OCPP vendorErrorCode), verbatim, while one is reported. */
  vendorErrorCode?: string;
  uptimeS?: number;
  sessionCount?: number;
  sinceMaintenanceS?: number;
}

export interface PredictionPayload {
  model: string;
  modelVersion: string;
  /** Output name to value, e.g. { rul_cycles: 812 } or { failure_probability: 0.03 }. */
  outputs: Record<string, number>;
  /** Timestamp (ms) of the newest input the prediction was computed from. */
  inputsTs: number;
  /** What the prediction rests on, so nobody mistakes an early guess for a settled one. */
  basis?: PredictionBasis;
}

/**
 * How much history and which inputs a prediction was computed from. A model scores short
 * histories and absent inputs explicitly (it was trained with them), so early predictions exist,
 * but they say so: consumers (status page, alarms, dashboards) read `confidence` before acting.
 */
export interface PredictionBasis {
  /** Hours of the device's history (record time) behind the features. */
  historyH: number;
  /** Model inputs that were absent and scored as missing (names as in the model card). */
  missingInputs: string[];
  /** 'low' while history is short or inputs are missing; the rule is documented per model card. */
  confidence: 'low' | 'medium' | 'high';
}

export type AlarmSeverity = 'critical' | 'warning' | 'info';
export interface AlarmPayload {
  rule: string;
  severity: AlarmSeverity;
  message: string;
  value?: number;
  threshold?: number;
}

export type RecordBody =
  | { type: 'battery'; battery: BatterySignals }
  | { type: 'charger'; charger: ChargerSignals }
  | { type: 'prediction'; prediction: PredictionPayload }
  | { type: 'alarm'; alarm: AlarmPayload };
export type RecordType = RecordBody['type'];

/** Raw telemetry may be dropped when the buffer is full; predictions and alarms never are. */
export function isDroppable(type: RecordType): boolean {
  return type === 'battery' || type === 'charger';
}

/** What a record's ts counts: only 'demo' is ever written (absent means wall time). */
export type TimeBase = 'demo';

export interface RecordHeader {
  gatewayId: string;
  deviceId: string;
  deviceKind: DeviceKind;
  source: RecordSource;
  ts: number;
  clockTrusted: boolean;
  /** 'demo': ts is the simulator's demo clock, not wall time (see module header). Absent: wall time. */
  timeBase?: TimeBase;
  /** Simulator only: the faults active when the record was produced (ground truth labels). */
  faults?: string[];
}

/** A record before the buffer has accepted it. */
export type PendingRecord = RecordHeader & RecordBody;

/** A record the buffer has accepted: durable, sequenced, with its idempotency key. */
export type EdgeRecord = PendingRecord & { seq: number; key: string };

/**
 * The idempotency key every sink uses for deduplication: stable across restarts and re-sends
 * because it is built only from configuration (gateway id, device id) and the durable sequence.
 */
export function idempotencyKey(gatewayId: string, deviceId: string, seq: number): string {
  return `${gatewayId}/${deviceId}/${seq}`;
}

export function sequenced(record: PendingRecord, seq: number): EdgeRecord {
  return { ...record, seq, key: idempotencyKey(record.gatewayId, record.deviceId, seq) } as EdgeRecord;
}
