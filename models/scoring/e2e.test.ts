/**
 * End to end on the committed fleet models: simulated devices with injected faults go through the
 * scoring stage exactly as the agent feeds it (telemetry records in order, in batches), and the
 * fault must come out as an alarm record, after the onset and not before.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { PendingRecord } from '../../core/record.js';
import { simulateDevice, simulatorConfig } from '../../drivers/simulator/index.js';
import { scoringSchema } from '../config.js';
import { ScoringStage } from './stage.js';

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const stages: ScoringStage[] = [];
afterEach(async () => {
  await Promise.all(stages.splice(0).map((s) => s.close()));
});

async function run(kind: 'battery' | 'charger', config: Record<string, unknown>, days: number, sampleEveryS: number) {
  const clock = new ManualClock();
  const registry = new Registry();
  const stage = await ScoringStage.create({
    config: scoringSchema.parse({ enabled: true, hot_reload: false }), modelsDir, registry, log: pino({ level: 'silent' }), clock, gatewayId: 'gw',
  });
  stages.push(stage);
  const out: PendingRecord[] = [];
  const inputs: PendingRecord[] = [];
  let batch: PendingRecord[] = [];
  for (const { ts, reading } of simulateDevice({ deviceId: `${kind}-e2e`, kind, config: simulatorConfig(config), durationS: days * 86_400, sampleEveryS })) {
    batch.push({ gatewayId: 'gw', deviceId: `${kind}-e2e`, deviceKind: kind, source: reading.source, ts, clockTrusted: true, ...(reading.faults ? { faults: reading.faults } : {}), ...reading.body } as PendingRecord);
    inputs.push(batch.at(-1) as PendingRecord);
    if (batch.length === 20) {
      out.push(...(await stage.score(batch)));
      batch = [];
    }
  }
  out.push(...(await stage.score(batch)));
  return { out, inputs, stage, registry };
}

describe('scoring stage end to end on simulated devices', () => {
  it('a pack whose cooling fails raises an alarm after the onset, and none before', async () => {
    const onsetS = 36 * 3600;
    const { out, stage } = await run('battery', { seed: 7, profile: 'drive', ambient_c: 25, faults: [{ type: 'cooling_failure', start_s: onsetS }] }, 3, 60);
    expect(stage.status().filter((s) => s.state === 'ready').map((s) => s.model).sort()).toEqual(['anomaly_pack', 'failure_charger', 'failure_pack', 'rul_capacity']);
    const alarms = out.filter((r) => r.type === 'alarm');
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.every((a) => a.faults?.includes('cooling_failure'))).toBe(true);
    expect(out.some((r) => r.type === 'prediction' && r.prediction.model === 'failure_pack')).toBe(true);
    expect(out.some((r) => r.type === 'prediction' && r.prediction.model === 'anomaly_pack')).toBe(true);
  });

  it('a charger with a failing power stage: one overtemperature alarm per episode, failure risk rises', async () => {
    const onsetS = 30 * 3600;
    const { out, inputs } = await run('charger', { seed: 3, sessions_per_day: 12, max_power_kw: 22, faults: [{ type: 'charger_overtemp', start_s: onsetS }] }, 3, 60);
    const overtemp = out.filter((r) => r.type === 'alarm' && r.alarm.rule === 'charger_overtemp');
    expect(overtemp.length).toBeGreaterThan(0);
    expect(overtemp.every((a) => a.faults?.includes('charger_overtemp'))).toBe(true);
    // Hysteresis: far fewer alarms than records above the threshold (every overheated session would
    // otherwise alarm on each 60 s record).
    const hot = inputs.filter((r) => r.type === 'charger' && (r.charger.temperatureC ?? 0) > 80).length;
    expect(overtemp.length).toBeLessThan(hot / 10);
    const risk = out.flatMap((r) => (r.type === 'prediction' && r.prediction.model === 'failure_charger'
      ? [{ before: !(r.faults ?? []).includes('charger_overtemp'), p: r.prediction.outputs.failure_probability ?? NaN }] : []));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const before = risk.filter((r) => r.before).map((r) => r.p);
    const after = risk.filter((r) => !r.before).map((r) => r.p);
    expect(before.length).toBeGreaterThan(0);
    expect(mean(after)).toBeGreaterThan(mean(before)); // errors and heat raise the hazard
    // The critical alarm makes maintenance IMMEDIATE (3) on a later scoring round.
    const maintenance = out.flatMap((r) => (r.type === 'prediction' && r.prediction.model === 'maintenance' ? [r.prediction.outputs.recommendation ?? -1] : []));
    expect(Math.max(...maintenance)).toBe(3);
  });
});

describe('capacity-trajectory models through the shared feature engine', () => {
  it('scores rul_capacity on a simulated pack once the engine has capacity points', async () => {
    const clock = new ManualClock();
    const stage = await ScoringStage.create({
      config: scoringSchema.parse({ enabled: true, hot_reload: false, alarms: [], models: [{ name: 'rul_capacity', device_kind: 'battery', interval_s: 3600 }] }),
      modelsDir, registry: new Registry(), log: pino({ level: 'silent' }), clock, gatewayId: 'gw',
    });
    stages.push(stage);
    expect(stage.status()[0]).toMatchObject({ model: 'rul_capacity', state: 'ready' });
    const out: PendingRecord[] = [];
    const config = simulatorConfig({ seed: 5, profile: 'storage', initial_cycles: 800, cells_series: 16 });
    let batch: PendingRecord[] = [];
    for (const { ts, reading } of simulateDevice({ deviceId: 'rul', kind: 'battery', config, durationS: 6 * 86_400, sampleEveryS: 30 })) {
      batch.push({ gatewayId: 'gw', deviceId: 'rul', deviceKind: 'battery', source: 'simulator', ts, clockTrusted: true, ...reading.body } as PendingRecord);
      if (batch.length === 120) {
        out.push(...(await stage.score(batch)));
        batch = [];
      }
    }
    const rul = out.flatMap((r) => (r.type === 'prediction' && r.prediction.model === 'rul_capacity' ? [r.prediction.outputs.remaining_cycles ?? NaN] : []));
    expect(rul.length).toBeGreaterThan(0);
    expect(rul.every((v) => Number.isFinite(v))).toBe(true);
    const snap = JSON.parse(JSON.stringify(stage.snapshot())) as { engines?: Record<string, unknown> };
    expect(Object.keys(snap.engines ?? {})).toEqual(['rul']);
  });
});
