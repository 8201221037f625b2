/** One battery pack in detail, and the model predictions (RUL, failure probability, maintenance). */
import { SCHEMA_VAR, SOURCE_MAPPINGS, codeMappings, sourceColumn, sql, sqlVariable, type DashboardSpec, type PanelSpec } from './panels.js';

const T = '${schema}.telemetry';
const P = '${schema}.predictions';
const PACK = `$__timeFilter(ts) AND gateway_id = '$gateway' AND device_id = '$device' AND record_type = 'battery'`;

/** A time series of averaged battery columns for the selected pack. */
function packSeries(title: string, columns: Record<string, string>, extra: Partial<PanelSpec> = {}): PanelSpec {
  const select = Object.entries(columns).map(([alias, expr]) => `${expr} AS "${alias}"`).join(', ');
  return {
    type: 'timeseries', title, w: 12,
    targets: [sql(`SELECT $__timeGroupAlias(ts, $__interval), ${select}\nFROM ${T} WHERE ${PACK}\nGROUP BY 1 ORDER BY 1`)],
    ...extra,
  };
}

export const pack: DashboardSpec = {
  uid: 'ev-edge-pack',
  title: 'ev-edge / Battery pack',
  file: 'battery-pack.json',
  description: 'One pack: state of charge and health, temperatures, voltage and current, cell voltages, and whether the data is real hardware.',
  variables: [
    SCHEMA_VAR,
    sqlVariable('gateway', 'Gateway', `SELECT DISTINCT gateway_id FROM \${schema}.telemetry WHERE device_kind = 'battery' AND $__timeFilter(ts) ORDER BY 1`, false),
    sqlVariable('device', 'Pack', `SELECT DISTINCT device_id FROM \${schema}.telemetry WHERE device_kind = 'battery' AND gateway_id = '$gateway' AND $__timeFilter(ts) ORDER BY 1`, false),
  ],
  rows: [
    {
      row: 'Now',
      panels: [
        {
          type: 'stat', title: 'Data source', w: 4, h: 5, mappings: SOURCE_MAPPINGS,
          options: { colorMode: 'background', textMode: 'value', reduceOptions: { calcs: ['lastNotNull'], fields: '/^source$/', values: false } },
          description: 'Source of the newest row: SIMULATED (orange) and REPLAY (purple) are not live hardware readings.',
          targets: [sql(`SELECT source FROM ${T} WHERE ${PACK} ORDER BY ts DESC LIMIT 1`, 'table')],
        },
        ...([['SoC', 'soc_pct', 'percent'], ['SoH', 'soh_pct', 'percent'], ['Cycles', 'cycle_count', 'none'], ['Max temperature', 'temp_max_c', 'celsius']] as const)
          .map(([title, col, unit]): PanelSpec => ({
            type: 'stat', title, w: 4, h: 5, unit, ...(col === 'temp_max_c' ? { thresholds: [[50, 'orange'], [60, 'red']] as [number, string][] } : {}),
            targets: [sql(`SELECT ts AS time, ${col} FROM ${T} WHERE ${PACK} AND ${col} IS NOT NULL ORDER BY ts DESC LIMIT 1`, 'table')],
          })),
        {
          type: 'stat', title: 'Clock trusted', w: 4, h: 5, unit: 'percentunit', thresholds: [[0, 'red'], [0.9, 'orange'], [0.999, 'green']],
          targets: [sql(`SELECT avg(CASE WHEN clock_trusted THEN 1 ELSE 0 END) AS trusted FROM ${T} WHERE ${PACK}`, 'table')],
        },
        {
          type: 'state-timeline', title: 'Source over time', w: 24, h: 4, mappings: codeMappings([['hardware', 'green'], ['REPLAY', 'purple'], ['SIMULATED', 'orange']]),
          description: 'Per interval: the "least real" source seen (simulator > replay > hardware), so a fallback to the simulator is never hidden.',
          options: { showValue: 'auto', mergeValues: true },
          targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval),
       max(CASE source WHEN 'hardware' THEN 0 WHEN 'replay' THEN 1 ELSE 2 END) AS source
FROM ${T} WHERE ${PACK}
GROUP BY 1 ORDER BY 1`)],
        },
      ],
    },
    {
      row: 'Signals',
      panels: [
        packSeries('State of charge and health', { SoC: 'avg(soc_pct)', SoH: 'avg(soh_pct)' }, { unit: 'percent', min: 0, max: 100 }),
        packSeries('Temperature', { min: 'min(temp_min_c)', mean: 'avg(temp_mean_c)', max: 'max(temp_max_c)' }, { unit: 'celsius', thresholds: [[50, 'orange'], [60, 'red']] }),
        packSeries('Pack voltage', { voltage: 'avg(pack_voltage_v)' }, { unit: 'volt' }),
        packSeries('Pack current (positive = charging)', { current: 'avg(pack_current_a)' }, { unit: 'amp' }),
        packSeries('Cell voltage min / max', { 'cell min': 'min(cell_voltage_min_v)', 'cell max': 'max(cell_voltage_max_v)' }, { unit: 'volt' }),
        packSeries('Cell spread', { spread: 'max((cell_voltage_max_v - cell_voltage_min_v) * 1000)' }, { unit: 'mvolt', thresholds: [[100, 'orange']] }),
        packSeries('Power (positive = charging)', { power: 'avg(power_w)' }, { unit: 'watt' }),
        packSeries('Capacity', { remaining: 'avg(remaining_capacity_ah)', full: 'avg(full_capacity_ah)' }, { unit: 'amph' }),
      ],
    },
  ],
};

const PRED = `$__timeFilter(ts) AND gateway_id = ANY(ARRAY[$gateway]::text[]) AND device_id = ANY(ARRAY[$device]::text[])`;

/** One output of the prediction JSON per device (and model) over time. */
function outputSeries(title: string, output: string, extra: Partial<PanelSpec> = {}): PanelSpec {
  return {
    type: 'timeseries', title, w: 12, ...extra,
    targets: [sql(`
SELECT $__timeGroupAlias(ts, $__interval), device_id || ' ' || model AS metric, avg((outputs->>'${output}')::float8) AS "${output}"
FROM ${P} WHERE ${PRED} AND outputs->>'${output}' IS NOT NULL
GROUP BY 1, 2 ORDER BY 1`)],
  };
}

export const MAINTENANCE_MAPPINGS = codeMappings([['NONE', 'green'], ['WITHIN_30_DAYS', 'yellow'], ['WITHIN_7_DAYS', 'orange'], ['IMMEDIATE', 'red']]);

export const predictions: DashboardSpec = {
  uid: 'ev-edge-predictions',
  title: 'ev-edge / Predictions: RUL and failure probability',
  file: 'predictions.json',
  description: 'Model outputs from the predictions table (model, model_version, outputs JSONB): remaining useful life, failure probability, maintenance recommendation.',
  variables: [
    SCHEMA_VAR,
    sqlVariable('gateway', 'Gateway', `SELECT DISTINCT gateway_id FROM \${schema}.predictions WHERE $__timeFilter(ts) ORDER BY 1`, true),
    sqlVariable('device', 'Device', `SELECT DISTINCT device_id FROM \${schema}.predictions WHERE gateway_id = ANY(ARRAY[$gateway]::text[]) AND $__timeFilter(ts) ORDER BY 1`, true),
  ],
  rows: [
    {
      row: 'Outputs',
      panels: [
        outputSeries('Remaining useful life (cycles)', 'remaining_cycles', { description: 'rul_capacity: equivalent full cycles until the end-of-life capacity fraction.', thresholds: [[0, 'red'], [100, 'orange'], [120, 'green']], custom: { thresholdsStyle: { mode: 'dashed' } } }),
        outputSeries('Failure probability', 'failure_probability', {
          unit: 'percentunit', min: 0, max: 1, description: 'failure_pack and failure_charger; the default alarm rules fire above 0.7.',
          thresholds: [[0.5, 'orange'], [0.7, 'red']], custom: { thresholdsStyle: { mode: 'dashed' } },
        }),
        outputSeries('Predicted cycle life', 'cycle_life', { description: 'cycle_life: predicted total cycle life of the pack.' }),
        outputSeries('Maintenance recommendation', 'recommendation', {
          mappings: MAINTENANCE_MAPPINGS, min: 0, max: 3, description: '0 NONE, 1 WITHIN_30_DAYS, 2 WITHIN_7_DAYS, 3 IMMEDIATE (pseudo-model "maintenance").',
          custom: { drawStyle: 'line', lineInterpolation: 'stepAfter' },
        }),
      ],
    },
    {
      row: 'Latest per device',
      panels: [
        {
          type: 'table', title: 'Latest prediction per device and model', w: 24, h: 10, overrides: [sourceColumn()],
          targets: [sql(`
SELECT DISTINCT ON (gateway_id, device_id, model)
  gateway_id AS gateway, device_id AS device, model, model_version AS version, source, ts, inputs_ts,
  (outputs->>'remaining_cycles')::float8 AS rul_cycles,
  (outputs->>'failure_probability')::float8 AS failure_probability,
  (outputs->>'recommendation')::float8 AS recommendation,
  outputs::text AS outputs
FROM ${P} WHERE ${PRED}
ORDER BY gateway_id, device_id, model, ts DESC`, 'table')],
        },
        {
          type: 'table', title: 'Model versions in use', w: 24, h: 6,
          targets: [sql(`
SELECT model, model_version AS version, count(DISTINCT gateway_id) AS gateways, count(DISTINCT device_id) AS devices,
       count(*) AS predictions, max(ts) AS newest
FROM ${P} WHERE ${PRED}
GROUP BY 1, 2 ORDER BY 1, 2`, 'table')],
        },
      ],
    },
  ],
};
