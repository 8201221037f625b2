"""Training step 2 (Python): fit cycle_life and rul_capacity from the feature tables written by
build-features.ts, export them with the project's own ONNX converter (models/onnx), check the
export, and write models/*.onnx, models/*.card.json, models/golden/*.json and a results file that
`npm run evaluate` turns into models/EVALUATION.md.

    /usr/bin/python3 models/training/train.py [--features tmp/training]
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
import cycle_life  # noqa: E402
import rul_capacity  # noqa: E402
import selfcheck  # noqa: E402  (models/onnx/selfcheck.py)
from build_graph import build_model  # noqa: E402
from cards import cycle_life_card, rul_capacity_card  # noqa: E402


def read_table(path):
    d = np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8")
    return d, list(d.dtype.names)


def severson_rows(path, names):
    d, _ = read_table(path)
    return {"x": artefacts.as_f32(np.column_stack([d[n] for n in names])), "y": d["cycle_life"].astype(float),
            "cell": d["cell"], "excluded": d["excluded"].astype(int)}


def train_cycle_life(feat_dir, manifest):
    names = manifest["severson_features"]
    tr = severson_rows(os.path.join(feat_dir, "severson_train.csv"), names)
    te = severson_rows(os.path.join(feat_dir, "severson_test1.csv"), names)
    print("cycle_life candidates (selection by 5x5-fold CV RMSE on train only):")
    model, selected, candidates, baselines = cycle_life.train(tr, te, names)
    keep = te["excluded"] == 0
    metrics = {"selected_candidate": selected, **candidates[selected]}
    onnx_model = build_model(model.onnx_components(len(names)), len(names), doc="cycle_life " + selected)
    x_all = np.vstack([tr["x"], te["x"]])
    card = artefacts.write_model("cycle_life", onnx_model, cycle_life_card(names, metrics), tr["x"],
                                 te["x"], model.predict(te["x"]), x_all, model.predict(x_all))
    print(f"cycle_life: selected {selected}: test1 RMSE {metrics['test1_rmse']:.1f} cycles "
          f"(variance baseline {baselines['variance_model']['test1_rmse']:.1f})")
    return {"selected": selected, "candidates": candidates, "baselines": baselines,
            "n_train": int(len(tr["y"])), "n_test1": int(keep.sum()), "card_sha256": card["sha256"],
            "test1_predictions": [{"cell": str(c), "true": float(t), "predicted": float(p), "excluded": int(e)}
                                  for c, t, p, e in zip(te["cell"], te["y"], model.predict(te["x"]), te["excluded"])]}


def train_rul(feat_dir, manifest):
    names = manifest["trajectory_features"]
    d, _ = read_table(os.path.join(feat_dir, "rul_rows.csv"))
    rows = {"cell": d["cell"], "cycle": d["cycle"].astype(int), "eol_cycle": d["eol_cycle"].astype(int),
            "remaining": d["remaining_cycles"].astype(float),
            "x": artefacts.as_f32(np.column_stack([d[n] for n in names]))}
    s, _ = read_table(os.path.join(feat_dir, "capacity_series.csv"))
    series = {c: (s["cap_frac"][s["cell"] == c].astype(float), float(s["eol_frac"][s["cell"] == c][0]))
              for c in sorted(set(s["cell"]))}
    print("rul_capacity leave-one-cell-out (error of predicted end-of-life cycle, cycles):")
    per_cell, summary = rul_capacity.leave_one_cell_out(rows, series)
    model = rul_capacity.fit(rows["x"], rows["remaining"], rows["cell"])
    onnx_model = build_model(rul_capacity.onnx_components(model), len(names), transform="exp", offset=-1.0,
                             doc="rul_capacity xgboost on log(remaining + 1)")
    golden_idx = np.arange(0, len(rows["x"]), max(1, len(rows["x"]) // 60))
    metrics = {"loco_" + k: v["model"] for k, v in summary.items()}
    card = artefacts.write_model("rul_capacity", onnx_model, rul_capacity_card(names, metrics), rows["x"],
                                 rows["x"][golden_idx], rul_capacity.predict(model, rows["x"][golden_idx]),
                                 rows["x"], rul_capacity.predict(model, rows["x"]))
    censored = [c.split(":")[0] for c in manifest["rul_cells_eol"] if c.endswith(":censored")]
    return {"per_cell": per_cell, "summary": summary, "cells": sorted(per_cell), "censored_cells": censored,
            "n_rows": int(len(rows["x"])), "card_sha256": card["sha256"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default=os.path.join(HERE, "..", "..", "tmp", "training"))
    args = ap.parse_args()
    random.seed(0)
    np.random.seed(0)
    print("converter self-check (numpy evaluation of exported attributes vs framework): " +
          ", ".join(f"{k} {v:.1e}" for k, v in selfcheck.run().items()))
    with open(os.path.join(args.features, "manifest.json")) as f:
        manifest = json.load(f)
    results = {"data_dir": manifest["dataDir"], "cycle_life": train_cycle_life(args.features, manifest),
               "rul_capacity": train_rul(args.features, manifest)}
    out = os.path.join(args.features, "results.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print("wrote " + out)


if __name__ == "__main__":
    main()
