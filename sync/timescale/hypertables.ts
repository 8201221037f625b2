/**
 * TimescaleDB setup, after the migrations: hypertables, compression and retention policies.
 * Not a versioned migration because it depends on what the server offers at run time: when
 * `CREATE EXTENSION timescaledb` fails (not installed, not preloaded, no permission) the sink keeps
 * working on plain PostgreSQL tables and says so in the log (unless `timescale: require`).
 * Policies are added with if_not_exists: changing an interval later needs a manual
 * remove_*_policy (documented in sync/README.md).
 */
import type pg from 'pg';
import type { TimescaleConfig } from '../config.js';

export const TABLES = ['telemetry', 'predictions', 'alarms'] as const;

export type TimescaleMode = 'hypertables' | 'plain';

export async function setupTimescale(
  client: pg.Client,
  config: Pick<TimescaleConfig, 'schema' | 'timescale' | 'chunk_interval' | 'compress_after' | 'retention'>,
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void },
): Promise<TimescaleMode> {
  if (config.timescale === 'off') {
    log.info({ sink: 'timescale' }, 'timescale: off in config; using plain PostgreSQL tables');
    return 'plain';
  }
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
  } catch (err) {
    if (config.timescale === 'require') throw new Error(`timescale: require, but the extension is not available: ${String(err)}`);
    log.warn({ sink: 'timescale', reason: (err as Error).message },
      'TimescaleDB extension not available: using plain PostgreSQL tables (no hypertables, compression or retention policies)');
    return 'plain';
  }
  const s = config.schema;
  for (const table of TABLES) {
    const rel = `${s}.${table}`;
    try {
      await client.query(
        `SELECT create_hypertable($1::regclass, 'ts', chunk_time_interval => $2::interval, if_not_exists => TRUE, migrate_data => TRUE)`,
        [rel, config.chunk_interval],
      );
    } catch (err) {
      if (config.timescale === 'require') throw err;
      log.warn({ sink: 'timescale', table, reason: (err as Error).message }, 'create_hypertable failed: this table stays a plain PostgreSQL table');
      continue;
    }
    // Policies are conveniences: a failure is logged and data keeps flowing.
    try {
      if (config.compress_after) {
        const info = await client.query<{ compression_enabled: boolean }>(
          'SELECT compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 AND hypertable_name = $2', [s, table]);
        // Settings cannot change once chunks are compressed, so they are set only the first time.
        if (!info.rows[0]?.compression_enabled) {
          // The primary key's columns in segmentby/orderby keep ON CONFLICT checks on compressed chunks cheap.
          await client.query(`ALTER TABLE ${rel} SET (timescaledb.compress, timescaledb.compress_segmentby = 'device_id', timescaledb.compress_orderby = 'ts DESC, key')`);
        }
        await client.query(`SELECT add_compression_policy($1::regclass, $2::interval, if_not_exists => TRUE)`, [rel, config.compress_after]);
      }
      if (config.retention) {
        await client.query(`SELECT add_retention_policy($1::regclass, $2::interval, if_not_exists => TRUE)`, [rel, config.retention]);
      }
    } catch (err) {
      log.warn({ sink: 'timescale', table, reason: (err as Error).message }, 'TimescaleDB policy setup failed');
    }
  }
  log.info({ sink: 'timescale', compressAfter: config.compress_after ?? null, retention: config.retention ?? null }, 'TimescaleDB hypertables ready');
  return 'hypertables';
}
