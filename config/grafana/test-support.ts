/** Reading the committed dashboards and provisioning files the way the tests need them. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

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
