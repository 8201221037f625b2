/**
 * The built-in engine against onnxruntime, the reference implementation, on every shipped model
 * and on the inputs where evaluators go wrong: each golden row, then the same row with one feature
 * set to NaN, to ±Infinity, to ±0, to every threshold the model compares that feature with, and to
 * the float32 values just below and above each threshold. Tree ensembles must agree bit for bit.
 * The graphs that end in something else may differ slightly: after Sigmoid by at most 1e-7
 * absolute (onnxruntime uses a rational approximation, MlasComputeLogistic, whose relative error
 * grows to ~1e-5 in the tails; the built-in engine computes 1/(1 + e^-x) in double precision), and
 * after LinearRegressor by a few float32 ulps (onnxruntime's GEMM kernel may sum in another order
 * on another CPU; on x64 they agree bit for bit).
 */
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel } from './builtin/onnx-model.js';
import { MODELS_DIR, readGolden, shipped, SHIPPED } from './runtime.suite.js';
import { runtimeNamed } from './runtime.js';
import { join } from 'node:path';

/**
 * onnxruntime's arm64 build (1.30, run under qemu-aarch64 in the gateway VM's arm64 scenario)
 * gives ±FLT_MAX where IEEE arithmetic, onnxruntime's x64 build and the built-in engine give
 * ±Infinity (cycle_life with an infinite input): accepted on arm64 only, and only that.
 */
const FLT_MAX = 3.4028234663852886e38;
const arm64Saturated = (got: number, want: number): boolean =>
  process.arch === 'arm64' && Math.abs(got) === Infinity && Math.abs(want) === FLT_MAX && Math.sign(got) === Math.sign(want);

/** Allowed difference per model: float32 ulps, or an absolute bound for probabilities (Sigmoid). */
const BOUND: Record<string, { ulps: number } | { abs: number }> = {
  anomaly_pack: { ulps: 0 }, rul_capacity: { ulps: 0 }, cycle_life: { ulps: 4 }, failure_pack: { abs: 1e-7 }, failure_charger: { abs: 1e-7 },
};

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
/** Ordered integer of a float32, so that neighbouring floats differ by 1 (and -0 == +0). */
function ordinal(x: number): number {
  f32[0] = x;
  const bits = i32[0]!;
  return bits < 0 ? -(bits & 0x7fffffff) : bits;
}
function nextFloat32(x: number, up: boolean): number {
  const o = ordinal(x) + (up ? 1 : -1);
  i32[0] = o < 0 ? (-o | 0x80000000) : o;
  return f32[0]!;
}

/** Per feature, every threshold a TreeEnsembleRegressor of the model compares it with. */
function thresholdsByFeature(bytes: Uint8Array): Map<number, Set<number>> {
  const byFeature = new Map<number, Set<number>>();
  for (const node of decodeOnnxModel(bytes).nodes) {
    if (node.opType !== 'TreeEnsembleRegressor') continue;
    const features = node.attributes.get('nodes_featureids')!.ints;
    const values = node.attributes.get('nodes_values')!.floats;
    const modes = node.attributes.get('nodes_modes')!.strings;
    features.forEach((f, i) => {
      if (modes[i] === 'LEAF') return;
      const set = byFeature.get(f) ?? new Set<number>();
      set.add(Math.fround(values[i]!));
      byFeature.set(f, set);
    });
  }
  return byFeature;
}

function stressRows(golden: (number | null)[][], thresholds: Map<number, Set<number>>, budget: number): number[][] {
  const rows: number[][] = [];
  const base = golden.map((r) => r.map((v) => v ?? Number.NaN));
  const width = base[0]!.length;
  for (const row of base) {
    rows.push(row);
    for (let f = 0; f < width; f++) {
      for (const v of [Number.NaN, Infinity, -Infinity, 0, -0]) rows.push(row.map((x, j) => (j === f ? v : x)));
    }
  }
  // Thresholds: on rows taken in turn, so every threshold is met on some row without N x T rows.
  let k = 0;
  for (const [f, set] of thresholds) {
    for (const t of set) {
      const row = base[k++ % base.length]!;
      for (const v of [t, nextFloat32(t, false), nextFloat32(t, true)]) rows.push(row.map((x, j) => (j === f ? v : x)));
    }
  }
  return rows.slice(0, budget);
}

describe('built-in engine against onnxruntime', () => {
  it.each(SHIPPED)('%s', async (name) => {
    const bytes = shipped(name);
    const golden = readGolden(join(MODELS_DIR, 'golden', `${name}.json`));
    const thresholds = thresholdsByFeature(bytes);
    const rows = stressRows(golden.inputs, thresholds, 50_000);
    const width = rows[0]!.length;
    const input = Float32Array.from(rows.flat());
    const [builtin, reference] = await Promise.all([runtimeNamed('builtin'), runtimeNamed('onnxruntime')]);
    const got = (await (await builtin.open(bytes)).run(input, rows.length, width)).data;
    const want = (await (await reference.open(bytes)).run(input, rows.length, width)).data;
    expect(got.length).toBe(want.length);
    const bound = BOUND[name]!;
    let worst = 0;
    let worstAt = -1;
    for (let i = 0; i < want.length; i++) {
      const same = Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])) || arm64Saturated(got[i]!, want[i]!);
      const finite = Number.isFinite(got[i]) && Number.isFinite(want[i]);
      const off = same ? 0 : !finite ? Infinity : 'ulps' in bound ? Math.abs(ordinal(got[i]!) - ordinal(want[i]!)) : Math.abs(got[i]! - want[i]!);
      if (off > worst) { worst = off; worstAt = i; }
    }
    expect(worst, `row ${Math.floor(worstAt / (want.length / rows.length))}: builtin ${got[worstAt]}, onnxruntime ${want[worstAt]}`)
      .toBeLessThanOrEqual('ulps' in bound ? bound.ulps : bound.abs);
    // The stress rows must reach the trees' thresholds, or this proves little.
    if (thresholds.size) expect(rows.length).toBeGreaterThan(golden.inputs.length * 10);
  });
});
