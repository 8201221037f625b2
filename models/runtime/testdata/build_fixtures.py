"""Build the ONNX fixtures of the runtime test suite (models/runtime/runtime.suite.ts), with the onnx
package's helper and checker, so the files are what a real exporter writes. Run from the repository
root with Debian's python3-onnx and python3-numpy:  /usr/bin/python3 models/runtime/testdata/build_fixtures.py

  modes.onnx       12 one-split trees on feature 0, threshold float32(0.1): tree t uses the t % 6-th
                   branch mode (LEQ, LT, GTE, GT, EQ, NEQ), NaN follows the true branch for t >= 6;
                   the true leaf adds 1, the false leaf 2, to target t; base value 0.25 per target.
  graph.onnx       ln(0.5 * exp(trees) + linear) + 1.5 through build_graph.build_model (Exp, Mul, Add,
                   Log, scalar initializers); graph.golden.json holds numpy_eval.py's outputs on 40 rows.
  unsupported.onnx input -> Abs -> output: an operator the built-in engine does not have.
  average.onnx     a tree ensemble with aggregate_function AVERAGE, which the built-in engine refuses.
  double.onnx      input + Cast(0.5 as a double initializer): a tensor type the built-in decoder refuses.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "onnx"))
from build_graph import ML_DOMAIN, build_model, tree_ensemble_node  # noqa: E402
from numpy_eval import evaluate  # noqa: E402

MODES = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ"]
THRESHOLD = float(np.float32(0.1))


def wrap(nodes, n_features, n_out, name):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", n_features])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", n_out])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML_DOMAIN, 3)],
                              producer_name="ev-edge models/runtime/testdata")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def modes_model():
    attrs = {k: [] for k in ("treeids", "nodeids", "featureids", "values", "modes", "true", "false", "missing")}
    t_tree, t_node, t_id, t_w = [], [], [], []
    for t in range(12):
        for nid, (mode, true_id, false_id) in enumerate([(MODES[t % 6], 1, 2), ("LEAF", 0, 0), ("LEAF", 0, 0)]):
            attrs["treeids"].append(t)
            attrs["nodeids"].append(nid)
            attrs["featureids"].append(0)
            attrs["values"].append(THRESHOLD if nid == 0 else 0.0)
            attrs["modes"].append(mode)
            attrs["true"].append(true_id)
            attrs["false"].append(false_id)
            attrs["missing"].append(1 if (nid == 0 and t >= 6) else 0)
        for nid, weight in ((1, 1.0), (2, 2.0)):
            t_tree.append(t)
            t_node.append(nid)
            t_id.append(t)
            t_w.append(weight)
    node = helper.make_node(
        "TreeEnsembleRegressor", ["input"], ["output"], name="modes", domain=ML_DOMAIN,
        nodes_treeids=attrs["treeids"], nodes_nodeids=attrs["nodeids"], nodes_featureids=attrs["featureids"],
        nodes_values=attrs["values"], nodes_modes=attrs["modes"], nodes_truenodeids=attrs["true"],
        nodes_falsenodeids=attrs["false"], nodes_missing_value_tracks_true=attrs["missing"],
        target_treeids=t_tree, target_nodeids=t_node, target_ids=t_id, target_weights=t_w,
        n_targets=12, aggregate_function="SUM", base_values=[0.25] * 12, post_transform="NONE")
    return wrap([node], 1, 12, "modes")


def graph_model(rng):
    trees = []
    for t in range(5):
        f = t % 3
        trees.append([
            dict(mode="BRANCH_LT", feature=f, threshold=float(np.float32(rng.normal())), true_id=1, false_id=2, missing_true=t % 2, value=[0.0]),
            dict(mode="LEAF", feature=0, threshold=0.0, true_id=0, false_id=0, missing_true=0, value=[float(np.float32(rng.normal() * 0.3))]),
            dict(mode="LEAF", feature=0, threshold=0.0, true_id=0, false_id=0, missing_true=0, value=[float(np.float32(rng.normal() * 0.3))]),
        ])
    components = [
        dict(kind="trees", trees=trees, base_value=0.1, transform="exp", weight=0.5),
        dict(kind="linear", coef=[0.3, -0.2, 0.1], intercept=5.0),
    ]
    return build_model(components, 3, transform="log", offset=1.5, doc="runtime suite fixture")


def main():
    rng = np.random.default_rng(15)
    onnx.save(modes_model(), os.path.join(HERE, "modes.onnx"))
    model = graph_model(rng)
    onnx.save(model, os.path.join(HERE, "graph.onnx"))
    x = rng.normal(size=(40, 3)).astype(np.float32)
    x[3, 0] = np.nan
    x[7, 1] = np.nan
    y = evaluate(model, x)
    with open(os.path.join(HERE, "graph.golden.json"), "w") as f:
        json.dump({"inputs": [[None if np.isnan(v) else float(v) for v in row] for row in x],
                   "outputs": [[None if np.isnan(v) else float(v) for v in row] for row in y]}, f)
    abs_node = helper.make_node("Abs", ["input"], ["output"], name="abs0")
    onnx.save(wrap([abs_node], 2, 2, "unsupported"), os.path.join(HERE, "unsupported.onnx"))
    avg_tree = [
        dict(mode="BRANCH_LEQ", feature=0, threshold=0.5, true_id=1, false_id=2, missing_true=0, value=[0.0]),
        dict(mode="LEAF", feature=0, threshold=0.0, true_id=0, false_id=0, missing_true=0, value=[3.0]),
        dict(mode="LEAF", feature=0, threshold=0.0, true_id=0, false_id=0, missing_true=0, value=[5.0]),
    ]
    avg = tree_ensemble_node("average0", [avg_tree], "output")
    for a in avg.attribute:
        if a.name == "aggregate_function":
            a.s = b"AVERAGE"
    onnx.save(wrap([avg], 1, 1, "average"), os.path.join(HERE, "average.onnx"))
    cast = helper.make_node("Cast", ["half"], ["half_f"], name="cast0", to=TensorProto.FLOAT)
    add = helper.make_node("Add", ["input", "half_f"], ["output"], name="add0")
    graph = helper.make_graph(
        [cast, add], "double",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 2])],
        initializer=[helper.make_tensor("half", TensorProto.DOUBLE, [], [0.5])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="ev-edge models/runtime/testdata")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "double.onnx"))


if __name__ == "__main__":
    main()
