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
import { ManualClock } from '../../agent/clock.js';
import type { PendingRecord } from '../../agent/record.js';
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
  let batch: PendingRecord[] = [];
  for (const { ts, reading } of simulateDevice({ deviceId: `${kind}-e2e`, kind, config: simulatorConfig(config), durationS: days * 86_400, sampleEveryS })) {
    batch.push({ gatewayId: 'gw', deviceId: `${kind}-e2e`, deviceKind: kind, source: reading.source, ts, clockTrusted: true, ...(reading.faults ? { faults: reading.faults } : {}), ...reading.body } as PendingRecord);
    if (batch.length === 20) {
      out.push(...(await stage.score(batch)));
      batch = [];
    }
  }
  out.push(...(await stage.score(batch)));
  return { out, stage, registry };
}

describe('scoring stage end to end on simulated devices', () => {
  it('a pack whose cooling fails raises an alarm after the onset, and none before', async () => {
    const onsetS = 36 * 3600;
    const { out, stage } = await run('battery', { seed: 7, profile: 'drive', ambient_c: 25, faults: [{ type: 'cooling_failure', start_s: onsetS }] }, 3, 60);
    expect(stage.status().filter((s) => s.state === 'ready').map((s) => s.model).sort()).toEqual(['anomaly_pack', 'failure_charger', 'failure_pack']);
    const alarms = out.filter((r) => r.type === 'alarm');
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.every((a) => a.faults?.includes('cooling_failure'))).toBe(true);
    expect(out.some((r) => r.type === 'prediction' && r.prediction.model === 'failure_pack')).toBe(true);
    expect(out.some((r) => r.type === 'prediction' && r.prediction.model === 'anomaly_pack')).toBe(true);
  });

  it('a charger with a failing power stage raises the overtemperature alarm once per episode', async () => {
    const { out } = await run('charger', { seed: 3, sessions_per_day: 12, max_power_kw: 22, faults: [{ type: 'charger_overtemp', start_s: 86_400 }] }, 2, 60);
    const alarms = out.filter((r) => r.type === 'alarm');
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.every((a) => a.faults?.includes('charger_overtemp'))).toBe(true);
    // The critical alarm makes maintenance IMMEDIATE (3) on the next scoring round.
    const maintenance = out.flatMap((r) => (r.type === 'prediction' && r.prediction.model === 'maintenance' ? [r.prediction.outputs.recommendation] : []));
    expect(Math.max(...maintenance)).toBe(3);
  });
});
