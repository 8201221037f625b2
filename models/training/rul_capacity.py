"""rul_capacity: remaining cycles until end of life from the capacity trajectory so far.

Rows are every cycle k >= 10 of each cell that reaches end of life (features from cycles <= k, target
eol - k), built by the TypeScript feature step. Evaluated leave-one-cell-out: for each held-out cell
the predicted end-of-life cycle (k + predicted remaining) is compared with the true one at 25 %, 50 %
and 75 % of its life, next to an exponential fade fit Q = a*exp(b*k) + c on the same points.
"""
import warnings

import numpy as np
import xgboost as xgb
from scipy.optimize import curve_fit

from tree_export import xgboost_trees

SEED = 0
LIFE_POINTS = (0.25, 0.5, 0.75)
EXP_HORIZON = 20000  # cycles searched ahead for the exponential fit's threshold crossing


def trailing_median(q, w=5):
    return np.array([np.median(q[max(0, i - w + 1): i + 1]) for i in range(len(q))])


def make_model():
    return xgb.XGBRegressor(n_estimators=300, max_depth=3, learning_rate=0.05, subsample=0.8,
                            random_state=SEED, n_jobs=1)


def fit(x, remaining, cells):
    """Target log(remaining + 1): errors scale with life, which spans ~100 (NASA) to ~600 (CALCE)
    cycles. Rows are weighted 1/rows-of-their-cell so every cell counts equally."""
    counts = {c: np.sum(cells == c) for c in set(cells)}
    w = np.array([1.0 / counts[c] for c in cells])
    return make_model().fit(x, np.log(remaining + 1.0), sample_weight=w)


def predict(model, x):
    return np.exp(model.predict(x).astype(np.float64)) - 1.0


def onnx_components(model):
    trees, base, _ = xgboost_trees(model.get_booster())
    return [{"kind": "trees", "trees": trees, "base_value": base}]


def exp_fit_eol(cap, k, eol_frac):
    """Fit the smoothed capacity fraction of cycles 1..k, extrapolate to eol_frac; None if no crossing."""
    x = np.arange(1, k + 1, dtype=float)
    q = trailing_median(cap[:k])

    def f(z, a, b, c):
        return a * np.exp(b * z) + c

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p, _ = curve_fit(f, x, q, p0=[-0.01, 0.01, q[0]], maxfev=20000)
    except (RuntimeError, ValueError):
        return None
    ahead = np.arange(k + 1, k + EXP_HORIZON + 1, dtype=float)
    with np.errstate(over="ignore"):  # b > 0 fits explode far ahead; only the first crossing matters
        hit = np.nonzero(f(ahead, *p) < eol_frac)[0]
    return float(ahead[hit[0]]) if len(hit) else None


def summarise(errors):
    e = np.array([v for v in errors if v is not None], dtype=float)
    if len(e) == 0:
        return {"n": 0}
    return {"n": int(len(e)), "mae_cycles": float(np.mean(np.abs(e))), "rmse_cycles": float(np.sqrt(np.mean(e ** 2))),
            "median_abs_cycles": float(np.median(np.abs(e))), "no_prediction": int(sum(v is None for v in errors))}


def leave_one_cell_out(rows, series):
    """rows: dict of arrays (cell, cycle, eol_cycle, remaining, x); series: cell -> (cap_frac, eol_frac)."""
    per_cell = {}
    for cell in sorted(set(rows["cell"])):
        train, test = rows["cell"] != cell, rows["cell"] == cell
        model = fit(rows["x"][train], rows["remaining"][train], rows["cell"][train])
        eol = int(rows["eol_cycle"][test][0])
        cap, eol_frac = series[cell]
        points = []
        for p in LIFE_POINTS:
            k = int(round(p * eol))
            r = np.nonzero(test & (rows["cycle"] == k))[0]
            pred_eol = k + float(predict(model, rows["x"][r])[0])
            exp_eol = exp_fit_eol(cap, k, eol_frac)
            points.append({"life_fraction": p, "cycle": k, "true_eol": eol, "model_eol": pred_eol,
                           "model_error": pred_eol - eol, "exp_fit_eol": exp_eol,
                           "exp_fit_error": None if exp_eol is None else exp_eol - eol})
        per_cell[cell] = points
        fmt = lambda v: "none" if v is None else f"{v:+.0f}"  # noqa: E731
        print(f"  {cell:14s} " + "  ".join(f"{q['life_fraction']:.0%}: model {fmt(q['model_error'])} exp {fmt(q['exp_fit_error'])}"
                                         for q in points))
    summary = {}
    for i, p in enumerate(LIFE_POINTS):
        summary[f"{int(p * 100)}pct"] = {
            "model": summarise([per_cell[c][i]["model_error"] for c in per_cell]),
            "exp_fit": summarise([per_cell[c][i]["exp_fit_error"] for c in per_cell]),
        }
    return per_cell, summary
