"""Short histories and absent inputs for the fleet models (models/scoring/basis.ts is the serving side).

A gateway scores a device from its first record, when the 1 h and 24 h means have not settled, and
many BMSs report fewer signals than the simulator (a SunSpec 802 battery has no temperatures and no
full capacity, so no C-rate). The models are trained with such rows instead of waiting for them:
  - training rows start at t = 0 (not after a day of warm-up);
  - each training row is repeated once with one group of inputs set to NaN (MASK_GROUPS, chosen per
    row by a seeded generator), so xgboost learns a default branch for every absent group;
  - the evaluation reports the metrics by hours of history and with the SunSpec 802 inputs absent,
    next to the full-history figures, and the card's confidence rule is set from them.
"""
import numpy as np

HOUR = 3600.0
# Inputs that disappear together when a device lacks the signal behind them.
MASK_GROUPS = {
    "no_temperature": ["temp_mean_ewma_24h", "temp_rise_c", "temp_spread_c", "temperature_ewma_1h", "temperature_max_24h"],
    "no_full_capacity": ["c_rate", "c_rate_ewma_10m", "c_rate_ewma_1h"],
    "no_cell_voltages": ["cell_spread_ewma_1h", "cell_spread_rate_mv_per_h"],
    "no_soh": ["soh_pct"],
    # A BMS like SunSpec 802: neither temperatures nor full capacity.
    "no_temperature_no_full_capacity": ["temp_mean_ewma_24h", "temp_rise_c", "temp_spread_c", "temperature_ewma_1h", "temperature_max_24h",
                                        "c_rate", "c_rate_ewma_10m", "c_rate_ewma_1h"],
}
# What a SunSpec 802 battery (drivers/modbus/maps/sunspec-802.yaml) cannot supply.
SUNSPEC_802_ABSENT = MASK_GROUPS["no_temperature_no_full_capacity"]
# History buckets (hours) the evaluation reports, as [lo, hi).
HISTORY_BUCKETS_H = [(0, 1), (1, 6), (6, 24), (24, None)]


def mask(X, names, absent):
    """Copy of X with the columns named in `absent` set to NaN."""
    Xm = np.array(X, dtype=np.float64, copy=True)
    for i, n in enumerate(names):
        if n in absent:
            Xm[:, i] = np.nan
    return Xm


def augment_missing(X, y, names, seed=0, extra=()):
    """X, y plus one copy of every row with one applicable MASK_GROUPS group absent (seeded choice).
    `extra` are columns appended to X after `names` (e.g. horizon_days), never masked."""
    groups = [[names.index(n) for n in cols if n in names] for cols in MASK_GROUPS.values()]
    groups = [g for g in groups if g]
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(groups), size=len(X))
    Xm = np.array(X, dtype=np.float64, copy=True)
    for k, cols in enumerate(groups):
        rows = pick == k
        for c in cols:
            Xm[rows, c] = np.nan
    return np.vstack([X, Xm]), np.concatenate([y, y])


def bucket_label(lo, hi):
    return f"{lo:g}-{hi:g} h" if hi is not None else f">= {lo:g} h"


def by_history(t_s, metric_fn):
    """{bucket label: metric_fn(row mask)} over HISTORY_BUCKETS_H of hours of history t_s / 3600."""
    h = np.asarray(t_s) / HOUR
    out = {}
    for lo, hi in HISTORY_BUCKETS_H:
        m = (h >= lo) & ((h < hi) if hi is not None else True)
        if m.sum():
            out[bucket_label(lo, hi)] = metric_fn(m)
    return out
