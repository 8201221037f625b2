/**
 * Versioned schema migrations, applied on the sink's first connect and recorded in
 * <schema>.schema_migrations. Rules: a migration is never edited once released (add a new one);
 * each runs in its own transaction under an advisory lock, so two gateways connecting at once to
 * an empty database do not race.
 *
 * Why the primary key is (key, ts) and not (key) alone: a TimescaleDB hypertable only accepts
 * unique constraints that include its time column. `ts` is fixed for a given key (it is part of the
 * durable record), so (key, ts) is exactly as unique as key, and `ON CONFLICT (key, ts) DO NOTHING`
 * makes re-sends idempotent in both plain-PostgreSQL and hypertable mode.
 */
import type pg from 'pg';
import type { TimescaleConfig } from '../config.js';
import { begin } from './connection.js';

export interface Migration {
  version: number;
  name: string;
  sql: (schema: string) => string;
}

/** Columns every table shares: who, when, and the idempotency key. */
const HEADER = `
  key text NOT NULL,
  gateway_id text NOT NULL,
  device_id text NOT NULL,
  device_kind text NOT NULL,
  source text NOT NULL,
  ts timestamptz NOT NULL,
  clock_trusted boolean NOT NULL,
  seq bigint NOT NULL,`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'telemetry, predictions and alarms tables',
    sql: (s) => `
CREATE TABLE IF NOT EXISTS ${s}.telemetry (${HEADER}
  record_type text NOT NULL,
  pack_voltage_v double precision,
  pack_current_a double precision,
  power_w double precision,
  soc_pct double precision,
  soh_pct double precision,
  temp_min_c double precision,
  temp_max_c double precision,
  temp_mean_c double precision,
  cell_voltage_min_v double precision,
  cell_voltage_max_v double precision,
  cycle_count integer,
  remaining_capacity_ah double precision,
  full_capacity_ah double precision,
  charging_state text,
  alarm_flags text[],
  connector_status text,
  energy_delivered_wh double precision,
  session_energy_wh double precision,
  charger_temperature_c double precision,
  error_codes text[],
  record jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, ts)
);
CREATE INDEX IF NOT EXISTS telemetry_device_ts ON ${s}.telemetry (device_id, ts DESC);
CREATE TABLE IF NOT EXISTS ${s}.predictions (${HEADER}
  model text NOT NULL,
  model_version text NOT NULL,
  inputs_ts timestamptz,
  outputs jsonb NOT NULL,
  record jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, ts)
);
CREATE INDEX IF NOT EXISTS predictions_device_ts ON ${s}.predictions (device_id, ts DESC);
CREATE TABLE IF NOT EXISTS ${s}.alarms (${HEADER}
  rule text NOT NULL,
  severity text NOT NULL,
  message text NOT NULL,
  value double precision,
  threshold double precision,
  record jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, ts)
);
CREATE INDEX IF NOT EXISTS alarms_device_ts ON ${s}.alarms (device_id, ts DESC);
`,
  },
  {
    version: 2,
    // Fleet-wide dashboard panels filter on time alone (and per gateway); on plain PostgreSQL
    // the primary key (key, ts) cannot serve them. Hypertables already index ts, so IF NOT EXISTS.
    name: 'time and gateway indexes for fleet-wide queries',
    sql: (s) => ['telemetry', 'predictions', 'alarms']
      .map((t) => `CREATE INDEX IF NOT EXISTS ${t}_ts ON ${s}.${t} (ts DESC);
CREATE INDEX IF NOT EXISTS ${t}_gateway_ts ON ${s}.${t} (gateway_id, ts DESC);`)
      .join('\n'),
  },
  {
    version: 3,
    // config `record: none` stores only the typed columns (the full copy is ~3/4 of a row's bytes).
    name: 'record jsonb may be NULL (record: none)',
    sql: (s) => ['telemetry', 'predictions', 'alarms'].map((t) => `ALTER TABLE ${s}.${t} ALTER COLUMN record DROP NOT NULL;`).join('\n'),
  },
];

/** Arbitrary constant: the advisory lock id ev-edge migrations serialise on. */
const MIGRATION_LOCK = 0x65766564;

/** Applies every migration newer than the database's version. Returns the versions applied. */
export async function migrate(client: pg.Client, options: Pick<TimescaleConfig, 'schema' | 'statement_timeout_ms'>, log: (msg: string, extra?: object) => void): Promise<number[]> {
  const { schema } = options;
  const applied: number[] = [];
  await begin(client, options);
  try {
    // Lock first: concurrent CREATE ... IF NOT EXISTS can still collide on the catalog.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // CREATE SCHEMA IF NOT EXISTS checks CREATE on the database before it looks: a least-privilege
    // role whose schema a DBA created would be refused, so look first.
    const exists = await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = (await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`)).rows;
    const done = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    const known = Math.max(...MIGRATIONS.map((m) => m.version));
    if (newest > known) log('database schema is newer than this agent; writing with the known columns', { newest, known });
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql(schema));
      await client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
  return applied;
}
