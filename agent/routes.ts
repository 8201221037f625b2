/** The agent's HTTP routes: status page, JSON API, metrics and health probes. */
import type { AgentConfig } from '../config/schema.js';
import type { RecordBuffer } from '../sync/buffer/index.js';
import type { DeviceRunner } from './device-runner.js';
import { json, text, type HttpEndpoint } from './http.js';
import type { AgentMetrics } from './metrics.js';
import { registerApi } from './status/api.js';
import { registerAssets } from './status/assets.js';
import type { LatestRecords } from './status/latest.js';
import { STATUS_PAGE } from './status/page.js';

export interface RouteSources {
  config: AgentConfig;
  metrics: AgentMetrics;
  runners: ReadonlyArray<Pick<DeviceRunner, 'currentState' | 'currentSource'>>;
  latest: LatestRecords;
  buffer: () => RecordBuffer | undefined;
  ready: () => boolean;
  sinkStates: () => Record<string, string>;
  modelStatus: () => unknown[];
  clockTrusted: () => boolean;
  now: () => number;
  /** Brings the gauges that are read from the buffer up to date; called for each /metrics scrape. */
  refreshMetrics: () => void;
}

export function registerRoutes(http: HttpEndpoint, src: RouteSources): void {
  const { config } = src;
  registerApi(http, {
    devices: config.devices,
    runners: src.runners,
    latest: src.latest,
    buffer: src.buffer,
    sinkStates: src.sinkStates,
    modelStatus: src.modelStatus,
    clockTrusted: src.clockTrusted,
    gatewayId: config.gateway.id,
    now: src.now,
  });
  registerAssets(http);
  http
    .route('/', () => ({ status: 200, contentType: 'text/html; charset=utf-8', body: STATUS_PAGE }))
    .route('/metrics', async () => {
      src.refreshMetrics();
      return { status: 200, contentType: src.metrics.registry.contentType, body: await src.metrics.registry.metrics() };
    })
    .route('/healthz', () => text(200, 'ok\n'))
    // An unavailable model or a sink in backoff degrades the agent but does not make it unready:
    // telemetry still flows into the buffer.
    .route('/readyz', () =>
      json(src.ready() ? 200 : 503, {
        ready: src.ready(),
        devices: src.runners.map((r, i) => ({ id: config.devices[i]?.id, state: r.currentState, source: r.currentSource ?? null })),
        sinks: src.sinkStates(),
        models: src.modelStatus(),
      }),
    );
}
