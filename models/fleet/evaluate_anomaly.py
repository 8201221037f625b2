"""Evaluation of anomaly_pack on a labelled simulated fleet, each fault type separately.

Score per row exactly as the scoring stage does (models/scoring/postprocess.ts):
z_k = (observed_k - expected_k) / sigma_k, score = max_k |z_k|, type = argmax. Alarm episodes use
the stage's hysteresis (start when score > threshold, end when score has stayed <= clear for
clear_after_s).

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


def scores(d, regs, sigma, inputs, observed):
    X = np.column_stack([d[n] for n in inputs])
    Y = np.column_stack([d[n] for n in observed])
    ok = ~np.isnan(X).any(axis=1) & ~np.isnan(Y).any(axis=1)
    Z = np.full(Y.shape, np.nan)
    Xf = X[ok].astype(np.float32)  # the model sees float32, as onnxruntime does
    for k, reg in enumerate(regs):
        Z[ok, k] = (Y[ok, k] - reg.predict(Xf)) / sigma[k]
    absz = np.abs(Z)
    score = np.where(ok, np.nanmax(np.where(ok[:, None], absz, 0), axis=1), np.nan)
    kind = np.where(ok, np.argmax(np.where(ok[:, None], absz, -1), axis=1), -1)
    return score, kind


def evaluate_anomaly(d, regs, sigma, inputs, observed, groups, threshold, clear, clear_after_s=0.0):
    score, kind = scores(d, regs, sigma, inputs, observed)
    per_type = {}
    false_alarms, clean_days = 0, 0.0
    for device in np.unique(d["device"]):
        m = np.where(d["device"] == device)[0]
        t = d["t_s"][m]
        s, k = score[m], kind[m]
        faults = onsets(d["fault_onsets"][m[0]])
        first = min([start for _, start in faults], default=np.inf)
        clean_end = min(first, t.max())
        if clean_end > DAY:
            clean_days += (clean_end - DAY) / DAY
        active, clear_since = False, None
        for ti, si in zip(t, s):
            if np.isnan(si):
                continue
            if not active and si > threshold:
                active, clear_since = True, None
                if DAY <= ti < first:
                    false_alarms += 1
            elif active and si <= clear:
                clear_since = ti if clear_since is None else clear_since
                if ti - clear_since >= clear_after_s:
                    active = False
            elif active:
                clear_since = None
        for ftype, start in faults:
            if ftype not in EXPECTED_GROUP or start > t.max():
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
