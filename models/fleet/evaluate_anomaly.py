"""Evaluation of anomaly_pack on a labelled simulated fleet, each fault type separately.

Score per row exactly as the scoring stage does (models/scoring/basis.ts, postprocess.ts): a row
lacking a required input of the card is not scored; any other absent input goes to the model as
NaN; z_k = (observed_k - expected_k) / sigma_k for every group whose observation exists (an absent
observation has no z and nothing stands in for it), score = max_k |z_k|, type = argmax (no group
observed: not scored). Alarm episodes use the stage's hysteresis (start when score > threshold, end
when score has stayed <= clear for clear_after_s).

- detection rate: share of injected faults with score > threshold at some row within 48 h after
  onset (sampled every 10 min);
- median detection delay: onset to that first row;
- type match: share of detections whose anomaly_type (at the first alarm row) is the group the fault
  acts on most directly, and the counts of each reported type (an internal short also heats its
  cell, so the sensor group can deviate first: the type names a signal group, it is no diagnosis);
- false alarms per device-day: alarm episodes starting in fault-free operation (after the 1-day
  feature warm-up, before the device's first fault of any kind), per fault-free device-day.
comms_loss is not scored: the device sends nothing while it lasts, so no model input exists; the
agent's driver staleness state covers it.
"""
import numpy as np

from features import onsets

DAY = 86400.0
WINDOW_S = 48 * 3600.0
EXPECTED_GROUP = {"cooling_failure": "thermal", "sensor_stuck": "temp_sensor", "sensor_drift": "temp_sensor",
                  "internal_short": "cell_voltage"}


def with_history(d):
    """Adds the stage's history_h_24 (models/scoring/features.ts): rows start at the device's first record."""
    d["history_h_24"] = np.minimum(d["t_s"] / 3600.0, 24.0)
    return d


def scores(d, predict, sigma, inputs, observed, required=(), absent=()):
    """Per row (score, type index) as the stage computes them; NaN / -1 where the stage would not
    score. `predict(X float32) -> [N, K]` expected values; `absent` columns (inputs or observations)
    are treated as not reported by the device."""
    col = lambda n: np.full(len(d["t_s"]), np.nan) if n in absent else np.asarray(d[n], dtype=np.float64)  # noqa: E731
    X = np.column_stack([col(n) for n in inputs])
    Y = np.column_stack([col(n) for n in observed])
    req = [inputs.index(n) for n in required]
    ok = ~np.isnan(X[:, req]).any(axis=1) if req else np.ones(len(X), dtype=bool)
    Z = np.full(Y.shape, np.nan)
    if ok.any():
        Z[ok] = (Y[ok] - predict(X[ok].astype(np.float32))) / np.asarray(sigma)  # the model sees float32, as onnxruntime does
    absz = np.abs(Z)
    scored = ~np.isnan(absz).all(axis=1)
    score = np.full(len(X), np.nan)
    kind = np.full(len(X), -1)
    score[scored] = np.nanmax(absz[scored], axis=1)
    kind[scored] = np.nanargmax(absz[scored], axis=1)
    return score, kind


def episode_starts(t, s, threshold, clear, clear_after_s):
    """Boolean per row: an alarm episode starts here (models/scoring/alarms.ts hysteresis)."""
    out = np.zeros(len(t), dtype=bool)
    on, since = False, None
    for i, (ti, si) in enumerate(zip(t, s)):
        if np.isnan(si):
            continue
        if not on and si > threshold:
            on, since, out[i] = True, None, True
        elif on and si <= clear:
            since = ti if since is None else since
            if ti - since >= clear_after_s:
                on = False
        elif on:
            since = None
    return out


def evaluate_anomaly(d, score, kind, groups, threshold, clear, clear_after_s=0.0, fault_types=None):
    """Per-fault-type detection and false alarms from per-row (score, kind) of `scores`; only faults
    in `fault_types` (default: all of EXPECTED_GROUP) are counted."""
    fault_types = set(fault_types or EXPECTED_GROUP)
    per_type = {}
    false_alarms, clean_days = 0, 0.0
    for device in np.unique(d["device"]):
        m = np.where(d["device"] == device)[0]
        t = d["t_s"][m]
        s, k = score[m], kind[m]
        faults = onsets(d["fault_onsets"][m[0]])
        first = min([start for _, start in faults], default=np.inf)
        clean_end = min(first, t.max())
        if clean_end > DAY and not np.isnan(s).all():
            clean_days += (clean_end - DAY) / DAY
        false_alarms += int((episode_starts(t, s, threshold, clear, clear_after_s) & (t >= DAY) & (t < first)).sum())
        for ftype, start in faults:
            if ftype not in fault_types or start > t.max():
                continue
            r = per_type.setdefault(ftype, {"faults": 0, "detected": 0, "delays_s": [], "type_match": 0, "types": {}})
            r["faults"] += 1
            w = np.where((t >= start) & (t <= start + WINDOW_S) & (s > threshold))[0]
            if len(w):
                r["detected"] += 1
                r["delays_s"].append(float(t[w[0]] - start))
                r["type_match"] += int(groups[k[w[0]]] == EXPECTED_GROUP[ftype])
                r["types"][groups[k[w[0]]]] = r["types"].get(groups[k[w[0]]], 0) + 1
    out = {"threshold": threshold, "clear": clear, "clear_after_s": clear_after_s, "fault_free_device_days": round(clean_days, 1),
           "false_alarms": false_alarms, "false_alarms_per_device_day": round(false_alarms / clean_days, 4) if clean_days else None,
           "by_fault": {}}
    for ftype, r in sorted(per_type.items()):
        out["by_fault"][ftype] = {
            "faults": r["faults"], "detection_rate": round(r["detected"] / r["faults"], 3),
            "median_delay_minutes": round(float(np.median(r["delays_s"])) / 60, 1) if r["delays_s"] else None,
            "type_match_rate": round(r["type_match"] / r["detected"], 3) if r["detected"] else None,
            "expected_type": EXPECTED_GROUP[ftype], "reported_types": r["types"],
        }
    return out
