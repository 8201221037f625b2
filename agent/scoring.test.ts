/**
 * The agent with scoring enabled: a simulated charger with an injected over-temperature fault must
 * produce an alarm record in the buffer (served by /api/alarms), /readyz lists the models, and the
 * scoring state survives a restart through state.sqlite.
 */
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { Agent } from './agent.js';
import { STATE_FILE_NAME, StateStore } from './state-store.js';

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
});

const configFor = (dir: string) =>
  parseConfig(
    `data_dir: ${dir}
http: { listen: "127.0.0.1:0" }
buffer: { flush_interval_ms: 50 }
scoring: { enabled: true }
devices:
  - id: hot-charger
    kind: charger
    driver: simulator
    interval_ms: 20
    simulator: { seed: 21, acceleration: 3600, sessions_per_day: 100, faults: [{ type: charger_overtemp, start_s: 0 }] }
`,
    'scoring.yaml',
  );

describe('agent with scoring', () => {
  it('turns an injected charger over-temperature into an alarm record, and keeps feature state across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-scoring-'));
    agent = await Agent.start({ config: configFor(dir), log: pino({ level: 'silent' }) });
    const base = `http://127.0.0.1:${agent.listening!.port}`;
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { models: Array<{ model: string; state: string }> };
    expect(ready.models.map((m) => [m.model, m.state])).toEqual(
      expect.arrayContaining([['failure_charger', 'ready'], ['failure_pack', 'ready'], ['anomaly_pack', 'ready']]),
    );
    const deadline = Date.now() + 30_000;
    let alarms: Array<{ deviceId: string; alarm: { rule: string; severity: string } }> = [];
    while (alarms.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      alarms = ((await (await fetch(`${base}/api/alarms`)).json()) as { alarms: typeof alarms }).alarms;
    }
    expect(alarms.map((a) => [a.deviceId, a.alarm.rule, a.alarm.severity])).toContainEqual(['hot-charger', 'charger_overtemp', 'critical']);
    await agent.stop();
    agent = undefined;

    expect(existsSync(join(dir, STATE_FILE_NAME))).toBe(true);
    const store = StateStore.open(join(dir, STATE_FILE_NAME), pino({ level: 'silent' }));
    const saved = store.get('scoring') as { devices?: Record<string, unknown> } | undefined;
    store.close();
    expect(Object.keys(saved?.devices ?? {})).toContain('hot-charger');
  });

  it('keeps running with a corrupt model: the model is unavailable on /readyz, telemetry and the other models carry on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-scoring-'));
    const models = join(dir, 'models');
    cpSync(new URL('../models', import.meta.url).pathname, models, { recursive: true, filter: (src) => !/\/(training|fleet|features|scoring|onnx|golden)(\/|$)/.test(src) });
    writeFileSync(join(models, 'failure_charger.onnx'), 'this is not an ONNX model');
    process.env.EV_EDGE_MODELS_DIR = models;
    try {
      agent = await Agent.start({ config: configFor(dir), log: pino({ level: 'silent' }) });
    } finally {
      delete process.env.EV_EDGE_MODELS_DIR;
    }
    const base = `http://127.0.0.1:${agent.listening!.port}`;
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    const ready = (await res.json()) as { models: Array<{ model: string; state: string; reason?: string }> };
    const charger = ready.models.find((m) => m.model === 'failure_charger');
    expect(charger?.state).toBe('unavailable');
    expect(charger?.reason).toMatch(/sha256|onnx|load|protobuf/i);
    expect(ready.models.find((m) => m.model === 'failure_pack')?.state).toBe('ready');
    await new Promise((r) => setTimeout(r, 500));
    const history = (await (await fetch(`${base}/api/devices/hot-charger/history?limit=3&type=charger`)).json()) as { records: unknown[] };
    expect(history.records.length).toBe(3);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/evedge_model_available\{model="failure_charger"[^}]*\} 0/);
  });
});
