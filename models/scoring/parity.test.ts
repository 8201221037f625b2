/**
 * ONNX parity of the fleet models (and the test fixtures): onnxruntime-node, through the scoring
 * stage's own loader (card and sha256 checks included), must reproduce the outputs the training
 * framework (scikit-learn) wrote to the golden file, within 1e-4.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel } from './model.js';

const here = dirname(fileURLToPath(import.meta.url));
const modelsDir = join(here, '..');
const cases = [
  { name: 'failure_pack', dir: modelsDir, golden: join(modelsDir, 'golden', 'failure_pack.json') },
  { name: 'failure_charger', dir: modelsDir, golden: join(modelsDir, 'golden', 'failure_charger.json') },
  { name: 'anomaly_pack', dir: modelsDir, golden: join(modelsDir, 'golden', 'anomaly_pack.json') },
  { name: 'fixture_pack', dir: join(here, 'testdata'), golden: join(here, 'testdata', 'fixture_pack.golden.json') },
];

describe('ONNX parity with the training framework', () => {
  for (const c of cases) {
    it(`${c.name}: onnxruntime-node matches the golden outputs within 1e-4`, async () => {
      const golden = JSON.parse(readFileSync(c.golden, 'utf8')) as { inputs: (number | null)[][]; outputs: number[][] };
      // null marks an absent input, which the stage hands to the model as NaN.
      const inputs = golden.inputs.map((row) => row.map((v) => v ?? Number.NaN));
      expect(golden.inputs.length).toBeGreaterThan(3);
      const model = await loadModel(c.dir, c.name);
      try {
        const got = await model.run(inputs);
        let maxDiff = 0;
        got.forEach((row, i) => row.forEach((v, k) => { maxDiff = Math.max(maxDiff, Math.abs(v - (golden.outputs[i]?.[k] as number))); }));
        expect(got.length).toBe(golden.outputs.length);
        expect(got[0]?.length).toBe(golden.outputs[0]?.length);
        expect(maxDiff).toBeLessThanOrEqual(1e-4);
      } finally {
        await model.release();
      }
    });
  }
});
