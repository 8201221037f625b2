/**
 * Read-only JSON API behind the status page:
 *   GET /api/devices                  every configured device: state, source, newest telemetry
 *   GET /api/devices/:id/latest       newest telemetry, predictions per model, newest alarm
 *   GET /api/devices/:id/history      ?limit=N (<= 1000) &type=battery,charger,prediction,alarm
 *   GET /api/devices/:id/series       ?hours=H (<= 48) &points=N (<= 1000): charts' columns (series.ts)
 *   GET /api/alarms                   newest alarms of every device, ?limit=N (<= 50)
 *   GET /api/status                   buffer size against its cap, drops, and each sink's lag
 * Every query is bounded (limit, points, hours), and history is read from the buffer, never kept
 * in memory twice.
 */
import type { DeviceConfig } from '../../config/schema.js';
import type { RecordBuffer } from '../../sync/buffer/index.js';
import type { DeviceRunner } from '../device-runner.js';
import { deviceSeries, seriesQuery } from './series.js';
import { json, type HttpEndpoint, type HttpReply } from '../http.js';
import type { EdgeRecord } from '../../core/record.js';
import { ALARMS_KEPT, type LatestRecords } from './latest.js';

export interface ApiSources {
  devices: readonly DeviceConfig[];
  /** What the page shows of each device's runner (the agent passes its DeviceRunners). */
  runners: ReadonlyArray<Pick<DeviceRunner, 'currentState' | 'currentSource'>>;
  latest: LatestRecords;
  buffer: () => RecordBuffer | undefined;
  sinkStates: () => Record<string, string>;
  modelStatus: () => unknown[];
  clockTrusted: () => boolean;
  gatewayId: string;
  /** The agent's clock: the charts' window ends at its now. */
  now: () => number;
}

const RECORD_TYPES = ['battery', 'charger', 'prediction', 'alarm'];

function boundedLimit(url: URL, fallback: number): number {
  const n = Number(url.searchParams.get('limit') ?? fallback);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : fallback;
}

export function registerApi(http: HttpEndpoint, src: ApiSources): void {
  const deviceSummary = (device: DeviceConfig, index: number) => {
    const runner = src.runners[index];
    const latest = src.latest.latest(device.id);
    return {
      id: device.id,
      kind: device.kind,
      driver: device.driver,
      state: runner?.currentState ?? 'stopped',
      source: runner?.currentSource ?? null,
      telemetry: latest.battery ?? latest.charger ?? null,
    };
  };
  const find = (id: string) => src.devices.findIndex((d) => d.id === id);

  http.route('/api/devices', () => json(200, { gateway: src.gatewayId, devices: src.devices.map(deviceSummary) }));

  http.routePrefix('/api/devices/', (url): HttpReply => {
    const [id, view] = url.pathname.slice('/api/devices/'.length).split('/').map(decodeURIComponent);
    const index = find(id ?? '');
    if (index < 0) return json(404, { error: `no device "${id}"` });
    const device = src.devices[index]!;
    if (view === 'latest') {
      const latest = src.latest.latest(device.id);
      return json(200, { ...deviceSummary(device, index), predictions: src.latest.predictionsOf(device.id), alarm: latest.alarm ?? null });
    }
    if (view === 'history') {
      const types = (url.searchParams.get('type') ?? '').split(',').filter((t) => t.length > 0);
      const unknown = types.filter((t) => !RECORD_TYPES.includes(t));
      if (unknown.length > 0) return json(400, { error: `unknown type(s) ${unknown.join(', ')}; expected ${RECORD_TYPES.join(', ')}` });
      const buffer = src.buffer();
      const records = buffer ? buffer.recent(device.id, boundedLimit(url, 100), types.length > 0 ? types : undefined) : [];
      return json(200, { device: device.id, records });
    }
    if (view === 'series') {
      const query = seriesQuery(url);
      if (typeof query === 'string') return json(400, { error: query });
      return json(200, deviceSeries(src.buffer(), device, src.now(), query));
    }
    return json(404, { error: 'expected /api/devices/:id/latest, /history or /series' });
  });

  // From memory (the newest ALARMS_KEPT per device): polled every few seconds, and a scan of the
  // buffer for rare rows would visit every row of a device that has none.
  http.route('/api/alarms', (url) => {
    const limit = Math.min(boundedLimit(url, 50), ALARMS_KEPT);
    const alarms: EdgeRecord[] = src.devices.flatMap((d) => src.latest.alarmsOf(d.id).slice(0, limit));
    alarms.sort((a, b) => b.ts - a.ts);
    return json(200, { alarms: alarms.slice(0, limit) });
  });

  http.route('/api/status', () => {
    const stats = src.buffer()?.stats();
    return json(200, {
      gateway: src.gatewayId,
      now: src.now(),
      clockTrusted: src.clockTrusted(),
      buffer: stats ?? null,
      sinks: src.sinkStates(),
      models: src.modelStatus(),
    });
  });
}
