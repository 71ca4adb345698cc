"""labsupport.webexport: the networks in TensorFlow.js's layers format."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest

from labsupport import data, models, profile, published, webexport

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
        # the weights also as gzip (static hosts send binaries uncompressed): the same bytes, fewer of them
        weights = [f for f in entry["files"] if f["path"].endswith(".bin")]
        assert len(weights) == 1 and [f for f in entry["files"] if "gzip" in f] == weights
        copy = manifest.parent / weights[0]["gzip"]["path"]
        assert copy.name == "weights.bin.gz" and copy.stat().st_size == weights[0]["gzip"]["bytes"]
        assert gzip.decompress(copy.read_bytes()) == (manifest.parent / weights[0]["path"]).read_bytes()
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


def test_convolution_settings_offer_the_presets_the_learned_filters_and_the_signed_colour_map():
    """Chapter 2's playground reads these: the values are labsupport's and the CNN's, written exactly."""
    import matplotlib

    from labsupport import filters, plots

    cnn = randomized("cnn")
    settings = json.loads(json.dumps(webexport.convolution_settings({"dense": randomized("dense"), "cnn": cnn})))
    assert [p["name"] for p in settings["presets"]] == list(filters.PRESETS)
    for preset in settings["presets"]:
        title, weights = filters.PRESETS[preset["name"]]
        assert preset["title"] == title and np.array_equal(preset["kernel"], weights)
    learned = settings["learned"]
    assert (learned["model"], learned["layer"]) == webexport.LEARNED_FILTERS_FROM
    kernel = cnn.get_layer("conv1").get_weights()[0]
    assert np.array_equal(np.array(learned["kernels"], np.float32), np.moveaxis(kernel[:, :, 0, :], -1, 0))
    cmap = matplotlib.colormaps[plots.SIGNED_CMAP]
    colours = settings["colormap"]["colors"]
    assert settings["colormap"]["name"] == plots.SIGNED_CMAP and len(colours) == cmap.N
    for i in (0, 127, 128, 255):  # deep blue, the two whites around 0, deep red
        assert colours[i] == "#%02x%02x%02x" % tuple(cmap(i, bytes=True)[:3])
    assert colours[0][1:3] < colours[-1][1:3]  # red grows from negative to positive


def test_convolution_settings_without_the_cnn_have_no_learned_filters():
    settings = webexport.convolution_settings({"dense": randomized("dense")})
    assert settings["learned"]["kernels"] == [] and len(settings["presets"]) == 5


def test_publish_writes_the_convolution_settings(tmp_path):
    networks = {"cnn": randomized("cnn")}
    x = some_digits(20)
    y = (np.arange(20) % 10).astype(np.uint8)
    document = json.loads(webexport.publish(networks, "tiny", tmp_path, (x, y)).read_text())
    assert len(document["convolution"]["learned"]["kernels"]) == 32


def test_training_settings_are_the_recipes_and_timings():
    """What chapter 7's page trains and times with: read from train.compile_classifier and timing."""
    import inspect

    from labsupport import timing, train

    settings = webexport.training_settings(64)
    assert settings["optimizer"]["name"] == "adam"
    assert settings["optimizer"]["learning_rate"] == train.LEARNING_RATE
    assert settings["optimizer"]["epsilon"] == 1e-7
    assert settings["loss"] == "sparse_categorical_crossentropy"
    assert settings["batch_size"] == 64
    assert settings["steps_per_sample"] == timing.STEPS_PER_SAMPLE
    assert settings["quantile"] == timing.QUANTILE
    assert settings["warmup_batches"] == inspect.signature(timing.time_training).parameters["warmup_batches"].default


def test_browser_timing_is_a_smaller_batch_of_the_recipes_and_says_why():
    """Chapter 7's page reads its batch and time budget here (not from a constant in its JavaScript)."""
    timing = webexport.browser_timing(128)
    assert timing["batch_size"] == 128 // webexport.BROWSER_BATCH_DIVISOR < 128
    assert timing["batch_divisor"] == webexport.BROWSER_BATCH_DIVISOR
    assert timing["seconds_per_backend"] == webexport.BROWSER_SECONDS_PER_BACKEND > 0
    assert [timing["min_samples"], timing["max_samples"]] == list(webexport.BROWSER_SAMPLES)
    assert 1 <= timing["min_samples"] <= timing["max_samples"]
    assert "batches of 128" in timing["why"]  # the page says the build's batch beside its own
    assert webexport.browser_timing(3)["batch_size"] == 1  # never an empty batch
    assert webexport.training_settings(64)["browser_timing"] == webexport.browser_timing(64)
    assert json.loads(json.dumps(timing)) == timing
    assert webexport.browser_timing(np.int64(64))["batch_size"] == 8
    for bad in (0, -8, 2.5, True, "128", None):
        with pytest.raises(ValueError, match="positive whole number"):
            webexport.browser_timing(bad)
    page = (ROOT / "web" / "site" / "live" / "backends.js").read_text()
    assert "BATCH_FRACTION" not in page and "browser_timing" in page


def test_publish_writes_the_training_settings_only_with_a_batch_size(tmp_path):
    networks = {"dense": randomized("dense")}
    test = (some_digits(20), (np.arange(20) % 10).astype(np.uint8))
    with_batch = json.loads(webexport.publish(networks, "tiny", tmp_path / "a", test, batch_size=32).read_text())
    without = json.loads(webexport.publish(networks, "tiny", tmp_path / "b", test).read_text())
    assert with_batch["training"] == webexport.training_settings(32) and "training" not in without


def test_augmentation_settings_are_the_augmented_cnns_and_its_draw_order():
    """Chapter 5's page reads these: the layer's ranges and fill, and the order RandomAffine draws its parameters in."""
    import keras

    from labsupport import augment, inference

    plain = webexport.augmentation_settings({"dense": randomized("dense"), "cnn": randomized("cnn")})
    assert plain["ranges"] == augment.RANGES and plain["fill_value"] == -1.0 and plain["input_format"] == "image"
    assert plain["shift_pad"] == {"max_pixels": webexport.SHIFT_PAD_PIXELS, "fill": 0}
    assert inference.shift_images(np.full((1, 3, 3), 7, np.uint8), 1)[0, 0, 0] == plain["shift_pad"]["fill"]
    stronger = models.augmented_cnn(rotation=20, shear=15, seed=4)
    settings = json.loads(json.dumps(webexport.augmentation_settings({"cnn": randomized("cnn"), "augmented_cnn": stronger})))
    assert settings["ranges"] == {**augment.RANGES, "rotation": 20.0, "shear": 15.0}
    assert set(settings["units"]) == set(augment.RANGES)
    page = (ROOT / "web" / "site" / "live" / "augmentation.js").read_text()  # the port checks the units it reads
    assert all(f'unit: "{unit}"' in page for unit in settings["units"].values())
    # the draws, in the exported order, given to affine_matrix, are the layer's transforms
    layer = augment.RandomAffine(**settings["ranges"], seed=9)
    expected = np.asarray(layer.transforms(16, 28, 28))
    generator = keras.random.SeedGenerator(9)
    r = settings["ranges"]
    bounds = {"rotation": (-r["rotation"], r["rotation"]), "shear": (-r["shear"], r["shear"]),
              "shift_x": (-r["shift"], r["shift"]), "shift_y": (-r["shift"], r["shift"]),
              "zoom_x": (1 - r["zoom"], 1 + r["zoom"]), "zoom_y": (1 - r["zoom"], 1 + r["zoom"])}
    drawn = {name: np.asarray(keras.random.uniform((16,), *bounds[name], seed=generator)) for name in settings["draws"]}
    drawn["shift_x"] = drawn["shift_x"] * 28
    drawn["shift_y"] = drawn["shift_y"] * 28
    rebuilt = np.asarray(augment.affine_matrix(*(drawn[k] for k in ("rotation", "shear", "shift_x", "shift_y", "zoom_x", "zoom_y")), 28, 28))
    np.testing.assert_allclose(rebuilt, expected, atol=1e-6)


def test_publish_writes_the_augmentation_settings(tmp_path):
    from labsupport import augment

    x = some_digits(20)
    y = (np.arange(20) % 10).astype(np.uint8)
    document = json.loads(webexport.publish({"augmented_cnn": randomized("augmented_cnn")}, "tiny", tmp_path, (x, y)).read_text())
    assert document["augmentation"]["ranges"] == augment.RANGES


def small_mnist(n_train: int = 60, n_test: int = 30) -> tuple:
    """MNIST-shaped arrays (uint8 28x28, labels 0-9), each image marked by its index in its set."""
    rng = np.random.default_rng(5)
    x_train = rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8)
    x_train[:, 0, 0], x_test[:, 0, 0] = np.arange(n_train), np.arange(n_test)
    return (x_train, (np.arange(n_train) % 10).astype(np.uint8)), (x_test, (np.arange(n_test) % 7).astype(np.uint8))


def read_training_set(folder, entry: dict) -> dict:
    """The file's parts as the pages read it: gunzip, then each part at its offset (what the docstring says)."""
    import gzip

    raw = gzip.decompress((folder / entry["path"]).read_bytes())
    assert len(raw) == entry["uncompressed_bytes"]
    parts = {}
    for part in entry["parts"]:
        size = int(np.prod(part["shape"]))
        parts[part["name"]] = np.frombuffer(raw, np.uint8, size, part["offset"]).reshape(part["shape"])
    return parts


def test_the_training_set_file_holds_the_split_s_first_images_and_held_out_test_images(tmp_path):
    arrays = small_mnist()
    entry = webexport.export_training_set(arrays, tmp_path, n_train=20, n_test=8)
    path = tmp_path / entry["path"]
    assert entry["bytes"] == path.stat().st_size and entry["sha256"] == published.sha256_of(path)
    assert entry["train"] == 20 and entry["test"] == 8 and entry["encoding"] == "gzip"
    assert entry["uncompressed_bytes"] == 28 * 785 and "LeCun" in entry["source"] and "CC BY-SA 3.0" in entry["source"]
    # the documented offsets: labels after the images, the test part after the training part
    assert [(p["name"], p["offset"]) for p in entry["parts"]] == [
        ("train_images", 0), ("train_labels", 20 * 784), ("test_images", 20 * 785), ("test_labels", 20 * 785 + 8 * 784)]
    parts = read_training_set(tmp_path, entry)
    x_tr, _, y_tr, _ = data.train_val_split(*arrays[0])
    np.testing.assert_array_equal(parts["train_images"], x_tr[:20])
    np.testing.assert_array_equal(parts["train_labels"], y_tr[:20])
    chosen = parts["test_images"][:, 0, 0]  # each test image's index in the test set
    assert len(set(chosen)) == 8 and list(chosen) == sorted(chosen)
    np.testing.assert_array_equal(parts["test_images"], arrays[1][0][chosen])
    np.testing.assert_array_equal(parts["test_labels"], arrays[1][1][chosen])
    # the same data give the same bytes (no time stamp in the gzip header)
    again = webexport.export_training_set(arrays, tmp_path / "again", n_train=20, n_test=8)
    assert again["sha256"] == entry["sha256"]


def test_the_training_subset_never_holds_validation_images():
    arrays = small_mnist()
    _, x_val, _, _ = data.train_val_split(*arrays[0])
    (x, _), _ = webexport.training_subset(arrays, n_train=50, n_test=5)
    assert not set(x[:, 0, 0]) & set(x_val[:, 0, 0])


@pytest.mark.parametrize("change, says", [
    (lambda a: ((a[0][0][:, :27], a[0][1]), a[1]), "uint8 28x28"),
    (lambda a: ((a[0][0].astype(np.float32), a[0][1]), a[1]), "uint8 28x28"),
    (lambda a: (a[0], (a[1][0], a[1][1] + 5)), "labels must be 0-9"),
    (lambda a: ((a[0][0], a[0][1][:-1]), a[1]), "one label each"),
])
def test_bad_arrays_for_the_training_set_are_refused_clearly(tmp_path, change, says):
    with pytest.raises(ValueError, match=says):
        webexport.export_training_set(change(small_mnist()), tmp_path, n_train=10, n_test=5)


def test_asking_for_more_images_than_there_are_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="asked for 100 training"):
        webexport.export_training_set(small_mnist(), tmp_path, n_train=100, n_test=5)
    with pytest.raises(ValueError, match="the test set 30 images"):
        webexport.export_training_set(small_mnist(), tmp_path, n_train=10, n_test=31)


def test_learning_curves_keep_the_per_epoch_figures_and_the_epoch_size():
    history = {"loss": [0.5, 0.25], "accuracy": [0.8, 0.9], "val_loss": [0.4, 0.3], "val_accuracy": [0.85, 0.875],
               "seconds": [1.0, 1.0], "hardware": "a CPU", "learning_rate": [0.005, 0.005]}
    curves = webexport.learning_curves(history, 1000)
    assert curves == {"loss": [0.5, 0.25], "accuracy": [0.8, 0.9], "val_loss": [0.4, 0.3],
                      "val_accuracy": [0.85, 0.875], "images_per_epoch": 1000}
    assert webexport.learning_curves({}, 1000) == {}
    # a log that counted its own training images (styled copies added to the split) says so
    assert webexport.learning_curves({**history, "train_images": 1060}, 1000)["images_per_epoch"] == 1060


def test_images_per_epoch_follow_the_profile_and_the_model_s_own_budget():
    quick = profile.PROFILES["quick"]
    assert webexport.per_epoch(models.spec("cnn"), "quick", 50000) == quick.n_train < 50000
    assert webexport.per_epoch(models.spec("dense"), "quick", 50000) == 50000  # every image, its entry says
    assert webexport.per_epoch(models.spec("cnn"), "quick", 100) == 100  # a smaller split: all of it
    assert webexport.per_epoch(models.spec("cnn"), "full", 50000) == 50000
    assert webexport.per_epoch(models.spec("cnn"), "tiny", 700) == 700  # an unknown profile caps nothing
    assert webexport.per_epoch(models.spec("cnn"), "quick", None) is None


def test_publish_ships_the_training_set_and_the_build_s_curves_with_train_arrays(tmp_path):
    networks = {"dense": randomized("dense")}
    history = {"loss": [0.5, 0.3], "accuracy": [0.8, 0.9], "val_loss": [0.4, 0.35], "val_accuracy": [0.85, 0.88]}
    small = small_mnist(n_train=120, n_test=30)  # fewer images than the subset's sizes: all of them
    document = json.loads(webexport.publish(networks, "tiny", tmp_path / "small", small[1], train=small[0]).read_text())
    assert (document["training_set"]["train"], document["training_set"]["test"]) == (100, 30)
    arrays = small_mnist(n_train=18000 + 60, n_test=2100)  # more: the subset's sizes
    manifest = webexport.publish(networks, "quick", tmp_path, arrays[1], train=arrays[0], histories={"dense": history})
    document = json.loads(manifest.read_text())
    entry = document["training_set"]
    assert entry["train"] == webexport.TRAINING_IMAGES and entry["test"] == webexport.TEST_IMAGES
    assert (manifest.parent / entry["path"]).stat().st_size == entry["bytes"]
    dense = document["models"][0]
    assert dense["epochs"] == models.spec("dense").epochs["quick"]
    # the dense network's registry entry gives it the whole split (15 050 images here) in the quick profile
    split = len(data.train_val_split(np.arange(18060), np.arange(18060) % 10)[0])
    assert dense["history"] == {**history, "images_per_epoch": split} and split == 15050 == data.training_split_size(18060)
    without = json.loads(webexport.publish(networks, "tiny", tmp_path / "b", arrays[1]).read_text())
    assert "training_set" not in without and without["models"][0]["history"] == {}
    assert dense["browser_epochs"] == models.spec("dense").epochs["quick"]
    # a site built in the full profile still asks a browser for the quick profile's epochs at most
    full = json.loads(webexport.publish(networks, "full", tmp_path / "c", arrays[1]).read_text())["models"][0]
    assert full["epochs"] == models.spec("dense").epochs["full"] > full["browser_epochs"] == dense["browser_epochs"]
