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
