"""Converter self-check on random data, run by train.py before exporting: every supported source
(xgboost regression and binary:logistic, sklearn tree / forest / gradient boosting, linear with a
scaler) is exported and evaluated from its ONNX attributes with numpy, then compared with the
framework's own predictions. Paths the shipped models do not use are covered here too.

    /usr/bin/python3 models/onnx/selfcheck.py
"""
import os
import sys

import numpy as np
import xgboost as xgb
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_eval  # noqa: E402
from build_graph import build_model  # noqa: E402
from tree_export import linear_terms, sklearn_trees, xgboost_trees  # noqa: E402


def check(name, model, x, want, tol=1e-5):
    got = numpy_eval.evaluate(model, x).ravel()
    rel = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))
    if rel > tol:
        raise SystemExit(f"converter self-check {name}: max rel diff {rel:.3g} > {tol}")
    return rel


def run():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5)).astype(np.float32)
    y = x[:, 0] * 3 + np.sin(x[:, 1] * 2) + 0.1 * rng.normal(size=400)
    xf = x.astype(np.float64)
    out = {}
    reg = xgb.XGBRegressor(n_estimators=40, max_depth=3, random_state=0, n_jobs=1).fit(x, y)
    trees, base, _ = xgboost_trees(reg.get_booster())
    out["xgboost"] = check("xgboost", build_model([{"kind": "trees", "trees": trees, "base_value": base}], 5), x, reg.predict(x))
    clf = xgb.XGBClassifier(n_estimators=40, max_depth=3, random_state=0, n_jobs=1).fit(x, (y > 0).astype(int))
    trees, base, objective = xgboost_trees(clf.get_booster())
    assert objective == "binary:logistic"
    margin = float(np.log(base / (1 - base)))  # xgboost stores the logistic base score as a probability
    m = build_model([{"kind": "trees", "trees": trees, "base_value": margin}], 5, transform="logistic")
    out["xgboost_logistic"] = check("xgboost_logistic", m, x, clf.predict_proba(x)[:, 1])
    for name, est in [("tree", DecisionTreeRegressor(max_depth=6, random_state=0)),
                      ("forest", RandomForestRegressor(n_estimators=20, max_depth=5, random_state=0)),
                      ("gbr", GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0))]:
        est.fit(xf, y)
        base = float(est.init_.constant_.ravel()[0]) if name == "gbr" else 0.0
        m = build_model([{"kind": "trees", "trees": sklearn_trees(est), "base_value": base}], 5)
        out[name] = check(name, m, x, est.predict(xf))
    scaler = StandardScaler().fit(xf)
    lin = Ridge(alpha=1.0).fit(scaler.transform(xf), y)
    coef, icpt = linear_terms(lin.coef_, lin.intercept_, scaler)
    out["linear"] = check("linear", build_model([{"kind": "linear", "coef": coef, "intercept": icpt}], 5), x,
                          lin.predict(scaler.transform(xf)))
    return out


if __name__ == "__main__":
    for k, v in run().items():
        print(f"{k:18s} max rel diff {v:.2e}")
