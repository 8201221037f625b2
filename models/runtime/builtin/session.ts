/**
 * The `builtin` engine: decodes the ONNX file (onnx-model.ts), checks every node against the
 * operators below and compiles them once; a run walks the nodes in graph order. Values are 2-D
 * float32 [rows, cols] or scalars. Invariants: every value is rounded to float32 after every
 * operator, as onnxruntime stores it; an operator, domain, opset or attribute not listed here
 * makes `open` throw UnsupportedModelError naming the node, so `auto` can hand the graph to
 * onnxruntime instead of evaluating it approximately.
 */
import type { ModelRuntime, ModelSession, TensorInfo } from '../runtime.js';
import { UnsupportedModelError } from '../unsupported.js';
import { decodeOnnxModel, TENSOR_FLOAT, type GraphNode, type ValueInfo } from './onnx-model.js';
import { compileTreeEnsemble, type CompiledEnsemble } from './tree-ensemble.js';

const ML = 'ai.onnx.ml';
/** Opset ranges whose definitions of the operators below are the ones implemented here. */
const OPSETS: Record<string, [number, number]> = { '': [7, 21], [ML]: [1, 4] };

/** Attributes each operator may carry; any other is refused (it would change what the node computes). */
const ATTRIBUTES: Record<string, string[]> = {
  [`${ML}/TreeEnsembleRegressor`]: ['aggregate_function', 'base_values', 'base_values_as_tensor', 'n_targets', 'nodes_falsenodeids',
    'nodes_featureids', 'nodes_hitrates', 'nodes_hitrates_as_tensor', 'nodes_missing_value_tracks_true', 'nodes_modes', 'nodes_nodeids',
    'nodes_treeids', 'nodes_truenodeids', 'nodes_values', 'nodes_values_as_tensor', 'post_transform', 'target_ids', 'target_nodeids',
    'target_treeids', 'target_weights', 'target_weights_as_tensor'],
  [`${ML}/LinearRegressor`]: ['coefficients', 'intercepts', 'post_transform', 'targets'],
};

const SUPPORTED = [`${ML}/TreeEnsembleRegressor`, `${ML}/LinearRegressor`, '/Identity', '/Sigmoid', '/Exp', '/Log', '/Add', '/Mul'];

interface Value { data: Float32Array; rows: number; cols: number; scalar: boolean }
type Op = (values: Map<string, Value>) => void;

const f32 = Math.fround;

// The op makers below take names and numbers, not the decoded node: a closure keeps its whole
// context alive, and the node's attributes are garbage once compiled.
function unaryOp(input: string, output: string, fn: (x: number) => number): Op {
  return (values) => {
    const x = values.get(input)!;
    const data = new Float32Array(x.data.length);
    for (let i = 0; i < data.length; i++) data[i] = fn(x.data[i]!);
    values.set(output, { ...x, data });
  };
}

function binaryOp(where: string, left: string, right: string, output: string, fn: (a: number, b: number) => number): Op {
  return (values) => {
    const a = values.get(left)!;
    const b = values.get(right)!;
    const shape = a.scalar ? b : a;
    if (!a.scalar && !b.scalar && (a.rows !== b.rows || a.cols !== b.cols)) {
      throw new Error(`${where}: shapes [${a.rows}, ${a.cols}] and [${b.rows}, ${b.cols}] do not match`);
    }
    const data = new Float32Array(shape.data.length);
    for (let i = 0; i < data.length; i++) data[i] = fn(a.scalar ? a.data[0]! : a.data[i]!, b.scalar ? b.data[0]! : b.data[i]!);
    values.set(output, { ...shape, data });
  };
}

function ensembleOp(input: string, output: string, ensemble: CompiledEnsemble): Op {
  return (values) => {
    const x = values.get(input)!;
    values.set(output, { data: ensemble.run(x.data, x.rows, x.cols), rows: x.rows, cols: ensemble.targets, scalar: false });
  };
}

function linearOp(where: string, input: string, output: string, coef: Float64Array, intercepts: Float64Array): Op {
  const targets = intercepts.length;
  const width = coef.length / targets;
  return (values) => {
    const x = values.get(input)!;
    if (x.cols !== width) throw new Error(`${where}: rows have ${x.cols} features, coefficients ${width}`);
    const data = new Float32Array(x.rows * targets);
    for (let r = 0; r < x.rows; r++) {
      for (let k = 0; k < targets; k++) {
        // As onnxruntime's float32 GEMM does it on x64: a fused multiply-add per feature in order
        // (the product of two float32 values is exact in a double), then the intercept.
        let sum = 0;
        for (let j = 0; j < width; j++) sum = f32(sum + x.data[r * width + j]! * coef[k * width + j]!);
        data[r * targets + k] = sum + intercepts[k]!;
      }
    }
    values.set(output, { data, rows: x.rows, cols: targets, scalar: false });
  };
}

function linearRegressor(node: GraphNode): Op {
  const where = `LinearRegressor "${node.name}"`;
  const coefficients = node.attributes.get('coefficients')?.floats ?? [];
  const intercepts = node.attributes.get('intercepts')?.floats ?? [];
  const targets = node.attributes.get('targets')?.i ?? 1;
  const post = node.attributes.get('post_transform')?.s ?? 'NONE';
  if (post !== 'NONE') throw new UnsupportedModelError(`${where}: post_transform ${post} is not supported`);
  if (targets < 1 || coefficients.length % targets !== 0) throw new UnsupportedModelError(`${where}: ${coefficients.length} coefficients for ${targets} targets`);
  if (intercepts.length !== 0 && intercepts.length !== targets) throw new UnsupportedModelError(`${where}: ${intercepts.length} intercepts for ${targets} targets`);
  return linearOp(where, node.inputs[0]!, node.outputs[0]!, Float64Array.from(coefficients, f32),
    Float64Array.from({ length: targets }, (_, k) => f32(intercepts[k] ?? 0)));
}

function compileNode(node: GraphNode): Op {
  const domain = node.domain === 'ai.onnx' ? '' : node.domain;
  const refuse = (why: string): never => { throw new UnsupportedModelError(`node "${node.name}" (${node.opType}): ${why}`); };
  if (!(domain in OPSETS)) refuse(`domain "${domain}" is not supported`);
  const key = `${domain}/${node.opType}`;
  if (!SUPPORTED.includes(key)) refuse(`operator ${key.replace(/^\//, '')} is not supported`);
  const unknown = [...node.attributes.keys()].filter((a) => !(ATTRIBUTES[key] ?? []).includes(a));
  if (unknown.length) refuse(`attribute(s) ${unknown.join(', ')} are not supported`);
  const arity = (n: number) => { if (node.inputs.length !== n || node.outputs.length !== 1) refuse(`expected ${n} input(s) and 1 output`); };
  const [input, output] = [node.inputs[0]!, node.outputs[0]!];
  switch (key) {
    case `${ML}/TreeEnsembleRegressor`: arity(1); return ensembleOp(input, output, compileTreeEnsemble(node));
    case `${ML}/LinearRegressor`: arity(1); return linearRegressor(node);
    case '/Identity': arity(1); return unaryOp(input, output, (x) => x);
    case '/Sigmoid': arity(1); return unaryOp(input, output, (x) => 1 / (1 + Math.exp(-x)));
    case '/Exp': arity(1); return unaryOp(input, output, Math.exp);
    case '/Log': arity(1); return unaryOp(input, output, Math.log);
    case '/Add': arity(2); return binaryOp(`Add "${node.name}"`, input, node.inputs[1]!, output, (a, b) => a + b);
    case '/Mul': arity(2); return binaryOp(`Mul "${node.name}"`, input, node.inputs[1]!, output, (a, b) => a * b);
    default: break;
  }
  return refuse('unreachable: listed in SUPPORTED without an implementation');
}

const typeName = (elem: number | undefined) => (elem === TENSOR_FLOAT ? 'float32' : `onnx element type ${elem ?? 'unknown'}`);
const info = (v: ValueInfo): TensorInfo => ({ name: v.name, type: typeName(v.elemType), shape: v.shape });

function open(bytes: Uint8Array): ModelSession {
  const model = decodeOnnxModel(bytes);
  for (const [domain, version] of model.opsets) {
    const range = OPSETS[domain];
    if (!range) throw new UnsupportedModelError(`opset domain "${domain}" is not supported`);
    if (version < range[0] || version > range[1]) throw new UnsupportedModelError(`opset ${domain || 'ai.onnx'} ${version} is outside ${range[0]}..${range[1]}`);
  }
  const inputs = model.inputs.filter((v) => !model.initializers.has(v.name));
  if (inputs.length !== 1 || model.outputs.length < 1) throw new UnsupportedModelError(`the graph has ${inputs.length} inputs and ${model.outputs.length} outputs; one input is supported`);
  for (const v of [...inputs, model.outputs[0]!]) {
    if (v.elemType !== TENSOR_FLOAT) throw new UnsupportedModelError(`${v.name} is ${typeName(v.elemType)}; float32 is supported`);
  }
  // Every node's inputs must exist when it runs: the graph input, an initializer, or an earlier output.
  const known = new Set<string>([inputs[0]!.name, ...model.initializers.keys()]);
  const ops = model.nodes.map((node) => {
    for (const name of node.inputs) if (!known.has(name)) throw new UnsupportedModelError(`node "${node.name}" reads "${name}" before anything writes it`);
    const op = compileNode(node);
    node.outputs.forEach((o) => known.add(o));
    return op;
  });
  const output = model.outputs[0]!.name;
  if (!known.has(output)) throw new UnsupportedModelError(`nothing writes the output "${output}"`);
  const constants = [...model.initializers.values()].map((t) => {
    if (t.values.length !== 1) throw new UnsupportedModelError(`initializer "${t.name}" has ${t.values.length} values; only scalars are supported`);
    return [t.name, { data: t.values, rows: 1, cols: 1, scalar: true } as Value] as const;
  });
  return session(inputs.map(info), model.outputs.map(info), ops, constants);
}

/** Made apart from `open`, whose scope holds the decoded model: the session keeps only what runs. */
function session(inputs: TensorInfo[], outputs: TensorInfo[], ops: Op[], constants: (readonly [string, Value])[]): ModelSession {
  const [inputName, outputName] = [inputs[0]!.name, outputs[0]!.name];
  return {
    runtime: 'builtin',
    inputs,
    outputs,
    async run(input, rows, width) {
      if (input.length !== rows * width) throw new Error(`input has ${input.length} values, expected ${rows} x ${width}`);
      const values = new Map<string, Value>(constants);
      values.set(inputName, { data: input, rows, cols: width, scalar: false });
      for (const op of ops) op(values);
      const out = values.get(outputName)!;
      return { data: out.data, dims: [out.rows, out.cols] };
    },
    release: async () => undefined,
  };
}

export const builtinRuntime: ModelRuntime = {
  name: 'builtin',
  open: async (bytes) => open(bytes),
};
