/**
 * failure_pack's horizon: the shipped card names the horizon input and its trained range, the config
 * schema allows exactly that range, and the shipped model (run by onnxruntime-node, as the agent
 * runs it) never gives a lower probability for a longer horizon.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FAILURE_PACK_HORIZON_DAYS, scoringSchema } from '../config.js';
import { cardSchema, type ModelCard } from './card.js';
import { checkHorizon, configInputs, horizonSpec } from './horizon.js';
import { loadModel } from './model.js';

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const card = cardSchema.parse(JSON.parse(readFileSync(join(modelsDir, 'failure_pack.card.json'), 'utf8')));
const golden = JSON.parse(readFileSync(join(modelsDir, 'golden', 'failure_pack.json'), 'utf8')) as { inputs: number[][] };

describe('failure_pack horizon', () => {
  it('the card lists horizon_days (days) as its last input and states the trained range the config allows', () => {
    const spec = horizonSpec(card);
    expect(spec).toMatchObject({ input: 'horizon_days', min_days: FAILURE_PACK_HORIZON_DAYS.min, max_days: FAILURE_PACK_HORIZON_DAYS.max });
    const last = card.inputs[card.inputs.length - 1];
    expect(last).toMatchObject({ name: 'horizon_days', unit: 'days' });
    expect(last?.description).toMatch(/config/);
    // A config constant has no training distribution to drift from.
    expect(card.feature_distribution.horizon_days).toBeUndefined();
    const trained = (card as { horizon?: { trained_days?: number[] } }).horizon?.trained_days ?? [];
    expect(Math.min(...trained)).toBe(FAILURE_PACK_HORIZON_DAYS.min);
    expect(Math.max(...trained)).toBe(FAILURE_PACK_HORIZON_DAYS.max);
    expect(scoringSchema.parse({}).failure_pack.horizon_days).toBe(30);
  });

  it('the configured horizon becomes the horizon input; a horizon outside the trained range is refused', () => {
    const config = scoringSchema.parse({ failure_pack: { horizon_days: 7 } });
    expect(configInputs(card, config)).toEqual({ horizon_days: 7 });
    expect(() => checkHorizon(card, config)).not.toThrow();
    expect(() => checkHorizon(card, { failure_pack: { horizon_days: 45 } })).toThrow(
      /scoring\.failure_pack\.horizon_days is 45 days, outside .* \(1 to 30 days\)/,
    );
    const plain = { ...card, horizon: undefined } as ModelCard;
    delete (plain as Record<string, unknown>).horizon;
    expect(configInputs(plain, config)).toEqual({});
    expect(() => horizonSpec({ ...card, horizon: { input: 'horizon_days', min_days: 30, max_days: 1 } } as ModelCard)).toThrow(/min_days/);
    expect(() => horizonSpec({ ...card, horizon: { input: 'days_ahead', min_days: 1, max_days: 30 } } as ModelCard)).toThrow(/not one of the card's inputs/);
  });

  it('onnxruntime-node: P is non-decreasing in the horizon for every golden input, and the horizon matters', async () => {
    const model = await loadModel(modelsDir, 'failure_pack');
    try {
      const grid: number[] = [];
      for (let h = FAILURE_PACK_HORIZON_DAYS.min; h <= FAILURE_PACK_HORIZON_DAYS.max + 1e-9; h += 0.25) grid.push(h);
      const h = card.inputs.findIndex((i) => i.name === 'horizon_days');
      const rows = golden.inputs.flatMap((row) => grid.map((days) => row.map((v, i) => (i === h ? days : v))));
      const out = await model.run(rows);
      let worstDrop = 0;
      let rises = 0;
      golden.inputs.forEach((_, r) => {
        const p = grid.map((_, g) => out[r * grid.length + g]?.[0] as number);
        for (let g = 1; g < p.length; g++) worstDrop = Math.max(worstDrop, (p[g - 1] as number) - (p[g] as number));
        if ((p[p.length - 1] as number) > (p[0] as number) + 0.01) rises++;
      });
      expect(golden.inputs.length).toBeGreaterThan(10);
      expect(worstDrop).toBeLessThanOrEqual(1e-7);
      expect(rises).toBeGreaterThan(golden.inputs.length / 2);
    } finally {
      await model.release();
    }
  });
});
