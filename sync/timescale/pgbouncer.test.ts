/**
 * The timescale sink through a real PgBouncer in transaction pooling mode (fleet scale: many
 * gateways, few server connections). Consecutive transactions of one sink land on different server
 * connections (server_round_robin), so any session state the sink relied on would break here:
 * startup parameters PgBouncer refuses, session temporary tables, SET without LOCAL.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractRecords, describeSinkContract } from '../sink-suite.js';
import { startPgServer, type PgServer } from './embedded-pg.js';
import { pgbouncerMissing, startPgBouncer, type Bouncer } from './pgbouncer.js';
import { TimescaleSink } from './sink.js';
import { pgKeyCounts, timescaleConfigFor } from './test-support.js';

const missing = pgbouncerMissing();
if (missing) console.warn(`PgBouncer tests skipped: ${missing}`);

let server: PgServer;
let bouncer: Bouncer;
const POOL = 3;
beforeAll(async () => {
  if (missing) return;
  server = await startPgServer();
  bouncer = await startPgBouncer(server, { poolSize: POOL });
});
afterAll(async () => {
  await bouncer?.stop();
  await server?.destroy();
});

/** The server is back, and PgBouncer logs in to it again (it waits server_login_retry after a failure). */
async function startBehindBouncer(): Promise<void> {
  await server.start();
  for (let i = 0; ; i++) {
    const probe = pooledSink();
    try {
      await probe.connect();
      return;
    } catch (err) {
      if (i === 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await probe.close();
    }
  }
}

const pooledSink = (extra: Record<string, unknown> = {}) =>
  new TimescaleSink(timescaleConfigFor(server, { port: bouncer.port, ...extra }), pino({ level: 'silent' }));

if (missing) {
  describe('timescale sink through PgBouncer', () => {
    it.skip(`skipped: ${missing}`, () => {});
  });
} else {
  for (const method of ['insert', 'copy'] as const) {
    describeSinkContract(`timescale through PgBouncer (transaction pooling, ${method})`, () => pooledSink({ write_method: method }),
      (keys) => pgKeyCounts(server, keys), { exactlyOnce: true, upstream: { stop: () => server.stop(), start: startBehindBouncer }, probeSeesUpstream: false });
  }

  describe('a fleet through PgBouncer', () => {
    it(`40 gateways share ${POOL} server connections and every record arrives once`, async () => {
      const sinks = Array.from({ length: 40 }, () => pooledSink({ write_method: 'copy' }));
      const batches = sinks.map((_, i) => [contractRecords(12, `fleet-${i}`), contractRecords(12, `fleet-${i}b`)]);
      let peak = 0;
      const watch = setInterval(() => {
        void server.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = $1 AND pid <> pg_backend_pid() AND application_name = 'ev-edge'", [server.database])
          .then(([r]) => { peak = Math.max(peak, Number(r!.n)); }, () => {});
      }, 20);
      try {
        await Promise.all(sinks.map(async (sink, i) => {
          await sink.connect();
          for (const batch of batches[i]!) expect((await sink.write(batch)).every((r) => r.status === 'delivered')).toBe(true);
        }));
      } finally {
        clearInterval(watch);
        await Promise.all(sinks.map((s) => s.close()));
      }
      const keys = batches.flat(2).map((r) => r.key);
      const counts = await pgKeyCounts(server, keys);
      expect(keys.filter((k) => counts.get(k) !== 1)).toEqual([]);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(POOL);
    });
  });
}
