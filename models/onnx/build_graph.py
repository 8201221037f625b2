"""Emit the agreed ONNX artefact: one float32 input `input` [N, F], one float32 output `output` [N, K].

A model is a weighted sum of components, each a tree ensemble (ai.onnx.ml TreeEnsembleRegressor) or a
linear model (ai.onnx.ml LinearRegressor), followed by an optional output transform:
  'identity', 'exp' (model fitted on log(target)), 'logistic' (probabilities), 'log'.
Models fitted on a log scale should output that scale (see `log_scale_output`) and let the model
card's output transform bring it back: float32 holds ln(cycles) to ~5e-7 but cycles only to ~1e-4.
"""
import onnx
from onnx import TensorProto, helper

ML_DOMAIN = "ai.onnx.ml"
OPSET = 17
ML_OPSET = 3


def tree_ensemble_node(name, trees, out, base_value=0.0, n_targets=1, post_transform="NONE"):
    a = {k: [] for k in ("treeids", "nodeids", "featureids", "values", "modes", "true", "false", "missing")}
    t_tree, t_node, t_id, t_w = [], [], [], []
    for tid, nodes in enumerate(trees):
        for nid, n in enumerate(nodes):
            a["treeids"].append(tid)
            a["nodeids"].append(nid)
            a["featureids"].append(n["feature"])
            a["values"].append(n["threshold"])
            a["modes"].append(n["mode"])
            a["true"].append(n["true_id"])
            a["false"].append(n["false_id"])
            a["missing"].append(n["missing_true"])
            if n["mode"] == "LEAF":
                for k, v in enumerate(n["value"]):
                    t_tree.append(tid)
                    t_node.append(nid)
                    t_id.append(k)
                    t_w.append(v)
    base = base_value if isinstance(base_value, (list, tuple)) else [base_value] * n_targets
    return helper.make_node(
        "TreeEnsembleRegressor", ["input"], [out], name=name, domain=ML_DOMAIN,
        nodes_treeids=a["treeids"], nodes_nodeids=a["nodeids"], nodes_featureids=a["featureids"],
        nodes_values=a["values"], nodes_modes=a["modes"], nodes_truenodeids=a["true"],
        nodes_falsenodeids=a["false"], nodes_missing_value_tracks_true=a["missing"],
        target_treeids=t_tree, target_nodeids=t_node, target_ids=t_id, target_weights=t_w,
        n_targets=n_targets, aggregate_function="SUM", base_values=[float(b) for b in base],
        post_transform=post_transform,
    )


def linear_node(name, coef, intercept, out):
    return helper.make_node("LinearRegressor", ["input"], [out], name=name, domain=ML_DOMAIN,
                            coefficients=[float(c) for c in coef], intercepts=[float(intercept)], targets=1)


def _const(name, value, inits):
    inits.append(helper.make_tensor(name, TensorProto.FLOAT, [], [float(value)]))
    return name


def log_scale_output(components):
    """(components, final transform) whose graph outputs ln(sum_i w_i * transform_i(component_i)).
    A lone exp component of weight 1 is already that: its exp is dropped, so the graph is exactly the
    fitted log-scale model. Anything else keeps its sum and takes the log of it."""
    if len(components) == 1 and components[0].get("transform") == "exp" and float(components[0].get("weight", 1.0)) == 1.0:
        return [{**components[0], "transform": "identity"}], "identity"
    return components, "log"


def build_model(components, n_features, transform="identity", offset=0.0, n_targets=1, doc=""):
    """output = transform(sum_i weight_i * component_transform_i(component_i(input))) + offset.

    components: dicts {kind: 'trees'|'linear', weight=1, transform='identity'|'exp', ...}.
    """
    nodes, inits, terms = [], [], []
    for i, c in enumerate(components):
        raw = f"c{i}_raw"
        if c["kind"] == "trees":
            nodes.append(tree_ensemble_node(f"trees{i}", c["trees"], raw, c.get("base_value", 0.0), n_targets))
        elif c["kind"] == "linear":
            nodes.append(linear_node(f"linear{i}", c["coef"], c["intercept"], raw))
        else:
            raise ValueError(c["kind"])
        if c.get("transform", "identity") == "exp":
            nodes.append(helper.make_node("Exp", [raw], [f"c{i}_exp"]))
            raw = f"c{i}_exp"
        w = float(c.get("weight", 1.0))
        if w != 1.0:
            nodes.append(helper.make_node("Mul", [raw, _const(f"w{i}", w, inits)], [f"c{i}"]))
            raw = f"c{i}"
        terms.append(raw)
    acc = terms[0]
    for j, t in enumerate(terms[1:]):
        nodes.append(helper.make_node("Add", [acc, t], [f"sum{j}"]))
        acc = f"sum{j}"
    final = {"identity": "Identity", "exp": "Exp", "logistic": "Sigmoid", "log": "Log"}[transform]
    if offset != 0.0:
        nodes.append(helper.make_node(final, [acc], ["transformed"]))
        nodes.append(helper.make_node("Add", ["transformed", _const("offset", offset, inits)], ["output"]))
    else:
        nodes.append(helper.make_node(final, [acc], ["output"]))
    graph = helper.make_graph(
        nodes, "ev_edge_model",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", n_features])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", n_targets])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(ML_DOMAIN, ML_OPSET)],
                              producer_name="ev-edge models/onnx", doc_string=doc)
    model.ir_version = 8  # readable by onnxruntime >= 1.10
    onnx.checker.check_model(model)
    return model
