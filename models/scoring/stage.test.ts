import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { PendingRecord } from '../../core/record.js';
import { scoringSchema } from '../config.js';
import { ScoringStage } from './stage.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const log = pino({ level: 'silent' });
const dirs: string[] = [];
const stages: ScoringStage[] = [];

afterEach(async () => {
  await Promise.all(stages.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function modelsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evedge-scoring-'));
  dirs.push(dir);
  copyFileSync(join(testdata, 'fixture_pack.onnx'), join(dir, 'fixture_pack.onnx'));
  copyFileSync(join(testdata, 'fixture_pack.card.json'), join(dir, 'fixture_pack.card.json'));
  return dir;
}

function horizonModelsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evedge-scoring-'));
  dirs.push(dir);
  copyFileSync(join(testdata, 'fixture_horizon.onnx'), join(dir, 'fixture_horizon.onnx'));
  copyFileSync(join(testdata, 'fixture_horizon.card.json'), join(dir, 'fixture_horizon.card.json'));
  return dir;
}

async function stage(dir: string, extra: Record<string, unknown> = {}) {
  const registry = new Registry();
  const clock = new ManualClock();
  const config = scoringSchema.parse({
    enabled: true,
    models: [{ name: 'fixture_pack', device_kind: 'battery', interval_s: 0 }, { name: 'absent_model', device_kind: 'battery' }],
    alarms: [
      { name: 'pack_overtemp', signal: 'tempMaxC', op: '>', threshold: 60, clear: 55, severity: 'critical' },
      { name: 'risk', signal: 'fixture_pack.failure_probability', op: '>', threshold: 0.7, clear: 0.5, severity: 'warning' },
    ],
    reload_debounce_ms: 50,
    ...extra,
  });
  const s = await ScoringStage.create({ config, modelsDir: dir, registry, log, clock, gatewayId: 'gw' });
  stages.push(s);
  return { s, registry, clock };
}

let t = Date.parse('2026-06-01T00:00:00Z');
function pack(tempMaxC: number, deviceId = 'pack-1'): PendingRecord {
  t += 1000;
  return {
    gatewayId: 'gw', deviceId, deviceKind: 'battery', source: 'simulator', ts: t, clockTrusted: true, type: 'battery',
    battery: { packCurrentA: -30, fullCapacityAh: 60, tempMaxC, tempMinC: tempMaxC - 2, cellVoltageMinV: 3.6, cellVoltageMaxV: 3.62, socPct: 50 },
  };
}
function predictions(out: PendingRecord[], model: string) {
  return out.flatMap((r) => (r.type === 'prediction' && r.prediction.model === model ? [r.prediction] : []));
}
function alarms(out: PendingRecord[]) {
  return out.flatMap((r) => (r.type === 'alarm' ? [r.alarm.rule] : []));
}
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ScoringStage', () => {
  it('scores with the real ONNX model, marks a missing model unavailable and keeps going', async () => {
    const { s, registry } = await stage(modelsDir());
    expect(s.status()).toEqual([
      { model: 'fixture_pack', version: '1.0.0', state: 'ready', runtime: 'builtin' },
      { model: 'absent_model', version: null, state: 'unavailable', reason: expect.stringContaining('missing card') },
    ]);
    const out = await s.score([pack(25)]);
    const [p] = predictions(out, 'fixture_pack');
    expect(p?.outputs.failure_probability).toBeCloseTo(0.00669, 4);
    expect(p?.modelVersion).toBe('1.0.0');
    expect(predictions(out, 'maintenance')[0]?.outputs.recommendation).toBe(0);
    expect(out.every((r) => r.source === 'simulator' && r.gatewayId === 'gw')).toBe(true);
    const metrics = await registry.metrics();
    expect(metrics).toContain('evedge_predictions_total{model="fixture_pack"} 1');
    expect(metrics).toContain('evedge_model_available{model="absent_model"} 0');
  });

  it('fires an alarm once per episode (hysteresis), on raw signals and on predictions', async () => {
    const { s } = await stage(modelsDir());
    const seen: string[] = [];
    for (const temp of [25, 61, 62, 58, 61, 54, 61]) seen.push(...alarms(await s.score([pack(temp)])));
    // 61: both fire; 62, 58, 61: still in the episode (58 > clear 55, probability still 0.99);
    // 54 clears both (probability 0.0067 < clear 0.5); 61 starts a second episode of both.
    expect(seen).toEqual(['pack_overtemp', 'risk', 'pack_overtemp', 'risk']);
    const out = await s.score([pack(70)]);
    expect(predictions(out, 'maintenance')[0]?.outputs.recommendation).toBe(3);
  });

  it('keeps feature state and alarm episodes across snapshot/restore (JSON)', async () => {
    const dir = modelsDir();
    const a = await stage(dir);
    await a.s.score([pack(61)]);
    const saved = JSON.parse(JSON.stringify(a.s.snapshot()));
    const b = await stage(dir);
    b.s.restore(saved);
    expect(alarms(await b.s.score([pack(62)]))).toEqual([]);
    b.s.restore({ garbage: true }); // unrecognised: ignored, fresh state, no throw
    expect(alarms(await b.s.score([pack(62)]))).toEqual(['pack_overtemp', 'risk']);
  });

  it('a corrupt or mismatching model at start is unavailable, not a crash', async () => {
    const dir = modelsDir();
    writeFileSync(join(dir, 'fixture_pack.onnx'), Buffer.from('not an onnx file'));
    const { s } = await stage(dir);
    expect(s.status()[0]).toMatchObject({ state: 'unavailable', reason: expect.stringContaining('sha256') });
    // Card re-stamped with the corrupt file's hash: now the engine itself must reject it.
    const card = JSON.parse(readFileSync(join(dir, 'fixture_pack.card.json'), 'utf8'));
    const { createHash } = await import('node:crypto');
    card.sha256 = createHash('sha256').update('not an onnx file').digest('hex');
    writeFileSync(join(dir, 'fixture_pack.card.json'), JSON.stringify(card));
    const again = await stage(dir, { hot_reload: false });
    expect(again.s.status()[0]).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/cannot load .*fixture_pack\.onnx: .*at byte \d+/) });
    expect(predictions(await again.s.score([pack(80)]), 'fixture_pack')).toEqual([]);
  });

  it('hot reload swaps in a valid new version and rolls back from an invalid one', async () => {
    const dir = modelsDir();
    const { s, registry } = await stage(dir);
    // Deploy the way tools do it: write beside, then rename over the old file (atomic replace).
    copyFileSync(join(testdata, 'fixture_pack_v2.onnx'), join(dir, '.incoming.tmp'));
    renameSync(join(dir, '.incoming.tmp'), join(dir, 'fixture_pack.onnx'));
    copyFileSync(join(testdata, 'fixture_pack_v2.card.json'), join(dir, 'fixture_pack.card.json'));
    await until(() => s.status()[0]?.version === '2.0.0');
    const out = await s.score([pack(25)]);
    expect(predictions(out, 'fixture_pack')[0]).toMatchObject({ modelVersion: '2.0.0' });
    expect(predictions(out, 'fixture_pack')[0]?.outputs.failure_probability).toBeCloseTo(0.1192, 4);

    // A deploy may already have been rejected once mid-copy (new file, old card): count from here.
    const rejectedCount = async () => Number(/result="rejected"\} (\d+)/.exec(await registry.getSingleMetricAsString('evedge_model_reloads_total'))?.[1] ?? 0);
    const before = await rejectedCount();
    writeFileSync(join(dir, 'fixture_pack.onnx'), Buffer.from('truncated'));
    let after = before;
    const poll = setInterval(() => void rejectedCount().then((n) => { after = n; }), 20);
    try {
      await until(() => after > before);
    } finally {
      clearInterval(poll);
    }
    expect(s.status()[0]).toEqual({ model: 'fixture_pack', version: '2.0.0', state: 'ready', runtime: 'builtin' });
    expect(predictions(await s.score([pack(25)]), 'fixture_pack')[0]?.outputs.failure_probability).toBeCloseTo(0.1192, 4);
  });

  it('throttles each model per device by interval_s of record time', async () => {
    const { s } = await stage(modelsDir(), { models: [{ name: 'fixture_pack', device_kind: 'battery', interval_s: 10 }] });
    let n = 0;
    for (let i = 0; i < 30; i++) n += predictions(await s.score([pack(25, 'pack-t')]), 'fixture_pack').length;
    expect(n).toBe(3); // records 1 s apart: scored at 0, 10 and 20 s
  });

  it('retries a device that lacks a required input every interval_s, not on every record', async () => {
    const { s, registry } = await stage(modelsDir(), { models: [{ name: 'fixture_pack', device_kind: 'battery', interval_s: 10 }] });
    const noCapacity = (): PendingRecord => {
      const r = pack(25, 'pack-u');
      if (r.type === 'battery') delete r.battery.fullCapacityAh; // no capacity, no c_rate: fixture_pack cannot score it
      return r;
    };
    const scoredAt: number[] = [];
    for (let i = 0; i < 30; i++) {
      // The BMS reports its capacity from the 6th record (5 s after the first) on.
      if (predictions(await s.score([i < 5 ? noCapacity() : pack(25, 'pack-u')]), 'fixture_pack').length > 0) scoredAt.push(i);
    }
    // Tried at 0 s (skipped), next at 10 s (scored), then every 10 s.
    expect(scoredAt).toEqual([10, 20]);
    const skipped = (await registry.getSingleMetric('evedge_scoring_skipped_total')?.get())?.values ?? [];
    expect(skipped.map((v) => [v.labels.reason, v.value])).toEqual([['missing_input', 1]]);
  });

  it('exports the PSI of live inputs against the card distribution', async () => {
    const { s, registry } = await stage(modelsDir(), { drift: { window: 300, min_rows: 200 } });
    // Training temp_max_c ~ N(30, 5) (make_fixtures.py): live values spread like it, then all at 45 degC.
    let seed = 42;
    const uniform = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const normal = () => Array.from({ length: 12 }, uniform).reduce((a, b) => a + b, 0) - 6; // Irwin-Hall ~ N(0, 1)
    for (let i = 0; i < 250; i++) await s.score([pack(30 + 5 * normal(), 'pack-psi')]);
    const stable = s.drift().fixture_pack?.temp_max_c ?? NaN;
    for (let i = 0; i < 300; i++) await s.score([pack(45, 'pack-psi')]);
    const shifted = s.drift().fixture_pack?.temp_max_c ?? NaN;
    expect(stable).toBeLessThan(0.25);
    expect(shifted).toBeGreaterThan(1);
    expect(await registry.getSingleMetricAsString('evedge_model_feature_psi')).toContain('feature="temp_max_c"');
  });

  it('fills a horizon input from config (scoring.failure_pack.horizon_days), not from telemetry', async () => {
    // fixture_horizon: p = sigmoid(0.2 x horizon_days - 3) whatever the telemetry (make_fixtures.py).
    const models = [{ name: 'fixture_horizon', device_kind: 'battery', interval_s: 0 }];
    for (const days of [2, 12]) {
      const { s } = await stage(horizonModelsDir(), { models, failure_pack: { horizon_days: days } });
      const [p] = predictions(await s.score([pack(25, `pack-h${days}`)]), 'fixture_horizon');
      expect(p?.outputs.failure_probability).toBeCloseTo(1 / (1 + Math.exp(-(0.2 * days - 3))), 5);
      expect(p?.outputs.horizon_days).toBe(days); // the record says which horizon its probability is for
    }
  });

  it('refuses a model whose trained horizon range excludes the configured horizon, naming the key and the range', async () => {
    const models = [{ name: 'fixture_horizon', device_kind: 'battery', interval_s: 0 }];
    const { s } = await stage(horizonModelsDir(), { models, failure_pack: { horizon_days: 20 } }); // fixture trained for 1-14 days
    expect(s.status()[0]).toMatchObject({
      state: 'unavailable',
      reason: 'scoring.failure_pack.horizon_days is 20 days, outside the horizons model fixture_horizon 1.0.0 was trained for (1 to 14 days); not scoring with it',
    });
    expect(predictions(await s.score([pack(25)]), 'fixture_horizon')).toEqual([]);
  });

  it('hot reload rejects a new version whose trained horizon range excludes the configured horizon, keeping the running one', async () => {
    const dir = horizonModelsDir();
    const models = [{ name: 'fixture_horizon', device_kind: 'battery', interval_s: 0 }];
    const { s, registry } = await stage(dir, { models, failure_pack: { horizon_days: 12 } });
    expect(s.status()[0]).toMatchObject({ state: 'ready', version: '1.0.0' });
    const card = JSON.parse(readFileSync(join(dir, 'fixture_horizon.card.json'), 'utf8'));
    card.version = '1.1.0';
    card.horizon.max_days = 7;
    writeFileSync(join(dir, 'fixture_horizon.card.json'), JSON.stringify(card));
    const rejected = async () => /result="rejected"\} [1-9]/.test(await registry.getSingleMetricAsString('evedge_model_reloads_total'));
    let seen = false;
    const poll = setInterval(() => void rejected().then((r) => { seen = r; }), 20);
    try {
      await until(() => seen);
    } finally {
      clearInterval(poll);
    }
    expect(s.status()[0]).toEqual({ model: 'fixture_horizon', version: '1.0.0', state: 'ready', runtime: 'builtin' });
    const [p] = predictions(await s.score([pack(25, 'pack-reload')]), 'fixture_horizon');
    expect(p?.outputs.failure_probability).toBeCloseTo(1 / (1 + Math.exp(-(0.2 * 12 - 3))), 5);
  });
});
