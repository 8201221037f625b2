/**
 * scoring.latency_us_p99: one battery record through ScoringStage.score() with every pack model
 * (failure_pack, anomaly_pack) due on each call, plus the alarm rules and the maintenance rule;
 * p99 over 3000 calls after 300 warm-up calls. The detail also has the charger record p99.
 * scoring.records_per_s: batches of 1000 records from 100 devices (50 packs, 50 chargers), every
 * device scored by all its models in each batch (interval_s 0): records / wall time.
 * Inputs are real simulator readings (drivers/simulator), replayed with fresh timestamps.
 * Run: npm run bench -- scoring
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ManualClock } from '../agent/clock.js';
import type { DeviceKind, PendingRecord } from '../agent/record.js';
import { simulateDevice, simulatorConfig } from '../drivers/simulator/index.js';
import { scoringSchema } from '../models/config.js';
import { ScoringStage } from '../models/scoring/stage.js';
import { emit, percentile } from './emit.js';

const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

function readings(kind: DeviceKind, seed: number, n: number): PendingRecord[] {
  const out: PendingRecord[] = [];
  for (const { ts, reading } of simulateDevice({ deviceId: `bench-${kind}`, kind, config: simulatorConfig({ seed }), durationS: n * 60, sampleEveryS: 60 })) {
    out.push({ gatewayId: 'bench', deviceId: `bench-${kind}`, deviceKind: kind, source: 'simulator', ts, clockTrusted: true, ...reading.body } as PendingRecord);
  }
  return out;
}

async function stage(): Promise<ScoringStage> {
  const config = scoringSchema.parse({
    enabled: true,
    hot_reload: false,
    models: [
      { name: 'failure_pack', device_kind: 'battery', interval_s: 0 },
      { name: 'anomaly_pack', device_kind: 'battery', interval_s: 0 },
      { name: 'failure_charger', device_kind: 'charger', interval_s: 0 },
    ],
  });
  const s = await ScoringStage.create({ config, modelsDir: MODELS_DIR, registry: new Registry(), log: pino({ level: 'warn' }), clock: new ManualClock(), gatewayId: 'bench' });
  const missing = s.status().filter((m) => m.state !== 'ready');
  if (missing.length) throw new Error(`models not ready: ${JSON.stringify(missing)}`);
  return s;
}

async function latency(s: ScoringStage, source: PendingRecord[], calls: number): Promise<number[]> {
  const us: number[] = [];
  let ts = Date.parse('2026-06-01T00:00:00Z');
  for (let i = 0; i < calls + 300; i++) {
    ts += 1000;
    const record = { ...(source[i % source.length] as PendingRecord), ts };
    const t0 = performance.now();
    await s.score([record]);
    if (i >= 300) us.push((performance.now() - t0) * 1000);
  }
  return us;
}

async function main(): Promise<void> {
  const packs = readings('battery', 1, 1440);
  const chargers = readings('charger', 2, 1440);
  const s = await stage();
  const pack = await latency(s, packs, 3000);
  const charger = await latency(s, chargers, 3000);
  emit('scoring.latency_us_p99', percentile(pack, 99), 'us', {
    record: 'battery, failure_pack + anomaly_pack + alarms + maintenance', calls: pack.length,
    p50_us: Math.round(percentile(pack, 50)), charger_p99_us: Math.round(percentile(charger, 99)),
  });

  const devices = 100;
  const batch = 1000;
  const batches = 30;
  let ts = Date.parse('2026-07-01T00:00:00Z');
  let records = 0;
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const input: PendingRecord[] = [];
    for (let i = 0; i < batch; i++) {
      const d = i % devices;
      const kind = d < devices / 2 ? packs : chargers;
      ts += 10;
      input.push({ ...(kind[(b * batch + i) % kind.length] as PendingRecord), deviceId: `dev-${d}`, ts });
    }
    await s.score(input);
    records += input.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  emit('scoring.records_per_s', records / seconds, 'records/s', { batch, devices, batches, models: 3 });
  await s.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
