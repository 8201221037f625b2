"""Training step 2 (Python): fit cycle_life and rul_capacity from the feature tables written by
build-features.ts, export them with the project's own ONNX converter (models/onnx), check the
export, and write models/*.onnx, models/*.card.json, models/golden/*.json and a results file that
`npm run evaluate` turns into models/EVALUATION.md.

    /usr/bin/python3 models/training/train.py [--features tmp/training] [--only cycle_life|rul_capacity]
"""
import argparse
import json
import os
import random
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "onnx"))
sys.path.insert(0, HERE)

import artefacts  # noqa: E402
import cycle_life_evaluation  # noqa: E402
import rul_capacity  # noqa: E402
import rul_evaluation  # noqa: E402
import selfcheck  # noqa: E402  (models/onnx/selfcheck.py)
from build_graph import build_model, log_scale_output  # noqa: E402
from cards import cycle_life_card, rul_capacity_card  # noqa: E402


def read_table(path):
    d = np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8")
    return d, list(d.dtype.names)


def severson_rows(path, names):
    d, _ = read_table(path)
    return {"x": artefacts.as_f32(np.column_stack([d[n] for n in names])), "y": d["cycle_life"].astype(float),
            "cell": d["cell"], "excluded": d["excluded"].astype(int)}


def cycle_life_cells(feat_dir, names):
    """The 83 training cells (severson/train + test1 without the excluded cell22) and the excluded ones."""
    rows = [severson_rows(os.path.join(feat_dir, f"severson_{split}.csv"), names) | {"split": split}
            for split in ("train", "test1")]
    ids = np.concatenate([[f"{r['split']}/{c}" for c in r["cell"]] for r in rows])
    x = np.vstack([r["x"] for r in rows])
    y = np.concatenate([r["y"] for r in rows])
    keep = np.concatenate([r["excluded"] for r in rows]) == 0
    return {"ids": ids[keep], "x": x[keep], "y": y[keep]}, {"ids": ids[~keep], "x": x[~keep], "y": y[~keep]}


def train_cycle_life(feat_dir, manifest):
    names = manifest["severson_features"]
    cells, excluded = cycle_life_cells(feat_dir, names)
    print(f"cycle_life on {len(cells['y'])} cells (excluded: {', '.join(excluded['ids'])}); selection by "
          f"{cycle_life_evaluation.FOLDS}-fold x {cycle_life_evaluation.REPEATS} stratified CV, "
          f"rule: {cycle_life_evaluation.SELECTION_RULE}:")
    model, selected, ev = cycle_life_evaluation.evaluate(names, cells["x"], cells["y"])
    nested, variance = ev["nested"], ev["variance_model_same_folds"]
    metrics = {"selected_candidate": selected, "training_cells": int(len(cells["y"])),
               "nested_cv_rmse": nested["rmse"], "nested_cv_rmse_repeat_sd": nested["repeat_sd"],
               "nested_cv_rmse_by_band": {k: v["rmse"] for k, v in nested["bands"].items()},
               "variance_model_cv_rmse_same_folds": variance["rmse"],
               "selection_cv_rmse": ev["candidates"][selected]["cv_rmse"],
               "in_sample_rmse": ev["candidates"][selected]["in_sample_rmse"],
               "evaluation": "models/EVALUATION.md#cycle_life (nested CV; no held-out test figure exists)"}
    # The graph outputs ln(cycle life), the scale the model is fitted on; the card's `exp` brings it back.
    components, final = log_scale_output(model.onnx_components(len(names)))
    onnx_model = build_model(components, len(names), transform=final, doc="cycle_life " + selected + " on ln(cycle life)")
    # Golden rows: every cell of both splits, the excluded one too (parity does not need its label).
    x_all = np.vstack([cells["x"], excluded["x"]])
    card = artefacts.write_model("cycle_life", onnx_model, cycle_life_card(names, metrics, list(cells["ids"]), list(excluded["ids"])),
                                 cells["x"], x_all, np.log(model.predict(x_all)), x_all, np.log(model.predict(x_all)),
                                 golden_values=model.predict(x_all))
    print(f"cycle_life: selected {selected}: nested CV RMSE {nested['rmse']:.1f} cycles "
          f"(variance model, same folds, {variance['rmse']:.1f})")
    per_cell = [{"cell": str(c), "true": float(t), "in_sample": float(p), "nested_oof_mean": float(o)}
                for c, t, p, o in zip(cells["ids"], cells["y"], ev.pop("in_sample_predictions"), ev.pop("nested_predictions_mean"))]
    per_cell += [{"cell": str(c), "true": float(t), "in_sample": float(p), "excluded": True}
                 for c, t, p in zip(excluded["ids"], excluded["y"], model.predict(excluded["x"]))]
    return {"selected": selected, **ev, "n_cells": int(len(cells["y"])), "excluded_cells": list(map(str, excluded["ids"])),
            "card_sha256": card["sha256"], "predictions": per_cell}


def train_rul(feat_dir, manifest):
    names = manifest["trajectory_features"]
    d, _ = read_table(os.path.join(feat_dir, "rul_rows.csv"))
    rows = {"cell": d["cell"], "cycle": d["cycle"].astype(int), "eol_cycle": d["eol_cycle"].astype(int),
            "remaining": d["remaining_cycles"].astype(float),
            "x": artefacts.as_f32(np.column_stack([d[n] for n in names]))}
    s, _ = read_table(os.path.join(feat_dir, "capacity_series.csv"))
    series = {c: (s["cap_frac"][s["cell"] == c].astype(float), float(s["eol_frac"][s["cell"] == c][0]))
              for c in sorted(set(s["cell"]))}
    cells = rul_capacity.real_cells(rows)
    print("rul_capacity candidates (leave-one-cell-out selection score, cycles):")
    selected, scores = rul_evaluation.select(names, rows, cells)
    for n, v in scores.items():
        print(f"  {n:40s} {v:7.1f}" + ("  <- selected" if n == selected else ""))
    print("rul_capacity nested leave-one-cell-out (selection repeated without the held-out cell):")
    nested = rul_evaluation.nested_loco(names, rows)
    candidates = {}
    for n, spec in rul_capacity.CANDIDATES.items():
        _, s = rul_evaluation.leave_one_cell_out(spec, names, rows, series, verbose=False)
        candidates[n] = {"selection_score": scores[n], **{k: v["model"] for k, v in s.items()}}
    print(f"rul_capacity leave-one-cell-out of the selected {selected} (error of predicted end-of-life cycle, cycles):")
    per_cell, summary = rul_evaluation.leave_one_cell_out(rul_capacity.CANDIDATES[selected], names, rows, series)
    nested_summary = {f"{int(p * 100)}pct": rul_evaluation.summarise([nested[c]["errors"][i] for c in nested])
                      for i, p in enumerate(rul_capacity.LIFE_POINTS)}
    model = rul_capacity.fit(rul_capacity.CANDIDATES[selected], names, rows, np.ones(len(rows["x"]), dtype=bool))
    # The graph outputs ln(remaining + 1), the scale the model is fitted on; the card's `expm1` brings it back.
    onnx_model = build_model(model.onnx_components(), len(names), doc=f"rul_capacity {selected} on ln(remaining + 1)")
    sim_weight = rul_capacity.CANDIDATES[selected]["sim"]  # the card lists the simulated cells only if used
    sim_used = {**manifest["rul_simulated"], "weight": sim_weight} if sim_weight > 0 else None
    golden_idx = np.arange(0, len(rows["x"]), max(1, len(rows["x"]) // 60))
    metrics = {"selected_candidate": selected, **{"loco_" + k: v["model"] for k, v in summary.items()},
               **{"nested_loco_" + k: v for k, v in nested_summary.items()}}
    card = artefacts.write_model("rul_capacity", onnx_model, rul_capacity_card(names, metrics, sim_used), rows["x"],
                                 rows["x"][golden_idx], model.predict_log(rows["x"][golden_idx]),
                                 rows["x"], model.predict_log(rows["x"]),
                                 golden_values=rul_capacity.predict(model, rows["x"][golden_idx]))
    censored = [c.split(":")[0] for c in manifest["rul_cells_eol"] if c.endswith(":censored")]
    return {"selected": selected, "selection_points": list(rul_capacity.SELECTION_POINTS), "candidates": candidates,
            "nested": nested, "nested_summary": nested_summary,
            "per_cell": per_cell, "summary": summary, "cells": sorted(per_cell), "censored_cells": censored,
            "n_rows": int(len(rows["x"])), "card_sha256": card["sha256"],
            "simulated": {**manifest["rul_simulated"], "n_rows": int(rul_capacity.is_simulated(rows["cell"]).sum()),
                          "default_weight": rul_capacity.SIM_WEIGHT, "selected_weight": sim_weight}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default=os.path.join(HERE, "..", "..", "tmp", "training"))
    ap.add_argument("--only", choices=["cycle_life", "rul_capacity"],
                    help="train one model; the other's section of results.json is kept from the last run")
    args = ap.parse_args()
    random.seed(0)
    np.random.seed(0)
    print("converter self-check (numpy evaluation of exported attributes vs framework): " +
          ", ".join(f"{k} {v:.1e}" for k, v in selfcheck.run().items()))
    with open(os.path.join(args.features, "manifest.json")) as f:
        manifest = json.load(f)
    out = os.path.join(args.features, "results.json")
    results = {}
    if args.only and os.path.exists(out):
        with open(out) as f:
            results = json.load(f)
    results["data_dir"] = manifest["dataDir"]
    for name, step in (("cycle_life", train_cycle_life), ("rul_capacity", train_rul)):
        if args.only in (None, name):
            results[name] = step(args.features, manifest)
    missing = [n for n in ("cycle_life", "rul_capacity") if n not in results]
    if missing:  # npm run evaluate -- --only <model> writes the sections it has
        print(f"note: results.json has no {', '.join(missing)} (train it, or evaluate with --only)")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print("wrote " + out)


if __name__ == "__main__":
    main()
