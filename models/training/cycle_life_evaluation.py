"""cycle_life selection and evaluation on the 83 Severson cells (issue 17).

test1 has been reported on (issue 5) and is no longer a test split: severson/train (41 cells) and
severson/test1 without cell22 (42 cells) are one pool of 83 training cells. cell22 (148 cycles, the
shortest of all 84 by far; the next is 300) stays excluded as the published outlier (Severson et al.
2019, Attia et al. 2021). No cell is held back, so no test-set figure exists; what is reported is a
nested cross-validation of the whole procedure below.

SELECTION RULE, fixed and committed before the selection was first run on the 83 cells:
  * Folds: 5-fold cross-validation repeated REPEATS times (seed SEED), stratified by cycle life: the
    cells, ranked by cycle life from the longest, form groups of 5 (the shortest-lived group takes
    the remainder), and every fold holds one cell of each group of 5, so the 5 longest-lived cells
    are in 5 different folds and every training fold sees long-lived cells.
  * Candidates: cycle_life.CANDIDATES as declared; penalties and component counts are tuned by an
    inner CV inside each fit. The variance model (BASELINE) is the published baseline, not eligible.
  * Rule: ONE STANDARD ERROR. CV RMSE of a candidate = RMSE of all its out-of-fold predictions over
    the repeats. best = the eligible candidate with the lowest CV RMSE; SE = standard error of best's
    RMSE from its per-cell squared errors (mean over repeats), by the delta method. Shipped = the
    simplest candidate with CV RMSE <= best + SE, simplest by cycle_life.complexity (linear before
    trees, one component before an ensemble, fewer distinct inputs), ties broken by lower CV RMSE.
  * The shipped model is that candidate refitted on all 83 cells.

NESTED EVALUATION of that procedure: in each of the 5 x REPEATS outer folds (the same folds as the
selection), the selection above is re-run on the outer training cells only (its own stratified
5 x REPEATS folds), the chosen candidate is refitted on them and predicts the outer validation
cells. Reported: RMSE over all out-of-fold predictions, its spread over repeats, per cycle-life band
(BANDS), next to the variance model under the same outer folds.
"""
import multiprocessing
import os
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold

from cycle_life import BASELINE, CANDIDATES, Ensemble, complexity

SEED = 0
FOLDS = 5
REPEATS = 3  # 15 outer x 15 inner folds x 17 candidates: ~4,000 fits, minutes on 2 cores
SELECTION_RULE = "one standard error"
# Cycle-life bands of the report: [low, high) in cycles.
BANDS = (("< 600", 0.0, 600.0), ("600-1,200", 600.0, 1200.0), ("> 1,200", 1200.0, float("inf")))


def strata(y, size=FOLDS):
    """Stratum of each cell: its rank by cycle life, longest first, // size; the remainder joins the
    shortest-lived group, so the `size` longest-lived cells form a group of exactly `size`."""
    order = np.argsort(-np.asarray(y), kind="stable")
    groups = np.minimum(np.arange(len(y)) // size, max(len(y) // size - 1, 0))
    out = np.empty(len(y), dtype=int)
    out[order] = groups
    return out


def folds(y, repeats=REPEATS):
    """[(repeat, train index, validation index)], stratified by cycle life (see strata)."""
    splitter = RepeatedStratifiedKFold(n_splits=FOLDS, n_repeats=repeats, random_state=SEED)
    return [(i // FOLDS, tr, va) for i, (tr, va) in enumerate(splitter.split(np.zeros((len(y), 1)), strata(y)))]


def cv_errors(spec, names, x, y, fold_list):
    """Out-of-fold errors (predicted - true), shape (repeats, cells)."""
    errs = np.full((fold_list[-1][0] + 1, len(y)), np.nan)
    for r, tr, va in fold_list:
        errs[r, va] = Ensemble(spec, names).fit(x[tr], y[tr]).predict(x[va]) - y[va]
    return errs


def rmse_of(errs):
    return float(np.sqrt(np.mean(np.asarray(errs) ** 2)))


def one_se_selection(cv, names):
    """cv: name -> out-of-fold errors (repeats, cells). Returns (selected, best, se_rmse, within)."""
    scores = {n: rmse_of(e) for n, e in cv.items() if n != BASELINE}
    best = min(scores, key=scores.get)
    per_cell = np.mean(cv[best] ** 2, axis=0)
    se_rmse = float(np.std(per_cell, ddof=1) / np.sqrt(len(per_cell))) / (2 * scores[best])
    within = [n for n in scores if scores[n] <= scores[best] + se_rmse]
    selected = min(within, key=lambda n: (complexity(CANDIDATES[n], names), scores[n]))
    return selected, best, se_rmse, within


def select(names, x, y, with_baseline=False, log=None):
    """The selection procedure on (x, y): CV of every candidate on stratified folds, then the rule."""
    fold_list = folds(y)
    cv = {}
    for name, spec in CANDIDATES.items():
        if name == BASELINE and not with_baseline:
            continue
        cv[name] = cv_errors(spec, names, x, y, fold_list)
        if log:
            log(name, cv[name])
    return one_se_selection(cv, names), cv


def _outer_fold(args):
    names, x, y, tr, va = args
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (chosen, _, _, _), _ = select(names, x[tr], y[tr])
        pred = Ensemble(CANDIDATES[chosen], names).fit(x[tr], y[tr]).predict(x[va])
    return chosen, pred


def nested_cv(names, x, y, fold_list, jobs=None):
    """Out-of-fold predictions (repeats, cells) of the whole selection procedure, and the candidate it
    chose in each outer fold. Outer folds are independent and seeded, so running them in parallel
    processes changes nothing in the result. Spawned, not forked: a fork after xgboost's OpenMP
    threads have started can deadlock the child."""
    jobs = jobs or int(os.environ.get("EV_EDGE_TRAIN_JOBS", "2"))
    work = [(names, x, y, tr, va) for _, tr, va in fold_list]
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            done = list(pool.map(_outer_fold, work))
    else:
        done = [_outer_fold(w) for w in work]
    pred = np.full((fold_list[-1][0] + 1, len(y)), np.nan)
    chosen = []
    for (r, _, va), (name, p) in zip(fold_list, done):
        pred[r, va] = p
        chosen.append({"repeat": r, "chosen": name, "validation_cells": len(va)})
    return pred, chosen


def summarise(errs, y):
    """RMSE over all out-of-fold errors (repeats, cells), its spread, and per cycle-life band."""
    per_repeat = [rmse_of(e) for e in errs]
    per_cell = np.mean(errs ** 2, axis=0)
    total = rmse_of(errs)
    bands = {}
    for label, lo, hi in BANDS:
        m = (y >= lo) & (y < hi)
        bands[label] = {"n_cells": int(m.sum()), "rmse": rmse_of(errs[:, m]) if m.any() else None,
                        "mean_error": float(np.mean(errs[:, m])) if m.any() else None}
    return {"rmse": total, "repeat_rmse": per_repeat, "repeat_sd": float(np.std(per_repeat, ddof=1)),
            "repeat_min": min(per_repeat), "repeat_max": max(per_repeat),
            "se_rmse": float(np.std(per_cell, ddof=1) / np.sqrt(len(per_cell))) / (2 * total), "bands": bands}


def evaluate(names, x, y, log=print):
    """Select on all cells, evaluate the selection by nested CV, fit the shipped model.
    Returns (model, selected, results)."""
    fold_list = folds(y)

    def show(name, e):
        rep = [rmse_of(r) for r in e]
        log(f"  {name:40s} cv {rmse_of(e):7.1f}  (repeats {min(rep):.1f}..{max(rep):.1f})")

    (selected, best, se_rmse, within), cv = select(names, x, y, with_baseline=True, log=show)
    log(f"  best CV: {best}; one-SE threshold +{se_rmse:.1f}; within: {', '.join(within)}; selected: {selected}")
    log(f"cycle_life nested CV ({len(fold_list)} outer folds, the selection re-run inside each):")
    nested_pred, chosen = nested_cv(names, x, y, fold_list)
    nested = summarise(nested_pred - y, y)
    variance = summarise(cv[BASELINE], y)
    model = Ensemble(CANDIDATES[selected], names).fit(x, y)
    candidates = {}
    for name, spec in CANDIDATES.items():
        s = summarise(cv[name], y)
        candidates[name] = {"cv_rmse": s["rmse"], "cv_rmse_repeat_sd": s["repeat_sd"], "within_one_se": name in within,
                            "n_inputs": Ensemble(spec, names).n_inputs(), "bands": s["bands"],
                            "in_sample_rmse": rmse_of(Ensemble(spec, names).fit(x, y).predict(x) - y)}
    counts = {}
    for c in chosen:
        counts[c["chosen"]] = counts.get(c["chosen"], 0) + 1
    results = {
        "selection": {"rule": SELECTION_RULE, "cv": f"{FOLDS}-fold x {REPEATS} repeats, stratified by cycle life",
                      "seed": SEED, "best_cv": best, "se_rmse": se_rmse, "within_one_se": within},
        "candidates": candidates,
        "nested": {**nested, "chosen_per_outer_fold": chosen, "chosen_counts": counts},
        "variance_model_same_folds": variance,
        "dummy_mean_same_folds": summarise(dummy_errors(y, fold_list), y),
        "nested_predictions_mean": np.mean(nested_pred, axis=0),
        "in_sample_predictions": model.predict(x),
    }
    log(f"  nested RMSE {nested['rmse']:.1f} (repeats {nested['repeat_min']:.1f}..{nested['repeat_max']:.1f}); "
        f"variance model {variance['rmse']:.1f}; chosen: {counts}")
    return model, selected, results



def dummy_errors(y, fold_list):
    """Out-of-fold errors of predicting the training-fold mean, the floor any model must beat."""
    errs = np.full((fold_list[-1][0] + 1, len(y)), np.nan)
    for r, tr, va in fold_list:
        errs[r, va] = np.mean(y[tr]) - y[va]
    return errs
