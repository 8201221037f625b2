"""cycle_life: cycle life of a cell from its first 100 cycles (Severson et al. 2019 setting).

Candidates are declared up front and ranked by repeated 5-fold cross-validation RMSE on the training
split only; the primary test split (test1 without cell22) is used once, to report. The "variance
model" of Severson et al. (linear fit of log cycle life on log10 var dQ100-10) is reproduced as the
baseline in the same run.
"""
import warnings

import numpy as np
import xgboost as xgb
from sklearn.linear_model import ElasticNetCV, LinearRegression, RidgeCV
from sklearn.model_selection import RepeatedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from artefacts import as_f32
from tree_export import linear_terms, xgboost_trees

SEED = 0
FEATURE_SETS = {
    "variance": ["dq_log_var"],
    # Severson's "discharge" feature set.
    "discharge": ["dq_log_min", "dq_log_var", "dq_log_abs_skew", "dq_log_abs_kurt", "cap_c2", "cap_max_minus_c2"],
    "discharge_fade": ["dq_log_min", "dq_log_var", "dq_log_abs_skew", "dq_log_abs_kurt", "cap_c2",
                       "cap_max_minus_c2", "cap_fade_slope", "cap_c100"],
}
# name -> components (estimator, target transform, feature set or None for all, weight)
CANDIDATES = {
    "variance_ols_log": [("ols", "log", "variance", 1.0)],
    "discharge_ridge_log": [("ridge", "log", "discharge", 1.0)],
    "discharge_elasticnet_log": [("enet", "log", "discharge", 1.0)],
    "discharge_fade_elasticnet_log": [("enet", "log", "discharge_fade", 1.0)],
    "all_elasticnet_log": [("enet", "log", None, 1.0)],
    "all_xgboost": [("xgb", "identity", None, 1.0)],
    "all_xgboost_log": [("xgb", "log", None, 1.0)],
    "ensemble_ridge_discharge_xgboost_all": [("ridge", "log", "discharge", 0.5), ("xgb", "identity", None, 0.5)],
}


def make_estimator(kind):
    if kind == "ols":
        return make_pipeline(StandardScaler(), LinearRegression())
    if kind == "ridge":
        return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 25)))
    if kind == "enet":
        return make_pipeline(StandardScaler(), ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9, 0.99, 1.0], cv=5,
                                                            max_iter=100000, random_state=SEED))
    if kind == "xgb":
        return xgb.XGBRegressor(n_estimators=300, max_depth=2, learning_rate=0.05, subsample=0.8,
                                colsample_bytree=0.8, random_state=SEED, n_jobs=1)
    raise ValueError(kind)


class Ensemble:
    def __init__(self, spec, names):
        self.spec, self.names, self.fitted = spec, names, []

    def _cols(self, fset):
        return [self.names.index(c) for c in (FEATURE_SETS[fset] if fset else self.names)]

    def fit(self, x, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ElasticNetCV convergence chatter on tiny folds
            for kind, target, fset, w in self.spec:
                cols = self._cols(fset)
                yt = np.log(y) if target == "log" else y
                self.fitted.append((make_estimator(kind).fit(x[:, cols], yt), kind, target, cols, w))
        return self

    def predict(self, x):
        out = np.zeros(len(x))
        for est, _, target, cols, w in self.fitted:
            p = est.predict(x[:, cols]).astype(np.float64)
            out += w * (np.exp(p) if target == "log" else p)
        return out

    def onnx_components(self, n_features):
        comps = []
        for est, kind, target, cols, w in self.fitted:
            c = {"weight": w, "transform": "exp" if target == "log" else "identity"}
            if kind == "xgb":
                trees, base, _ = xgboost_trees(est.get_booster())
                for tree in trees:
                    for node in tree:
                        node["feature"] = cols[node["feature"]] if node["mode"] != "LEAF" else 0
                c.update(kind="trees", trees=trees, base_value=base)
            else:
                coef, icpt = linear_terms(est[-1].coef_, est[-1].intercept_, est[0])
                full = np.zeros(n_features)
                full[cols] = coef
                c.update(kind="linear", coef=full.tolist(), intercept=icpt)
            comps.append(c)
        return comps


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def cv_rmse(spec, names, x, y, repeats=5):
    errs = []
    for tr, va in RepeatedKFold(n_splits=5, n_repeats=repeats, random_state=SEED).split(x):
        errs.append(Ensemble(spec, names).fit(x[tr], y[tr]).predict(x[va]) - y[va])
    return float(np.sqrt(np.mean(np.concatenate(errs) ** 2)))


def train(train_rows, test_rows, names):
    """train_rows/test_rows: dicts with x (float32-rounded features), y, cell, excluded."""
    x, y = train_rows["x"], train_rows["y"]
    keep = test_rows["excluded"] == 0
    xt, yt = test_rows["x"][keep], test_rows["y"][keep]
    results = {}
    for name, spec in CANDIDATES.items():
        model = Ensemble(spec, names).fit(x, y)
        results[name] = {
            "cv_rmse_train": cv_rmse(spec, names, x, y),
            "train_rmse": rmse(model.predict(x), y),
            "test1_rmse": rmse(model.predict(xt), yt),
            "test1_with_cell22_rmse": rmse(model.predict(test_rows["x"]), test_rows["y"]),
        }
        print(f"  {name:40s} cv {results[name]['cv_rmse_train']:7.1f}  train {results[name]['train_rmse']:7.1f}"
              f"  test1 {results[name]['test1_rmse']:7.1f}")
    # The variance model is the published baseline, not a candidate for shipping.
    ranked = sorted((r["cv_rmse_train"], n) for n, r in results.items() if n != "variance_ols_log")
    selected = ranked[0][1]
    model = Ensemble(CANDIDATES[selected], names).fit(x, y)
    baselines = {
        "dummy_train_mean": {"train_rmse": rmse(np.full(len(y), y.mean()), y),
                             "test1_rmse": rmse(np.full(len(yt), y.mean()), yt)},
        "variance_model": results["variance_ols_log"],
    }
    return model, selected, results, baselines
