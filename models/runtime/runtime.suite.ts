/**
 * The one test suite every ModelRuntime passes (runtime.test.ts runs it for each engine). What is
 * expected comes from outside the engine: the ONNX-ML operator specification (the branch-mode
 * table below), numpy_eval.py (a separate Python interpreter of the same graphs) and the training
 * frameworks' own predictions on the shipped models (models/golden).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ModelRuntime } from './runtime.js';

const here = dirname(fileURLToPath(import.meta.url));
export const TESTDATA = join(here, 'testdata');
export const MODELS_DIR = join(here, '..');
export const SHIPPED = ['anomaly_pack', 'cycle_life', 'failure_charger', 'failure_pack', 'rul_capacity'];

export const fixture = (name: string): Uint8Array => readFileSync(join(TESTDATA, name));
export const shipped = (name: string): Uint8Array => readFileSync(join(MODELS_DIR, `${name}.onnx`));
export const readGolden = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { inputs: (number | null)[][]; outputs: (number | null)[][] };
export const flatRows = (rows: (number | null)[][]) => Float32Array.from(rows.flat().map((v) => v ?? Number.NaN));

/**
 * ONNX-ML TreeEnsembleRegressor: x goes to the true branch when `x <mode> threshold` holds; a NaN
 * x goes there only when nodes_missing_value_tracks_true is 1 (NaN != t holds, so NEQ sends it
 * there anyway). modes.onnx: threshold float32(0.1), tree t has mode t % 6 and tracks NaN when
 * t >= 6; true leaf 1, false leaf 2, base value 0.25.
 */
const MODE_TABLE: { x: number; truth: boolean[] }[] = [
  //                          LEQ    LT     GTE    GT     EQ     NEQ
  { x: 0.09, truth: [true, true, false, false, false, true] },
  { x: 0.1, truth: [true, false, true, false, true, false] }, // float32(0.1): exactly the threshold
  { x: 0.11, truth: [false, false, true, true, false, true] },
  { x: Number.NaN, truth: [false, false, false, false, false, true] },
];

export function runtimeSuite(runtime: () => Promise<ModelRuntime>): void {
  describe(`ModelRuntime contract`, () => {
    it('every branch mode and NaN rule of TreeEnsembleRegressor, as the specification states', async () => {
      const session = await (await runtime()).open(fixture('modes.onnx'));
      const { data, dims } = await session.run(Float32Array.from(MODE_TABLE.map((r) => r.x)), MODE_TABLE.length, 1);
      expect(dims).toEqual([MODE_TABLE.length, 12]);
      MODE_TABLE.forEach(({ x, truth }, r) => {
        const want = Array.from({ length: 12 }, (_, t) => {
          const isTrue = truth[t % 6]! || (t >= 6 && Number.isNaN(x));
          return (isTrue ? 1 : 2) + 0.25;
        });
        expect(Array.from(data.subarray(r * 12, (r + 1) * 12)), `x = ${x}`).toEqual(want);
      });
      await session.release();
    });

    it('a graph of Exp, Mul, Add, Log and initializers agrees with numpy_eval.py within 1e-6', async () => {
      const golden = readGolden(join(TESTDATA, 'graph.golden.json'));
      const session = await (await runtime()).open(fixture('graph.onnx'));
      const { data } = await session.run(flatRows(golden.inputs), golden.inputs.length, 3);
      golden.outputs.forEach((row, r) => {
        const want = row[0] ?? null; // null: NaN (a NaN input reaches the linear term)
        if (want === null) expect(data[r], `row ${r}`).toBeNaN();
        else expect(Math.abs(data[r]! - want) / Math.abs(want), `row ${r}`).toBeLessThan(1e-6);
      });
      expect(golden.outputs.filter((r) => r[0] === null).length).toBe(2);
      expect(new Set(golden.outputs.map((r) => r[0]?.toFixed(3))).size).toBeGreaterThan(10); // the rows differ
    });

    it.each(SHIPPED)('%s: metadata, and the training framework\'s predictions on the golden inputs', async (name) => {
      const card = JSON.parse(readFileSync(join(MODELS_DIR, `${name}.card.json`), 'utf8')) as { inputs: unknown[]; outputs: { transform?: string }[] };
      const golden = readGolden(join(MODELS_DIR, 'golden', `${name}.json`));
      const session = await (await runtime()).open(shipped(name));
      expect(session.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['N', card.inputs.length] }]);
      expect(session.outputs).toEqual([{ name: 'output', type: 'float32', shape: ['N', card.outputs.length] }]);
      const width = card.inputs.length;
      const { data, dims } = await session.run(flatRows(golden.inputs), golden.inputs.length, width);
      expect(dims).toEqual([golden.inputs.length, card.outputs.length]);
      let worst = 0;
      golden.outputs.forEach((row, r) => row.forEach((want, k) => { worst = Math.max(worst, Math.abs(data[r * row.length + k]! - want!)); }));
      expect(worst).toBeLessThanOrEqual(1e-4); // the agreed bound for the shipped models (models/onnx/golden.test.ts)
    });

    it('a batch gives, row for row, the bits single-row runs give', async () => {
      const golden = readGolden(join(MODELS_DIR, 'golden', 'anomaly_pack.json'));
      const session = await (await runtime()).open(shipped('anomaly_pack'));
      const width = golden.inputs[0]!.length;
      const rows = golden.inputs.slice(0, 5);
      const batch = (await session.run(flatRows(rows), rows.length, width)).data;
      for (let r = 0; r < rows.length; r++) {
        const single = (await session.run(flatRows([rows[r]!]), 1, width)).data;
        expect(Array.from(single)).toEqual(Array.from(batch.subarray(r * 3, r * 3 + 3)));
      }
    });

    it('input data that does not fill rows x width is refused', async () => {
      const session = await (await runtime()).open(shipped('cycle_life'));
      await expect(session.run(new Float32Array(13), 1, 14)).rejects.toThrow();
    });

    it('bytes that are not an ONNX model are refused', async () => {
      await expect((await runtime()).open(new TextEncoder().encode('not an onnx file'))).rejects.toThrow();
      await expect((await runtime()).open(shipped('failure_pack').subarray(0, 1000))).rejects.toThrow();
    });
  });
}
