/** Fleet overview and data freshness: what reports, from where, and how current it is (central TimescaleDB). */
import {
  SCHEMA_VAR, SOURCE_SERIES_OVERRIDES, sourceColumn, sql, sqlVariable, type DashboardSpec,
} from './panels.js';

const GATEWAY_VAR = sqlVariable('gateway', 'Gateway', `
SELECT DISTINCT gateway_id FROM \${schema}.telemetry WHERE $__timeFilter(ts) ORDER BY 1`, true);

const T = '${schema}.telemetry';
const IN_RANGE = `$__timeFilter(ts) AND gateway_id = ANY(ARRAY[$gateway]::text[])`;

export const fleet: DashboardSpec = {
  uid: 'ev-edge-fleet',
  title: 'ev-edge / Fleet overview',
  file: 'fleet-overview.json',
  description: 'Gateways and devices reporting to the central TimescaleDB, how fresh their data is, and how much of it is simulated or replayed.',
  variables: [SCHEMA_VAR, GATEWAY_VAR],
  rows: [
    {
      row: 'Fleet',
      panels: [
        { type: 'stat', title: 'Gateways reporting', w: 4, h: 5, targets: [sql(`SELECT count(DISTINCT gateway_id) AS gateways FROM ${T} WHERE ${IN_RANGE}`, 'table')] },
        { type: 'stat', title: 'Devices reporting', w: 4, h: 5, targets: [sql(`
SELECT count(DISTINCT device_id) FILTER (WHERE device_kind = 'battery') AS packs,
       count(DISTINCT device_id) FILTER (WHERE device_kind = 'charger') AS chargers
FROM (SELECT DISTINCT gateway_id || '/' || device_id AS device_id, device_kind FROM ${T} WHERE ${IN_RANGE}) d`, 'table')] },
        {
          type: 'stat', title: 'Not from hardware', w: 4, h: 5, unit: 'percentunit', decimals: 1, thresholds: [[0.0001, 'orange']],
          description: 'Share of telemetry rows in the range whose source is simulator or replay. Anything above 0 % is not real hardware data.',
          targets: [sql(`SELECT coalesce(avg(CASE WHEN source = 'hardware' THEN 0 ELSE 1 END), 0) AS "simulated or replayed" FROM ${T} WHERE ${IN_RANGE}`, 'table')],
        },
        {
          type: 'stat', title: 'Oldest newest-record', w: 4, h: 5, unit: 's', thresholds: [[60, 'orange'], [300, 'red']],
          description: 'The stalest gateway: max over gateways of now() - max(ts). See the Data freshness dashboard for details.',
          targets: [sql(`SELECT max(age_s) AS "stalest gateway" FROM (SELECT extract(epoch FROM now() - max(ts)) AS age_s FROM ${T} WHERE ${IN_RANGE} GROUP BY gateway_id) g`, 'table')],
        },
        {
          type: 'piechart', title: 'Devices by source', w: 8, h: 5, overrides: SOURCE_SERIES_OVERRIDES,
          description: 'Devices by the source of their latest row: hardware (green), SIMULATED (orange), REPLAY (purple).',
          options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, legend: { displayMode: 'table', placement: 'right', values: ['value'] }, pieType: 'donut' },
          targets: [sql(`
SELECT count(*) FILTER (WHERE source = 'hardware') AS hardware,
       count(*) FILTER (WHERE source = 'simulator') AS simulator,
       count(*) FILTER (WHERE source = 'replay') AS replay
FROM (SELECT DISTINCT ON (gateway_id, device_id) source FROM ${T} WHERE ${IN_RANGE} ORDER BY gateway_id, device_id, ts DESC) latest`, 'table')],
        },
        {
          type: 'timeseries', title: 'Telemetry rows by source', w: 24, overrides: SOURCE_SERIES_OVERRIDES,
          description: 'Rows per interval; simulator and replay are dashed and coloured so simulated data is never read as hardware.',
          custom: { drawStyle: 'bars', stacking: { mode: 'normal', group: 'A' }, fillOpacity: 60 },
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), source AS metric, count(*) AS rows
FROM ${T} WHERE ${IN_RANGE}
GROUP BY 1, 2 ORDER BY 1`)],
        },
        {
          type: 'table', title: 'Devices (latest row each)', w: 24, h: 10, overrides: [sourceColumn(), {
            matcher: { id: 'byName', options: 'age_s' },
            properties: [{ id: 'unit', value: 's' }, { id: 'custom.cellOptions', value: { type: 'color-text' } },
              { id: 'thresholds', value: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 60 }, { color: 'red', value: 300 }] } }],
          }],
          targets: [sql(`
SELECT DISTINCT ON (gateway_id, device_id)
  gateway_id AS gateway, device_id AS device, device_kind AS kind, source, ts AS last_ts,
  extract(epoch FROM now() - ts) AS age_s, clock_trusted, received_at
FROM ${T} WHERE ${IN_RANGE}
ORDER BY gateway_id, device_id, ts DESC`, 'table')],
        },
      ],
    },
  ],
};

export const freshness: DashboardSpec = {
  uid: 'ev-edge-freshness',
  title: 'ev-edge / Data freshness',
  file: 'data-freshness.json',
  description: 'Per gateway: age of the newest row (now() - max(ts)), delivery delay (received_at - ts), and the share of rows stamped by a trusted clock.',
  variables: [SCHEMA_VAR, GATEWAY_VAR],
  rows: [
    {
      row: 'Per gateway',
      panels: [
        {
          type: 'table', title: 'Gateways', w: 24, h: 9,
          description: 'age_s = now() - max(ts) over the range (a gateway silent for longer than the range drops out: widen the range). '
            + 'clock_trusted = share of rows with a trusted clock; untrusted rows should be ordered by seq, not ts.',
          overrides: [
            { matcher: { id: 'byName', options: 'age_s' }, properties: [{ id: 'unit', value: 's' }, { id: 'custom.cellOptions', value: { type: 'color-background' } },
              { id: 'thresholds', value: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 60 }, { color: 'red', value: 300 }] } }] },
            { matcher: { id: 'byName', options: 'clock_trusted' }, properties: [{ id: 'unit', value: 'percentunit' }, { id: 'custom.cellOptions', value: { type: 'color-text' } },
              { id: 'thresholds', value: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'orange', value: 0.9 }, { color: 'green', value: 0.999 }] } }] },
            { matcher: { id: 'byName', options: 'not_hardware' }, properties: [{ id: 'unit', value: 'percentunit' }, { id: 'custom.cellOptions', value: { type: 'color-text' } },
              { id: 'thresholds', value: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 0.0001 }] } }] },
            { matcher: { id: 'byRegexp', options: 'delay_.*' }, properties: [{ id: 'unit', value: 's' }] },
          ],
          targets: [sql(`
SELECT gateway_id AS gateway,
       count(DISTINCT device_id) AS devices,
       max(ts) AS newest_ts,
       extract(epoch FROM now() - max(ts)) AS age_s,
       max(received_at) AS last_received,
       extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY received_at - ts)) AS delay_p50_s,
       extract(epoch FROM max(received_at - ts)) AS delay_max_s,
       avg(CASE WHEN clock_trusted THEN 1 ELSE 0 END) AS clock_trusted,
       avg(CASE WHEN source = 'hardware' THEN 0 ELSE 1 END) AS not_hardware,
       count(*) AS rows
FROM ${T} WHERE ${IN_RANGE}
GROUP BY gateway_id ORDER BY age_s DESC`, 'table')],
        },
        {
          type: 'bargauge', title: 'Age of newest row', w: 12, unit: 's', thresholds: [[60, 'orange'], [300, 'red']],
          options: { orientation: 'horizontal', displayMode: 'lcd', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: true } },
          targets: [sql(`SELECT gateway_id AS gateway, extract(epoch FROM now() - max(ts)) AS age_s FROM ${T} WHERE ${IN_RANGE} GROUP BY 1 ORDER BY 2 DESC`, 'table')],
        },
        {
          type: 'timeseries', title: 'Clock-trusted share', w: 12, unit: 'percentunit', min: 0, max: 1,
          description: 'Per interval: share of rows whose ts came from a trusted (synchronised) clock.',
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), gateway_id AS metric, avg(CASE WHEN clock_trusted THEN 1 ELSE 0 END) AS trusted
FROM ${T} WHERE ${IN_RANGE}
GROUP BY 1, 2 ORDER BY 1`)],
        },
        {
          type: 'timeseries', title: 'Delivery delay (received_at - ts), max per interval', w: 12, unit: 's',
          description: 'How long rows took from the gateway clock to the database: grows while a gateway is offline and drains its buffer afterwards.',
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), gateway_id AS metric, extract(epoch FROM max(received_at - ts)) AS delay_s
FROM ${T} WHERE ${IN_RANGE}
GROUP BY 1, 2 ORDER BY 1`)],
        },
        {
          type: 'timeseries', title: 'Rows per interval', w: 12, custom: { drawStyle: 'bars', fillOpacity: 50, stacking: { mode: 'normal', group: 'A' } },
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), gateway_id AS metric, count(*) AS rows
FROM ${T} WHERE ${IN_RANGE}
GROUP BY 1, 2 ORDER BY 1`)],
        },
      ],
    },
    {
      row: 'Per device',
      panels: [{
        type: 'table', title: 'Devices by staleness', w: 24, h: 10,
        overrides: [sourceColumn(), { matcher: { id: 'byName', options: 'age_s' }, properties: [{ id: 'unit', value: 's' }] }],
        targets: [sql(`
SELECT gateway_id AS gateway, device_id AS device, device_kind AS kind,
       (array_agg(source ORDER BY ts DESC))[1] AS source,
       max(ts) AS newest_ts, extract(epoch FROM now() - max(ts)) AS age_s,
       avg(CASE WHEN clock_trusted THEN 1 ELSE 0 END) AS clock_trusted_share
FROM ${T} WHERE ${IN_RANGE}
GROUP BY 1, 2, 3 ORDER BY age_s DESC`, 'table')],
      }],
    },
  ],
};
