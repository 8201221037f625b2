"""Write a trained model's artefacts: models/<name>.onnx, models/<name>.card.json and
models/golden/<name>.json, after proving the exported ONNX attributes reproduce the framework."""
import datetime
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onnx"))
import numpy_eval  # noqa: E402  (models/onnx is not a package: its name would shadow the onnx library)

MODELS_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
# Float32 parity of the exported graph against the framework, absolute, on what the graph outputs
# (the log scale for models fitted on logs: see build_graph.log_scale_output). The agreed bound for
# the shipped files is 1e-4; the export is held ten times tighter.
PARITY_ABS_TOL = 1e-5


def as_f32(x):
    """Round features to float32 first, so framework, numpy and onnxruntime see identical inputs."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def parity(model, x, framework_pred):
    got = numpy_eval.evaluate(model, np.asarray(x, dtype=np.float32))
    want = np.asarray(framework_pred, dtype=np.float64).reshape(got.shape)
    return float(np.max(np.abs(got - want)))


def feature_distribution(names, x, bins=10):
    """Training distribution per input for population-stability-index drift: decile edges and the
    fraction of rows per bin. Bin i is [edges[i], edges[i+1]); the first and last bins are open-ended
    for scoring (values below edges[0] count in bin 0, values >= edges[-1] in the last bin)."""
    out = {}
    for j, n in enumerate(names):
        col = np.asarray(x[:, j], dtype=np.float64)
        edges = np.unique(np.quantile(col, np.linspace(0, 1, bins + 1)))
        if len(edges) < 2:
            edges = np.array([edges[0], edges[0] + 1e-9])
        idx = np.clip(np.searchsorted(edges, col, side="right") - 1, 0, len(edges) - 2)
        counts = np.bincount(idx, minlength=len(edges) - 1)
        out[n] = {"edges": [float(e) for e in edges], "fractions": [float(c) / len(col) for c in counts]}
    return out


def write_model(name, model, card, x_train, golden_x, golden_y, check_x, check_y, golden_values=None):
    """Check parity on (check_x, check_y), then write the .onnx, the card and the golden file.
    *_y are the framework's predictions on the scale the graph outputs; golden_values, when the card
    transforms that output, are the same predictions in the card's units (checked by the test suite
    through the scoring stage's loader)."""
    abs_diff = parity(model, check_x, check_y)
    if abs_diff > PARITY_ABS_TOL:
        raise SystemExit(f"{name}: exported ONNX disagrees with the framework (max abs diff {abs_diff:.3g})")
    data = model.SerializeToString()
    path = os.path.join(MODELS_DIR, f"{name}.onnx")
    with open(path, "wb") as f:
        f.write(data)
    full_card = {
        "name": name,
        "version": card.pop("version"),
        "created": datetime.date.today().isoformat(),
        "file": f"{name}.onnx",
        "sha256": hashlib.sha256(data).hexdigest(),
        **card,
        "feature_distribution": feature_distribution([i["name"] for i in card["inputs"]], x_train),
    }
    full_card["metrics"]["onnx_parity_numpy_max_abs_diff"] = abs_diff
    with open(os.path.join(MODELS_DIR, f"{name}.card.json"), "w") as f:
        json.dump(full_card, f, indent=2)
        f.write("\n")
    os.makedirs(os.path.join(MODELS_DIR, "golden"), exist_ok=True)
    golden = {"inputs": np.asarray(golden_x, dtype=np.float32).astype(float).tolist(),
              "outputs": np.asarray(golden_y, dtype=np.float64).reshape(len(golden_x), -1).tolist()}
    if golden_values is not None:
        golden["values"] = np.asarray(golden_values, dtype=np.float64).reshape(len(golden_x), -1).tolist()
    with open(os.path.join(MODELS_DIR, "golden", f"{name}.json"), "w") as f:
        json.dump(golden, f)
        f.write("\n")
    print(f"{name}: wrote {path} ({len(data)} bytes), numpy parity max abs diff {abs_diff:.3g}")
    return full_card
