"""Descriptions of the online device features (computed in models/scoring/features.ts) for model
cards, and the CSV loader of the fleet datasets written by models/fleet/generate.ts."""
import csv

import numpy as np

FEATURES = {
    # pack
    "c_rate": ("1/h", "|pack current| / full capacity, latest record"),
    "c_rate_ewma_10m": ("1/h", "C-rate, exponential mean over ~10 min"),
    "c_rate_ewma_1h": ("1/h", "C-rate, exponential mean over ~1 h"),
    "soc_pct": ("%", "BMS state of charge"),
    "soh_pct": ("%", "BMS state of health (capacity / nominal)"),
    "cycle_count": ("cycles", "equivalent full cycles reported by the BMS"),
    "temp_max_c": ("degC", "hottest pack sensor"),
    "temp_mean_c": ("degC", "mean pack temperature"),
    "temp_mean_ewma_24h": ("degC", "mean pack temperature, exponential mean over ~24 h (thermal baseline)"),
    "temp_rise_c": ("K", "temp_mean_c - temp_mean_ewma_24h"),
    "temp_spread_c": ("K", "hottest minus coldest pack sensor"),
    "temp_rate_c_per_h": ("K/h", "rate of change of the mean temperature, smoothed over ~1 h"),
    "cell_spread_mv": ("mV", "highest minus lowest cell voltage"),
    "cell_spread_ewma_1h": ("mV", "cell voltage spread, exponential mean over ~1 h"),
    "cell_spread_rate_mv_per_h": ("mV/h", "trend of the 1 h mean cell spread, smoothed over ~6 h"),
    "cell_min_v": ("V", "lowest cell voltage"),
    "alarm_flags_24h": ("count", "records with BMS alarm flags, decayed over ~24 h"),
    "history_h_24": ("h", "hours of the device's history so far, capped at 24 (first-day rows: means not settled)"),
    # charger
    "temperature_c": ("degC", "charger enclosure/power stage temperature"),
    "temperature_ewma_1h": ("degC", "temperature, exponential mean over ~1 h"),
    "temperature_max_24h": ("degC", "decaying peak-hold of the temperature (~24 h)"),
    "power_kw": ("kW", "power delivered"),
    "charging": ("0/1", "connector status is Charging"),
    "faulted": ("0/1", "connector status is Faulted"),
    "unavailable": ("0/1", "connector status is Unavailable"),
    "errors_24h": ("count", "OCPP error-code onsets, decayed over ~24 h"),
    "errors_7d": ("count", "OCPP error-code onsets, decayed over ~7 days"),
    "high_temp_errors_7d": ("count", "HighTemperature onsets, decayed over ~7 days"),
    "ground_errors_7d": ("count", "GroundFailure onsets, decayed over ~7 days"),
    "sessions_per_day": ("1/day", "charging sessions per day, smoothed over ~3 days"),
    "uptime_days": ("days", "time since the charger booted"),
    "days_since_maintenance": ("days", "time since the last maintenance"),
    "session_count": ("count", "lifetime sessions"),
}


def card_inputs(names):
    return [{"name": n, "unit": FEATURES[n][0], "description": FEATURES[n][1]} for n in names]


def load(path):
    """Fleet CSV -> dict of column arrays (features as float, NaN when empty)."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    cols = {}
    for i, name in enumerate(header):
        raw = [r[i] for r in rows]
        if name in ("device", "faults", "fault_onsets"):
            cols[name] = np.array(raw, dtype=object)
        else:
            cols[name] = np.array([float(v) if v != "" else np.nan for v in raw])
    return cols


def onsets(cell):
    """'type@start_s;...' -> [(type, start_s)]."""
    out = []
    for part in str(cell).split(";"):
        if "@" in part:
            kind, start = part.split("@")
            out.append((kind, float(start)))
    return out
