"""labsupport.webexport: the networks in TensorFlow.js's layers format."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest

from labsupport import data, models, published, webexport

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "web" / "node_modules"


def randomized(name: str, seed: int = 0) -> keras.Model:
    """A registered network with random weights everywhere (batch-norm statistics too)."""
    model = models.build(name)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = layer.get_weights()
        if type(layer).__name__ == "BatchNormalization":
            gamma, beta, mean, variance = values
            values = [rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.1, beta.shape),
                      rng.normal(0, 0.1, mean.shape), rng.uniform(0.5, 2, variance.shape)]
        else:
            values = [rng.normal(0, 0.1, v.shape) for v in values]
        layer.set_weights([v.astype(np.float32) for v in values])
    return model


def some_digits(n: int = 16) -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)


def test_training_only_layers_are_left_out():
    model = models.build("augmented_cnn")
    names = [c["config"]["name"] for c in webexport.topology(model)["config"]["layers"]]
    assert "augment" not in names and "dropout" not in names
    assert names[0] == "conv1" and names[-1] == "softmax"
    first = webexport.topology(model)["config"]["layers"][0]["config"]
    assert first["batch_input_shape"] == [None, 28, 28, 1]


def test_every_weight_is_named_as_tensorflow_js_expects():
    names = [n for n, _ in webexport.named_weights(models.build("cnn"))]
    assert names[:6] == ["conv1/kernel", "conv1/bias", "bn1/gamma", "bn1/beta", "bn1/moving_mean", "bn1/moving_variance"]
    assert [n for n, _ in webexport.named_weights(models.build("dense"))] == [
        "hidden/kernel", "hidden/bias", "output/kernel", "output/bias"]


def test_an_unknown_layer_is_refused():
    model = keras.Sequential([keras.Input((4, 3)), keras.layers.LSTM(2)])
    with pytest.raises(webexport.ExportError, match="LSTM"):
        webexport.topology(model)


def test_quantize_round_trip_is_within_half_a_step():
    values = np.random.default_rng(0).normal(size=1000).astype(np.float32)
    q, scale, lo = webexport.quantize(values)
    assert q.dtype == np.uint8 and q.min() == 0 and q.max() == 255
    assert np.abs(webexport.dequantize(q, scale, lo) - values).max() <= scale / 2 + 1e-6
    flat = np.full(10, 0.25, np.float32)
    assert np.allclose(webexport.dequantize(*webexport.quantize(flat)), flat)


def test_export_sizes_follow_the_encodings(tmp_path):
    model = randomized("dense")
    encodings = {"hidden/kernel": "uint8", "output/kernel": "float16"}
    files = webexport.export(model, tmp_path, encodings)
    document = json.loads(files["model"].read_text())
    specs = {s["name"]: s for s in document["weightsManifest"][0]["weights"]}
    assert specs["hidden/kernel"]["quantization"]["dtype"] == "uint8"
    assert specs["output/kernel"]["quantization"] == {"dtype": "float16"}
    assert "quantization" not in specs["hidden/bias"]
    assert files["weights"].stat().st_size == 784 * 512 * 1 + 512 * 4 + 512 * 10 * 2 + 10 * 4
    assert webexport.encodings_of(files["model"]) == {
        "hidden/kernel": "uint8", "hidden/bias": "float32", "output/kernel": "float16", "output/bias": "float32"}


def test_dequantized_without_encodings_is_the_same_network():
    model = randomized("cnn")
    x = data.image_inputs(some_digits())
    copy = webexport.dequantized(model)
    np.testing.assert_allclose(copy.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_choose_encodings_keeps_8_bits_only_where_the_probabilities_stay_close():
    model = randomized("dense")
    x = data.dense_inputs(some_digits(64))
    loose = webexport.choose_encodings(model, x, tolerance=1.0)
    assert set(loose.values()) == {"uint8"}
    strict = webexport.choose_encodings(model, x, tolerance=0.0)
    assert set(strict.values()) == {"float16"}
    chosen = webexport.choose_encodings(model, x, tolerance=1e-2)
    change = np.abs(webexport.dequantized(model, chosen).predict(x, verbose=0) - model.predict(x, verbose=0)).max()
    assert change <= 1e-2


def test_publish_writes_files_with_checksums_and_a_sample_of_each_class(tmp_path):
    networks = {"dense": randomized("dense"), "cnn": randomized("cnn")}
    x = some_digits(40)
    y = (np.arange(40) % 10).astype(np.uint8)
    manifest = webexport.publish(networks, "tiny", tmp_path, (x, y))
    document = json.loads(manifest.read_text())
    assert [m["name"] for m in document["models"]] == ["dense", "cnn"]
    for entry in document["models"]:
        assert entry["profile"] == "tiny" and entry["inputs"] == models.spec(entry["name"]).inputs
        for f in entry["files"]:
            path = manifest.parent / f["path"]
            assert path.stat().st_size == f["bytes"] and published.sha256_of(path) == f["sha256"]
        assert 0 <= entry["exported_test_accuracy"] <= 1
    assert [s["label"] for s in document["samples"]] == list(range(10))  # FEATURED is beyond these 40 images
    assert document["samples"][3]["pixels"] == x[3].reshape(-1).tolist()
    assert 0 < document["sure_probability"] < 1


@pytest.mark.skipif(shutil.which("node") is None or not (NODE_MODULES / "@tensorflow" / "tfjs-layers").is_dir(),
                    reason="needs Node.js and the runtime (npm ci --prefix web)")
@pytest.mark.parametrize("name", ["dense", "augmented_cnn"])
def test_tensorflow_js_computes_what_keras_computes_with_the_exported_weights(tmp_path, name):
    model = randomized(name)
    digits = some_digits(8)
    x = data.model_inputs(digits, models.spec(name).inputs)
    encodings = webexport.choose_encodings(model, x, tolerance=1e-2)
    files = webexport.export(model, tmp_path, encodings)
    expected = webexport.dequantized(model, encodings).predict(x, verbose=0)
    (tmp_path / "x.f32").write_bytes(x.astype("<f4").tobytes())
    script = f"""
    const tf = require({json.dumps(str(NODE_MODULES / '@tensorflow/tfjs-core'))});
    require({json.dumps(str(NODE_MODULES / '@tensorflow/tfjs-backend-cpu'))});
    const tfl = require({json.dumps(str(NODE_MODULES / '@tensorflow/tfjs-layers'))});
    const fs = require('fs');
    (async () => {{
      await tf.setBackend('cpu');
      const doc = JSON.parse(fs.readFileSync({json.dumps(str(files['model']))}));
      const w = fs.readFileSync({json.dumps(str(files['weights']))});
      const model = await tfl.loadLayersModel(tf.io.fromMemory({{
        modelTopology: doc.modelTopology, weightSpecs: doc.weightsManifest[0].weights,
        weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength)}}));
      const raw = fs.readFileSync({json.dumps(str(tmp_path / 'x.f32'))});
      const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const shape = [{len(digits)}, ...model.inputs[0].shape.slice(1)];
      console.log(JSON.stringify(Array.from(model.predict(tf.tensor(x, shape)).dataSync())));
    }})();
    """
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=120, check=True)
    in_js = np.array(json.loads(out.stdout.strip().splitlines()[-1])).reshape(len(digits), 10)
    np.testing.assert_allclose(in_js, expected, atol=1e-5)


def test_the_texts_state_the_settings_the_export_uses():
    """The chapters and the README quote TOLERANCE and FEATURED: they must not drift from the code."""
    import re

    tolerance = f"more than {webexport.TOLERANCE:g}"
    for path in (ROOT / "book" / "06_your_digit.md", ROOT / "README.md"):
        assert tolerance in " ".join(path.read_text().split()), path.name
    chapter = (ROOT / "book" / "03_cnn.md").read_text()
    followed = int(re.search(r"^index = (\d+)", chapter, re.M).group(1))
    assert webexport.FEATURED[0] == followed
    assert f'data-index="{followed}"' in chapter and f"starts with {followed}" in chapter
