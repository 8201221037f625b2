/**
 * The `onnxruntime` engine: onnxruntime-node with one intra-op and one inter-op thread (a gateway
 * scores a few rows a second; more threads only spin). Runs on one session are chained, because
 * onnxruntime-node's sessions are not re-entrant for concurrent runs on one thread pool.
 */
import * as ort from 'onnxruntime-node';
import type { ModelRuntime, ModelSession, TensorInfo } from './runtime.js';

function info(name: string, meta: ort.InferenceSession.ValueMetadata | undefined): TensorInfo {
  if (!meta || !meta.isTensor) return { name, type: 'non-tensor', shape: undefined };
  return { name, type: meta.type, shape: meta.shape.map((d) => (typeof d === 'number' || typeof d === 'string' ? d : undefined)) };
}

export const onnxRuntime: ModelRuntime = {
  name: 'onnxruntime',
  async open(bytes) {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (err) {
      throw new Error(`onnxruntime cannot load it: ${(err as Error).message}`);
    }
    const inputs = session.inputNames.map((n, i) => info(n, session.inputMetadata[i]));
    const outputs = session.outputNames.map((n, i) => info(n, session.outputMetadata[i]));
    let queue: Promise<unknown> = Promise.resolve();
    const result: ModelSession = {
      runtime: 'onnxruntime',
      inputs,
      outputs,
      run(input, rows, width) {
        const task = queue.then(async () => {
          const out = await session.run({ [inputs[0]!.name]: new ort.Tensor('float32', input, [rows, width]) });
          const tensor = out[outputs[0]!.name] as ort.Tensor;
          if (tensor.type !== 'float32') throw new Error(`output ${outputs[0]!.name} is ${tensor.type}, expected float32`);
          return { data: tensor.data as Float32Array, dims: tensor.dims };
        });
        queue = task.catch(() => undefined);
        return task;
      },
      // Wait for runs already queued so a hot-reload swap never frees a session mid-run.
      release: () => queue.then(() => session.release()),
    };
    return result;
  },
};
