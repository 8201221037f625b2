"""anomaly_pack by hours of device history, with all inputs and with inputs absent, for the trained
model (train.py calls `history_report`) and for a previous version read from git (main, below).

  /usr/bin/python3 models/fleet/anomaly_history.py --data DIR [--previous-commit C]

Per band of hours since the device's first record (short_history.HISTORY_BUCKETS_H) and per input
condition (CONDITIONS: all inputs; no temperatures; a SunSpec 802 battery's inputs absent), with
the stage's alarm rule (score > threshold, clear <= clear held for clear_after_s; the hysteresis
runs over the whole device history, an episode belongs to the band it starts in):
  - false alarms: episodes starting before the device's first fault of any kind, per fault-free
    device-day of the band (from t = 0: the full-history figure in evaluate_anomaly.py starts at 1 day);
  - share of fault-free rows scored above the threshold;
  - alarm precision: episodes starting while a counted fault is active / (those + false alarms);
  - ROC AUC of the score, rows with a counted fault active against fault-free rows;
  - faults whose onset falls in the band: injected, detected within 48 h, median delay.
Counted faults are those whose group can be observed under the condition: without temperatures only
internal_short (cell_voltage); the others act on temperatures the pack does not report.
main() evaluates a previous model version (ONNX, card, golden file from `git show`) the same way on
the same datasets, so the report sets old and new side by side; its trees are evaluated with numpy
(vectorised; onnxruntime is not installed for Python), checked against its golden file first.
"""
import argparse
import json
import os
import subprocess

import numpy as np
import onnx
from onnx import helper
from sklearn.metrics import roc_auc_score

from evaluate_anomaly import EXPECTED_GROUP, WINDOW_S, episode_starts, evaluate_anomaly, scores, with_history
from features import load, onsets
from short_history import MASK_GROUPS, SUNSPEC_802_ABSENT, by_history

here = os.path.dirname(os.path.abspath(__file__))
# condition key -> (label, absent columns, fault types counted)
CONDITIONS = {
    "all_inputs": ("all inputs", (), tuple(EXPECTED_GROUP)),
    "no_temperature": ("no temperatures", tuple(MASK_GROUPS["no_temperature"]), ("internal_short",)),
    "sunspec_802": ("SunSpec 802 (no temperatures, no full capacity)", tuple(SUNSPEC_802_ABSENT), ("internal_short",)),
}
EARLY_FLEET = "battery_early_33.csv"  # models/fleet/README.md: faults also starting in the first day
PREVIOUS_COMMIT = "51822cf"  # main when anomaly_pack was still 1.0.0 (sklearn, all inputs required)


class OnnxTreeEnsemble:
    """One TreeEnsembleRegressor node (SUM, post_transform NONE; an Identity after it is allowed),
    evaluated for all rows at once."""

    def __init__(self, model):
        node, *rest = model.graph.node
        if any(n.op_type != "Identity" for n in rest):
            raise ValueError("expected a TreeEnsembleRegressor followed by Identity nodes only")
        a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        if node.op_type != "TreeEnsembleRegressor" or a.get("post_transform", b"NONE") not in (b"NONE", "NONE"):
            raise ValueError("expected one TreeEnsembleRegressor without post_transform")
        modes = [m.decode() if isinstance(m, bytes) else m for m in a["nodes_modes"]]
        if set(modes) - {"BRANCH_LEQ", "BRANCH_LT", "LEAF"}:
            raise ValueError(f"unsupported node modes {set(modes)}")
        key = {(t, n): i for i, (t, n) in enumerate(zip(a["nodes_treeids"], a["nodes_nodeids"]))}
        self.leaf = np.array([m == "LEAF" for m in modes])
        self.lt = np.array([m == "BRANCH_LT" for m in modes])
        self.feature = np.asarray(a["nodes_featureids"])
        self.value = np.asarray(a["nodes_values"], dtype=np.float32)
        trees = a["nodes_treeids"]
        self.true = np.array([key.get((t, n), -1) for t, n in zip(trees, a["nodes_truenodeids"])])
        self.false = np.array([key.get((t, n), -1) for t, n in zip(trees, a["nodes_falsenodeids"])])
        self.missing_true = np.asarray(a["nodes_missing_value_tracks_true"]) == 1
        self.roots = np.array([key[(t, 0)] for t in sorted(set(trees))])
        self.weights = np.zeros((len(modes), a["n_targets"]), dtype=np.float64)
        for t, n, k, w in zip(a["target_treeids"], a["target_nodeids"], a["target_ids"], a["target_weights"]):
            self.weights[key[(t, n)], k] += np.float32(w)
        self.base = np.asarray(a.get("base_values", [0.0] * a["n_targets"]), dtype=np.float64)

    def predict(self, X):
        X = np.asarray(X, dtype=np.float32)
        y = np.tile(self.base, (len(X), 1))
        rows = np.arange(len(X))
        for root in self.roots:
            i = np.full(len(X), root)
            while not self.leaf[i].all():
                inner = ~self.leaf[i]
                j = i[inner]
                v = X[rows[inner], self.feature[j]]
                below = np.where(self.lt[j], v < self.value[j], v <= self.value[j])
                go = np.where(np.isnan(v), self.missing_true[j], below)
                i[inner] = np.where(go, self.true[j], self.false[j])
            y += self.weights[i]
        return y


def check_golden(predict, golden, tol=1e-4):
    X = np.array([[np.nan if v is None else v for v in row] for row in golden["inputs"]], dtype=np.float32)
    want = np.asarray(golden["outputs"], dtype=np.float64)
    worst = float(np.max(np.abs(predict(X) - want) / np.maximum(1.0, np.abs(want))))
    if worst > tol:
        raise SystemExit(f"numpy evaluation differs from the golden outputs by {worst:g} (> {tol:g})")
    return worst


def auc(pos, neg):
    """ROC AUC of scores pos against neg; None without both classes."""
    if len(pos) == 0 or len(neg) == 0:
        return None
    return round(float(roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg])), 3)


def anomaly_by_history(d, score, threshold, clear, clear_after_s, fault_types):
    t = d["t_s"]
    clean = np.zeros(len(t), dtype=bool)
    active = np.zeros(len(t), dtype=bool)
    starts = np.zeros(len(t), dtype=bool)
    dt = np.zeros(len(t))  # device time each row stands for (to the next row), for device-days
    onset_rows = []  # (first row at or after the onset, detected, delay_s) of counted faults
    for device in np.unique(d["device"]):
        m = np.where(d["device"] == device)[0]
        f = onsets(d["fault_onsets"][m[0]])
        first = min([s for _, s in f], default=np.inf)
        clean[m] = t[m] < first
        for kind, start in f:
            if kind in fault_types:
                active[m] |= t[m] >= start
        starts[m] = episode_starts(t[m], score[m], threshold, clear, clear_after_s)
        dt[m] = np.diff(t[m], append=t[m][-1])
        for kind, start in f:
            if kind not in fault_types or start > t[m].max():
                continue
            w = np.where((t[m] >= start) & (t[m] <= start + WINDOW_S) & (score[m] > threshold))[0]
            onset_rows.append((m[np.searchsorted(t[m], start)], len(w) > 0, float(t[m][w[0]] - start) if len(w) else None))
    scored = ~np.isnan(score)

    def band(m):
        clean_days = float(dt[m & clean & scored].sum()) / 86400.0
        false = int((starts & m & clean).sum())
        true = int((starts & m & active).sum())
        mine = [o for o in onset_rows if m[o[0]]]
        delays = [o[2] for o in mine if o[1]]
        above = score[m & clean & scored] > threshold
        return {"rows": int((m & scored).sum()), "rows_not_scored": int((m & ~scored).sum()),
                "fault_free_device_days": round(clean_days, 2), "false_alarms": false,
                "false_alarms_per_device_day": round(false / clean_days, 4) if clean_days else None,
                "fault_free_rows_above_threshold": round(float(above.mean()), 4) if len(above) else None,
                "alarms_during_fault": true, "alarm_precision": round(true / (true + false), 3) if true + false else None,
                "fault_active_rows": int((m & active & scored).sum()),
                "roc_auc_fault_active_vs_fault_free": auc(score[m & active & scored], score[m & clean & scored]),
                "faults_with_onset": len(mine), "detected_within_48h": sum(o[1] for o in mine),
                "median_delay_minutes": round(float(np.median(delays)) / 60, 1) if delays else None}

    return by_history(t, band)


def history_report(d, predict, card):
    """{condition: {band: figures}} of a model (predict, card) on dataset d (module docstring)."""
    res, met = card["residual"], card["metrics"]
    inputs = [i["name"] for i in card["inputs"]]
    required = card["confidence"]["required_inputs"]
    out = {}
    for key, (_, absent, faults) in CONDITIONS.items():
        score, _ = scores(d, predict, res["sigma"], inputs, res["observed"], required, absent)
        out[key] = anomaly_by_history(d, score, met["alarm_threshold"], met["alarm_clear"], met["alarm_clear_after_s"], faults)
    return out


def full_history(d, predict, card, condition="all_inputs"):
    """Per-fault figures (evaluate_anomaly) under one condition."""
    res, met = card["residual"], card["metrics"]
    _, absent, faults = CONDITIONS[condition]
    score, kind = scores(d, predict, res["sigma"], [i["name"] for i in card["inputs"]], res["observed"],
                         card["confidence"]["required_inputs"], absent)
    return evaluate_anomaly(d, score, kind, res["groups"], met["alarm_threshold"], met["alarm_clear"], met["alarm_clear_after_s"], faults)


def git_file(commit, path):
    return subprocess.run(["git", "show", f"{commit}:{path}"], cwd=here, check=True, capture_output=True).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="directory with battery_22.csv and battery_early_33.csv (models/fleet/README.md)")
    ap.add_argument("--previous-commit", default=PREVIOUS_COMMIT)
    args = ap.parse_args()
    c = args.previous_commit
    card = json.loads(git_file(c, "models/anomaly_pack.card.json"))
    model = OnnxTreeEnsemble(onnx.load_from_string(git_file(c, "models/anomaly_pack.onnx")))
    worst = check_golden(model.predict, json.loads(git_file(c, "models/golden/anomaly_pack.json")))
    d = with_history(load(f"{args.data}/battery_22.csv"))
    prev = {"version": card["version"], "commit": c,
            "source": f"anomaly_pack {card['version']} from git {c} (numpy evaluation, golden outputs reproduced within {worst:.1e} "
                      "relative), its card's sigma and required inputs; models/fleet/anomaly_history.py",
            "evaluation_fleet": full_history(d, model.predict, card), "by_history_hours": history_report(d, model.predict, card)}
    if os.path.exists(f"{args.data}/{EARLY_FLEET}"):
        prev["early_fleet_by_history_hours"] = history_report(with_history(load(f"{args.data}/{EARLY_FLEET}")), model.predict, card)
    path = os.path.join(here, "evaluation.fleet.json")
    report = json.load(open(path))
    report["anomaly_pack"]["previous"] = prev
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(json.dumps({k: v[">= 24 h"] for k, v in prev["by_history_hours"].items() if ">= 24 h" in v}, indent=1))


if __name__ == "__main__":
    main()
