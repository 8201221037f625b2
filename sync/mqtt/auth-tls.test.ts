/**
 * Credentials and TLS against a real Mosquitto: username + password_file, and mqtts with a CA and
 * a client certificate (certificates made by openssl for the test). Mosquitto drops root for its own
 * user, so the files it reads are world-readable in a world-readable folder.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttSchema } from '../config.js';
import { contractRecords } from '../sink-suite.js';
import { startMosquitto, type MosquittoServer } from './mosquitto.js';
import { MqttSink } from './sink.js';

const log = pino({ level: 'silent' });
let dir: string;
const servers: MosquittoServer[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-tls-'));
  chmodSync(dir, 0o755);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ev-edge test CA');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const name of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? '127.0.0.1' : 'gw-tls'}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'san.ext');
  }
  execFileSync('mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), 'gateway', 's3cret-pass'], { stdio: 'ignore' });
  writeFileSync(join(dir, 'mqtt-password'), 's3cret-pass\n');
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
});
afterAll(async () => {
  for (const s of servers) await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function sink(extra: Record<string, unknown>): MqttSink {
  return new MqttSink(mqttSchema.parse({ connect_timeout_ms: 3000, publish_timeout_ms: 3000, ...extra }), 'gw-tls', log);
}

async function deliversAndIsReadBack(s: MqttSink, url: string, clientOptions: mqtt.IClientOptions): Promise<void> {
  const reader = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...clientOptions });
  const seen = new Set<string>();
  reader.on('message', (_t, p) => seen.add((JSON.parse(p.toString()) as { key: string }).key));
  await reader.subscribeAsync('ev-edge/+/+/+', { qos: 1 });
  await s.connect();
  const records = contractRecords(5, 'auth');
  expect(await s.write(records)).toEqual(records.map(() => ({ status: 'delivered' })));
  await s.close();
  const deadline = Date.now() + 5000;
  while (seen.size < records.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await reader.endAsync();
  expect([...seen].sort()).toEqual(records.map((r) => r.key).sort());
}

describe('MqttSink credentials and TLS', () => {
  it('authenticates with username and password_file, and refuses a wrong password', async () => {
    const server = await startMosquitto({ anonymous: false, extra: [`password_file ${join(dir, 'passwd')}`] });
    servers.push(server);
    await deliversAndIsReadBack(sink({ url: server.url, username: 'gateway', password_file: join(dir, 'mqtt-password') }), server.url,
      { username: 'gateway', password: 's3cret-pass' });
    const wrong = sink({ url: server.url, username: 'gateway', password: 'wrong-password' });
    await expect(wrong.connect()).rejects.toThrow();
    await wrong.close();
  });

  it('connects over TLS with a CA and a client certificate, and fails without the client certificate', async () => {
    const server = await startMosquitto({ anonymous: true, extra: [
      `cafile ${join(dir, 'ca.pem')}`, `certfile ${join(dir, 'server.pem')}`, `keyfile ${join(dir, 'server.key')}`,
      'require_certificate true', 'tls_version tlsv1.2',
    ] });
    servers.push(server);
    expect(server.url).toMatch(/^mqtts:/);
    const tls = { ca_file: join(dir, 'ca.pem'), cert_file: join(dir, 'client.pem'), key_file: join(dir, 'client.key') };
    const { readFileSync } = await import('node:fs');
    await deliversAndIsReadBack(sink({ url: server.url, tls }), server.url,
      { ca: readFileSync(tls.ca_file), cert: readFileSync(tls.cert_file), key: readFileSync(tls.key_file) });
    const noClientCert = sink({ url: server.url, tls: { ca_file: tls.ca_file } });
    await expect(noClientCert.connect()).rejects.toThrow();
    await noClientCert.close();
  });
});
