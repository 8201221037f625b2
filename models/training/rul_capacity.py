"""rul_capacity: remaining cycles until end of life from the capacity trajectory so far.

Rows are every cycle k >= 10 of each cell that reaches end of life (features from cycles <= k, target
eol - k), built by the TypeScript feature step. Evaluated leave-one-cell-out: for each held-out cell
the predicted end-of-life cycle (k + predicted remaining) is compared with the true one at 25 %, 50 %
and 75 % of its life, next to an exponential fade fit Q = a*exp(b*k) + c on the same points.

Simulated lab cells (ids "sim/...", drivers/simulator/capacity-trajectory.ts, through the same
TypeScript features) are training rows only: leave-one-cell-out runs over the real cells, and each
held-out real cell is scored by a model fitted on the other real cells plus every simulated cell
(unless the candidate declares sim=0).

Every candidate predicts log(remaining + 1) as a weighted sum of components (xgboost trees, ridge,
or a fixed physics rule such as "remaining = linear extrapolation"); a residual component is fitted
to what the components before it leave (clipped), e.g. trees correcting the exponential-fit
extrapolation log_exp_eta, which then enters the ONNX graph as a linear term with coefficient 1.
The shipped candidate is the one
with the lowest leave-one-cell-out selection score (SELECTION_POINTS, below); a nested
leave-one-cell-out (selection repeated inside each outer training set) estimates what that choice
costs on a cell it never saw. That evaluation (leave-one-cell-out, selection, nested selection and
the exponential-fit baseline) is in rul_evaluation.py; this module declares and fits the candidates.
"""

import numpy as np
import xgboost as xgb

from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tree_export import xgboost_trees

SEED = 0
LIFE_POINTS = (0.25, 0.5, 0.75)
# Selection score: mean over held-out cells of the mean absolute end-of-life error at 20, 25, ..., 80 %
# of life (13 points a cell rather than the 3 reported, so the choice rests on more than 21 numbers).
SELECTION_POINTS = tuple(np.round(np.arange(0.20, 0.801, 0.05), 2))
BASE = ["cycles_so_far", "cap_frac", "cap_frac_initial", "fade_so_far", "margin_to_eol", "slope_20", "slope_50",
        "slope_100", "curvature_100", "linear_cycles_to_eol"]
PHYSICS = ["log_linear_eta_20", "log_linear_eta_50", "log_linear_eta_100", "log_quadratic_eta", "log_cycles_so_far",
           "fade_budget_used", "log_exp_eta"]
# xgboost monotone constraints on PHYSICS: more cycles to EoL by any extrapolation -> more remaining
# life; more of the fade budget used -> less. Cycles so far unconstrained.
PHYSICS_MONOTONE = (1, 1, 1, 1, 0, -1, 1)
# Residual targets (log(remaining + 1) minus the components before) are clipped to +-RESIDUAL_CLIP.
# Wide enough to correct an extrapolation at its 5000-cycle cap (ln 5001 - ln 400 ~ 2.5) while one
# wild row still cannot pull a leaf without limit.
RESIDUAL_CLIP = 3.0
EXP_RULE = ("rule:log_exp_eta", [], 1.0)
# Default total weight of the simulated cells relative to the real ones (see row_weights).
SIM_WEIGHT = 0.1


def _spec(*components, sim=SIM_WEIGHT, midlife=False, pretrain=False, trees=300):
    """components: (kind, features or None for all, weight[, "residual"]); options:
    sim: total weight of the simulated cells relative to the real ones (0: not used);
    midlife: row weights emphasise 20-80 % of life (3x the ends);
    pretrain: xgboost components first fit 200 trees on the simulated cells alone (each simulated
      cell weighing 1 there), then continue with 100 trees on all rows;
    trees: number of trees of xgboost components otherwise."""
    return {"components": list(components), "sim": sim, "midlife": midlife, "pretrain": pretrain, "trees": trees}


# name -> spec; the sum of the components is log(remaining + 1). Declared up front, chosen only by
# the leave-one-cell-out selection score. Simulated cells weigh SIM_WEIGHT unless the name says
# otherwise (real_only: none; sim_0.3, sim_1: that weight).
CANDIDATES = {
    "xgboost_base": _spec(("xgb", BASE, 1.0)),
    "xgboost_all_real_only": _spec(("xgb", None, 1.0), sim=0.0),
    "xgboost_all": _spec(("xgb", None, 1.0)),
    "xgboost_all_sim_0.3": _spec(("xgb", None, 1.0), sim=0.3),
    "xgboost_all_sim_1": _spec(("xgb", None, 1.0), sim=1.0),
    "xgboost_all_midlife_real_only": _spec(("xgb", None, 1.0), sim=0.0, midlife=True),
    "xgboost_all_midlife": _spec(("xgb", None, 1.0), midlife=True),
    "xgboost_all_midlife_sim_0.3": _spec(("xgb", None, 1.0), sim=0.3, midlife=True),
    "xgboost_all_sim_pretrained": _spec(("xgb", None, 1.0), pretrain=True),
    "xgboost_all_midlife_sim_pretrained": _spec(("xgb", None, 1.0), midlife=True, pretrain=True),
    # Control for the pretrained candidates: the same 100 trees on all rows without the sim-only stage.
    "xgboost_all_midlife_100_trees": _spec(("xgb", None, 1.0), midlife=True, trees=100),
    "xgboost_physics_monotone": _spec(("xgb_mono", PHYSICS, 1.0)),
    "ridge_physics": _spec(("ridge", PHYSICS, 1.0)),
    "rule_linear_eta_50": _spec(("rule:log_linear_eta_50", [], 1.0)),
    "rule_quadratic_eta": _spec(("rule:log_quadratic_eta", [], 1.0)),
    "rule_exp_eta": _spec(EXP_RULE),
    "blend_exp_eta_xgboost_all": _spec(("rule:log_exp_eta", [], 0.5), ("xgb", None, 0.5)),
    "blend_exp_eta_xgboost_all_midlife": _spec(("rule:log_exp_eta", [], 0.5), ("xgb", None, 0.5), midlife=True),
    "blend_ridge_physics_xgboost_monotone": _spec(("ridge", PHYSICS, 0.5), ("xgb_mono", PHYSICS, 0.5)),
    # Exponential-fit extrapolation as a prior: the model predicts a correction to log_exp_eta.
    "exp_eta_residual_xgboost_all": _spec(EXP_RULE, ("xgb", None, 1.0, "residual")),
    "exp_eta_residual_xgboost_all_midlife": _spec(EXP_RULE, ("xgb", None, 1.0, "residual"), midlife=True),
    "exp_eta_residual_xgboost_small_physics": _spec(EXP_RULE, ("xgb_small", PHYSICS, 1.0, "residual")),
    "exp_eta_residual_ridge_physics": _spec(EXP_RULE, ("ridge", PHYSICS, 1.0, "residual")),
}
CURRENT = "xgboost_base"
EXP_HORIZON = 20000  # cycles searched ahead for the exponential fit's threshold crossing


def trailing_median(q, w=5):
    return np.array([np.median(q[max(0, i - w + 1): i + 1]) for i in range(len(q))])


def is_simulated(cells):
    return np.char.startswith(np.asarray(cells).astype(str), "sim/")


def real_cells(rows):
    return sorted(c for c in set(rows["cell"]) if not str(c).startswith("sim/"))


def row_weights(cells, life_fraction, sim, midlife):
    """Every real cell weighs 1 in total (lives span ~100 NASA to ~600 CALCE cycles); the simulated
    cells together weigh `sim` times the real ones; midlife triples rows at 20-80 % of life."""
    counts = {c: np.sum(cells == c) for c in set(cells)}
    simulated = is_simulated(cells)
    n_real, n_sim = len(set(cells[~simulated])), len(set(cells[simulated]))
    w = np.array([1.0 / counts[c] for c in cells])
    if n_sim and n_real:
        w[simulated] *= sim * n_real / n_sim
    if midlife:
        w *= np.where((life_fraction >= 0.2) & (life_fraction <= 0.8), 3.0, 1.0)
    return w


def _xgb(kind, x, y, w, base_model=None, n_estimators=300):
    """xgb: 300 depth-3 trees; xgb_mono: the same, monotone in PHYSICS; xgb_small: 150 depth-2 trees."""
    extra = {"monotone_constraints": "(" + ",".join(map(str, PHYSICS_MONOTONE)) + ")"} if kind == "xgb_mono" else {}
    if base_model is None:  # continued training keeps the base model's base_score
        extra["base_score"] = float(np.average(y, weights=w))
    depth = 2 if kind == "xgb_small" else 3
    n_estimators = min(n_estimators, 150) if kind == "xgb_small" else n_estimators
    return xgb.XGBRegressor(n_estimators=n_estimators, max_depth=depth, learning_rate=0.05, subsample=0.8,
                            random_state=SEED, n_jobs=1, **extra).fit(x, y, sample_weight=w, xgb_model=base_model)


class Candidate:
    """Sum of weighted components on log(remaining + 1); rows weighted by row_weights."""

    def __init__(self, spec, names):
        self.spec, self.names, self.fitted = spec, list(names), []

    def fit(self, x, remaining, cells, life_fraction):
        opts = self.spec
        keep = np.ones(len(cells), dtype=bool) if opts["sim"] > 0 else ~is_simulated(cells)
        x, remaining, cells, life_fraction = x[keep], remaining[keep], cells[keep], life_fraction[keep]
        w = row_weights(cells, life_fraction, opts["sim"], opts["midlife"])
        yt = np.log(remaining + 1.0)
        for comp in opts["components"]:
            kind, feats, weight = comp[:3]
            residual = len(comp) > 3 and comp[3] == "residual"
            y = np.clip(yt - self.predict_log(x), -RESIDUAL_CLIP, RESIDUAL_CLIP) if residual else yt
            cols = [self.names.index(f) for f in (feats if feats is not None else self.names)]
            if kind.startswith("rule:"):
                est = None
            elif kind in ("xgb", "xgb_mono", "xgb_small"):
                base = None
                sim = is_simulated(cells)
                if opts["pretrain"] and sim.any():
                    # Weights of the simulated rows alone, every simulated cell weighing 1 (with the
                    # sim-scaled weights of the joint fit the hessian sum would stay below
                    # min_child_weight and no tree could split).
                    w_sim = row_weights(cells[sim], life_fraction[sim], 1.0, opts["midlife"])
                    base = _xgb(kind, x[sim][:, cols], y[sim], w_sim, n_estimators=200).get_booster()
                est = _xgb(kind, x[:, cols], y, w, base_model=base, n_estimators=100 if base is not None else opts["trees"])
            elif kind == "ridge":
                est = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
                est.fit(x[:, cols], y, ridgecv__sample_weight=w)
            else:
                raise ValueError(kind)
            self.fitted.append((kind, cols, weight, est))
        return self

    def predict_log(self, x):
        out = np.zeros(len(x))
        for kind, cols, weight, est in self.fitted:
            if est is None:
                out += weight * x[:, self.names.index(kind.split(":", 1)[1])]
            else:
                out += weight * np.asarray(est.predict(x[:, cols]), dtype=np.float64).ravel()
        return out

    def predict(self, x):
        return np.exp(self.predict_log(x)) - 1.0

    def onnx_components(self):
        comps = []
        n = len(self.names)
        for kind, cols, weight, est in self.fitted:
            if kind.startswith("xgb"):
                trees, base, _ = xgboost_trees(est.get_booster())
                for tree in trees:
                    for node in tree:
                        node["feature"] = cols[node["feature"]] if node["mode"] != "LEAF" else 0
                comps.append({"kind": "trees", "trees": trees, "base_value": base, "weight": weight})
                continue
            coef = np.zeros(n)
            if est is None:
                coef[self.names.index(kind.split(":", 1)[1])] = 1.0
                icpt = 0.0
            else:  # scaler folded in: read the affine map off the pipeline's own predictions
                pts = np.vstack([np.zeros(len(cols)), np.eye(len(cols))])
                p = np.asarray(est.predict(pts), dtype=np.float64).ravel()
                coef[cols] = p[1:] - p[0]
                icpt = float(p[0])
            comps.append({"kind": "linear", "coef": coef.tolist(), "intercept": icpt, "weight": weight})
        return comps


def fit(spec, names, rows, mask):
    """Fit a candidate on the rows selected by the boolean mask."""
    life = rows["cycle"][mask] / rows["eol_cycle"][mask]
    return Candidate(spec, names).fit(rows["x"][mask], rows["remaining"][mask], rows["cell"][mask], life)


_FITS = {}


def fit_without(spec, names, rows, excluded):
    """fit() on every row but those of the real cells in `excluded`, memoised: selection, nested
    selection and the per-candidate tables refit the same training sets many times (fits are
    deterministic, so this changes no result)."""
    key = (repr(spec), tuple(names), id(rows), frozenset(excluded))
    if key not in _FITS:
        _FITS[key] = fit(spec, names, rows, ~np.isin(rows["cell"], list(excluded)))
    return _FITS[key]


def predict(model, x):
    return model.predict(x)
