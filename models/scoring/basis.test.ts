/**
 * Early predictions and absent inputs through the real stage and the fixture ONNX model, its card
 * given a confidence block: predictions from the first record with their basis, absent optional
 * inputs named (scored as NaN), required ones skipped with the metric and one log line, and alarms
 * from predictions waiting until the confidence reaches act_from.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { BatterySignals, PendingRecord } from '../../core/record.js';
import { scoringSchema } from '../config.js';
import { buildRow, confidenceOf, confidenceRule } from './basis.js';
import { readCard } from './card.js';
import { ScoringStage } from './stage.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const dirs: string[] = [];
const stages: ScoringStage[] = [];
afterEach(async () => {
  await Promise.all(stages.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const RULE = { history: 'hours', medium_from: 1, high_from: 3, required_inputs: ['c_rate'], act_from: 'medium' };

async function stageWithRule(rule: unknown) {
  const dir = mkdtempSync(join(tmpdir(), 'evedge-basis-'));
  dirs.push(dir);
  copyFileSync(join(testdata, 'fixture_pack.onnx'), join(dir, 'fixture_pack.onnx'));
  const card = JSON.parse(readFileSync(join(testdata, 'fixture_pack.card.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'fixture_pack.card.json'), JSON.stringify({ ...card, confidence: rule }));
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const registry = new Registry();
  const config = scoringSchema.parse({
    enabled: true, hot_reload: false,
    models: [{ name: 'fixture_pack', device_kind: 'battery', interval_s: 600 }],
    alarms: [{ name: 'risk', signal: 'fixture_pack.failure_probability', op: '>', threshold: -1, severity: 'warning' }],
  });
  const s = await ScoringStage.create({ config, modelsDir: dir, registry, log, clock: new ManualClock(), gatewayId: 'gw' });
  stages.push(s);
  return { s, registry, lines };
}

const T0 = Date.parse('2026-06-01T00:00:00Z');
function pack(minutes: number, b: BatterySignals): PendingRecord {
  return { gatewayId: 'gw', deviceId: 'pack-1', deviceKind: 'battery', source: 'hardware', ts: T0 + minutes * 60_000, clockTrusted: true, type: 'battery', battery: b };
}

describe('prediction basis', () => {
  it('predicts from the first record; confidence low, then medium, then high; alarms wait for medium', async () => {
    const { s } = await stageWithRule(RULE);
    const out: PendingRecord[] = [];
    for (let m = 0; m <= 240; m += 60) out.push(...(await s.score([pack(m, { packCurrentA: -30, fullCapacityAh: 60, tempMaxC: 30 })])));
    const preds = out.flatMap((r) => (r.type === 'prediction' && r.prediction.model === 'fixture_pack' ? [r.prediction] : []));
    expect(preds[0]?.basis).toEqual({ historyH: 0, missingInputs: [], confidence: 'low' });
    expect(preds.map((p) => p.basis?.confidence)).toEqual(['low', 'medium', 'medium', 'high', 'high']);
    expect(preds.map((p) => p.basis?.historyH)).toEqual([0, 1, 2, 3, 4]);
    // The rule fires on any value: it could only have waited for the confidence.
    const alarms = out.filter((r) => r.type === 'alarm');
    expect(alarms.map((a) => a.ts)).toEqual([T0 + 60 * 60_000]);
    const maintenance = out.flatMap((r) => (r.type === 'prediction' && r.prediction.model === 'maintenance' ? [r.prediction.basis] : []));
    expect(maintenance[0]).toEqual({ historyH: 0, missingInputs: ['fixture_pack'], confidence: 'low' });
    expect(maintenance.at(-1)).toEqual({ historyH: 4, missingInputs: [], confidence: 'high' });
  });

  it('scores with an optional input absent and names it; skips without a required one, counted and logged once', async () => {
    const { s, registry, lines } = await stageWithRule(RULE);
    const noTemp = await s.score([pack(0, { packCurrentA: -30, fullCapacityAh: 60 })]);
    const p = noTemp.flatMap((r) => (r.type === 'prediction' && r.prediction.model === 'fixture_pack' ? [r.prediction] : []))[0];
    expect(p?.basis).toEqual({ historyH: 0, missingInputs: ['temp_max_c'], confidence: 'low' });
    expect(Number.isFinite(p?.outputs.failure_probability)).toBe(true);

    const { s: s2, registry: r2, lines: l2 } = await stageWithRule(RULE);
    for (let m = 0; m < 30; m += 5) expect(await s2.score([pack(m, { tempMaxC: 30 })])).toEqual([]);
    const skipped = (await r2.getSingleMetric('evedge_scoring_skipped_total')?.get())?.values ?? [];
    // Six records over 25 minutes, interval 10 minutes: counted at 0, 10 and 20.
    expect(skipped.map((v) => [v.labels, v.value])).toEqual([[{ model: 'fixture_pack', reason: 'missing_input' }, 3]]);
    const skipLines = l2.filter((l) => l.reason === 'missing_input');
    expect(skipLines).toHaveLength(1);
    expect(skipLines[0]).toMatchObject({ device: 'pack-1', model: 'fixture_pack', missing: ['c_rate'] });
    expect(lines).toEqual([]);
    expect((await registry.getSingleMetric('evedge_scoring_skipped_total')?.get())?.values.filter((v) => v.value > 0)).toEqual([]);
  });

  it('the rule itself: absent required inputs that only need history are insufficient_history', () => {
    const card = readCard(join(testdata, 'fixture_pack.card.json'));
    const rule = confidenceRule({ ...card, confidence: RULE } as typeof card);
    expect(buildRow({ temp_max_c: 1 }, ['temp_max_c', 'c_rate'], rule, new Set(['c_rate']))).toEqual({ skip: 'insufficient_history', missing: ['c_rate'] });
    expect(buildRow({ c_rate: 1 }, ['temp_max_c', 'c_rate'], rule)).toEqual({ row: [Number.NaN, 1], missing: ['temp_max_c'] });
    expect(confidenceOf(rule, { hours: 5, cycles: 0 }, ['temp_max_c'])).toBe('low');
    // Without a confidence block every input is required and predictions are medium.
    const plain = confidenceRule(card);
    expect(plain.required_inputs).toEqual(['temp_max_c', 'c_rate']);
    expect(confidenceOf(plain, { hours: 1000, cycles: 0 }, [])).toBe('medium');
    expect(() => confidenceRule({ ...card, confidence: { ...RULE, required_inputs: ['nope'] } } as typeof card)).toThrow(/nope/);
  });
});
