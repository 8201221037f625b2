/**
 * TimescaleDB setup, after the migrations: hypertables, compression and retention policies.
 * Not a versioned migration because it depends on what the server offers at run time.
 *
 * Invariants:
 * - The extension is created in a named schema (`extension_schema`, default public), never wherever
 *   the search_path points, and every TimescaleDB function is called schema-qualified (extension.ts
 *   says why). Nothing here sets search_path: the connection may be pooled (connection.ts).
 * - The database is brought to the config: a changed chunk_interval, compress_after or retention is
 *   applied and logged with the old and new value; what cannot be applied (or what the config does
 *   not set but the database has) is logged as a difference, never silently kept.
 * - 'hypertables' is reported only when all three tables are hypertables.
 *
 * `planTable` is pure (what to send, given what the database has), so the SQL for each case is
 * pinned by tests without a TimescaleDB server; `setupTimescale` reads the state and runs the plan.
 */
import type pg from 'pg';
import type { TimescaleConfig } from '../config.js';
import { explainExtension, inspectExtension } from './extension.js';

export const TABLES = ['telemetry', 'predictions', 'alarms'] as const;
export type TimescaleMode = 'hypertables' | 'partial' | 'plain';

/** Segment compressed chunks per device of a gateway: device ids repeat on every gateway (pack-1). */
export const SEGMENT_BY = 'gateway_id,device_id';
/** The primary key's columns in orderby keep ON CONFLICT checks on compressed chunks cheap. */
const ORDER_BY = 'ts DESC, key';

type SetupConfig = Pick<TimescaleConfig, 'schema' | 'extension_schema' | 'timescale' | 'chunk_interval' | 'compress_after' | 'retention'>;

/** What the database has for one table; intervals as PostgreSQL prints them (`'1 day'`, `'7 days'`). */
export interface TableState {
  hypertable: boolean;
  chunkInterval?: string;
  /** Compression settings exist (segmentby as timescaledb_information prints it, or undefined). */
  compressionEnabled: boolean;
  segmentBy?: string;
  compressAfter?: string;
  retention?: string;
}

/** The config's intervals in the same canonical text (PostgreSQL's own `::interval::text`). */
export interface Wanted { chunkInterval: string; compressAfter?: string; retention?: string }

export interface Step {
  sql: string;
  params: unknown[];
  /** create_hypertable failing leaves the table plain; a policy failing is logged, data flows. */
  kind: 'hypertable' | 'policy';
}

export interface TablePlan { steps: Step[]; changes: string[]; differences: string[] }

export function planTable(ext: string, schema: string, table: string, db: TableState, want: Wanted): TablePlan {
  const rel = `${schema}.${table}`;
  const steps: Step[] = [];
  const changes: string[] = [];
  const differences: string[] = [];
  if (!db.hypertable) {
    steps.push({ kind: 'hypertable', sql: `SELECT ${ext}.create_hypertable($1::regclass, 'ts', chunk_time_interval => $2::interval, if_not_exists => TRUE, migrate_data => TRUE)`, params: [rel, want.chunkInterval] });
  } else if (db.chunkInterval !== want.chunkInterval) {
    steps.push({ kind: 'policy', sql: `SELECT ${ext}.set_chunk_time_interval($1::regclass, $2::interval)`, params: [rel, want.chunkInterval] });
    changes.push(`chunk_interval ${db.chunkInterval} -> ${want.chunkInterval} (chunks created from now on)`);
  }
  if (want.compressAfter) {
    if (!db.compressionEnabled || db.segmentBy !== SEGMENT_BY) {
      steps.push({ kind: 'policy', sql: `ALTER TABLE ${rel} SET (timescaledb.compress, timescaledb.compress_segmentby = '${SEGMENT_BY}', timescaledb.compress_orderby = '${ORDER_BY}')`, params: [] });
      if (db.compressionEnabled) changes.push(`compress_segmentby ${db.segmentBy ?? '(none)'} -> ${SEGMENT_BY} (chunks compressed from now on)`);
    }
    policy(steps, changes, ext, rel, 'compression', 'compress_after', db.compressAfter, want.compressAfter);
  } else if (db.compressAfter) {
    differences.push(`the database compresses chunks after ${db.compressAfter}; compress_after is not set, so the policy is left in place (SELECT ${ext}.remove_compression_policy('${rel}') drops it)`);
  }
  if (want.retention) policy(steps, changes, ext, rel, 'retention', 'retention', db.retention, want.retention);
  else if (db.retention) {
    differences.push(`the database drops chunks after ${db.retention}; retention is not set, so the policy is left in place (SELECT ${ext}.remove_retention_policy('${rel}') drops it)`);
  }
  return { steps, changes, differences };
}

function policy(steps: Step[], changes: string[], ext: string, rel: string, kind: 'compression' | 'retention', key: string, has: string | undefined, want: string): void {
  if (has === want) return;
  if (has) {
    steps.push({ kind: 'policy', sql: `SELECT ${ext}.remove_${kind}_policy($1::regclass, if_exists => TRUE)`, params: [rel] });
    changes.push(`${key} ${has} -> ${want}`);
  }
  steps.push({ kind: 'policy', sql: `SELECT ${ext}.add_${kind}_policy($1::regclass, $2::interval, if_not_exists => TRUE)`, params: [rel, want] });
}

/**
 * The three tables' state, read from timescaledb_information (which only exists with the extension).
 * Segmentby comes from the catalog table: the hypertable_compression_settings and
 * compression_settings views cast every hypertable's name to regclass, which fails with
 * "permission denied for schema" as soon as another gateway's role owns a schema (TimescaleDB 2.28.3).
 */
export async function readTableStates(client: pg.Client, schema: string): Promise<Map<string, TableState>> {
  const { rows } = await client.query<{ t: string; hypertable: boolean; chunk: string | null; enabled: boolean | null; segmentby: string | null; compress_after: string | null; retention: string | null }>(
    `SELECT t, h.hypertable_name IS NOT NULL AS hypertable, h.compression_enabled AS enabled,
       (SELECT d.time_interval::text FROM timescaledb_information.dimensions d
         WHERE d.hypertable_schema = $1 AND d.hypertable_name = t AND d.column_name = 'ts') AS chunk,
       (SELECT array_to_string(c.segmentby, ',') FROM _timescaledb_catalog.compression_settings c
         WHERE h.hypertable_name IS NOT NULL AND c.relid = format('%I.%I', $1, t)::regclass) AS segmentby,
       (SELECT (j.config->>'compress_after')::interval::text FROM timescaledb_information.jobs j
         WHERE j.proc_name = 'policy_compression' AND j.hypertable_schema = $1 AND j.hypertable_name = t LIMIT 1) AS compress_after,
       (SELECT (j.config->>'drop_after')::interval::text FROM timescaledb_information.jobs j
         WHERE j.proc_name = 'policy_retention' AND j.hypertable_schema = $1 AND j.hypertable_name = t LIMIT 1) AS retention
     FROM unnest($2::text[]) AS t
     LEFT JOIN timescaledb_information.hypertables h ON h.hypertable_schema = $1 AND h.hypertable_name = t`,
    [schema, TABLES]);
  return new Map(rows.map((r) => [r.t, {
    hypertable: r.hypertable, compressionEnabled: r.enabled === true,
    ...(r.chunk ? { chunkInterval: r.chunk } : {}), ...(r.segmentby ? { segmentBy: r.segmentby } : {}),
    ...(r.compress_after ? { compressAfter: r.compress_after } : {}), ...(r.retention ? { retention: r.retention } : {}),
  }]));
}

type Log = { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };

export async function setupTimescale(client: pg.Client, config: SetupConfig, log: Log): Promise<TimescaleMode> {
  if (config.timescale === 'off') {
    log.info({ sink: 'timescale' }, 'timescale: off in config; using plain PostgreSQL tables');
    return 'plain';
  }
  const state = await inspectExtension(client, config.extension_schema);
  const found = explainExtension(state, config.extension_schema);
  const plain = (reason: string): TimescaleMode => {
    if (config.timescale === 'require') throw new Error(`timescale: require, but ${reason}${found.fix ? `; fix: ${found.fix}` : ''}`);
    log.warn({ sink: 'timescale', case: found.case, reason, fix: found.fix },
      'TimescaleDB extension not available: using plain PostgreSQL tables (no hypertables, compression or retention policies)');
    return 'plain';
  };
  let ext = state.installedIn;
  if (found.case === 'installed-elsewhere') log.warn({ sink: 'timescale', fix: found.fix }, found.detail);
  else if (found.case === 'creatable') {
    try {
      await client.query(`CREATE EXTENSION IF NOT EXISTS timescaledb SCHEMA ${config.extension_schema}`);
      ext = config.extension_schema;
      log.info({ sink: 'timescale', schema: ext }, 'created the timescaledb extension');
    } catch (err) {
      return plain(`CREATE EXTENSION timescaledb SCHEMA ${config.extension_schema} failed: ${(err as Error).message}`);
    }
  } else if (found.case !== 'installed') return plain(found.detail);
  const want = await wanted(client, config);
  const states = await readTableStates(client, config.schema);
  let hypertables = 0;
  for (const table of TABLES) {
    const plan = planTable(ext as string, config.schema, table, states.get(table) ?? { hypertable: false, compressionEnabled: false }, want);
    let isHypertable = states.get(table)?.hypertable === true;
    for (const step of plan.steps) {
      try {
        await client.query(step.sql, step.params);
        if (step.kind === 'hypertable') isHypertable = true;
      } catch (err) {
        if (step.kind === 'hypertable') {
          if (config.timescale === 'require') throw err;
          log.warn({ sink: 'timescale', table, reason: (err as Error).message }, 'create_hypertable failed: this table stays a plain PostgreSQL table');
          break;
        }
        // Policies are conveniences: a failure is logged as a difference and data keeps flowing.
        log.warn({ sink: 'timescale', table, sql: step.sql, reason: (err as Error).message }, 'TimescaleDB setting not applied: the database differs from the config');
      }
    }
    if (isHypertable) hypertables++;
    if (plan.changes.length > 0) log.warn({ sink: 'timescale', table, changes: plan.changes }, 'TimescaleDB settings changed to match the config');
    for (const d of plan.differences) log.warn({ sink: 'timescale', table }, `the database differs from the config: ${d}`);
  }
  if (hypertables === TABLES.length) {
    log.info({ sink: 'timescale', extensionSchema: ext, chunkInterval: want.chunkInterval, compressAfter: want.compressAfter ?? null, retention: want.retention ?? null }, 'TimescaleDB hypertables ready');
    return 'hypertables';
  }
  log.warn({ sink: 'timescale', hypertables, of: TABLES.length }, 'TimescaleDB: some tables are plain PostgreSQL tables (see the create_hypertable warnings)');
  return hypertables === 0 ? 'plain' : 'partial';
}

async function wanted(client: pg.Client, c: SetupConfig): Promise<Wanted> {
  const { rows } = await client.query<{ chunk: string; compress: string | null; retention: string | null }>(
    'SELECT $1::interval::text AS chunk, $2::interval::text AS compress, $3::interval::text AS retention',
    [c.chunk_interval, c.compress_after ?? null, c.retention ?? null]);
  const r = rows[0]!;
  return { chunkInterval: r.chunk, ...(r.compress ? { compressAfter: r.compress } : {}), ...(r.retention ? { retention: r.retention } : {}) };
}
