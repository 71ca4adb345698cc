"""The course's networks for the reader's browser (TensorFlow.js's layers format).

The live pages of the site (your own digit, inside the layers) run the very
networks the build trained, in the page, with TensorFlow.js. This module
writes a trained Keras model as a TensorFlow.js *layers model*: a
``model.json`` (the architecture, as TensorFlow.js's Keras-compatible layer
configs, and a weights manifest) and one binary file of weights.

Why this format, written here:

* The ``tensorflowjs`` converter package pins ``tf_keras`` and an older
  TensorFlow; it does not install next to TensorFlow 2.21 and Keras 3.
* ONNX (``tf2onnx`` and ``onnxruntime-web``) would need a converter and a
  runtime of about 10 MB of WebAssembly, more than the whole page budget.
* The course's networks use eight layer types (Dense, Conv2D,
  BatchNormalization, Activation, MaxPooling2D, Flatten, and the
  training-only Dropout and augmentation), each a few lines of JSON for
  ``@tensorflow/tfjs-layers``, which also gives every layer's output for
  the layer explorer. The weights are the Keras weights, byte for byte or
  quantised.

Training-only layers (the augmentation layer, dropout) are left out: at
prediction time they pass their input through.

Large kernels are stored in 16 bits, or in 8 bits (TensorFlow.js's affine
``uint8`` quantisation, ``value = q * scale + min`` per tensor) where that
changes no probability by more than :data:`TOLERANCE` on the images given
(:func:`choose_encodings`); biases and batch-normalisation statistics stay
float32. :func:`dequantized` gives the Keras model with exactly the weights
the browser computes with, so that the cost is measured, not guessed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import keras
import numpy as np

#: What the export calls itself in ``model.json``.
GENERATOR = "labsupport.webexport"
#: The file names in a model's folder.
MODEL_JSON = "model.json"
WEIGHTS_BIN = "weights.bin"
#: Weights with at least this many values (kernels) are stored in 16 or 8 bits;
#: smaller ones (biases, batch-normalisation statistics) stay float32.
QUANTIZE_FROM = 1024
#: How a weight can be stored (TensorFlow.js reads all three).
ENCODINGS = ("uint8", "float16", "float32")
#: :func:`choose_encodings` keeps every class probability within this of the float32 model's.
TOLERANCE = 1e-2

#: Layers that only act while training: left out of the export.
TRAINING_ONLY = ("Dropout", "RandomAffine")


class ExportError(ValueError):
    """A model with a layer the browser export does not know."""


def _activation(layer) -> str:
    name = keras.activations.serialize(layer.activation)
    if not isinstance(name, str):
        raise ExportError(f"layer {layer.name!r}: a custom activation cannot be exported for the browser")
    return name


def layer_config(layer: keras.layers.Layer) -> dict:
    """One layer as a TensorFlow.js layers config (``class_name`` and ``config``).

    Raises
    ------
    ExportError
        For a layer type the export does not know.
    """
    kind = type(layer).__name__
    config: dict = {"name": layer.name, "trainable": False, "dtype": "float32"}
    if kind == "Dense":
        config.update(units=layer.units, activation=_activation(layer), use_bias=layer.use_bias)
    elif kind == "Conv2D":
        if layer.data_format != "channels_last" or layer.groups != 1:
            raise ExportError(f"layer {layer.name!r}: only channels_last, ungrouped convolutions are exported")
        config.update(
            filters=layer.filters, kernel_size=list(layer.kernel_size), strides=list(layer.strides),
            padding=layer.padding, data_format="channels_last", dilation_rate=list(layer.dilation_rate),
            activation=_activation(layer), use_bias=layer.use_bias,
        )
    elif kind == "BatchNormalization":
        config.update(axis=int(layer.axis), momentum=float(layer.momentum), epsilon=float(layer.epsilon),
                      center=layer.center, scale=layer.scale)
    elif kind == "Activation":
        config.update(activation=_activation(layer))
    elif kind == "MaxPooling2D":
        config.update(pool_size=list(layer.pool_size), strides=list(layer.strides), padding=layer.padding,
                      data_format="channels_last")
    elif kind == "Flatten":
        config.update(data_format="channels_last")
    else:
        raise ExportError(f"layer {layer.name!r} of type {kind} cannot be exported for the browser")
    return {"class_name": kind, "config": config}


def inference_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers that act at prediction time, in order (training-only ones left out)."""
    return [layer for layer in model.layers if type(layer).__name__ not in TRAINING_ONLY]


def topology(model: keras.Model) -> dict:
    """The architecture as TensorFlow.js reads it: a ``Sequential`` of layer configs."""
    if not isinstance(model, keras.Sequential):
        raise ExportError(f"model {model.name!r}: only Sequential models are exported")
    configs = [layer_config(layer) for layer in inference_layers(model)]
    if not configs:
        raise ExportError(f"model {model.name!r} has no layers to export")
    configs[0]["config"]["batch_input_shape"] = [None, *model.input_shape[1:]]
    return {
        "class_name": "Sequential",
        "config": {"name": model.name, "layers": configs},
        "keras_version": "tfjs-layers (from Keras " + keras.__version__ + ")",
        "backend": "tensor_flow.js",
    }


def named_weights(model: keras.Model) -> list[tuple[str, np.ndarray]]:
    """``(layer/weight, values)`` for every weight of the exported layers, in TensorFlow.js's order.

    TensorFlow.js matches weights by these names: ``kernel``, ``bias``,
    ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``.
    """
    named = []
    for layer in inference_layers(model):
        kind = type(layer).__name__
        if kind in ("Dense", "Conv2D"):
            names = ["kernel", "bias"] if layer.use_bias else ["kernel"]
        elif kind == "BatchNormalization":
            names = (["gamma"] if layer.scale else []) + (["beta"] if layer.center else []) + [
                "moving_mean", "moving_variance"]
        else:
            names = []
        values = layer.get_weights()
        if len(values) != len(names):
            raise ExportError(f"layer {layer.name!r}: expected weights {names}, found {len(values)}")
        named += [(f"{layer.name}/{n}", np.asarray(v, np.float32)) for n, v in zip(names, values)]
    return named


def quantize(values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """8-bit affine quantisation of one tensor, as TensorFlow.js reads it back.

    Returns
    -------
    q : ndarray of uint8
    scale, minimum : float
        ``q * scale + minimum`` approximates ``values`` (within ``scale / 2``).
    """
    values = np.asarray(values, np.float32)
    lo, hi = float(values.min()), float(values.max())
    scale = (hi - lo) / 255 if hi > lo else 1.0
    q = np.clip(np.round((values - lo) / scale), 0, 255).astype(np.uint8)
    return q, scale, lo


def dequantize(q: np.ndarray, scale: float, minimum: float) -> np.ndarray:
    """What TensorFlow.js computes from quantised weights (in float32)."""
    return (q.astype(np.float32) * np.float32(scale) + np.float32(minimum)).astype(np.float32)


def _encode(values: np.ndarray, encoding: str) -> tuple[dict | None, bytes, np.ndarray]:
    """One tensor's quantization entry, bytes, and the values TensorFlow.js will compute with."""
    if encoding == "uint8":
        q, scale, lo = quantize(values)
        return {"dtype": "uint8", "scale": scale, "min": lo}, q.tobytes(), dequantize(q, scale, lo)
    if encoding == "float16":
        half = values.astype("<f2")
        return {"dtype": "float16"}, half.tobytes(), half.astype(np.float32)
    if encoding == "float32":
        return None, values.astype("<f4").tobytes(), values
    raise ValueError(f"encoding must be one of {ENCODINGS}, got {encoding!r}")


def _encoded(model: keras.Model, encodings: Mapping[str, str] | None) -> tuple[list[dict], bytes, dict]:
    """Weight manifest entries, the weight file's bytes and the values the browser will see."""
    encodings = encodings or {}
    specs, chunks, seen = [], [], {}
    for name, values in named_weights(model):
        quantization, data, seen[name] = _encode(values, encodings.get(name, "float32"))
        spec = {"name": name, "shape": list(values.shape), "dtype": "float32"}
        if quantization:
            spec["quantization"] = quantization
        specs.append(spec)
        chunks.append(data)
    return specs, b"".join(chunks), seen


def choose_encodings(model: keras.Model, x: np.ndarray, tolerance: float = TOLERANCE) -> dict[str, str]:
    """The smallest encoding of each large weight that keeps the probabilities within ``tolerance``.

    Every weight of :data:`QUANTIZE_FROM` values or more starts as float16
    (which changes the course's networks' probabilities by less than 1e-3);
    then, largest first, each is tried in 8 bits and kept so if the
    probabilities on ``x`` still differ from the float32 model's by at most
    ``tolerance``.

    Parameters
    ----------
    model : keras.Model
    x : ndarray
        Model inputs (e.g. MNIST test images in the model's input format).
    tolerance : float
        Largest change of any class probability.

    Returns
    -------
    dict
        Weight name (``layer/weight``) to ``"uint8"`` or ``"float16"``;
        weights not named stay float32.
    """
    sizes = {name: values.size for name, values in named_weights(model) if values.size >= QUANTIZE_FROM}
    reference = model.predict(x, batch_size=500, verbose=0)
    encodings = {name: "float16" for name in sizes}
    for name in sorted(sizes, key=sizes.get, reverse=True):
        trial = {**encodings, name: "uint8"}
        changed = dequantized(model, trial).predict(x, batch_size=500, verbose=0)
        if float(np.abs(changed - reference).max()) <= tolerance:
            encodings = trial
    return encodings


def export(
    model: keras.Model, directory: str | os.PathLike, encodings: Mapping[str, str] | None = None
) -> dict[str, Path]:
    """Write a model in TensorFlow.js's layers format: ``model.json`` and ``weights.bin``.

    Parameters
    ----------
    model : keras.Model
        A trained Sequential model of the course (see :mod:`labsupport.models`).
    directory : path-like
        Created if needed; the two files are replaced.
    encodings : mapping, optional
        Weight name to ``"uint8"``, ``"float16"`` or ``"float32"``
        (:func:`choose_encodings`); weights not named, and all by default,
        are written as float32.

    Returns
    -------
    dict
        ``{"model": path of model.json, "weights": path of weights.bin}``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    specs, data, _ = _encoded(model, encodings)
    document = {
        "format": "layers-model",
        "generatedBy": GENERATOR,
        "convertedBy": None,
        "modelTopology": topology(model),
        "weightsManifest": [{"paths": [WEIGHTS_BIN], "weights": specs}],
    }
    (directory / WEIGHTS_BIN).write_bytes(data)
    (directory / MODEL_JSON).write_text(json.dumps(document, separators=(",", ":")) + "\n")
    return {"model": directory / MODEL_JSON, "weights": directory / WEIGHTS_BIN}


def dequantized(model: keras.Model, encodings: Mapping[str, str] | None = None) -> keras.Model:
    """A copy of ``model`` (its exported layers) with the weights the browser computes with.

    The same layers as in ``model.json``, so that the accuracy of what the
    browser runs can be measured in Python.
    """
    _, _, seen = _encoded(model, encodings)
    layers = [keras.layers.deserialize(keras.layers.serialize(layer)) for layer in inference_layers(model)]
    copy = keras.Sequential([keras.Input(shape=model.input_shape[1:]), *layers], name=model.name)
    for original, layer in zip(inference_layers(model), copy.layers):
        names = [n for n in seen if n.split("/")[0] == original.name]
        layer.set_weights([seen[n] for n in names])
    return copy



#: Where the browser networks go in the built site, and their manifest.
WEB_DIR = "models/web"
WEB_MANIFEST = "manifest.json"
#: Test images the layer explorer offers first: 3675 is the one chapter 3's figures follow
#: (its live explorer opens on it, ``data-index`` in the chapter).
FEATURED = (3675,)
#: :func:`choose_encodings` looks at this many MNIST test images (the last ones).
CHECK_IMAGES = 2000


def encodings_of(model_json: str | os.PathLike) -> dict[str, str]:
    """The encoding of each weight in an exported ``model.json`` (to rebuild what the browser computes)."""
    document = json.loads(Path(model_json).read_text())
    return {
        spec["name"]: spec.get("quantization", {}).get("dtype", "float32")
        for group in document["weightsManifest"]
        for spec in group["weights"]
    }


def publish(
    models: Mapping[str, keras.Model],
    profile: str,
    site_dir: str | os.PathLike,
    test: tuple[np.ndarray, np.ndarray],
    accuracies: Mapping[str, float] | None = None,
) -> Path:
    """Export networks for the browser into a built site, with a manifest the pages read.

    Parameters
    ----------
    models : mapping
        Registered model name to trained model (see :mod:`labsupport.models`).
    profile : str
        The profile they were trained under (shown on the page).
    site_dir : path-like
        The built site's root; the files go to ``<site>/models/web/<name>/``.
    test : (images, labels)
        MNIST's test set: the encodings are chosen on its last
        :data:`CHECK_IMAGES` images, the accuracy of what the browser runs
        is measured on all of it.
    accuracies : mapping, optional
        The float32 networks' test accuracies, when already measured (as by
        :func:`labsupport.cache.published_entries`); measured here otherwise.

    Returns
    -------
    Path
        ``models/web/manifest.json``: per network its name, title, input
        format, profile, test accuracy of the float32 model and of the
        exported one, and each file's path (relative to the manifest),
        size and SHA-256; the threshold of a sure verdict
        (:data:`labsupport.inference.SURE_PROBABILITY`); one test digit of
        each class (after :data:`FEATURED`) for the layer explorer.
    """
    from . import data, inference
    from .models import spec as model_spec
    from .published import sha256_of

    images, labels = test
    folder = Path(site_dir) / WEB_DIR
    entries = []
    for name, model in models.items():
        entry = model_spec(name)
        x = data.model_inputs(images, entry.inputs)
        encodings = choose_encodings(model, x[-CHECK_IMAGES:])
        files = export(model, folder / name, encodings)
        measured = (accuracies or {}).get(name)
        if measured is None:
            measured = inference.accuracy({name: model}, images, labels)[name]
        exported = inference.accuracy({name: dequantized(model, encodings)}, images, labels)[name]
        entries.append({
            "name": name,
            "title": entry.title or name,
            "inputs": entry.inputs,
            "profile": profile,
            "test_accuracy": round(float(measured), 6),
            "exported_test_accuracy": round(exported, 6),
            "layers": [layer.name for layer in inference_layers(model)],
            "files": [
                {"path": f"{name}/{path.name}", "bytes": path.stat().st_size, "sha256": sha256_of(path)}
                for path in files.values()
            ],
        })
    samples = [i for i in FEATURED if i < len(labels)]
    samples += [int(np.flatnonzero(labels == digit)[0]) for digit in range(10) if (labels == digit).any()]
    document = {
        "generatedBy": GENERATOR,
        "sure_probability": inference.SURE_PROBABILITY,
        "models": entries,
        # test digits for the layer explorer (index into MNIST's test set): FEATURED, then one of each class
        "samples": [{"index": i, "label": int(labels[i]), "pixels": images[i].reshape(-1).tolist()} for i in samples],
    }
    manifest = folder / WEB_MANIFEST
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    return manifest
