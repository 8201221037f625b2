/**
 * Card output transforms: a model fitted on a log scale outputs that scale and its card says how to
 * get back to the output's unit. Unknown transforms must be refused with the field named.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyOutputTransform, readCard } from './card.js';

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('card output transforms', () => {
  it('brings log-scale outputs back to their unit', () => {
    expect(applyOutputTransform('exp', Math.log(850))).toBeCloseTo(850, 9);
    expect(applyOutputTransform('expm1', Math.log1p(0))).toBe(0);
    expect(applyOutputTransform('expm1', Math.log1p(120))).toBeCloseTo(120, 9);
    expect(applyOutputTransform('identity', 0.37)).toBe(0.37);
  });

  it('reads the shipped cards: cycle models on log scales, probabilities as they are', () => {
    expect(readCard(join(modelsDir, 'cycle_life.card.json')).outputs[0]?.transform).toBe('exp');
    expect(readCard(join(modelsDir, 'rul_capacity.card.json')).outputs[0]?.transform).toBe('expm1');
    expect(readCard(join(modelsDir, 'failure_charger.card.json')).outputs[0]?.transform).toBe('identity');
  });

  it('refuses a saturate rule on an input the model does not have', () => {
    const card = JSON.parse(readFileSync(join(modelsDir, 'rul_capacity.card.json'), 'utf8')) as { outputs: { saturate: { input: string } }[] };
    expect(card.outputs[0]!.saturate.input).toBe('margin_to_eol');
    card.outputs[0]!.saturate.input = 'soh_now';
    const path = join(mkdtempSync(join(tmpdir(), 'ev-edge-card-')), 'rul_capacity.card.json');
    writeFileSync(path, JSON.stringify(card));
    expect(() => readCard(path)).toThrow(/outputs\.remaining_cycles\.saturate\.input "soh_now"/);
  });

  it('refuses an unknown transform, naming the field', () => {
    const card = JSON.parse(readFileSync(join(modelsDir, 'cycle_life.card.json'), 'utf8')) as { outputs: { transform: string }[] };
    card.outputs[0]!.transform = 'log10';
    const path = join(mkdtempSync(join(tmpdir(), 'ev-edge-card-')), 'cycle_life.card.json');
    writeFileSync(path, JSON.stringify(card));
    expect(() => readCard(path)).toThrow(/outputs\.0\.transform/);
  });
});
