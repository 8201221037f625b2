import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { RecordBuffer } from '../sync/buffer/index.js';
import { Agent } from './agent.js';
import { SystemClock } from '../core/clock.js';

const silent = pino({ level: 'silent' });
const hasPromtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
let agent: Agent | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
});

function config(dataDir: string, extra = '') {
  return parseConfig(
    `data_dir: ${dataDir}
http: { listen: "127.0.0.1:0" }
buffer: { flush_interval_ms: 20 }
devices:
  - { id: pack-a, kind: battery, driver: simulator, interval_ms: 20, simulator: { seed: 3, acceleration: 600, cells_series: 12 } }
  - { id: charger-a, kind: charger, driver: simulator, interval_ms: 20, simulator: { seed: 4, acceleration: 600, sessions_per_day: 200 } }
${extra}`,
    'test.yaml',
  );
}

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${agent!.listening!.port}${path}`, { headers });
  return { status: res.status, body: await res.text() };
}

function gauge(metrics: string, name: string, device: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{device="${device}"`));
  if (!line) throw new Error(`${name} for ${device} not in /metrics`);
  return Number(line.split(' ').pop());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('agent', () => {
  it('serves changing simulated values on /metrics, reports ready, and flushes everything on stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-agent-'));
    const committed: string[] = [];
    agent = await Agent.start({ config: config(dir), log: silent, onCommitted: (rs) => rs.forEach((r) => committed.push(r.key)) });
    expect(agent.isReady).toBe(true);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body).devices).toEqual([
      { id: 'pack-a', state: 'running', source: 'simulator' },
      { id: 'charger-a', state: 'running', source: 'simulator' },
    ]);
    await sleep(300);
    const first = (await get('/metrics')).body;
    await sleep(500);
    const second = (await get('/metrics')).body;
    expect(gauge(second, 'evedge_battery_voltage_volts', 'pack-a')).toBeGreaterThan(30);
    expect(gauge(first, 'evedge_battery_state_of_charge_ratio', 'pack-a')).not.toBe(gauge(second, 'evedge_battery_state_of_charge_ratio', 'pack-a'));
    expect(gauge(second, 'evedge_charger_uptime_seconds', 'charger-a')).toBeGreaterThan(gauge(first, 'evedge_charger_uptime_seconds', 'charger-a'));
    expect(second).toMatch(/evedge_driver_state\{device="pack-a",state="running"\} 1/);
    expect(second).toMatch(/evedge_device_source\{device="pack-a",source="simulator"\} 1/);
    expect(second).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(second).toMatch(/^evedge_agent_info\{gateway="gateway-1",version="\d+\.\d+\.\d+"\} 1$/m);

    await agent.stop();
    agent = undefined;
    expect(committed.length).toBeGreaterThan(20);
    // Graceful stop committed everything that was received: ingested == buffered.
    const reopened = RecordBuffer.open({
      path: join(dir, 'buffer.sqlite'), maxBytes: 1e9, synchronous: 'full', retentionMs: 1e9, sinks: [], clock: new SystemClock(),
    });
    expect(reopened.stats().rows).toBe(committed.length);
    reopened.close();
  });

  it('requires the token for everything but health probes, and is read-only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-agent-'));
    const withToken = parseConfig(`data_dir: ${dir}\nhttp: { listen: "127.0.0.1:0", token: secret-token-1 }\n`, 't.yaml');
    agent = await Agent.start({ config: withToken, log: silent });
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', { authorization: 'Bearer wrong-token-00' })).status).toBe(401);
    expect((await get('/metrics', { authorization: 'Bearer secret-token-1' })).status).toBe(200);
    expect((await get('/metrics?token=secret-token-1')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    const post = await fetch(`http://127.0.0.1:${agent.listening!.port}/metrics`, { method: 'POST', headers: { authorization: 'Bearer secret-token-1' } });
    expect(post.status).toBe(405);
  });

  it.skipIf(!hasPromtool)('exports metrics that pass promtool check metrics (skipped without promtool: apt-get install prometheus)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-agent-'));
    agent = await Agent.start({ config: config(dir), log: silent });
    await sleep(300);
    const body = (await get('/metrics')).body;
    const file = join(dir, 'metrics.txt');
    writeFileSync(file, body);
    const out = execFileSync('sh', ['-c', `promtool check metrics < ${file} 2>&1; echo "exit=$?"`]).toString();
    expect(out.trim()).toBe('exit=0');
  });
});
