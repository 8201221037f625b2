/** Alarms and anomalies, and chargers (connector status, energy, sessions, OCPP errors). */
import { ALL, SCHEMA_VAR, codeMappings, sourceColumn, sql, sqlVariable, type DashboardSpec } from './panels.js';

const T = '${schema}.telemetry';
const A = '${schema}.alarms';
const P = '${schema}.predictions';
const ALARMS = `$__timeFilter(ts) AND gateway_id = ANY(ARRAY[$gateway]::text[]) AND severity = ANY(ARRAY[$severity]::text[])`;

const SEVERITY_COLOURS = [['critical', 'red'], ['warning', 'orange'], ['info', 'blue']] as const;
const severityOverrides = SEVERITY_COLOURS.map(([name, color]) => ({
  matcher: { id: 'byName', options: name }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }],
}));

export const alarms: DashboardSpec = {
  uid: 'ev-edge-alarms',
  title: 'ev-edge / Alarms and anomalies',
  file: 'alarms.json',
  description: 'Alarm records (alarms table: rule, severity, message, value, threshold) and the anomaly model score.',
  variables: [
    SCHEMA_VAR,
    sqlVariable('gateway', 'Gateway', `SELECT DISTINCT gateway_id FROM \${schema}.telemetry WHERE $__timeFilter(ts) ORDER BY 1`, true),
    { name: 'severity', label: 'Severity', type: 'custom', query: 'critical,warning,info', multi: true, includeAll: true, current: ALL, options: [], hide: 0 },
  ],
  rows: [
    {
      row: 'Alarms',
      panels: [
        ...SEVERITY_COLOURS.map(([sev, color]) => ({
          type: 'stat' as const, title: `${sev[0]!.toUpperCase()}${sev.slice(1)} alarms`, w: 4, h: 5, thresholds: [[1, color]] as [number, string][],
          options: { colorMode: 'background' },
          targets: [sql(`SELECT count(*) AS alarms FROM ${A} WHERE ${ALARMS} AND severity = '${sev}'`, 'table')],
        })),
        {
          type: 'bargauge', title: 'Top rules', w: 12, h: 5,
          options: { orientation: 'horizontal', displayMode: 'basic', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: true } },
          targets: [sql(`SELECT rule, count(*) AS alarms FROM ${A} WHERE ${ALARMS} GROUP BY rule ORDER BY 2 DESC LIMIT 10`, 'table')],
        },
        {
          type: 'timeseries', title: 'Alarms per interval by severity', w: 12, overrides: severityOverrides,
          custom: { drawStyle: 'bars', fillOpacity: 70, stacking: { mode: 'normal', group: 'A' } },
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), severity AS metric, count(*) AS alarms
FROM ${A} WHERE ${ALARMS}
GROUP BY 1, 2 ORDER BY 1`)],
        },
        {
          type: 'timeseries', title: 'Anomaly score (anomaly_pack)', w: 12, thresholds: [[4, 'orange'], [6, 'red']], custom: { thresholdsStyle: { mode: 'dashed' } },
          description: 'max |z| of the residuals (observed - expected) / sigma; the default pack_anomaly rule fires above 6 and clears below 4.',
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), device_id AS metric, max((outputs->>'anomaly_score')::float8) AS anomaly_score
FROM ${P} WHERE $__timeFilter(ts) AND gateway_id = ANY(ARRAY[$gateway]::text[]) AND model = 'anomaly_pack'
GROUP BY 1, 2 ORDER BY 1`)],
        },
        {
          type: 'table', title: 'Recent alarms', w: 24, h: 10,
          overrides: [sourceColumn(), {
            matcher: { id: 'byName', options: 'severity' },
            properties: [{ id: 'custom.cellOptions', value: { type: 'color-text' } }, {
              id: 'mappings', value: [{ type: 'value', options: Object.fromEntries(SEVERITY_COLOURS.map(([s, color], index) => [s, { color, index }])) }],
            }],
          }],
          targets: [sql(`
SELECT ts, gateway_id AS gateway, device_id AS device, device_kind AS kind, source, severity, rule, message, value, threshold, clock_trusted
FROM ${A} WHERE ${ALARMS}
ORDER BY ts DESC LIMIT 500`, 'table')],
        },
      ],
    },
  ],
};

const CHG = `$__timeFilter(ts) AND gateway_id = ANY(ARRAY[$gateway]::text[]) AND device_id = ANY(ARRAY[$charger]::text[]) AND record_type = 'charger'`;
/** OCPP 1.6 statuses in code order; the state timeline shows the highest code in an interval (Faulted wins). */
const CONNECTOR = [
  ['Available', 'green'], ['Preparing', 'light-blue'], ['Charging', 'blue'], ['SuspendedEVSE', 'yellow'], ['SuspendedEV', 'light-yellow'],
  ['Finishing', 'light-green'], ['Reserved', 'purple'], ['Unavailable', 'text'], ['Faulted', 'red'],
] as const;
const statusCase = `CASE connector_status ${CONNECTOR.map(([s], i) => `WHEN '${s}' THEN ${i}`).join(' ')} END`;

export const chargers: DashboardSpec = {
  uid: 'ev-edge-chargers',
  title: 'ev-edge / Chargers',
  file: 'chargers.json',
  description: 'Charger connector status (OCPP 1.6), energy delivered, sessions, temperature and OCPP error codes.',
  variables: [
    SCHEMA_VAR,
    sqlVariable('gateway', 'Gateway', `SELECT DISTINCT gateway_id FROM \${schema}.telemetry WHERE device_kind = 'charger' AND $__timeFilter(ts) ORDER BY 1`, true),
    sqlVariable('charger', 'Charger', `SELECT DISTINCT device_id FROM \${schema}.telemetry WHERE device_kind = 'charger' AND gateway_id = ANY(ARRAY[$gateway]::text[]) AND $__timeFilter(ts) ORDER BY 1`, true),
  ],
  rows: [
    {
      row: 'Status and sessions',
      panels: [
        {
          type: 'state-timeline', title: 'Connector status', w: 24, h: 7, mappings: codeMappings(CONNECTOR),
          description: 'Per interval the most severe status seen (code order: Available .. Faulted).', options: { showValue: 'auto', mergeValues: true },
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), device_id AS metric, max(${statusCase}) AS status
FROM ${T} WHERE ${CHG} AND connector_status IS NOT NULL
GROUP BY 1, 2 ORDER BY 1`)],
        },
        {
          type: 'table', title: 'Chargers now', w: 24, h: 7, overrides: [sourceColumn()],
          targets: [sql(`
SELECT DISTINCT ON (gateway_id, device_id)
  gateway_id AS gateway, device_id AS charger, source, ts, connector_status, power_w, session_energy_wh,
  energy_delivered_wh, charger_temperature_c, array_to_string(error_codes, ', ') AS errors
FROM ${T} WHERE ${CHG}
ORDER BY gateway_id, device_id, ts DESC`, 'table')],
        },
        {
          type: 'table', title: 'Sessions and energy in range', w: 24, h: 7,
          description: 'Sessions started = transitions into Charging from anything but a pause (SuspendedEV/EVSE); energy = sum of positive increments between rows that report the meter (a meter reset adds nothing). Rows without a status or a meter reading (e.g. OCPP heartbeats) are skipped, not read as zero.',
          overrides: [{ matcher: { id: 'byName', options: 'energy_kwh' }, properties: [{ id: 'unit', value: 'kwatth' }, { id: 'decimals', value: 2 }] }],
          targets: [sql(`
WITH r AS (SELECT gateway_id, device_id, ts, seq, connector_status, energy_delivered_wh, charger_temperature_c FROM ${T} WHERE ${CHG}),
status AS (SELECT gateway_id, device_id, connector_status,
                  lag(connector_status) OVER (PARTITION BY gateway_id, device_id ORDER BY ts, seq) AS prev_status
           FROM r WHERE connector_status IS NOT NULL),
energy AS (SELECT gateway_id, device_id,
                  energy_delivered_wh - lag(energy_delivered_wh) OVER (PARTITION BY gateway_id, device_id ORDER BY ts, seq) AS delta_wh
           FROM r WHERE energy_delivered_wh IS NOT NULL)
SELECT gateway_id AS gateway, device_id AS charger,
       (SELECT count(*) FROM status s WHERE (s.gateway_id, s.device_id) = (r.gateway_id, r.device_id)
          AND s.connector_status = 'Charging' AND coalesce(s.prev_status, '') NOT IN ('Charging', 'SuspendedEV', 'SuspendedEVSE')) AS sessions_started,
       (SELECT coalesce(sum(greatest(e.delta_wh, 0)), 0) FROM energy e WHERE (e.gateway_id, e.device_id) = (r.gateway_id, r.device_id)) / 1000 AS energy_kwh,
       count(*) FILTER (WHERE connector_status = 'Faulted') AS faulted_rows,
       max(charger_temperature_c) AS max_temp_c
FROM r
GROUP BY 1, 2 ORDER BY 1, 2`, 'table')],
        },
      ],
    },
    {
      row: 'Energy, temperature and errors',
      panels: [
        {
          type: 'timeseries', title: 'Energy delivered per interval', w: 12, unit: 'kwatth', custom: { drawStyle: 'bars', fillOpacity: 60, stacking: { mode: 'normal', group: 'A' } },
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), device_id AS metric, sum(delta_wh) / 1000 AS energy_kwh
FROM (SELECT ts, device_id,
             greatest(energy_delivered_wh - lag(energy_delivered_wh) OVER (PARTITION BY gateway_id, device_id ORDER BY ts, seq), 0) AS delta_wh
      FROM ${T} WHERE ${CHG} AND energy_delivered_wh IS NOT NULL) d
GROUP BY 1, 2 ORDER BY 1`)],
        },
        {
          type: 'timeseries', title: 'Output power', w: 12, unit: 'watt',
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), device_id AS metric, avg(power_w) AS power_w
FROM ${T} WHERE ${CHG}
GROUP BY 1, 2 ORDER BY 1`)],
        },
        {
          type: 'timeseries', title: 'Charger temperature', w: 12, unit: 'celsius', thresholds: [[70, 'orange'], [80, 'red']], custom: { thresholdsStyle: { mode: 'dashed' } },
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), device_id AS metric, max(charger_temperature_c) AS temperature_c
FROM ${T} WHERE ${CHG}
GROUP BY 1, 2 ORDER BY 1`)],
        },
        {
          type: 'table', title: 'OCPP error codes', w: 12,
          targets: [sql(`
SELECT gateway_id AS gateway, device_id AS charger, code, count(*) AS rows, min(ts) AS first_seen, max(ts) AS last_seen
FROM ${T} CROSS JOIN LATERAL unnest(error_codes) AS code
WHERE ${CHG}
GROUP BY 1, 2, 3 ORDER BY last_seen DESC`, 'table')],
        },
      ],
    },
  ],
};
