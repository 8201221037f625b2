/**
 * Small builders for Grafana dashboard JSON (schemaVersion 39). The dashboards under
 * config/grafana/dashboards/ are generated from the specs in this folder so that a reviewer reads
 * queries, not layout boilerplate; the committed JSON is what Grafana loads, and a test fails when
 * it differs from what the specs generate (regenerate: UPDATE_DASHBOARDS=1 npx vitest run config/grafana).
 */

export const TIMESCALE_UID = 'ev-edge-timescale';
export const PROMETHEUS_UID = 'ev-edge-prometheus';
/** `postgres` is the id every Grafana version accepts (10.x and later alias it to grafana-postgresql-datasource). */
export const SQL_DS = { type: 'postgres', uid: TIMESCALE_UID } as const;
export const PROM_DS = { type: 'prometheus', uid: PROMETHEUS_UID } as const;

export type Json = Record<string, unknown>;
type Ds = typeof SQL_DS | typeof PROM_DS;

export interface Target { ds: Ds; body: Json }

/** A raw-SQL target. `table` for tables/stats, `time_series` when the query returns a time column. */
export function sql(rawSql: string, format: 'time_series' | 'table' = 'time_series'): Target {
  return { ds: SQL_DS, body: { rawQuery: true, editorMode: 'code', format, rawSql: rawSql.trim() } };
}

/** A PromQL target; `instant` for tables and stats of the current value. */
export function prom(expr: string, legendFormat = '', instant = false): Target {
  return {
    ds: PROM_DS,
    body: { editorMode: 'code', expr, legendFormat: legendFormat || '__auto', range: !instant, instant, ...(instant ? { format: 'table' } : {}) },
  };
}

export interface PanelSpec {
  type: 'timeseries' | 'stat' | 'table' | 'state-timeline' | 'bargauge' | 'piechart' | 'gauge' | 'text';
  title: string;
  description?: string;
  targets: Target[];
  w?: number;
  h?: number;
  unit?: string;
  min?: number;
  max?: number;
  decimals?: number;
  /** Threshold steps after the base (green): [value, color]. */
  thresholds?: [number, string][];
  mappings?: Json[];
  overrides?: Json[];
  options?: Json;
  custom?: Json;
  transformations?: Json[];
}

export interface RowSpec { row: string; panels: PanelSpec[] }

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  file: string;
  tags?: string[];
  time?: string;
  variables: Json[];
  rows: RowSpec[];
}

/** Value mappings that make the three record sources impossible to confuse. */
export const SOURCE_MAPPINGS: Json[] = [{
  type: 'value',
  options: {
    hardware: { text: 'hardware', color: 'green', index: 0 },
    simulator: { text: 'SIMULATED', color: 'orange', index: 1 },
    replay: { text: 'REPLAY', color: 'purple', index: 2 },
  },
}];

/** Series named hardware/simulator/replay get fixed colours and names (and a dashed line for non-hardware). */
export const SOURCE_SERIES_OVERRIDES: Json[] = ([
  ['hardware', 'hardware', 'green', false], ['simulator', 'SIMULATED', 'orange', true], ['replay', 'REPLAY', 'purple', true],
] as const).map(([name, display, color, dashed]) => ({
  matcher: { id: 'byName', options: name },
  properties: [
    { id: 'displayName', value: display },
    { id: 'color', value: { mode: 'fixed', fixedColor: color } },
    ...(dashed ? [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }] : []),
  ],
}));

/** A table column shown with the source mappings as a coloured cell. */
export function sourceColumn(field = 'source'): Json {
  return {
    matcher: { id: 'byName', options: field },
    properties: [
      { id: 'mappings', value: SOURCE_MAPPINGS },
      { id: 'custom.cellOptions', value: { type: 'color-background' } },
    ],
  };
}

/** Ordered code -> label mappings for state timelines fed by a numeric code. */
export function codeMappings(labels: readonly (readonly [string, string])[]): Json[] {
  const options: Json = {};
  labels.forEach(([text, color], i) => { options[String(i)] = { text, color, index: i }; });
  return [{ type: 'value', options }];
}

function panelJson(p: PanelSpec, id: number, gridPos: Json): Json {
  const ds = p.targets[0]?.ds ?? SQL_DS;
  const steps = [{ color: 'green', value: null }, ...(p.thresholds ?? []).map(([value, color]) => ({ color, value }))];
  const defaults: Json = {
    ...(p.unit ? { unit: p.unit } : {}),
    ...(p.min !== undefined ? { min: p.min } : {}),
    ...(p.max !== undefined ? { max: p.max } : {}),
    ...(p.decimals !== undefined ? { decimals: p.decimals } : {}),
    thresholds: { mode: 'absolute', steps },
    mappings: p.mappings ?? [],
    color: { mode: p.type === 'timeseries' || p.type === 'piechart' ? 'palette-classic' : 'thresholds' },
    ...(p.custom ? { custom: p.custom } : {}),
  };
  return {
    id,
    type: p.type,
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    datasource: ds,
    gridPos,
    targets: p.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: t.ds, ...t.body })),
    fieldConfig: { defaults, overrides: p.overrides ?? [] },
    options: p.options ?? {},
    ...(p.transformations ? { transformations: p.transformations } : {}),
  };
}

/** Lays panels out left to right in 24 columns, one collapsible row per RowSpec. */
export function buildDashboard(spec: DashboardSpec): Json {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: id++, type: 'row', title: row.row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.w ?? 12;
      const h = p.h ?? 8;
      if (x + w > 24) { y += rowHeight; x = 0; rowHeight = 0; }
      panels.push(panelJson(p, id++, { h, w, x, y }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['ev-edge', ...(spec.tags ?? [])],
    timezone: 'utc',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '1m',
    time: { from: spec.time ?? 'now-24h', to: 'now' },
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    links: [{ type: 'dashboards', tags: ['ev-edge'], asDropdown: true, title: 'ev-edge dashboards', includeVars: true, keepTime: true }],
    annotations: { list: [] },
    templating: { list: spec.variables },
    panels,
  };
}

/** Hidden constant: the PostgreSQL schema the sink writes to (sinks.timescale.schema, default ev_edge). */
export const SCHEMA_VAR: Json = { name: 'schema', label: 'Schema', type: 'constant', query: 'ev_edge', hide: 2, skipUrlSync: false };

/** Multi-value variables start on All. */
export const ALL: Json = { selected: true, text: ['All'], value: ['$__all'] };

/** A variable filled by a SQL query (refreshed when the time range changes). */
export function sqlVariable(name: string, label: string, query: string, multi: boolean): Json {
  return {
    name, label, type: 'query', datasource: SQL_DS, query: query.trim(), definition: query.trim(), refresh: 2, sort: 1,
    multi, includeAll: multi, current: multi ? ALL : {}, options: [], hide: 0,
  };
}

// Multi-value variables are filtered as `col = ANY(ARRAY[$var]::text[])`, never `col IN ($var)`:
// with no values (empty tables, a new fleet) Grafana interpolates nothing, and `IN ()` is a syntax
// error while `ARRAY[]::text[]` is an empty array.

/** A variable filled from Prometheus label values. */
export function promVariable(name: string, label: string, query: string): Json {
  return {
    name, label, type: 'query', datasource: PROM_DS, query: { query, refId: 'PrometheusVariableQueryEditor-VariableQuery', qryType: 1 },
    definition: query, refresh: 2, sort: 1, multi: true, includeAll: true, allValue: '.*', current: ALL, options: [], hide: 0,
  };
}
