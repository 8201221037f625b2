/** Reading the committed dashboards and provisioning files the way the tests need them. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { grafanaSql, type TimeRange, type VariableValue } from './macros.js';

export const GRAFANA_DIR = dirname(fileURLToPath(import.meta.url));
export const DASHBOARD_DIR = join(GRAFANA_DIR, 'dashboards');

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Dashboard { file: string; json: Json }

export function loadDashboards(): Dashboard[] {
  return readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Json }));
}

export interface PanelTarget { dashboard: string; panel: string; panelType: string; target: Json; datasource: Json }

/** Every target of every panel (rows' nested panels included). */
export function targetsOf(d: Dashboard): PanelTarget[] {
  const out: PanelTarget[] = [];
  const visit = (panels: Json[]) => {
    for (const p of panels) {
      if (Array.isArray(p.panels)) visit(p.panels);
      for (const t of (p.targets ?? []) as Json[]) {
        out.push({ dashboard: d.file, panel: p.title, panelType: p.type, target: t, datasource: t.datasource ?? p.datasource });
      }
    }
  };
  visit(d.json.panels ?? []);
  return out;
}

export function allPanels(d: Dashboard): Json[] {
  const out: Json[] = [];
  const visit = (panels: Json[]) => { for (const p of panels) { out.push(p); if (Array.isArray(p.panels)) visit(p.panels); } };
  visit(d.json.panels ?? []);
  return out;
}

export function variablesOf(d: Dashboard): Json[] {
  return (d.json.templating?.list ?? []) as Json[];
}

export function loadProvisionedDatasources(): Json[] {
  const doc = parse(readFileSync(join(GRAFANA_DIR, 'provisioning', 'datasources', 'ev-edge.yaml'), 'utf8')) as Json;
  return doc.datasources as Json[];
}

export function loadDashboardProviders(): Json[] {
  const doc = parse(readFileSync(join(GRAFANA_DIR, 'provisioning', 'dashboards', 'ev-edge.yaml'), 'utf8')) as Json;
  return doc.providers as Json[];
}

/** The text of a variable's query (SQL variables keep a string, Prometheus ones an object). */
export function variableQuery(v: Json): string {
  return typeof v.query === 'string' ? v.query : String(v.query?.query ?? '');
}

/** Runs SQL against the test database (embedded PostgreSQL). */
export type QueryFn = (sql: string) => Promise<Json[]>;

/** Resolves the dashboard's variables in order, like Grafana with "All" selected for multi-value ones. */
export async function resolveVariables(d: Dashboard, query: QueryFn, range: TimeRange): Promise<Record<string, VariableValue>> {
  const vars: Record<string, VariableValue> = {};
  for (const v of variablesOf(d)) {
    const multi = Boolean(v.multi || v.includeAll);
    if (v.type === 'constant') vars[v.name] = { values: [String(v.query)], multi: false };
    else if (v.type === 'custom') vars[v.name] = { values: String(v.query).split(',').map((s) => s.trim()), multi };
    else if (v.type === 'query') {
      const rows = await query(grafanaSql(variableQuery(v), vars, range));
      const values = rows.map((r) => String(Object.values(r)[0]));
      expect(values.length, `${d.file} $${v.name} has no values`).toBeGreaterThan(0);
      vars[v.name] = { values: multi ? values : values.slice(0, 1), multi };
    } else throw new Error(`${d.file}: variable type ${v.type} not handled`);
  }
  return vars;
}

/** Runs one panel's SQL as Grafana would; returns the rows. */
export async function panelRows(d: Dashboard, title: string, query: QueryFn, range: TimeRange, vars?: Record<string, VariableValue>): Promise<Json[]> {
  const t = targetsOf(d).find((x) => x.panel === title);
  if (!t) throw new Error(`${d.file}: no panel "${title}"`);
  return query(grafanaSql(t.target.rawSql, vars ?? (await resolveVariables(d, query, range)), range));
}
