"""Read fitted tree ensembles and linear models into one neutral form that build_graph.py turns into
ONNX node attributes (ai.onnx.ml TreeEnsembleRegressor / LinearRegressor) and numpy_eval.py evaluates.

A tree is a list of nodes; node i is a dict with
  mode: 'BRANCH_LT' | 'BRANCH_LEQ' | 'LEAF', feature, threshold (float32-exact), true_id, false_id,
  missing_true (1 when a NaN input follows the true branch), value (list of K leaf values).
"""
import json

import numpy as np


def _f32(x):
    return float(np.float32(x))


def xgboost_trees(booster):
    """Trees of an xgboost Booster from its own JSON model (exact float32 thresholds and leaves).

    XGBoost sends x to the left child when x < split_condition (BRANCH_LT), and a missing value to
    the left when default_left is set. The learning rate is already folded into the leaf values.
    """
    model = json.loads(booster.save_raw(raw_format="json"))
    learner = model["learner"]
    gbtree = learner["gradient_booster"]["model"]
    trees = []
    for t in gbtree["trees"]:
        left, right = t["left_children"], t["right_children"]
        nodes = []
        for i in range(len(left)):
            if left[i] == -1:
                nodes.append(dict(mode="LEAF", feature=0, threshold=0.0, true_id=0, false_id=0,
                                  missing_true=0, value=[_f32(t["split_conditions"][i])]))
            else:
                nodes.append(dict(mode="BRANCH_LT", feature=int(t["split_indices"][i]),
                                  threshold=_f32(t["split_conditions"][i]), true_id=int(left[i]),
                                  false_id=int(right[i]), missing_true=int(t["default_left"][i]), value=[0.0]))
        trees.append(nodes)
    base_score = float(learner["learner_model_param"]["base_score"])
    objective = learner["objective"]["name"]
    return trees, base_score, objective


def _f32_at_most(t):
    """Largest float32 <= t: for a float32 input x, (x <= t) == (x <= this), so the ONNX float32
    threshold reproduces sklearn's float64 comparison exactly."""
    f = np.float32(t)
    if float(f) > t:
        f = np.nextafter(f, np.float32(-np.inf))
    return float(f)


def sklearn_trees(estimator, scale=1.0):
    """Trees of a fitted sklearn DecisionTreeRegressor / RandomForest / GradientBoosting (regression).

    sklearn sends x left when x <= threshold (BRANCH_LEQ). Leaf values are multiplied by `scale`
    (1/n_estimators for forests, learning_rate for gradient boosting).
    """
    if hasattr(estimator, "estimators_"):
        ests = np.asarray(estimator.estimators_).ravel().tolist()
        if hasattr(estimator, "learning_rate") and hasattr(estimator, "init_"):
            scale = estimator.learning_rate
        else:
            scale = 1.0 / len(ests)
        return [t for e in ests for t in sklearn_trees(e, scale)]
    tree = estimator.tree_
    nodes = []
    for i in range(tree.node_count):
        value = [float(v) * scale for v in tree.value[i].ravel()]
        if tree.children_left[i] == -1:
            nodes.append(dict(mode="LEAF", feature=0, threshold=0.0, true_id=0, false_id=0,
                              missing_true=0, value=value))
        else:
            nodes.append(dict(mode="BRANCH_LEQ", feature=int(tree.feature[i]),
                              threshold=_f32_at_most(tree.threshold[i]), true_id=int(tree.children_left[i]),
                              false_id=int(tree.children_right[i]), missing_true=0, value=[0.0] * len(value)))
    return [nodes]


def linear_terms(coef, intercept, scaler=None):
    """Coefficients of y = coef . z + intercept with an optional StandardScaler z = (x - mean) / scale
    folded in, so the exported model takes raw features."""
    coef = np.asarray(coef, dtype=np.float64).ravel()
    intercept = float(np.asarray(intercept).ravel()[0])
    if scaler is not None:
        intercept -= float(np.sum(coef * scaler.mean_ / scaler.scale_))
        coef = coef / scaler.scale_
    return coef.tolist(), intercept
