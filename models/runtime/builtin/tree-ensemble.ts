/**
 * ai.onnx.ml TreeEnsembleRegressor (opset 1-3), evaluated the way onnxruntime does with one thread,
 * so both give the same float32 bits: a float32 input compared with float32 thresholds (exact in
 * doubles), NaN following `nodes_missing_value_tracks_true`, leaf weights summed tree by tree in
 * attribute order with float32 rounding after every addition, then the base value added.
 * Invariants: a layout that onnxruntime would read differently or that is ambiguous (a tree's
 * nodes not contiguous, a child id missing, a branch that loops, a target id out of range,
 * aggregate functions other than SUM, post transforms other than NONE, double-precision
 * `*_as_tensor` attributes) is refused at load with the node's name, never guessed at.
 */
import type { GraphNode } from './onnx-model.js';

import { UnsupportedModelError } from '../unsupported.js';

export { UnsupportedModelError };

const MODES = ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT', 'BRANCH_EQ', 'BRANCH_NEQ', 'LEAF'] as const;
const LEAF = 6;
const f32 = Math.fround;

export interface CompiledEnsemble {
  readonly targets: number;
  /** Rows of `width` float32 features in, rows of `targets` float32 values out. */
  run(input: Float32Array, rows: number, width: number): Float32Array;
}

export function compileTreeEnsemble(node: GraphNode): CompiledEnsemble {
  const where = `TreeEnsembleRegressor "${node.name}"`;
  const attr = (name: string) => node.attributes.get(name);
  const ints = (name: string) => attr(name)?.ints ?? [];
  const refuse = (why: string): never => { throw new UnsupportedModelError(`${where}: ${why}`); };
  for (const name of ['nodes_values_as_tensor', 'base_values_as_tensor', 'target_weights_as_tensor', 'nodes_hitrates_as_tensor']) {
    if (attr(name)) refuse(`attribute ${name} (double precision) is not supported`);
  }
  const aggregate = attr('aggregate_function')?.s ?? 'SUM';
  if (aggregate !== 'SUM') refuse(`aggregate_function ${aggregate} is not supported (SUM is)`);
  const post = attr('post_transform')?.s ?? 'NONE';
  if (post !== 'NONE') refuse(`post_transform ${post} is not supported (NONE is)`);
  const targets = attr('n_targets')?.i ?? 1;
  if (targets < 1) refuse(`n_targets is ${targets}`);
  const treeIds = ints('nodes_treeids');
  const nodeIds = ints('nodes_nodeids');
  const featureIds = ints('nodes_featureids');
  const values = attr('nodes_values')?.floats ?? [];
  const modeNames = attr('nodes_modes')?.strings ?? [];
  const trueIds = ints('nodes_truenodeids');
  const falseIds = ints('nodes_falsenodeids');
  const missing = ints('nodes_missing_value_tracks_true');
  const n = nodeIds.length;
  if (n === 0) refuse('no nodes');
  for (const [name, list] of [['nodes_treeids', treeIds], ['nodes_featureids', featureIds], ['nodes_values', values], ['nodes_modes', modeNames],
    ['nodes_truenodeids', trueIds], ['nodes_falsenodeids', falseIds]] as const) {
    if (list.length !== n) refuse(`${name} has ${list.length} entries, nodes_nodeids ${n}`);
  }
  if (missing.length !== 0 && missing.length !== n) refuse(`nodes_missing_value_tracks_true has ${missing.length} entries, expected ${n}`);

  // Trees in attribute order; onnxruntime starts a tree at the first node of each new tree id.
  const roots: number[] = [];
  const index = new Map<string, number>();
  const seenTrees = new Set<number>();
  for (let i = 0; i < n; i++) {
    const t = treeIds[i]!;
    if (i === 0 || treeIds[i - 1] !== t) {
      if (seenTrees.has(t)) refuse(`the nodes of tree ${t} are not contiguous`);
      seenTrees.add(t);
      roots.push(i);
    }
    const key = `${t}:${nodeIds[i]}`;
    if (index.has(key)) refuse(`tree ${t} has node id ${nodeIds[i]} twice`);
    index.set(key, i);
  }
  const mode = new Uint8Array(n);
  const feature = new Int32Array(n);
  const threshold = new Float64Array(n);
  const onTrue = new Int32Array(n);
  const onFalse = new Int32Array(n);
  const nanTrue = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const m = MODES.indexOf(modeNames[i] as (typeof MODES)[number]);
    if (m < 0) refuse(`node ${i} has mode ${modeNames[i]}`);
    mode[i] = m;
    if (m === LEAF) continue;
    feature[i] = featureIds[i]!;
    if (feature[i]! < 0) refuse(`node ${i} reads feature ${featureIds[i]}`);
    threshold[i] = f32(values[i]!);
    nanTrue[i] = missing[i] ?? 0;
    const child = (id: number, branch: string): number => {
      const j = index.get(`${treeIds[i]}:${id}`);
      if (j === undefined) refuse(`node ${i} (tree ${treeIds[i]}) has ${branch} child ${id}, which does not exist`);
      return j!;
    };
    onTrue[i] = child(trueIds[i]!, 'true');
    onFalse[i] = child(falseIds[i]!, 'false');
  }

  // Leaf weights: per leaf, (target, weight) pairs in attribute order.
  const leafTargets = new Map<number, number[]>();
  const tTrees = ints('target_treeids');
  const tNodes = ints('target_nodeids');
  const tIds = ints('target_ids');
  const tWeights = attr('target_weights')?.floats ?? [];
  if (tNodes.length !== tTrees.length || tIds.length !== tTrees.length || tWeights.length !== tTrees.length) refuse('target_* attributes differ in length');
  for (let k = 0; k < tTrees.length; k++) {
    const leaf = index.get(`${tTrees[k]}:${tNodes[k]}`);
    if (leaf === undefined || mode[leaf] !== LEAF) refuse(`target ${k} names tree ${tTrees[k]} node ${tNodes[k]}, which is not a leaf`);
    if (tIds[k]! < 0 || tIds[k]! >= targets) refuse(`target ${k} has target id ${tIds[k]}, n_targets is ${targets}`);
    const list = leafTargets.get(leaf!) ?? [];
    list.push(tIds[k]!, f32(tWeights[k]!));
    leafTargets.set(leaf!, list);
  }
  // CSR layout: leaf i's pairs are at [leafStart[i], leafStart[i + 1]).
  const leafStart = new Int32Array(n + 1);
  const leafTarget = new Int32Array(tTrees.length);
  const leafWeight = new Float64Array(tTrees.length);
  for (let i = 0, at = 0; i < n; i++) {
    leafStart[i] = at;
    const list = leafTargets.get(i) ?? [];
    for (let k = 0; k < list.length; k += 2, at++) { leafTarget[at] = list[k]!; leafWeight[at] = list[k + 1]!; }
    leafStart[i + 1] = at;
  }
  const base = attr('base_values')?.floats ?? [];
  if (base.length !== 0 && base.length !== targets) refuse(`base_values has ${base.length} entries, n_targets is ${targets}`);
  const baseValues = Float64Array.from({ length: targets }, (_, k) => f32(base[k] ?? 0));

  // Every branch must end at a leaf, reached once: walk each tree once at load.
  for (const root of roots) {
    const seen = new Set<number>();
    const stack = [root];
    while (stack.length) {
      const i = stack.pop()!;
      if (seen.has(i)) refuse(`node ${i} is reached twice in tree ${treeIds[root]} (a loop or a shared child)`);
      seen.add(i);
      if (mode[i] !== LEAF) stack.push(onTrue[i]!, onFalse[i]!);
    }
  }
  return evaluator(where, { targets, roots: Int32Array.from(roots), mode, feature, threshold, onTrue, onFalse, nanTrue, leafStart, leafTarget, leafWeight, baseValues });
}

interface Tables {
  targets: number;
  roots: Int32Array;
  mode: Uint8Array;
  feature: Int32Array;
  threshold: Float64Array;
  onTrue: Int32Array;
  onFalse: Int32Array;
  nanTrue: Uint8Array;
  leafStart: Int32Array;
  leafTarget: Int32Array;
  leafWeight: Float64Array;
  baseValues: Float64Array;
}

/**
 * The run function, made apart from compileTreeEnsemble so that its closure keeps only the typed
 * tables: the decoded attributes and the load-time maps (about 1.5 MB of JS arrays and strings for
 * the shipped models) become garbage once the session is open.
 */
function evaluator(where: string, t: Tables): CompiledEnsemble {
  const { targets, roots, mode, feature, threshold, onTrue, onFalse, nanTrue, leafStart, leafTarget, leafWeight, baseValues } = t;
  let maxFeature = -1;
  for (let i = 0; i < mode.length; i++) if (mode[i] !== LEAF && feature[i]! > maxFeature) maxFeature = feature[i]!;

  function leafOf(root: number, x: Float32Array, at: number): number {
    let i = root;
    while (mode[i] !== LEAF) {
      const v = x[at + feature[i]!]!;
      const th = threshold[i]!;
      let go: boolean;
      switch (mode[i]) {
        case 0: go = v <= th; break;
        case 1: go = v < th; break;
        case 2: go = v >= th; break;
        case 3: go = v > th; break;
        case 4: go = v === th; break;
        default: go = v !== th; break;
      }
      if (!go && nanTrue[i] === 1 && Number.isNaN(v)) go = true;
      i = go ? onTrue[i]! : onFalse[i]!;
    }
    return i;
  }

  return {
    targets,
    run(input, rows, width) {
      if (maxFeature >= width) throw new Error(`${where}: reads feature ${maxFeature}, rows have ${width}`);
      const out = new Float32Array(rows * targets);
      const score = new Float64Array(targets);
      for (let r = 0; r < rows; r++) {
        score.fill(0);
        for (let j = 0; j < roots.length; j++) {
          const leaf = leafOf(roots[j]!, input, r * width);
          for (let k = leafStart[leaf]!; k < leafStart[leaf + 1]!; k++) score[leafTarget[k]!] = f32(score[leafTarget[k]!]! + leafWeight[k]!);
        }
        for (let k = 0; k < targets; k++) out[r * targets + k] = f32(score[k]! + baseValues[k]!);
      }
      return out;
    },
  };
}
