/**
 * TLS and password_file against a real PostgreSQL with ssl=on (certificates made by openssl for the
 * test). PostgreSQL runs as the `postgres` user and insists its key is private to it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractRecords } from '../sink-suite.js';
import { startPgServer, type PgServer } from './embedded-pg.js';
import { pgKeyCounts, timescaleSinkFor } from './test-support.js';

let dir: string;
let server: PgServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pg-tls-'));
  chmodSync(dir, 0o755);
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ev-edge test CA');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(join(dir, 'server.key'), uid, gid);
  chmodSync(join(dir, 'server.key'), 0o600);
  server = await startPgServer('ev_edge', ['-c', 'ssl=on', '-c', `ssl_cert_file=${join(dir, 'server.pem')}`, '-c', `ssl_key_file=${join(dir, 'server.key')}`]);
  writeFileSync(join(dir, 'pg-password'), `${server.password}\n`);
});
afterAll(async () => {
  await server?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('TimescaleSink over TLS', () => {
  it('verifies the server against the configured CA, reads the password from a file, and delivers', async () => {
    const sink = timescaleSinkFor(server, undefined, { password: undefined, password_file: join(dir, 'pg-password'), tls: { ca_file: join(dir, 'ca.pem') } });
    await sink.connect();
    const records = contractRecords(8, 'pg-tls');
    expect(await sink.write(records)).toEqual(records.map(() => ({ status: 'delivered' })));
    // The sink's own session (application_name ev-edge) is encrypted.
    const [session] = await server.query<{ n: string; ssl: boolean }>(
      "SELECT count(*) AS n, bool_and(s.ssl) AS ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'ev-edge'");
    expect(session).toEqual({ n: '1', ssl: true });
    await sink.close();
    expect((await pgKeyCounts(server, records.map((r) => r.key))).size).toBe(8);
  });

  it('refuses a server whose certificate the CA did not sign', async () => {
    const otherCa = join(dir, 'other-ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'other.key'), '-out', otherCa, '-days', '2', '-subj', '/CN=other'], { stdio: 'ignore' });
    const sink = timescaleSinkFor(server, undefined, { tls: { ca_file: otherCa } });
    await expect(sink.connect()).rejects.toThrow(/certificate/i);
    await sink.close();
  });
});
