import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPgServer } from '../../sync/timescale/embedded-pg.js';
import { CLI, cliBuilt, REPO_ROOT } from '../test-support.js';

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (err, stdout) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

describe.skipIf(!cliBuilt())('ev-edge doctor (needs npm run build)', () => {
  it('prints one line per check with fix hints, and fails on a missing port, a corrupt model and a dead upstream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-doctor-'));
    const models = join(dir, 'models');
    cpSync(join(REPO_ROOT, 'models'), models, { recursive: true, filter: (src) => !src.includes('/training') && !src.includes('/fleet') });
    const onnx = readdirSync(models).find((f) => f.endsWith('.onnx'))!;
    const bytes = readFileSync(join(models, onnx));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(join(models, onnx), bytes);

    const server = createServer((socket) => socket.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const livePort = (server.address() as { port: number }).port;
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as { port: number }).port;
    await new Promise((r) => dead.close(r));

    const config = join(dir, 'config.yaml');
    writeFileSync(config, `data_dir: ${join(dir, 'data')}
devices:
  - { id: bms-missing, kind: battery, driver: serial, serial: { protocol: jbd, path: /dev/ttyUSB-not-here } }
  - { id: bms-fallback, kind: battery, driver: serial, fallback: simulator, serial: { protocol: daly, path: /dev/ttyUSB-also-not-here } }
  - { id: sim, kind: battery, driver: simulator }
sinks:
  mqtt: { url: "mqtt://127.0.0.1:${livePort}" }
  timescale: { host: 127.0.0.1, port: ${deadPort} }
`);
    try {
      const { code, stdout } = await run(['doctor', '--config', config], { EV_EDGE_MODELS_DIR: models });
      expect(code).toBe(1);
      expect(stdout).toContain(`ok    config: ${config}: valid, 3 device(s)`);
      expect(stdout).toMatch(/ok {4}data folder: .* is writable/);
      expect(stdout).toMatch(/FAIL {2}device bms-missing: serial port \/dev\/ttyUSB-not-here not found\n {6}fix: /);
      expect(stdout).toMatch(/warn {2}device bms-fallback: serial port .* not found \(falls back to the simulator meanwhile\)/);
      expect(stdout).toContain(`FAIL  model ${onnx.replace('.onnx', '')}: ${onnx} does not match its card's sha256`);
      expect(stdout).toContain(`ok    sink mqtt: 127.0.0.1:${livePort} accepts connections`);
      expect(stdout).toMatch(new RegExp(`FAIL  sink timescale: 127\\.0\\.0\\.1:${deadPort}: .*ECONNREFUSED`));
      expect(stdout.trim().split('\n').at(-1)).toMatch(/^\d+ check\(s\) failed$/);
    } finally {
      server.close();
    }
  });

  it('checks the CSMS of each OCPP proxy: reachable, and not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-doctor-'));
    const csms = createServer((socket) => socket.end());
    await new Promise<void>((r) => csms.listen(0, '127.0.0.1', r));
    const livePort = (csms.address() as { port: number }).port;
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as { port: number }).port;
    await new Promise((r) => dead.close(r));
    const proxy = (name: string, listen: number, csmsPort: number) => `  - id: ${name}
    kind: charger
    driver: ocpp
    ocpp: { mode: proxy, listen: "127.0.0.1:${listen}", security_profile: 0, csms: { url: "ws://127.0.0.1:${csmsPort}/ocpp" }, charge_points: [{ identity: ${name}, connectors: 2 }] }
`;
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `data_dir: ${join(dir, 'data')}\ndevices:\n${proxy('cp-a', 18901, livePort)}${proxy('cp-b', 18902, deadPort)}`);
    try {
      const { code, stdout } = await run(['doctor', '--config', config]);
      expect(code).toBe(1);
      expect(stdout).toContain(`ok    device cp-a.2: OCPP connector on 127.0.0.1:18901/ocpp (proxy to ws://127.0.0.1:${livePort}/ocpp; the charger connects to the agent)`);
      // One check per CSMS, however many connectors forward to it.
      expect(stdout.split(`csms ws://127.0.0.1:${livePort}/ocpp`).length - 1).toBe(1);
      expect(stdout).toContain(`ok    csms ws://127.0.0.1:${livePort}/ocpp: 127.0.0.1:${livePort} accepts connections`);
      expect(stdout).toMatch(new RegExp(`FAIL  csms ws://127\\.0\\.0\\.1:${deadPort}/ocpp: 127\\.0\\.0\\.1:${deadPort}: .*ECONNREFUSED`));
    } finally {
      csms.close();
    }
  });

  it('reports a broken config and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-doctor-'));
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'gateway: { id: "not valid" }\n');
    const { code, stdout } = await run(['doctor', '--config', config]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL {2}config: .*gateway\.id: expected 1-64 letters/m);
  });

  it('logs in as the timescale sink and names the TimescaleDB case it finds', async () => {
    const pg = await startPgServer();
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-doctor-'));
    try {
      const write = (extra: string) => {
        const config = join(dir, `ts-${extra.length}.yaml`);
        writeFileSync(config, `data_dir: ${join(dir, 'data')}
devices: [{ id: sim, kind: battery, driver: simulator }]
sinks:
  timescale: { host: 127.0.0.1, port: ${pg.port}, database: ${pg.database}, user: ${pg.user}, password: ${pg.password}${extra} }
`);
        return config;
      };
      const auto = await run(['doctor', '--config', write('')]);
      expect(auto.stdout).toMatch(/warn {2}sink timescale extension: unavailable: the server has no timescaledb extension: plain PostgreSQL tables\n {6}fix: install TimescaleDB/);
      const required = await run(['doctor', '--config', write(', timescale: require')]);
      expect(required.code).toBe(1);
      expect(required.stdout).toMatch(/FAIL {2}sink timescale extension: unavailable/);
    } finally {
      await pg.destroy();
    }
  });
});
