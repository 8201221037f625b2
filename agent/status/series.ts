/**
 * GET /api/devices/:id/series?hours=H&points=N: a device's recent history as columns, the shape
 * the page's charts (uPlot) draw directly: one time column in SECONDS and one column per signal,
 * oldest first, null where a reading lacked the field.
 *
 * Bounds (a 512 MB gateway; the page polls this): telemetry is sampled by the buffer (at most
 * `points` rows parsed, see sync/buffer/history.ts); predictions and alarms are sparse (one per
 * model per scoring interval, one per alarm episode) and read as the newest PREDICTION_ROWS /
 * ALARM_ROWS rows inside the window (newestSince: the window bounds the scan). Nothing is cached
 * between requests.
 */
import { OCPP_CONNECTOR_STATUSES, type EdgeRecord } from '../../core/record.js';
import type { DeviceConfig } from '../../config/schema.js';
import { MAINTENANCE_LEVELS, MAINTENANCE_MODEL } from '../../models/scoring/maintenance.js';
import type { RecordBuffer } from '../../sync/buffer/index.js';

export const DEFAULT_HOURS = 6;
export const MAX_HOURS = 48;
export const DEFAULT_POINTS = 240;
export const MAX_POINTS = 1000;
const PREDICTION_ROWS = 1000;
const ALARM_ROWS = 200;

/** Telemetry columns per device kind, in the order the page charts them. */
export const BATTERY_COLUMNS = ['packVoltageV', 'packCurrentA', 'socPct', 'tempMinC', 'tempMaxC', 'cellVoltageMinV', 'cellVoltageMaxV'] as const;
export const CHARGER_COLUMNS = ['powerW', 'temperatureC', 'connector'] as const;

export interface PredictionSeries {
  model: string;
  modelVersion: string;
  output: string;
  /** Names of the levels when the output is a code (maintenance recommendation). */
  levels?: readonly string[];
  t: number[];
  v: number[];
  /** Per point: 'low' | 'medium' | 'high', or null when the model said nothing about its basis. */
  confidence: Array<string | null>;
  historyH: Array<number | null>;
  /** The newest prediction's missing inputs (null when it carried no basis). */
  missingInputs: string[] | null;
}

export interface DeviceSeries {
  device: string;
  kind: DeviceConfig['kind'];
  from: number;
  to: number;
  telemetry: Record<string, Array<number | null>>;
  /** For the connector column: index -> OCPP status name. */
  connectorStatuses?: readonly string[];
  predictions: PredictionSeries[];
  alarms: Array<{ ts: number; severity: string; rule: string; message: string }>;
}

export function seriesQuery(url: URL): { hours: number; points: number } | string {
  const hours = Number(url.searchParams.get('hours') ?? DEFAULT_HOURS);
  const points = Number(url.searchParams.get('points') ?? DEFAULT_POINTS);
  if (!(hours > 0 && hours <= MAX_HOURS)) return `hours must be > 0 and <= ${MAX_HOURS}, got ${url.searchParams.get('hours')}`;
  if (!(Number.isInteger(points) && points > 0 && points <= MAX_POINTS)) return `points must be an integer 1..${MAX_POINTS}, got ${url.searchParams.get('points')}`;
  return { hours, points };
}

export function deviceSeries(buffer: RecordBuffer | undefined, device: DeviceConfig, now: number, q: { hours: number; points: number }): DeviceSeries {
  const from = now - q.hours * 3_600_000;
  const base = { device: device.id, kind: device.kind, from, to: now };
  if (!buffer) return { ...base, telemetry: { t: [] }, predictions: [], alarms: [] };
  const readings = buffer.sample(device.id, device.kind, from, q.points).reverse();
  const telemetry = device.kind === 'battery' ? batteryColumns(readings) : chargerColumns(readings);
  const predictions = predictionSeries(buffer.newestSince(device.id, 'prediction', from, PREDICTION_ROWS).reverse());
  const alarms = buffer.newestSince(device.id, 'alarm', from, ALARM_ROWS).flatMap((r) =>
    r.type === 'alarm' ? [{ ts: r.ts, severity: r.alarm.severity, rule: r.alarm.rule, message: r.alarm.message }] : []);
  return { ...base, telemetry, ...(device.kind === 'charger' ? { connectorStatuses: OCPP_CONNECTOR_STATUSES } : {}), predictions, alarms };
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function batteryColumns(records: EdgeRecord[]): DeviceSeries['telemetry'] {
  const cols: DeviceSeries['telemetry'] = { t: [] };
  for (const name of BATTERY_COLUMNS) cols[name] = [];
  for (const r of records) {
    if (r.type !== 'battery') continue;
    cols.t!.push(r.ts / 1000);
    for (const name of BATTERY_COLUMNS) cols[name]!.push(finite(r.battery[name]));
  }
  return cols;
}

function chargerColumns(records: EdgeRecord[]): DeviceSeries['telemetry'] {
  const cols: DeviceSeries['telemetry'] = { t: [], powerW: [], temperatureC: [], connector: [] };
  for (const r of records) {
    if (r.type !== 'charger') continue;
    cols.t!.push(r.ts / 1000);
    cols.powerW!.push(finite(r.charger.powerW));
    cols.temperatureC!.push(finite(r.charger.temperatureC));
    const status = OCPP_CONNECTOR_STATUSES.indexOf(r.charger.connectorStatus as (typeof OCPP_CONNECTOR_STATUSES)[number]);
    cols.connector!.push(status >= 0 ? status : null);
  }
  return cols;
}

/** One series per (model, output), oldest first; a model's version change starts no new series. */
function predictionSeries(records: EdgeRecord[]): PredictionSeries[] {
  const byKey = new Map<string, PredictionSeries>();
  for (const r of records) {
    if (r.type !== 'prediction') continue;
    const p = r.prediction;
    for (const [output, value] of Object.entries(p.outputs)) {
      const v = finite(value);
      if (v === null) continue;
      const key = `${p.model}\u0000${output}`;
      let s = byKey.get(key);
      if (!s) {
        s = { model: p.model, modelVersion: p.modelVersion, output, t: [], v: [], confidence: [], historyH: [], missingInputs: null };
        if (p.model === MAINTENANCE_MODEL && output === 'recommendation') s.levels = MAINTENANCE_LEVELS;
        byKey.set(key, s);
      }
      s.modelVersion = p.modelVersion;
      s.t.push(r.ts / 1000);
      s.v.push(v);
      s.confidence.push(p.basis?.confidence ?? null);
      s.historyH.push(finite(p.basis?.historyH));
      s.missingInputs = p.basis ? [...p.basis.missingInputs] : null;
    }
  }
  return [...byKey.values()];
}
