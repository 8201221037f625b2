/**
 * One ONNX model checked against its card, with batched inference. Loading never half-succeeds:
 * `loadModel` either returns a model that passed every check (card schema, sha256 of the file,
 * one float32 input `input` [N, F] with F = card inputs, one float32 output `output` [N, K] with
 * K = card outputs, and a probe run on a zero row giving finite numbers) or throws with the reason.
 * The graph runs on the engine `runtime` names (models/runtime: `auto` takes the built-in one
 * when it supports the graph, onnxruntime otherwise); `runtime` on the model says which ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openSession, type RuntimeChoice, type RuntimeName, type TensorInfo } from '../runtime/runtime.js';
import { confidenceRule } from './basis.js';
import { applyOutputTransform, readCard, type ModelCard } from './card.js';
import { horizonSpec } from './horizon.js';
import { residualSpec } from './postprocess.js';

export interface LoadedModel {
  readonly name: string;
  readonly version: string;
  readonly card: ModelCard;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly sha256: string;
  /** The engine that runs the graph, and why `auto` did not take the built-in one (if it did not). */
  readonly runtime: RuntimeName;
  readonly runtimeFallback?: string;
  /** Rows of card-ordered features in, rows of card-ordered outputs out, in the card's units. */
  run(rows: readonly Float32Array[] | readonly number[][], batchMax?: number): Promise<Float32Array[]>;
  /** The same, as the ONNX graph outputs them (before the card's output transforms). */
  runRaw(rows: readonly Float32Array[] | readonly number[][], batchMax?: number): Promise<Float32Array[]>;
  release(): Promise<void>;
}

export function modelPaths(modelsDir: string, name: string): { onnx: string; card: string } {
  return { onnx: join(modelsDir, `${name}.onnx`), card: join(modelsDir, `${name}.card.json`) };
}

function checkDims(what: string, meta: TensorInfo | undefined, width: number): void {
  if (!meta || meta.type === 'non-tensor') throw new Error(`${what} is not a tensor`);
  if (meta.type !== 'float32') throw new Error(`${what} is ${meta.type}, expected float32`);
  const shape = meta.shape;
  if (!shape) throw new Error(`${what} has no shape, expected [N, ${width}]`);
  if (shape.length !== 2) throw new Error(`${what} has rank ${shape.length}, expected [N, ${width}]`);
  const second = shape[1];
  if (typeof second === 'number' && second !== width) throw new Error(`${what} has width ${second}, card says ${width}`);
}

export async function loadModel(modelsDir: string, name: string, runtime: RuntimeChoice = 'auto'): Promise<LoadedModel> {
  const paths = modelPaths(modelsDir, name);
  if (!existsSync(paths.card)) throw new Error(`missing card ${paths.card}`);
  const card = readCard(paths.card);
  if (card.name !== name) throw new Error(`card ${paths.card} is for model "${card.name}", expected "${name}"`);
  try {
    residualSpec(card); // a malformed residual block would otherwise fail every scoring call
  } catch (err) {
    throw new Error(`card ${paths.card}: residual: ${(err as Error).message}`);
  }
  try {
    horizonSpec(card); // likewise a malformed horizon block (models/scoring/horizon.ts)
  } catch (err) {
    throw new Error(`card ${paths.card}: horizon: ${(err as Error).message}`);
  }
  try {
    confidenceRule(card); // and the confidence block (models/scoring/basis.ts)
  } catch (err) {
    throw new Error(`card ${paths.card}: confidence: ${(err as Error).message}`);
  }
  if (!existsSync(paths.onnx)) throw new Error(`missing model file ${paths.onnx}`);
  // Hash the very bytes handed to the engine, so a file replaced between hash and load cannot slip by.
  const bytes = readFileSync(paths.onnx);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== card.sha256) throw new Error(`sha256 of ${paths.onnx} is ${sha256}, card says ${card.sha256}`);
  let opened: Awaited<ReturnType<typeof openSession>>;
  try {
    opened = await openSession(bytes, runtime);
  } catch (err) {
    throw new Error(`cannot load ${paths.onnx}: ${(err as Error).message}`);
  }
  const { session } = opened;
  const width = card.inputs.length;
  const outWidth = card.outputs.length;
  try {
    const inputNames = session.inputs.map((i) => i.name);
    const outputNames = session.outputs.map((o) => o.name);
    if (inputNames.length !== 1 || inputNames[0] !== 'input') throw new Error(`inputs are [${inputNames.join(', ')}], expected [input]`);
    if (outputNames.length !== 1 || outputNames[0] !== 'output') throw new Error(`outputs are [${outputNames.join(', ')}], expected [output]`);
    checkDims('input', session.inputs[0], width);
    checkDims('output', session.outputs[0], outWidth);
    const probe = await session.run(new Float32Array(width), 1, width);
    if (probe.dims.length !== 2 || probe.dims[0] !== 1 || probe.dims[1] !== outWidth) {
      throw new Error(`probe run gave output dims [${probe.dims.join(', ')}], expected [1, ${outWidth}]`);
    }
  } catch (err) {
    await session.release().catch(() => undefined);
    throw new Error(`model ${name}: ${(err as Error).message}`);
  }

  const inputNames = card.inputs.map((i) => i.name);
  const outputNames = card.outputs.map((o) => o.name);
  async function runBatch(rows: readonly (Float32Array | number[])[]): Promise<Float32Array[]> {
    const data = new Float32Array(rows.length * width);
    rows.forEach((row, r) => {
      if (row.length !== width) throw new Error(`model ${name}: row has ${row.length} features, expected ${width}`);
      data.set(row, r * width);
    });
    const values = (await session.run(data, rows.length, width)).data;
    const out: Float32Array[] = [];
    for (let r = 0; r < rows.length; r++) out.push(values.slice(r * outWidth, (r + 1) * outWidth));
    return out;
  }
  async function runRaw(rows: readonly (Float32Array | number[])[], batchMax = 4096): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < rows.length; i += batchMax) out.push(...(await runBatch(rows.slice(i, i + batchMax))));
    return out;
  }
  const transforms = card.outputs.map((o) => o.transform);
  const saturations = card.outputs.map((o) => o.saturate && { ...o.saturate, column: inputNames.indexOf(o.saturate.input) });
  const needsTransform = transforms.some((t) => t !== 'identity') || saturations.some(Boolean);
  return {
    name,
    version: card.version,
    card,
    inputNames,
    outputNames,
    sha256,
    runtime: session.runtime,
    ...(opened.fallbackReason !== undefined ? { runtimeFallback: opened.fallbackReason } : {}),
    runRaw,
    async run(rows, batchMax) {
      const raw = await runRaw(rows, batchMax);
      if (!needsTransform) return raw;
      return raw.map((row, r) => row.map((v, k) => {
        const sat = saturations[k];
        if (sat && (rows[r]?.[sat.column] as number) <= sat.at_or_below) return sat.value;
        return applyOutputTransform(transforms[k] ?? 'identity', v);
      }));
    },
    release: () => session.release(),
  };
}
