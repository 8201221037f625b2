/** The JSON the page reads (agent/status/api.ts and series.ts are the source of truth; the browser tests check both ends agree). */

export interface Rec {
  deviceId: string; type: string; ts: number; seq: number; source: string;
  battery?: Record<string, unknown> & { cellVoltagesV?: number[]; alarmFlags?: string[] };
  charger?: Record<string, unknown> & { connectorStatus?: string; errorCodes?: string[] };
  prediction?: { model: string; modelVersion: string; outputs: Record<string, number>; basis?: { historyH: number; missingInputs: string[]; confidence: string } };
  alarm?: { rule: string; severity: string; message: string };
}
export interface DeviceSummary { id: string; kind: 'battery' | 'charger'; driver: string; state: string; source: string | null; telemetry: Rec | null }
export interface Devices { gateway: string; devices: DeviceSummary[] }
export interface Latest extends DeviceSummary { predictions: Rec[]; alarm: Rec | null }
export interface SinkStats { sink: string; pending: number; oldestUnsentTs: number | null; deadLetters: number }
export interface Status {
  gateway: string; now: number; clockTrusted: boolean;
  buffer: { rows: number; usedBytes: number; maxBytes: number; oldestTs: number | null; dropped: Record<string, number>; sinks: SinkStats[] } | null;
  sinks: Record<string, string>;
}
export interface Alarms { alarms: Rec[] }
export interface PredictionSeries {
  model: string; modelVersion: string; output: string; levels?: string[];
  t: number[]; v: number[]; confidence: Array<string | null>; historyH: Array<number | null>; missingInputs: string[] | null;
}
export interface Series {
  device: string; kind: 'battery' | 'charger'; from: number; to: number;
  telemetry: Record<string, Array<number | null>> & { t: number[] };
  connectorStatuses?: string[];
  predictions: PredictionSeries[];
  alarms: Array<{ ts: number; severity: string; rule: string; message: string }>;
}

const token = new URLSearchParams(location.search).get('token');
const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

export async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}
