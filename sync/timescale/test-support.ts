/** Shared by the Timescale tests and the bench: a sink config for a PgServer and read-back queries. */
import pino from 'pino';
import type { Logger } from 'pino';
import { timescaleSchema } from '../config.js';
import type { PgServer } from './embedded-pg.js';
import { TimescaleSink } from './sink.js';

export function timescaleConfigFor(server: PgServer, extra: Record<string, unknown> = {}) {
  return timescaleSchema.parse({
    host: '127.0.0.1', port: server.port, database: server.database, user: server.user, password: server.password,
    connect_timeout_ms: 3000, statement_timeout_ms: 10_000, ...extra,
  });
}

export function timescaleSinkFor(server: PgServer, log: Logger = pino({ level: 'silent' }), extra: Record<string, unknown> = {}): TimescaleSink {
  return new TimescaleSink(timescaleConfigFor(server, extra), log);
}

/** Copies per key across the three tables. */
export async function pgKeyCounts(server: PgServer, keys: readonly string[] | null, schema = 'ev_edge'): Promise<Map<string, number>> {
  const where = keys ? 'WHERE key = ANY($1)' : '';
  const rows = await server.query<{ key: string; n: string }>(
    `SELECT key, count(*) AS n FROM (
       SELECT key FROM ${schema}.telemetry ${where} UNION ALL
       SELECT key FROM ${schema}.predictions ${where} UNION ALL
       SELECT key FROM ${schema}.alarms ${where}) k GROUP BY key`,
    keys ? [keys] : [],
  );
  return new Map(rows.map((r) => [r.key, Number(r.n)]));
}
