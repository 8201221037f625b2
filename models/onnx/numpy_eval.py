"""Pure-numpy interpreter of the graphs build_graph.py emits, reading the ONNX node attributes back.
Used by training to prove the exported attributes reproduce the framework's predictions without
needing onnxruntime in Python (the TS golden test then checks onnxruntime-node)."""
import numpy as np
from onnx import helper, numpy_helper


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _tree_ensemble(node, x):
    a = _attrs(node)
    modes = [m.decode() if isinstance(m, bytes) else m for m in a["nodes_modes"]]
    index = {(t, n): i for i, (t, n) in enumerate(zip(a["nodes_treeids"], a["nodes_nodeids"]))}
    leaf_targets = {}
    for t, n, k, w in zip(a["target_treeids"], a["target_nodeids"], a["target_ids"], a["target_weights"]):
        leaf_targets.setdefault((t, n), []).append((k, np.float32(w)))
    n_targets = a["n_targets"]
    thresholds = np.asarray(a["nodes_values"], dtype=np.float32)
    y = np.zeros((x.shape[0], n_targets), dtype=np.float64)
    roots = sorted(set(a["nodes_treeids"]))
    for r in range(x.shape[0]):
        row = x[r]
        for tree in roots:
            i = index[(tree, 0)]
            while modes[i] != "LEAF":
                v = row[a["nodes_featureids"][i]]
                if np.isnan(v):
                    go_true = a["nodes_missing_value_tracks_true"][i] == 1
                elif modes[i] == "BRANCH_LT":
                    go_true = v < thresholds[i]
                elif modes[i] == "BRANCH_LEQ":
                    go_true = v <= thresholds[i]
                else:
                    raise ValueError(modes[i])
                nxt = a["nodes_truenodeids"][i] if go_true else a["nodes_falsenodeids"][i]
                i = index[(tree, nxt)]
            for k, w in leaf_targets[(tree, a["nodes_nodeids"][i])]:
                y[r, k] += w
    y += np.asarray(a.get("base_values", [0.0] * n_targets), dtype=np.float64)
    if a.get("post_transform", b"NONE") in (b"LOGISTIC", "LOGISTIC"):
        y = 1.0 / (1.0 + np.exp(-y))
    return y


def _linear(node, x):
    a = _attrs(node)
    coef = np.asarray(a["coefficients"], dtype=np.float64).reshape(-1, x.shape[1])
    return x.astype(np.float64) @ coef.T + np.asarray(a["intercepts"], dtype=np.float64)


def evaluate(model, x):
    """Run `model` (onnx.ModelProto) on x (float32 [N, F]); returns float64 [N, K]."""
    env = {"input": np.asarray(x, dtype=np.float32)}
    for init in model.graph.initializer:
        env[init.name] = numpy_helper.to_array(init).astype(np.float64)
    for node in model.graph.node:
        ins = [env[i] for i in node.input]
        if node.op_type == "TreeEnsembleRegressor":
            out = _tree_ensemble(node, ins[0])
        elif node.op_type == "LinearRegressor":
            out = _linear(node, ins[0])
        elif node.op_type == "Mul":
            out = ins[0] * ins[1]
        elif node.op_type == "Add":
            out = ins[0] + ins[1]
        elif node.op_type == "Exp":
            out = np.exp(ins[0])
        elif node.op_type == "Log":
            out = np.log(ins[0])
        elif node.op_type == "Sigmoid":
            out = 1.0 / (1.0 + np.exp(-ins[0]))
        elif node.op_type == "Identity":
            out = ins[0]
        else:
            raise ValueError(f"unsupported op {node.op_type}")
        env[node.output[0]] = out
    return env["output"]
