/**
 * Runs every SQL query of every dashboard as Grafana would: variables resolved in order (query
 * variables from the database, "All" selected for multi-value ones, and Grafana's empty value when
 * a variable query returns nothing), macros expanded with the datasource's TimescaleDB option on or
 * off. Used by sql.test.ts (embedded PostgreSQL) and for the by-hand run against a real TimescaleDB.
 */
import { grafanaSql, type TimeRange, type VariableValue } from './macros.js';
import { loadDashboards, targetsOf, variablesOf, variableQuery, type Dashboard, type Json } from './test-support.js';

export type Query = (sql: string) => Promise<Json[]>;

export const sqlDashboards = (): Dashboard[] => loadDashboards().filter((d) => targetsOf(d).some((t) => t.datasource.uid === 'ev-edge-timescale'));

export interface QueryRun { dashboard: string; panel: string; sql: string; rows?: Json[]; error?: string; format?: string }

/** Like Grafana: with no values an include-All variable interpolates to nothing, a single one to ''. */
export async function resolveVariables(d: Dashboard, query: Query, range: TimeRange, timescaledb: boolean, overrides: Record<string, VariableValue> = {}): Promise<{ vars: Record<string, VariableValue>; runs: QueryRun[] }> {
  const vars: Record<string, VariableValue> = {};
  const runs: QueryRun[] = [];
  for (const v of variablesOf(d)) {
    const multi = Boolean(v.multi || v.includeAll);
    const given = overrides[v.name];
    if (given) vars[v.name] = given;
    else if (v.type === 'constant') vars[v.name] = { values: [String(v.query)], multi: false };
    else if (v.type === 'custom') vars[v.name] = { values: String(v.query).split(',').map((s) => s.trim()), multi };
    else if (v.type === 'query') {
      const sql = grafanaSql(variableQuery(v), vars, range, '1m', timescaledb);
      const run: QueryRun = { dashboard: d.file, panel: `$${v.name}`, sql };
      runs.push(run);
      try {
        run.rows = await query(sql);
      } catch (err) {
        run.error = String(err);
      }
      const values = (run.rows ?? []).map((r) => String(Object.values(r)[0]));
      vars[v.name] = { values: multi ? values : values.slice(0, 1), multi };
    } else throw new Error(`${d.file}: variable type ${v.type} not handled`);
  }
  return { vars, runs };
}

/** Every variable query and panel target of `d`; errors are collected, not thrown. */
export async function runDashboard(d: Dashboard, query: Query, range: TimeRange, timescaledb: boolean, overrides: Record<string, VariableValue> = {}): Promise<QueryRun[]> {
  const resolved = await resolveVariables(d, query, range, timescaledb, overrides);
  const runs = [...resolved.runs];
  for (const t of targetsOf(d)) {
    const sql = grafanaSql(t.target.rawSql, resolved.vars, range, '1m', timescaledb);
    const run: QueryRun = { dashboard: d.file, panel: t.panel, sql, format: t.target.format };
    try {
      run.rows = await query(sql);
    } catch (err) {
      run.error = String(err);
    }
    runs.push(run);
  }
  return runs;
}
