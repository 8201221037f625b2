"""Builds the tiny real ONNX fixtures the scoring-stage tests load (run: /usr/bin/python3 THIS).

fixture_pack: one-split tree, logistic output: failure_probability = sigmoid(-5) = 0.0067 when
temp_max_c <= 55, sigmoid(5) = 0.9933 above, so tests cross the alarm threshold by temperature
alone. fixture_pack_v2: same split, raw +-2 (0.119 / 0.881) and version 2.0.0 (hot reload tests).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fleet"))
import numpy as np  # noqa: E402
from onnx_export import histogram, save, stump_to_onnx  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(1)
temps = rng.normal(30, 5, 1000)
for name, raw, version in [("fixture_pack", 5.0, "1.0.0"), ("fixture_pack_v2", 2.0, "2.0.0")]:
    model = stump_to_onnx(0, 55.0, -raw, raw, 2, "fixture_pack")
    X = np.array([[25, 0.5], [50, 0.0], [60, 1.0], [70, 2.0]], dtype=np.float32)
    y = 1 / (1 + np.exp(-np.where(X[:, 0] <= 55, -raw, raw)))
    card = {
        "name": "fixture_pack", "version": version, "created": "2026-11-23T00:00:00Z", "file": "fixture_pack.onnx",
        "description": "Test fixture: logistic in temperature. Not a real model.",
        "inputs": [{"name": "temp_max_c", "unit": "degC", "description": "hottest sensor"},
                   {"name": "c_rate", "unit": "1/h", "description": "|current| / capacity"}],
        "outputs": [{"name": "failure_probability", "unit": "1", "description": "fixture"}],
        "training_data": [{"name": "none", "source": "synthetic fixture", "licence": "Apache-2.0"}],
        "metrics": {},
        "feature_distribution": {"temp_max_c": histogram(temps), "c_rate": histogram(np.abs(rng.normal(0.3, 0.2, 1000)))},
    }
    save(model, os.path.join(here, f"{name}.onnx"), card, os.path.join(here, f"{name}.card.json"), X, y[:, None],
         os.path.join(here, f"{name}.golden.json"))
print("ok")

# fixture_horizon: failure_probability = sigmoid(0.2 x horizon_days - 3), whatever the temperature,
# so a test can tell which horizon the stage fed in; trained range 1-14 days (card `horizon`).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "onnx"))
from build_graph import build_model  # noqa: E402

model = build_model([{"kind": "linear", "coef": [0.0, 0.2], "intercept": -3.0}], 2, transform="logistic")
X = np.array([[25, 1], [50, 7], [60, 14], [70, 3.5]], dtype=np.float32)
y = 1 / (1 + np.exp(-(0.2 * X[:, 1] - 3)))
card = {
    "name": "fixture_horizon", "version": "1.0.0", "created": "2026-11-23T00:00:00Z", "file": "fixture_horizon.onnx",
    "description": "Test fixture: logistic in the configured horizon. Not a real model.",
    "inputs": [{"name": "temp_max_c", "unit": "degC", "description": "hottest sensor"},
               {"name": "horizon_days", "unit": "days", "description": "prediction horizon, from config"}],
    "outputs": [{"name": "failure_probability", "unit": "1", "description": "fixture"}],
    "horizon": {"input": "horizon_days", "config": "scoring.failure_pack.horizon_days", "min_days": 1, "max_days": 14},
    "training_data": [{"name": "none", "source": "synthetic fixture", "licence": "Apache-2.0"}],
    "metrics": {},
    "feature_distribution": {"temp_max_c": histogram(temps)},
}
save(model, os.path.join(here, "fixture_horizon.onnx"), card, os.path.join(here, "fixture_horizon.card.json"), X, y[:, None],
     os.path.join(here, "fixture_horizon.golden.json"))
print("ok")
