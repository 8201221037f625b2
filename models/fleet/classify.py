"""Shared by the fleet failure models: classifier metrics, and an xgboost classifier exported to the
agreed ONNX artefact (models/onnx build_graph.py) and checked against xgboost before it is written.
xgboost because it handles absent inputs (NaN) natively: each split has a learned default branch,
exported as nodes_missing_value_tracks_true, so a device that lacks a signal is scored, not refused."""
import os
import sys

import numpy as np
import xgboost as xgb
from sklearn.metrics import brier_score_loss, roc_auc_score

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onnx"))
from build_graph import build_model  # noqa: E402
from numpy_eval import evaluate as onnx_numpy_eval  # noqa: E402
from tree_export import xgboost_trees  # noqa: E402


def calibration(y, p, bins=10):
    edges = np.linspace(0, 1, bins + 1)
    table = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if m.sum():
            table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(m.sum()), "mean_predicted": round(float(p[m].mean()), 4),
                          "observed_rate": round(float(y[m].mean()), 4)})
    return table


def classifier_metrics(y, p):
    auc = float(roc_auc_score(y, p)) if 0 < y.mean() < 1 else float("nan")
    return {"rows": int(len(y)), "positive_rate": round(float(y.mean()), 4), "roc_auc": round(auc, 4),
            "brier": round(float(brier_score_loss(y, p)), 4),
            "brier_of_base_rate": round(float(brier_score_loss(y, np.full_like(p, y.mean()))), 4), "calibration": calibration(y, p)}


def brief_metrics(y, p):
    return {k: v for k, v in classifier_metrics(y, p).items() if k != "calibration"}


def fit_xgb_classifier(X, y, n_estimators, max_depth, min_child_weight, monotone=None, learning_rate=0.05):
    clf = xgb.XGBClassifier(n_estimators=n_estimators, max_depth=max_depth, learning_rate=learning_rate, subsample=0.7, tree_method="hist",
                            min_child_weight=min_child_weight, base_score=float(y.mean()),
                            **({"monotone_constraints": monotone} if monotone else {}), random_state=0, n_jobs=2)
    clf.fit(X.astype(np.float32), y)
    return clf


def classifier_onnx(clf, n_features, doc, X_check):
    """The ONNX graph of a binary xgboost classifier (logistic output), proven equal to xgboost on
    X_check (NaN rows included) by the numpy interpreter of the graph."""
    trees, base, objective = xgboost_trees(clf.get_booster())
    assert objective == "binary:logistic", objective
    margin = float(np.log(base / (1 - base)))  # xgboost stores the logistic base score as a probability
    model = build_model([{"kind": "trees", "trees": trees, "base_value": margin}], n_features, transform="logistic", doc=doc)
    X32 = np.asarray(X_check, dtype=np.float32)
    diff = float(np.abs(onnx_numpy_eval(model, X32) - clf.predict_proba(X32)[:, 1:]).max())
    if diff > 1e-5:
        raise SystemExit(f"{doc}: numpy evaluation of the ONNX graph differs from xgboost by {diff:.3g}")
    return model
