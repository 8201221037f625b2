/**
 * The agent's own Prometheus metrics (agent/metrics.ts, sync/metrics.ts, models/scoring/metrics.ts).
 * The agent exports no gateway label itself: the scrape config (config/prometheus/scrape.yml) adds it.
 */
import { codeMappings, prom, promVariable, type DashboardSpec, type PanelSpec } from './panels.js';

const G = 'gateway=~"$gateway"';
const GD = `${G}, device=~"$device"`;
const R = '$__rate_interval';

/** A one-hot state-set gauge turned into one code per series (index in `states`), for a state timeline. */
function stateCode(metric: string, by: string, label: string, states: readonly string[], filter: string): string {
  return states.map((s, i) => `${i} * max by (${by}) (${metric}{${filter}, ${label}="${s}"})`).join('\n  + ');
}
const DRIVER = ['running', 'starting', 'stale', 'fallback', 'failed', 'stopped'] as const;
const SINK = ['connected', 'connecting', 'backoff', 'stopped'] as const;
const SOURCE = ['hardware', 'replay', 'simulator'] as const;

const ts = (title: string, targets: ReturnType<typeof prom>[], extra: Partial<PanelSpec> = {}): PanelSpec => ({ type: 'timeseries', title, w: 12, targets, ...extra });

export const agent: DashboardSpec = {
  uid: 'ev-edge-agent',
  title: 'ev-edge / Agent (Prometheus)',
  file: 'agent.json',
  description: 'Each gateway agent\'s own metrics: ingest, buffer, sinks, drops, drivers, source switches and scoring latency.',
  time: 'now-6h',
  variables: [
    promVariable('gateway', 'Gateway', 'label_values(evedge_buffer_rows, gateway)'),
    promVariable('device', 'Device', 'label_values(evedge_driver_state{gateway=~"$gateway"}, device)'),
  ],
  rows: [
    {
      row: 'Ingest and buffer',
      panels: [
        ts('Ingest rate by type', [prom(`sum by (gateway, type) (rate(evedge_records_ingested_total{${GD}}[${R}]))`, '{{gateway}} {{type}}')], { unit: 'reqps', description: 'Records per second received from drivers and scoring, and committed to the buffer.' }),
        ts('Committed to buffer', [prom(`sum by (gateway) (rate(evedge_records_buffered_total{${GD}}[${R}]))`, '{{gateway}}')], { unit: 'reqps' }),
        ts('Buffer used vs cap', [
          prom(`evedge_buffer_used_bytes{${G}}`, '{{gateway}} used'),
          prom(`evedge_buffer_max_bytes{${G}}`, '{{gateway}} cap'),
          prom(`evedge_buffer_file_bytes{${G}}`, '{{gateway}} file'),
        ], { unit: 'bytes', description: 'When used reaches the cap the oldest raw telemetry is dropped (reason buffer_full); predictions and alarms are kept.' }),
        {
          type: 'bargauge', title: 'Buffer fill (used / cap)', w: 6, unit: 'percentunit', min: 0, max: 1, thresholds: [[0.7, 'orange'], [0.9, 'red']],
          options: { orientation: 'horizontal', displayMode: 'lcd', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } },
          targets: [prom(`evedge_buffer_used_bytes{${G}} / evedge_buffer_max_bytes{${G}}`, '{{gateway}}')],
        },
        ts('Buffer rows', [prom(`evedge_buffer_rows{${G}}`, '{{gateway}}'), prom(`evedge_pipeline_pending_records{${G}}`, '{{gateway}} in memory')], { w: 6 }),
        ts('Records dropped by reason', [prom(`sum by (gateway, reason, type) (increase(evedge_records_dropped_total{${G}}[${R}]))`, '{{gateway}} {{reason}} {{type}}')], {
          custom: { drawStyle: 'bars', fillOpacity: 60 }, thresholds: [[1, 'red']], description: 'Any drop is data lost for good: see reason.',
        }),
        ts('Gateway reachable (scrape up)', [prom(`up{job=~"ev-edge.*", ${G}}`, '{{gateway}}')], {
          min: 0, max: 1, custom: { lineInterpolation: 'stepAfter' }, description: 'Set by Prometheus per scrape: 0 = the gateway could not be scraped (offline, network, token).',
        }),
        ts('Clock trusted / components up', [
          prom(`evedge_clock_trusted{${G}}`, '{{gateway}} clock trusted'),
          prom(`min by (gateway) (evedge_component_up{${G}})`, '{{gateway}} all components up'),
        ], { min: 0, max: 1, custom: { lineInterpolation: 'stepAfter' } }),
      ],
    },
    {
      row: 'Sinks',
      panels: [
        {
          type: 'state-timeline', title: 'Sink state', w: 24, h: 5, mappings: codeMappings([['connected', 'green'], ['connecting', 'yellow'], ['backoff', 'orange'], ['stopped', 'text']]),
          options: { showValue: 'auto', mergeValues: true },
          targets: [prom(stateCode('evedge_sink_state', 'gateway, sink', 'state', SINK, G), '{{gateway}} {{sink}}')],
        },
        ts('Sink lag (oldest undelivered record)', [
          prom(`evedge_sink_lag_seconds{${G}}`, '{{gateway}} {{sink}}'),
          prom(`evedge_buffer_oldest_unsent_age_seconds{${G}}`, '{{gateway}} {{sink}} (buffer view)'),
        ], { unit: 's', thresholds: [[60, 'orange'], [600, 'red']] }),
        ts('Sink throughput and failures', [
          prom(`sum by (gateway, sink) (rate(evedge_sink_records_sent_total{${G}}[${R}]))`, '{{gateway}} {{sink}} sent'),
          prom(`sum by (gateway, sink, reason) (rate(evedge_sink_records_failed_total{${G}}[${R}]))`, '{{gateway}} {{sink}} failed ({{reason}})'),
          prom(`sum by (gateway, sink) (rate(evedge_sink_records_dead_lettered_total{${G}}[${R}]))`, '{{gateway}} {{sink}} dead-lettered'),
        ], { unit: 'reqps' }),
        ts('Sink batch duration p95', [
          prom(`histogram_quantile(0.95, sum by (gateway, sink, le) (rate(evedge_sink_batch_duration_seconds_bucket{${G}}[${R}])))`, '{{gateway}} {{sink}}'),
        ], { unit: 's' }),
        ts('Component failures', [prom(`sum by (gateway, component) (increase(evedge_component_failures_total{${G}}[${R}]))`, '{{gateway}} {{component}}')], { custom: { drawStyle: 'bars', fillOpacity: 60 } }),
      ],
    },
    {
      row: 'Devices and drivers',
      panels: [
        {
          type: 'state-timeline', title: 'Driver state', w: 12, h: 8, options: { showValue: 'auto', mergeValues: true },
          mappings: codeMappings([['running', 'green'], ['starting', 'blue'], ['stale', 'orange'], ['fallback', 'purple'], ['failed', 'red'], ['stopped', 'text']]),
          targets: [prom(stateCode('evedge_driver_state', 'gateway, device', 'state', DRIVER, GD), '{{gateway}} {{device}}')],
        },
        {
          type: 'state-timeline', title: 'Data source (SIMULATED / REPLAY are not hardware)', w: 12, h: 8, options: { showValue: 'auto', mergeValues: true },
          mappings: codeMappings([['hardware', 'green'], ['REPLAY', 'purple'], ['SIMULATED', 'orange']]),
          targets: [prom(stateCode('evedge_device_source', 'gateway, device', 'source', SOURCE, GD), '{{gateway}} {{device}}')],
        },
        ts('Driver errors by reason', [prom(`sum by (gateway, device, reason) (increase(evedge_driver_errors_total{${GD}}[${R}]))`, '{{gateway}} {{device}} {{reason}}')], { custom: { drawStyle: 'bars', fillOpacity: 60 } }),
        ts('Source switches', [prom(`sum by (gateway, device, to) (increase(evedge_device_source_switches_total{${GD}}[${R}]))`, '{{gateway}} {{device}} -> {{to}}')], {
          custom: { drawStyle: 'bars', fillOpacity: 60 }, description: 'Switches between hardware and the simulator fallback (to = the new source).',
        }),
        ts('Seconds since last record', [prom(`time() - evedge_device_last_record_timestamp_seconds{${GD}}`, '{{gateway}} {{device}}')], { unit: 's', thresholds: [[30, 'orange'], [300, 'red']] }),
      ],
    },
    {
      row: 'Scoring',
      panels: [
        ts('Scoring latency (one score() call)', ['0.5', '0.95', '0.99'].map((q) =>
          prom(`histogram_quantile(${q}, sum by (gateway, le) (rate(evedge_scoring_duration_seconds_bucket{${G}}[${R}])))`, `{{gateway}} p${Number(q) * 100}`)), { unit: 's' }),
        ts('Predictions and alarms produced', [
          prom(`sum by (gateway, model) (rate(evedge_predictions_total{${G}}[${R}]))`, '{{gateway}} {{model}}'),
          prom(`sum by (gateway, severity) (rate(evedge_alarms_total{${G}}[${R}]))`, '{{gateway}} alarms {{severity}}'),
        ], { unit: 'reqps' }),
        ts('Models available', [prom(`evedge_model_available{${G}}`, '{{gateway}} {{model}}')], { min: 0, max: 1, custom: { lineInterpolation: 'stepAfter' } }),
        ts('Input drift (PSI, max over features)', [prom(`max by (gateway, model) (evedge_model_feature_psi{${G}})`, '{{gateway}} {{model}}')], {
          thresholds: [[0.1, 'orange'], [0.25, 'red']], custom: { thresholdsStyle: { mode: 'dashed' } }, description: 'PSI above 0.25 usually means the live inputs differ from the training data.',
        }),
      ],
    },
  ],
};
