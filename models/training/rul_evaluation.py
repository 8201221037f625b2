"""rul_capacity evaluation: leave-one-cell-out over the real cells, the selection score, the nested
selection, and the exponential-fade baseline Q = a*exp(b*k) + c fitted in the same run. The
candidates and their fitting are in rul_capacity.py."""
import warnings

import numpy as np
from scipy.optimize import curve_fit

from rul_capacity import CANDIDATES, EXP_HORIZON, LIFE_POINTS, SELECTION_POINTS, fit_without, real_cells, trailing_median


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


def _eol_errors(model, rows, test, eol, fractions):
    out = []
    for p in fractions:
        k = int(round(p * eol))
        r = np.nonzero(test & (rows["cycle"] == k))[0]
        out.append(k + float(model.predict(rows["x"][r])[0]) - eol)
    return out


def loco_score(spec, names, rows, cells):
    """Selection score of a candidate by leave-one-cell-out over `cells` only (mean over cells of the
    mean absolute EoL error at SELECTION_POINTS) and the per-cell models' errors."""
    left_out = set(real_cells(rows)) - set(cells)
    per_cell = []
    for cell in cells:
        test = rows["cell"] == cell
        model = fit_without(spec, names, rows, left_out | {cell})
        eol = int(rows["eol_cycle"][test][0])
        per_cell.append(float(np.mean(np.abs(_eol_errors(model, rows, test, eol, SELECTION_POINTS)))))
    return float(np.mean(per_cell))


def select(names, rows, cells):
    scores = {n: loco_score(spec, names, rows, cells) for n, spec in CANDIDATES.items()}
    return min(scores, key=scores.get), scores


def nested_loco(names, rows):
    """For each outer held-out cell: choose the candidate by LOCO over the other cells, fit it on them,
    and score the held-out cell at LIFE_POINTS. Returns per cell the chosen name and errors."""
    cells = real_cells(rows)
    out = {}
    for cell in cells:
        others = [c for c in cells if c != cell]
        chosen, _ = select(names, rows, others)
        test = rows["cell"] == cell
        model = fit_without(CANDIDATES[chosen], names, rows, {cell})
        eol = int(rows["eol_cycle"][test][0])
        out[cell] = {"chosen": chosen, "errors": _eol_errors(model, rows, test, eol, LIFE_POINTS)}
        print(f"  nested: {cell:14s} chose {chosen:40s} " + " ".join(f"{e:+.0f}" for e in out[cell]["errors"]), flush=True)
    return out


def leave_one_cell_out(spec, names, rows, series, verbose=True):
    """rows: dict of arrays (cell, cycle, eol_cycle, remaining, x); series: cell -> (cap_frac, eol_frac)."""
    per_cell = {}
    for cell in real_cells(rows):
        test = rows["cell"] == cell
        model = fit_without(spec, names, rows, {cell})
        eol = int(rows["eol_cycle"][test][0])
        cap, eol_frac = series[cell]
        points = []
        for p in LIFE_POINTS:
            k = int(round(p * eol))
            r = np.nonzero(test & (rows["cycle"] == k))[0]
            pred_eol = k + float(model.predict(rows["x"][r])[0])
            exp_eol = exp_fit_eol(cap, k, eol_frac)
            points.append({"life_fraction": p, "cycle": k, "true_eol": eol, "model_eol": pred_eol,
                           "model_error": pred_eol - eol, "exp_fit_eol": exp_eol,
                           "exp_fit_error": None if exp_eol is None else exp_eol - eol})
        per_cell[cell] = points
        fmt = lambda v: "none" if v is None else f"{v:+.0f}"  # noqa: E731
        if verbose:
            print(f"  {cell:14s} " + "  ".join(f"{q['life_fraction']:.0%}: model {fmt(q['model_error'])} exp {fmt(q['exp_fit_error'])}"
                                             for q in points))
    summary = {}
    for i, p in enumerate(LIFE_POINTS):
        summary[f"{int(p * 100)}pct"] = {
            "model": summarise([per_cell[c][i]["model_error"] for c in per_cell]),
            "exp_fit": summarise([per_cell[c][i]["exp_fit_error"] for c in per_cell]),
        }
    return per_cell, summary
