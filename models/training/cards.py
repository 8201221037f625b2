"""Model-card content (everything but the fields artefacts.write_model fills in)."""

SEVERSON_DATA = {"name": "Severson et al. 2019 LFP/graphite fast-charging cells (train split, 41 cells)",
                 "source": "Severson et al., Nature Energy 4, 383-391 (2019); arrays exported by Attia et al., "
                           "J. Electrochem. Soc. 168 090547 (2021), petermattia/revisit-severson-et-al @ 3a77c7d",
                 "licence": "data CC-BY 4.0 (data.matr.io); export MIT"}
NASA_DATA = {"name": "NASA Ames PCoE battery data set B0005, B0006, B0018 (B0007 never reaches 1.4 Ah: not used)",
             "source": "B. Saha and K. Goebel, Battery Data Set, NASA Ames Prognostics Data Repository (2007); "
                       "CSV from CXL-edu/Battery_RUL_Benchmark @ 7acadc6",
             "licence": "public domain data; CSV Apache-2.0"}
CALCE_DATA = {"name": "CALCE CS2_35..CS2_38 (LCO, 1.1 Ah)",
              "source": "CALCE Battery Research Group, University of Maryland; CSV from CXL-edu/Battery_RUL_Benchmark @ 7acadc6",
              "licence": "research use with citation; CSV Apache-2.0"}

SEVERSON_INPUTS = {
    "dq_log_var": ("log10(Ah^2)", "log10 |variance over voltage of Q100(V) - Q10(V)|"),
    "dq_log_min": ("log10(Ah)", "log10 |minimum of Q100(V) - Q10(V)|"),
    "dq_log_abs_mean": ("log10(Ah)", "log10 |mean of Q100(V) - Q10(V)|"),
    "dq_log_abs_skew": ("log10", "log10 |skewness of Q100(V) - Q10(V)|"),
    "dq_log_abs_kurt": ("log10", "log10 |Pearson kurtosis of Q100(V) - Q10(V)|"),
    "cap_fade_slope": ("Ah/cycle", "slope of a linear fit of discharge capacity over cycles 2..100 (single-cycle spikes removed)"),
    "cap_fade_intercept": ("Ah", "intercept of that linear fit"),
    "cap_max_minus_c2": ("Ah", "maximum discharge capacity over cycles 2..100 minus capacity at cycle 2"),
    "cap_c2": ("Ah", "discharge capacity at cycle 2"),
    "cap_c100": ("Ah", "discharge capacity at cycle 100"),
    "dq_log_abs_p10": ("log10(Ah)", "log10 |10th percentile over voltage of Q100(V) - Q10(V)|"),
    "dq_log_abs_p50": ("log10(Ah)", "log10 |median over voltage of Q100(V) - Q10(V)|"),
    "cap_fade_slope_91_100": ("Ah/cycle", "slope of a linear fit of discharge capacity over cycles 91..100 (spikes removed)"),
    "cap_fade_intercept_91_100": ("Ah", "intercept (at cycle 0) of that fit"),
}

TRAJECTORY_INPUTS = {
    "cycles_so_far": ("cycles", "equivalent full cycles observed so far"),
    "cap_frac": ("fraction of nominal", "capacity now, trailing 5-cycle median"),
    "cap_frac_initial": ("fraction of nominal", "median capacity of the first 5 cycles"),
    "fade_so_far": ("fraction of nominal", "cap_frac_initial - cap_frac"),
    "margin_to_eol": ("fraction of nominal", "cap_frac minus the end-of-life threshold"),
    "slope_20": ("fraction per 100 cycles", "capacity fade rate over the last 20 cycles"),
    "slope_50": ("fraction per 100 cycles", "capacity fade rate over the last 50 cycles"),
    "slope_100": ("fraction per 100 cycles", "capacity fade rate over the last 100 cycles"),
    "curvature_100": ("fraction per (100 cycles)^2", "second derivative of a quadratic fit over the last 100 cycles"),
    "linear_cycles_to_eol": ("cycles", "margin_to_eol / fade rate of the last 50 cycles, capped at 5000"),
    "log_linear_eta_20": ("ln(cycles)", "ln(1 + margin_to_eol / fade rate of the last 20 cycles), capped at 5000 cycles"),
    "log_linear_eta_50": ("ln(cycles)", "ln(1 + linear_cycles_to_eol)"),
    "log_linear_eta_100": ("ln(cycles)", "ln(1 + margin_to_eol / fade rate of the last 100 cycles), capped at 5000 cycles"),
    "log_quadratic_eta": ("ln(cycles)", "ln(1 + cycles until a quadratic fit of the last 100 cycles reaches end of life), capped at 5000"),
    "log_cycles_so_far": ("ln(cycles)", "ln(cycles_so_far)"),
    "fade_budget_used": ("fraction", "fade_so_far / (cap_frac_initial - end-of-life fraction), clamped to [-1, 2]"),
    "log_exp_eta": ("ln(cycles)", "ln(1 + cycles until Q = a exp(b k) + c fitted to the whole history reaches end of life), capped at 5000"),
}


def _inputs(names, table):
    return [{"name": n, "unit": table[n][0], "description": table[n][1]} for n in names]


def cycle_life_card(names, metrics):
    return {
        "version": "3.0.0",
        "description": "Cycle life (cycles to 80 % of nominal capacity) of an LFP/graphite cell predicted from its "
                       "first 100 cycles: discharge Q(V) curves of cycles 10 and 100 on a fixed voltage grid and the "
                       "capacity fade over cycles 2..100 (Severson et al. 2019 features, models/features/severson.ts). "
                       "Trained on one cell chemistry and cycling regime: outside it the prediction is an extrapolation.",
        "inputs": _inputs(names, SEVERSON_INPUTS),
        "outputs": [{"name": "cycle_life", "unit": "cycles", "description": "predicted cycle life (first cycle below 80 % of nominal)",
                     "transform": "exp", "onnx_unit": "ln(cycles)"}],
        "training_data": [SEVERSON_DATA],
        "metrics": metrics,
    }


def rul_capacity_card(names, metrics):
    return {
        "version": "3.0.0",
        "description": "Remaining cycles until end of life from the capacity trajectory so far, as a fraction of nominal "
                       "(BMS state of health or the feature engine's coulomb-counted capacity; models/features/trajectory.ts). "
                       "The end-of-life threshold enters through margin_to_eol. Trained on 7 lab cells only "
                       "(3 NASA, 4 CALCE): a coarse estimate, see models/EVALUATION.md.",
        "inputs": _inputs(names, TRAJECTORY_INPUTS),
        "outputs": [{"name": "remaining_cycles", "unit": "cycles", "description": "predicted cycles until capacity falls below the end-of-life threshold",
                     "transform": "expm1", "onnx_unit": "ln(cycles + 1)"}],
        "training_data": [NASA_DATA, CALCE_DATA],
        "metrics": metrics,
    }
