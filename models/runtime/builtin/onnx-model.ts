/**
 * An ONNX ModelProto (onnx/onnx.proto, field numbers as published) decoded into plain objects: the
 * opset imports, and of the main graph its nodes with their attributes, its inputs and outputs with
 * their tensor types, and its initializers. Invariants: fields this evaluator does not understand
 * are skipped only where ONNX says they carry no semantics (doc strings, metadata, value_info);
 * anything else not decoded here (sub-graphs, sparse or external tensors, functions, training
 * info, non-float tensors) throws UnsupportedModelError naming the field, so `auto` can hand a
 * valid model to onnxruntime; only a broken wire format throws ProtobufError.
 */
import { UnsupportedModelError } from '../unsupported.js';
import { ProtobufError, ProtobufReader, pushFloats, pushInts, utf8, type WireField } from './protobuf.js';

export const TENSOR_FLOAT = 1;

export interface Attribute {
  readonly name: string;
  readonly f?: number;
  readonly i?: number;
  readonly s?: string;
  readonly floats: number[];
  readonly ints: number[];
  readonly strings: string[];
  readonly t?: Tensor;
}
export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attributes: Map<string, Attribute>;
}
export interface Tensor {
  readonly name: string;
  readonly dataType: number;
  readonly dims: number[];
  readonly values: Float32Array;
}
export interface ValueInfo {
  readonly name: string;
  readonly elemType: number | undefined;
  /** A number for a fixed dimension, a string for a named one, undefined when unknown. */
  readonly shape: (number | string | undefined)[] | undefined;
}
export interface OnnxModel {
  readonly irVersion: number;
  readonly opsets: Map<string, number>;
  readonly nodes: GraphNode[];
  readonly inputs: ValueInfo[];
  readonly outputs: ValueInfo[];
  readonly initializers: Map<string, Tensor>;
}

type Handler = (f: WireField) => void;

function readMessage(f: WireField | Uint8Array, what: string, handlers: Record<number, Handler>, ignored: readonly number[] = []): void {
  const r = f instanceof Uint8Array ? new ProtobufReader(f) : ProtobufReader.sub(f);
  while (!r.done) {
    const field = r.next();
    const handler = handlers[field.field];
    if (handler) handler(field);
    else if (!ignored.includes(field.field)) throw new UnsupportedModelError(`${what}: field ${field.field} at byte ${field.offset} is not supported by the built-in runtime`);
  }
}

function readTensor(f: WireField): Tensor {
  let name = '';
  let dataType = 0;
  const dims: number[] = [];
  const floats: number[] = [];
  let raw: Uint8Array | undefined;
  readMessage(f, 'tensor', {
    1: (x) => pushInts(dims, x),
    2: (x) => { dataType = x.value; },
    4: (x) => pushFloats(floats, x),
    8: (x) => { name = utf8(x.bytes); },
    9: (x) => { raw = x.bytes; },
  }, [12, 5, 6, 7, 10, 11]); // doc_string; other types' data (refused just below, by data type)
  if (dataType !== TENSOR_FLOAT) throw new UnsupportedModelError(`tensor "${name}" at byte ${f.offset}: data type ${dataType}, only float (1) is supported`);
  const count = dims.reduce((a, b) => a * b, 1);
  let values: Float32Array;
  if (raw) {
    if (raw.length !== count * 4) throw new ProtobufError(`tensor "${name}": ${raw.length} raw bytes for ${count} floats`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    values = Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
  } else {
    if (floats.length !== count) throw new ProtobufError(`tensor "${name}": ${floats.length} floats for dims [${dims.join(', ')}]`);
    values = Float32Array.from(floats);
  }
  return { name, dataType, dims, values };
}

function readAttribute(f: WireField): Attribute {
  const a = { name: '', floats: [] as number[], ints: [] as number[], strings: [] as string[] } as {
    name: string; f?: number; i?: number; s?: string; t?: Tensor; floats: number[]; ints: number[]; strings: string[];
  };
  readMessage(f, 'attribute', {
    1: (x) => { a.name = utf8(x.bytes); },
    2: (x) => { a.f = x.value; },
    3: (x) => { a.i = x.value; },
    4: (x) => { a.s = utf8(x.bytes); },
    5: (x) => { a.t = readTensor(x); },
    7: (x) => pushFloats(a.floats, x),
    8: (x) => pushInts(a.ints, x),
    9: (x) => { a.strings.push(utf8(x.bytes)); },
  }, [13, 20]); // doc_string, type (implied by which value field is set)
  return a;
}

function readNode(f: WireField): GraphNode {
  const node = { name: '', opType: '', domain: '', inputs: [] as string[], outputs: [] as string[], attributes: new Map<string, Attribute>() };
  readMessage(f, 'node', {
    1: (x) => { node.inputs.push(utf8(x.bytes)); },
    2: (x) => { node.outputs.push(utf8(x.bytes)); },
    3: (x) => { node.name = utf8(x.bytes); },
    4: (x) => { node.opType = utf8(x.bytes); },
    5: (x) => { const a = readAttribute(x); node.attributes.set(a.name, a); },
    7: (x) => { node.domain = utf8(x.bytes); },
  }, [6, 9]); // doc_string, metadata_props
  return node;
}

function readValueInfo(f: WireField): ValueInfo {
  let name = '';
  let elemType: number | undefined;
  let shape: (number | string | undefined)[] | undefined;
  readMessage(f, 'value_info', {
    1: (x) => { name = utf8(x.bytes); },
    2: (type) => readMessage(type, 'type', {
      1: (tensor) => readMessage(tensor, 'tensor type', {
        1: (x) => { elemType = x.value; },
        2: (s) => {
          shape = [];
          readMessage(s, 'shape', {
            1: (dim) => {
              let d: number | string | undefined;
              readMessage(dim, 'dimension', { 1: (x) => { d = x.value; }, 2: (x) => { d = utf8(x.bytes); } }, [3]);
              shape!.push(d);
            },
          });
        },
      }),
    }, [6]), // denotation
  }, [3, 4]); // doc_string, metadata_props
  return { name, elemType, shape };
}

export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  let irVersion = 0;
  const opsets = new Map<string, number>();
  let graph: WireField | undefined;
  readMessage(bytes, 'model', {
    1: (x) => { irVersion = x.value; },
    7: (x) => { graph = x; },
    8: (x) => {
      let domain = '';
      let version = 0;
      readMessage(x, 'opset_import', { 1: (d) => { domain = utf8(d.bytes); }, 2: (v) => { version = v.value; } });
      opsets.set(domain === 'ai.onnx' ? '' : domain, version);
    },
  }, [2, 3, 4, 5, 6, 14]); // producer, domain, model_version, doc_string, metadata_props
  if (!graph) throw new ProtobufError('model has no graph');
  const model: OnnxModel = { irVersion, opsets, nodes: [], inputs: [], outputs: [], initializers: new Map() };
  readMessage(graph, 'graph', {
    1: (x) => { model.nodes.push(readNode(x)); },
    5: (x) => { const t = readTensor(x); model.initializers.set(t.name, t); },
    11: (x) => { model.inputs.push(readValueInfo(x)); },
    12: (x) => { model.outputs.push(readValueInfo(x)); },
  }, [2, 10, 13, 14, 16]); // name, doc_string, value_info (shape hints), quantization_annotation, metadata_props
  return model;
}
