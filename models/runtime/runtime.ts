/**
 * The extension point for running an ONNX graph: one `ModelRuntime` per engine, one shared test
 * suite (runtime.suite.ts) that every engine passes. Two engines exist:
 *   - `builtin` (builtin/): a TypeScript evaluator of the operators the shipped models use (tree
 *     ensembles, linear models, element-wise ops), bit for bit or within a few float32 ulps of
 *     onnxruntime (runtime-parity.test.ts), at about 1 MB of memory instead of onnxruntime's 35;
 *   - `onnxruntime` (onnxruntime.ts): onnxruntime-node, for any graph.
 * `auto` (the default) takes `builtin` when it supports every operator of the graph and
 * onnxruntime otherwise, and says which it took and why. Invariants: a session has exactly the
 * graph's inputs and outputs as its metadata; runs never interleave on one session; a graph the
 * built-in engine cannot evaluate exactly is refused by it (UnsupportedModelError naming the
 * node), never approximated.
 */
import { UnsupportedModelError } from './unsupported.js';

export { UnsupportedModelError };
export type RuntimeName = 'builtin' | 'onnxruntime';
export type RuntimeChoice = RuntimeName | 'auto';
export const RUNTIME_CHOICES = ['auto', 'builtin', 'onnxruntime'] as const;

export interface TensorInfo {
  readonly name: string;
  /** 'float32' for float tensors (onnxruntime's spelling), else the engine's name for the type. */
  readonly type: string;
  /** Per dimension: a size, a symbolic name, or undefined; undefined when the graph says nothing. */
  readonly shape: readonly (number | string | undefined)[] | undefined;
}

export interface ModelSession {
  readonly runtime: RuntimeName;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** `rows` rows of `width` float32 values (row-major) into the single input; the first output. */
  run(input: Float32Array, rows: number, width: number): Promise<{ data: Float32Array; dims: readonly number[] }>;
  release(): Promise<void>;
}

export interface ModelRuntime {
  readonly name: RuntimeName;
  open(bytes: Uint8Array): Promise<ModelSession>;
}

export interface OpenedSession {
  readonly session: ModelSession;
  /** Why `auto` did not take the built-in engine; undefined when it did or was not asked to choose. */
  readonly fallbackReason?: string;
}

/**
 * Imported on demand: onnxruntime's native library (about 25 MB resident once mapped) is loaded
 * only by a gateway that runs a graph the built-in engine cannot, or asks for onnxruntime.
 */
export async function runtimeNamed(name: RuntimeName): Promise<ModelRuntime> {
  if (name === 'builtin') return (await import('./builtin/session.js')).builtinRuntime;
  return (await import('./onnxruntime.js')).onnxRuntime;
}

export async function openSession(bytes: Uint8Array, choice: RuntimeChoice): Promise<OpenedSession> {
  if (choice !== 'auto') return { session: await (await runtimeNamed(choice)).open(bytes) };
  try {
    return { session: await (await runtimeNamed('builtin')).open(bytes) };
  } catch (err) {
    if (!(err instanceof UnsupportedModelError)) throw err;
    return { session: await (await runtimeNamed('onnxruntime')).open(bytes), fallbackReason: err.message };
  }
}
