"""Minimal ONNX export for the fleet models (failure_*, anomaly_*), plus card and golden writers.

Why our own: the shared converter in models/onnx was not there when these models were built. This
one handles exactly what the fleet models use and nothing more:
  - sklearn GradientBoostingClassifier (binary, log-loss) -> TreeEnsembleRegressor -> Sigmoid
    (a Sigmoid node, not post_transform LOGISTIC: onnxruntime ignores LOGISTIC on a single-target
    TreeEnsembleRegressor and on LinearRegressor, measured with onnxruntime-node 1.30)
  - a list of sklearn GradientBoostingRegressor (one per output) -> one multi-target TreeEnsembleRegressor
  - linear coefficients -> LinearRegressor (identity output)
Artefact contract (models/scoring/model.ts checks it): one float32 input `input` [N, F], one
float32 output `output` [N, K].

sklearn trees send a sample left when x <= threshold, i.e. BRANCH_LEQ; sklearn casts X to float32
before comparing, as onnxruntime does, so splits agree.
"""
import datetime
import hashlib
import json

import numpy as np
import onnx
from onnx import TensorProto, helper


def _tree_nodes(tree, tree_id, target_id, scale, acc):
    t = tree.tree_
    for node in range(t.node_count):
        left, right = int(t.children_left[node]), int(t.children_right[node])
        acc["nodes_treeids"].append(tree_id)
        acc["nodes_nodeids"].append(node)
        acc["nodes_hitrates"].append(1.0)
        acc["nodes_missing_value_tracks_true"].append(0)
        if left == -1:
            acc["nodes_featureids"].append(0)
            acc["nodes_modes"].append("LEAF")
            acc["nodes_values"].append(0.0)
            acc["nodes_truenodeids"].append(0)
            acc["nodes_falsenodeids"].append(0)
            acc["target_treeids"].append(tree_id)
            acc["target_nodeids"].append(node)
            acc["target_ids"].append(target_id)
            acc["target_weights"].append(float(t.value[node].ravel()[0]) * scale)
        else:
            acc["nodes_featureids"].append(int(t.feature[node]))
            acc["nodes_modes"].append("BRANCH_LEQ")
            acc["nodes_values"].append(float(t.threshold[node]))
            acc["nodes_truenodeids"].append(left)
            acc["nodes_falsenodeids"].append(right)


def _empty_acc():
    keys = ["nodes_treeids", "nodes_nodeids", "nodes_hitrates", "nodes_missing_value_tracks_true",
            "nodes_featureids", "nodes_modes", "nodes_values", "nodes_truenodeids", "nodes_falsenodeids",
            "target_treeids", "target_nodeids", "target_ids", "target_weights"]
    return {k: [] for k in keys}


def _gb_raw_base(gb):
    """Raw-score intercept of a fitted sklearn gradient boosting model."""
    init = gb.init_
    if init == "zero":
        return 0.0
    dummy = np.zeros((1, gb.n_features_in_), dtype=np.float64)
    return float(np.ravel(gb._raw_predict_init(dummy))[0])


def _graph(node, n_features, n_targets, name, logistic=False):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, n_features])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [None, n_targets])
    nodes = [node]
    if logistic:
        node.output[0] = "raw"
        nodes.append(helper.make_node("Sigmoid", ["raw"], ["output"]))
    graph = helper.make_graph(nodes, name, [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def gb_classifier_to_onnx(gb, name):
    acc = _empty_acc()
    tree_id = 0
    for stage in gb.estimators_:
        _tree_nodes(stage[0], tree_id, 0, gb.learning_rate, acc)
        tree_id += 1
    node = helper.make_node("TreeEnsembleRegressor", ["input"], ["output"], domain="ai.onnx.ml", n_targets=1,
                            post_transform="NONE", base_values=[_gb_raw_base(gb)], aggregate_function="SUM", **acc)
    return _graph(node, gb.n_features_in_, 1, name, logistic=True)


def stump_to_onnx(feature, threshold, left_raw, right_raw, n_features, name):
    """One split, logistic output: p = sigmoid(left_raw) if x[feature] <= threshold else sigmoid(right_raw)."""
    acc = _empty_acc()
    for node, (mode, fid, val, t, f) in enumerate([("BRANCH_LEQ", feature, threshold, 1, 2), ("LEAF", 0, 0.0, 0, 0), ("LEAF", 0, 0.0, 0, 0)]):
        acc["nodes_treeids"].append(0); acc["nodes_nodeids"].append(node); acc["nodes_hitrates"].append(1.0)
        acc["nodes_missing_value_tracks_true"].append(0); acc["nodes_featureids"].append(fid); acc["nodes_modes"].append(mode)
        acc["nodes_values"].append(float(val)); acc["nodes_truenodeids"].append(t); acc["nodes_falsenodeids"].append(f)
    for node, w in [(1, left_raw), (2, right_raw)]:
        acc["target_treeids"].append(0); acc["target_nodeids"].append(node); acc["target_ids"].append(0); acc["target_weights"].append(float(w))
    node = helper.make_node("TreeEnsembleRegressor", ["input"], ["output"], domain="ai.onnx.ml", n_targets=1,
                            post_transform="NONE", base_values=[0.0], aggregate_function="SUM", **acc)
    return _graph(node, n_features, 1, name, logistic=True)


def gb_regressors_to_onnx(regressors, name):
    acc = _empty_acc()
    tree_id = 0
    bases = []
    for target, gb in enumerate(regressors):
        bases.append(_gb_raw_base(gb))
        for stage in gb.estimators_:
            _tree_nodes(stage[0], tree_id, target, gb.learning_rate, acc)
            tree_id += 1
    node = helper.make_node("TreeEnsembleRegressor", ["input"], ["output"], domain="ai.onnx.ml", n_targets=len(regressors),
                            post_transform="NONE", base_values=bases, aggregate_function="SUM", **acc)
    return _graph(node, regressors[0].n_features_in_, len(regressors), name)


def linear_to_onnx(coef, intercept, name):
    """LinearRegressor, identity output."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))  # [K, F]
    intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
    node = helper.make_node("LinearRegressor", ["input"], ["output"], domain="ai.onnx.ml", targets=coef.shape[0],
                            coefficients=[float(c) for c in coef.ravel()], intercepts=[float(i) for i in intercept],
                            post_transform="NONE")
    return _graph(node, coef.shape[1], coef.shape[0], name)


def histogram(values, bins=10):
    """Quantile-edged histogram for the card's feature_distribution (PSI reference)."""
    v = np.asarray(values, dtype=np.float64)
    edges = np.unique(np.quantile(v, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        edges = np.array([v.min() - 0.5, v.min() + 0.5])
    # Same binning as models/scoring/psi.ts: last edge <= x, outside values clamp to the outer bins.
    idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(idx, minlength=len(edges) - 1)
    return {"edges": [float(e) for e in edges], "fractions": [float(c) / len(v) for c in counts]}


def save(model, path_onnx, card, path_card, X_golden, y_golden, path_golden):
    data = model.SerializeToString()
    with open(path_onnx, "wb") as f:
        f.write(data)
    card = dict(card)
    card["sha256"] = hashlib.sha256(data).hexdigest()
    card.setdefault("created", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    with open(path_card, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    # An absent input (NaN) is written as null: JSON has no NaN. The golden tests read null as NaN.
    inputs = [[None if np.isnan(v) else v for v in row] for row in np.asarray(X_golden, dtype=np.float32).astype(float).tolist()]
    with open(path_golden, "w") as f:
        json.dump({"inputs": inputs,
                   "outputs": np.atleast_2d(np.asarray(y_golden, dtype=np.float64)).tolist()}, f)
        f.write("\n")
