/**
 * scoring.latency_us_p99: one battery record through ScoringStage.score() with every pack model
 * (failure_pack, anomaly_pack) due on each call, plus the alarm rules and the maintenance rule;
 * p99 over 3000 calls after 300 warm-up calls. The detail also has the charger record p99.
 * scoring.records_per_s: batches of 1000 records from 100 devices (50 packs, 50 chargers), every
 * device scored by all its models in each batch (interval_s 0): records / wall time.
 * Inputs are real simulator readings (drivers/simulator), replayed with fresh timestamps.
 * Run: npm run bench -- scoring
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ManualClock } from '../core/clock.js';
import type { DeviceKind, PendingRecord } from '../core/record.js';
import { simulateDevice, simulatorConfig } from '../drivers/simulator/index.js';
import { scoringSchema } from '../models/config.js';
import { ScoringStage } from '../models/scoring/stage.js';
import { repoRoot } from '../models/training/shared-data.js';
import { emit, percentile } from './emit.js';

const MODELS_DIR = join(repoRoot(), 'models');

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

const HOUR = 3_600_000;

/** The fleet models ask for a 24 h warm-up (card warmup_hours): give every device 25 h of history first. */
async function warm(s: ScoringStage, source: PendingRecord[], deviceId: string, startTs: number): Promise<number> {
  const batch: PendingRecord[] = [];
  for (let h = 0; h <= 25; h++) batch.push({ ...(source[(h * 50) % source.length] as PendingRecord), deviceId, ts: startTs + h * HOUR });
  await s.score(batch);
  return startTs + 25 * HOUR;
}

function modelRuns(out: PendingRecord[]): number {
  return out.filter((r) => r.type === 'prediction' && r.prediction.model !== 'maintenance').length;
}

async function latency(s: ScoringStage, source: PendingRecord[], calls: number, modelsPerRecord: number): Promise<number[]> {
  const us: number[] = [];
  const deviceId = source[0]?.deviceId ?? 'bench';
  let ts = await warm(s, source, deviceId, Date.parse('2026-06-01T00:00:00Z'));
  for (let i = 0; i < calls + 300; i++) {
    ts += 60_000;
    const record = { ...(source[i % source.length] as PendingRecord), ts };
    const t0 = performance.now();
    const out = await s.score([record]);
    if (i >= 300) us.push((performance.now() - t0) * 1000);
    // Guard: a latency of calls that skipped the models would be meaningless.
    if (modelRuns(out) !== modelsPerRecord) throw new Error(`expected ${modelsPerRecord} model predictions per record, got ${modelRuns(out)}`);
  }
  return us;
}

async function main(): Promise<void> {
  const packs = readings('battery', 1, 1440);
  const chargers = readings('charger', 2, 1440);
  const s = await stage();
  const pack = await latency(s, packs, 3000, 2);
  const charger = await latency(s, chargers, 3000, 1);
  emit('scoring.latency_us_p99', percentile(pack, 99), 'us', {
    record: 'battery, failure_pack + anomaly_pack + alarms + maintenance', calls: pack.length,
    p50_us: Math.round(percentile(pack, 50)), charger_p99_us: Math.round(percentile(charger, 99)),
  });

  const devices = 100;
  const batch = 1000;
  const batches = 30;
  const start = Date.parse('2026-07-01T00:00:00Z');
  let ts = start;
  for (let d = 0; d < devices; d++) ts = Math.max(ts, await warm(s, d < devices / 2 ? packs : chargers, `dev-${d}`, start));
  let records = 0;
  let predictions = 0;
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const input: PendingRecord[] = [];
    for (let i = 0; i < batch; i++) {
      const d = i % devices;
      const kind = d < devices / 2 ? packs : chargers;
      ts += 10;
      input.push({ ...(kind[(b * batch + i) % kind.length] as PendingRecord), deviceId: `dev-${d}`, ts });
    }
    predictions += modelRuns(await s.score(input));
    records += input.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  // Every batch scores each pack with 2 models and each charger with 1: 150 rows per batch.
  if (predictions !== batches * (devices / 2) * 3) throw new Error(`expected ${batches * 150} predictions, got ${predictions}`);
  emit('scoring.records_per_s', records / seconds, 'records/s', { batch, devices, batches, models: 3, predictions });
  await s.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
