"""cycle_life: cycle life of a cell from its first 100 cycles (Severson et al. 2019 setting).

This module declares the candidates and fits them; cycle_life_evaluation.py holds the selection
rule (one standard error over stratified repeated CV on the 83 training cells) and the nested
evaluation of that procedure. Hyperparameters (ridge/elastic-net penalties, PLS/PCR component
counts) are tuned by an inner CV inside every fit, so every CV score is already nested in them.
The "variance model" of Severson et al. (linear fit of log cycle life on log10 var dQ100-10) is
declared here as the baseline; it is reported, never shipped.
"""
import warnings

import numpy as np
import xgboost as xgb
from sklearn.cross_decomposition import PLSRegression
from sklearn.decomposition import PCA
from sklearn.linear_model import ElasticNetCV, LinearRegression, RidgeCV
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import RobustScaler, StandardScaler

from artefacts import as_f32
from tree_export import xgboost_trees

SEED = 0
DISCHARGE = ["dq_log_min", "dq_log_var", "dq_log_abs_skew", "dq_log_abs_kurt", "cap_c2", "cap_max_minus_c2"]
FEATURE_SETS = {
    "variance": ["dq_log_var"],
    # Severson's "discharge" feature set.
    "discharge": DISCHARGE,
    "discharge_fade": DISCHARGE + ["cap_fade_slope", "cap_c100"],
    # Severson's "full" set without the inputs the array export lacks (charge time, temperature,
    # internal resistance): dQ min and variance, fade-curve slope and intercept over cycles 2..100,
    # capacity at cycle 2 and max minus cycle 2.
    "full": ["dq_log_min", "dq_log_var", "cap_fade_slope", "cap_fade_intercept", "cap_c2", "cap_max_minus_c2"],
    # discharge + dQ quantiles (Attia et al. 2021 / BatteryML) + the late fade rate (cycles 91..100).
    "extended": DISCHARGE + ["dq_log_abs_p10", "dq_log_abs_p50", "cap_fade_slope_91_100", "cap_fade_intercept_91_100"],
}
# name -> components (estimator, target transform, feature set or None for all, weight).
# Linear-family candidates are on natural log cycle life, as in Severson et al.
CANDIDATES = {
    "variance_ols_log": [("ols", "log", "variance", 1.0)],
    "discharge_ridge_log": [("ridge", "log", "discharge", 1.0)],
    "discharge_elasticnet_log": [("enet", "log", "discharge", 1.0)],
    "discharge_pls_log": [("pls", "log", "discharge", 1.0)],
    "discharge_fade_elasticnet_log": [("enet", "log", "discharge_fade", 1.0)],
    "full_ridge_log": [("ridge", "log", "full", 1.0)],
    "full_elasticnet_log": [("enet", "log", "full", 1.0)],
    "extended_ridge_log": [("ridge", "log", "extended", 1.0)],
    "extended_elasticnet_log": [("enet", "log", "extended", 1.0)],
    "extended_pls_log": [("pls", "log", "extended", 1.0)],
    "all_ridge_robust_log": [("ridge_robust", "log", None, 1.0)],
    "all_elasticnet_log": [("enet", "log", None, 1.0)],
    "all_pcr_log": [("pcr", "log", None, 1.0)],
    "all_pls_log": [("pls", "log", None, 1.0)],
    "all_xgboost": [("xgb", "identity", None, 1.0)],
    "all_xgboost_reg_log": [("xgb_reg", "log", None, 1.0)],
    "ensemble_linear_log": [("ridge", "log", "discharge", 1 / 3), ("enet", "log", "full", 1 / 3),
                            ("pls", "log", "extended", 1 / 3)],
    "ensemble_ridge_discharge_xgboost_all": [("ridge", "log", "discharge", 0.5), ("xgb", "identity", None, 0.5)],
}
# Complexity rank of an estimator family for the one-standard-error rule (lower = simpler).
FAMILY_RANK = {"ols": 0, "ridge": 0, "ridge_robust": 0, "enet": 0, "pls": 0, "pcr": 0, "xgb": 2, "xgb_reg": 2}
BASELINE = "variance_ols_log"


def _inner_cv():
    # Shuffled: the rows come ordered by split (train cells, then test1 cells), and unshuffled
    # folds would tune penalties on one split against the other.
    return KFold(n_splits=5, shuffle=True, random_state=SEED)


def make_estimator(kind, n_features):
    if kind == "ols":
        return make_pipeline(StandardScaler(), LinearRegression())
    if kind == "ridge":
        return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 25)))
    if kind == "ridge_robust":
        return make_pipeline(RobustScaler(), RidgeCV(alphas=np.logspace(-3, 3, 25)))
    if kind == "enet":
        return make_pipeline(StandardScaler(), ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9, 0.99, 1.0], cv=_inner_cv(), n_alphas=50,
                                                            max_iter=100000, random_state=SEED))
    if kind in ("pls", "pcr"):
        comps = list(range(1, min(8, n_features) + 1))
        if kind == "pls":
            pipe, key = make_pipeline(StandardScaler(), PLSRegression(scale=False)), "plsregression__n_components"
        else:
            pipe, key = make_pipeline(StandardScaler(), PCA(), LinearRegression()), "pca__n_components"
        return GridSearchCV(pipe, {key: comps}, cv=_inner_cv(), scoring="neg_mean_squared_error")
    if kind == "xgb":
        return xgb.XGBRegressor(n_estimators=300, max_depth=2, learning_rate=0.05, subsample=0.8,
                                colsample_bytree=0.8, random_state=SEED, n_jobs=1)
    if kind == "xgb_reg":  # strongly regularised: stumps-to-depth-2, shrinkage, L2 on leaves, 3+ cells a leaf
        return xgb.XGBRegressor(n_estimators=200, max_depth=2, learning_rate=0.03, subsample=0.7,
                                colsample_bytree=0.7, min_child_weight=3, reg_lambda=5.0, random_state=SEED, n_jobs=1)
    raise ValueError(kind)


def affine_terms(est, n):
    """coef, intercept of an affine model (any scaler + ridge / elastic net / PLS / PCR pipeline), read off
    its own predictions at the origin and the unit vectors, so the exported model takes raw features and
    the projection of PLS/PCR is folded into the coefficients."""
    pts = np.vstack([np.zeros(n), np.eye(n)])
    p = np.asarray(est.predict(pts), dtype=np.float64).ravel()
    return (p[1:] - p[0]).tolist(), float(p[0])


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
                est = make_estimator(kind, len(cols))
                if kind.startswith("xgb"):  # start boosting from the target mean, not xgboost's default 0.5
                    est.set_params(base_score=float(np.mean(yt)))
                self.fitted.append((est.fit(x[:, cols], yt), kind, target, cols, w))
        return self

    def predict(self, x):
        out = np.zeros(len(x))
        for est, _, target, cols, w in self.fitted:
            p = np.asarray(est.predict(x[:, cols]), dtype=np.float64).ravel()
            out += w * (np.exp(p) if target == "log" else p)
        return out

    def n_inputs(self):
        return len({c for _, _, _, cols, _ in self.fitted for c in cols}) if self.fitted else \
            len({c for _, _, fset, _ in self.spec for c in self._cols(fset)})

    def onnx_components(self, n_features):
        comps = []
        for est, kind, target, cols, w in self.fitted:
            c = {"weight": w, "transform": "exp" if target == "log" else "identity"}
            if kind.startswith("xgb"):
                trees, base, _ = xgboost_trees(est.get_booster())
                for tree in trees:
                    for node in tree:
                        node["feature"] = cols[node["feature"]] if node["mode"] != "LEAF" else 0
                c.update(kind="trees", trees=trees, base_value=base)
            else:
                coef, icpt = affine_terms(est, len(cols))
                full = np.zeros(n_features)
                full[cols] = coef
                c.update(kind="linear", coef=full.tolist(), intercept=icpt)
            comps.append(c)
        return comps


def complexity(spec, names):
    """(estimator family rank, number of components, number of distinct inputs): lower is simpler."""
    ens = Ensemble(spec, names)
    return (max(FAMILY_RANK[k] for k, _, _, _ in spec), len(spec), ens.n_inputs())
