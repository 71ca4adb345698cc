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

For the page that trains the dense network in the browser (chapter 1),
:func:`export_training_set` writes a compact MNIST subset (uint8, gzip) and
:func:`learning_curves` the build's curves; :func:`publish` lists both in
the manifest.

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


def gzip_copy(path: str | os.PathLike, prefix: str = "") -> dict:
    """Write ``<path>.gz`` beside a file (gzip, level 9, no timestamp: the same bytes every build).

    Static hosts such as GitHub Pages compress text but send binaries such as
    ``weights.bin`` as they are; the live pages fetch this copy and decompress
    it in the browser (``DecompressionStream``) where they can, which saves a
    sixth to a quarter of a network's download, and the file itself elsewhere.

    Returns
    -------
    dict
        ``{"path": prefix + name of the copy, "bytes": its size}``, for the manifest.
    """
    import gzip

    path = Path(path)
    copy = path.with_name(path.name + ".gz")
    copy.write_bytes(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
    return {"path": prefix + copy.name, "bytes": copy.stat().st_size}


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


def encodings_of(model_json: str | os.PathLike) -> dict[str, str]:
    """The encoding of each weight in an exported ``model.json`` (to rebuild what the browser computes)."""
    document = json.loads(Path(model_json).read_text())
    return {
        spec["name"]: spec.get("quantization", {}).get("dtype", "float32")
        for group in document["weightsManifest"]
        for spec in group["weights"]
    }


#: The network and layer whose filters the convolution playground (chapter 2) offers.
LEARNED_FILTERS_FROM = ("cnn", "conv1")


def convolution_settings(
    models: Mapping[str, keras.Model], source: tuple[str, str] = LEARNED_FILTERS_FROM
) -> dict:
    """What chapter 2's convolution playground offers: filters and the chapter's signed colour map.

    Parameters
    ----------
    models : mapping
        Registered model name to trained model, as :func:`publish` gets them.
    source : (str, str)
        The network and its convolutional layer (on the one-channel image)
        whose filters the reader can try; when ``models`` lacks the network
        (an empty model cache), ``learned`` has no kernels and the page says so.

    Returns
    -------
    dict
        ``presets``: the hand-made filters of :data:`labsupport.filters.PRESETS`
        (name, title, 3x3 weights); ``learned``: the network's and the
        layer's names and the layer's filters
        (:func:`labsupport.filters.learned_filters`, float32 values written
        exactly); ``colormap``: :data:`labsupport.plots.SIGNED_CMAP` as the
        256 colours (``#rrggbb``) of the lookup table matplotlib draws the
        chapter's signed figures with.
    """
    import matplotlib

    from . import filters, plots

    name, layer = source
    model = models.get(name)
    learned = filters.learned_filters(model, layer) if model is not None else np.zeros((0, 3, 3))
    cmap = matplotlib.colormaps[plots.SIGNED_CMAP]
    colours = cmap(np.arange(cmap.N), bytes=True)  # what imshow paints: the table in 8 bits
    return {
        "presets": [{"name": key, "title": title, "kernel": weights.tolist()}
                    for key, (title, weights) in filters.PRESETS.items()],
        "learned": {"model": name, "layer": layer,
                    "kernels": [[[float(v) for v in row] for row in kernel] for kernel in learned]},
        "colormap": {"name": plots.SIGNED_CMAP, "colors": ["#%02x%02x%02x" % tuple(c[:3]) for c in colours]},
    }


#: Chapter 5's shift pad moves a test digit by up to this many pixels each way
#: (the chapter's own experiment goes 0 to 4 to the right).
SHIFT_PAD_PIXELS = 6


def augmentation_settings(models: Mapping[str, keras.Model]) -> dict:
    """What chapter 5's live part needs to draw and shift digits as the Python code does.

    Parameters
    ----------
    models : mapping
        Registered model name to trained model, as :func:`publish` gets them:
        the ranges are those of the first :class:`labsupport.augment.RandomAffine`
        layer among them (what the augmented CNN trained with), or
        :data:`labsupport.augment.RANGES` when none has one.

    Returns
    -------
    dict
        ``ranges`` (rotation, shift, shear, zoom) with their ``units``; the
        ``draws``, in the order :meth:`RandomAffine.transforms` draws them, each
        uniform in ``[-range, range]`` (zoom: ``[1 - range, 1 + range]``; shifts
        as a fraction of the width or height); ``fill_value`` in the
        ``input_format`` (``"image"``: pixels scaled to [-1, 1]) and the
        ``interpolation``, as the layer warps (:func:`labsupport.augment.affine_matrix`);
        ``shift_pad``: the largest shift in pixels and the fill of
        :func:`labsupport.inference.shift_images` (0, the background of uint8 pixels).
    """
    from .augment import RANGES, RandomAffine
    from .models import spec as model_spec

    found = [(name, l) for name, m in models.items() for l in m.layers if isinstance(l, RandomAffine)]
    name, layer = found[0] if found else ("augmented_cnn", RandomAffine())
    return {
        "ranges": {key: getattr(layer, key) for key in RANGES},
        "units": {"rotation": "degrees", "shift": "fraction of the size", "shear": "degrees",
                  "zoom": "distance of the scale factor from 1"},
        "draws": ["rotation", "shear", "shift_x", "shift_y", "zoom_x", "zoom_y"],
        "fill_value": layer.fill_value,
        "input_format": model_spec(name).inputs,
        "interpolation": "bilinear",
        "shift_pad": {"max_pixels": SHIFT_PAD_PIXELS, "fill": 0},
    }


#: Chapter 7's page times training in batches this many times smaller than the recipe's (128 -> 16):
#: see :func:`browser_timing`.
BROWSER_BATCH_DIVISOR = 8
#: After warm-up, the page takes samples on each backend for about this many seconds ...
BROWSER_SECONDS_PER_BACKEND = 8
#: ... but never fewer samples than the first, nor more than the second.
BROWSER_SAMPLES = (2, 12)


def browser_timing(batch_size: int) -> dict:
    """How chapter 7's page times training steps in the reader's browser.

    The page times the course's CNN as :func:`labsupport.timing.time_training`
    does (fresh weights, warm-up left out, short samples, their quantile), but
    in smaller batches, a :data:`BROWSER_BATCH_DIVISOR`-th of the recipe's.
    A browser trains this CNN far slower than Keras on the same CPU: on the
    shared 2-core build machine, in headless Chromium, a step of 16 images
    took about 1 s with WebAssembly and 6 to 15 s with plain JavaScript or
    with WebGL (there a graphics processor emulated on the CPU), so batches
    of 128 (warm-up and at least two samples: five steps or more) would keep
    the reader waiting for many minutes per backend. Smaller batches train
    fewer images per second, so the page's bars compare the browser's
    backends with each other, not with the build's table; ``why`` says so on
    the page.

    Parameters
    ----------
    batch_size : int
        The recipe's batch size (:attr:`labsupport.profile.Profile.batch_size`).

    Returns
    -------
    dict
        ``batch_size`` (the page's, at least 1), ``batch_divisor``,
        ``seconds_per_backend``, ``min_samples``, ``max_samples`` and ``why``
        (a sentence the page shows).

    Raises
    ------
    ValueError
        If ``batch_size`` is not a positive whole number.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive whole number, not {batch_size!r}")
    smaller = max(1, round(int(batch_size) / BROWSER_BATCH_DIVISOR))
    low, high = BROWSER_SAMPLES
    return {
        "batch_size": smaller,
        "batch_divisor": BROWSER_BATCH_DIVISOR,
        "seconds_per_backend": BROWSER_SECONDS_PER_BACKEND,
        "min_samples": low,
        "max_samples": high,
        "why": (f"the build trains in batches of {int(batch_size)}, too slow for a browser's CPU backends; "
                "smaller batches train fewer images per second, so compare the bars with each other "
                "rather than with the table"),
    }


def training_settings(batch_size: int) -> dict:
    """The course's training recipe and speed statistic, for the pages that train in the browser.

    Read from the recipe itself: a small network compiled by
    :func:`labsupport.train.compile_classifier` gives the optimizer (its Keras
    name and settings) and the loss; :mod:`labsupport.timing` gives how a
    speed is measured (:data:`~labsupport.timing.STEPS_PER_SAMPLE`,
    :data:`~labsupport.timing.QUANTILE`, the warm-up of
    :func:`~labsupport.timing.time_training`).

    Parameters
    ----------
    batch_size : int
        The profile's batch size (:attr:`labsupport.profile.Profile.batch_size`).

    Returns
    -------
    dict
        ``optimizer`` (``name``, ``learning_rate``, ``beta_1``, ``beta_2``,
        ``epsilon``), ``loss``, ``batch_size``, ``steps_per_sample``,
        ``quantile``, ``warmup_batches``, and ``browser_timing``
        (:func:`browser_timing`: the smaller batch and the time budget of
        chapter 7's page).
    """
    import inspect

    from . import timing, train

    probe = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2, activation="softmax")])
    train.compile_classifier(probe)
    config = probe.optimizer.get_config()
    return {
        # float32 settings written as the decimals they were given as (0.005, not 0.004999999888)
        "optimizer": {"name": type(probe.optimizer).__name__.lower(), "learning_rate": float(f"{float(config['learning_rate']):.7g}"),
                      **{key: float(f"{float(config[key]):.7g}") for key in ("beta_1", "beta_2", "epsilon") if key in config}},
        "loss": probe.loss,
        "batch_size": int(batch_size),
        "steps_per_sample": timing.STEPS_PER_SAMPLE,
        "quantile": timing.QUANTILE,
        "warmup_batches": inspect.signature(timing.time_training).parameters["warmup_batches"].default,
        "browser_timing": browser_timing(batch_size),
    }


#: The MNIST subset the chapter-1 page trains the dense network on, under ``models/web/``.
TRAINING_SET = "data/mnist-subset.bin.gz"
#: Its training images: the first ones of the book's seeded training split (so images the build's
#: networks saw too), as many as a reader's browser trains on in a minute or two and downloads in
#: under 3 MB; the build's dense network trained on the whole split (50 000).
TRAINING_IMAGES = 15000
#: Its held-out test images, drawn from MNIST's test split (never trained on).
TEST_IMAGES = 2000
#: MNIST's authors and licence, as the pages credit them next to the data.
MNIST_CREDIT = "MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges), CC BY-SA 3.0"
MNIST_LICENCE_URL = "https://creativecommons.org/licenses/by-sa/3.0/"


def training_subset(
    arrays: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The images a page trains on: a compact training subset and a held-out test subset.

    Parameters
    ----------
    arrays : ((x_train, y_train), (x_test, y_test))
        MNIST as :func:`labsupport.data.load_mnist` returns it (uint8 images, 28x28).
    n_train : int, optional
        The first ``n_train`` images of the book's seeded training split
        (:func:`labsupport.data.train_val_split`; validation images are never among them).
        By default :data:`TRAINING_IMAGES`, or all of the split if it has fewer.
    n_test : int, optional
        Test images drawn at random (without replacement, ``numpy.random.default_rng(seed)``)
        from the test split, kept in their order there. By default :data:`TEST_IMAGES`,
        or the whole test split if it has fewer.
    seed : int, optional
        The book's :data:`labsupport.profile.SEED` by default.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : uint8 arrays

    Raises
    ------
    ValueError
        If the arrays are not uint8 28x28 images with labels 0-9, or hold fewer images than asked for.
    """
    from . import data
    from .profile import SEED

    seed = SEED if seed is None else seed
    (x_train, y_train), (x_test, y_test) = arrays
    for what, x, y in (("training", x_train, y_train), ("test", x_test, y_test)):
        x, y = np.asarray(x), np.asarray(y)
        if x.dtype != np.uint8 or x.shape[1:] != (28, 28) or len(x) != len(y):
            raise ValueError(f"the {what} images must be uint8 28x28 with one label each, "
                             f"got {x.dtype} {x.shape} and {len(y)} labels")
        if len(y) and (y.min() < 0 or y.max() > 9):
            raise ValueError(f"the {what} labels must be 0-9, got {y.min()} to {y.max()}")
    x_tr, _, y_tr, _ = data.train_val_split(np.asarray(x_train), np.asarray(y_train), seed=seed)
    n_train = min(TRAINING_IMAGES, len(x_tr)) if n_train is None else n_train
    n_test = min(TEST_IMAGES, len(x_test)) if n_test is None else n_test
    if not 0 < n_train <= len(x_tr) or not 0 < n_test <= len(x_test):
        raise ValueError(f"asked for {n_train} training and {n_test} test images; the split has "
                         f"{len(x_tr)} training and the test set {len(x_test)} images")
    chosen = np.sort(np.random.default_rng(seed).choice(len(x_test), n_test, replace=False))
    return ((x_tr[:n_train], y_tr[:n_train].astype(np.uint8)),
            (np.asarray(x_test)[chosen], np.asarray(y_test)[chosen].astype(np.uint8)))


def export_training_set(
    arrays: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    folder: str | os.PathLike,
    n_train: int | None = None,
    n_test: int | None = None,
) -> dict:
    """Write the training and test subset (:func:`training_subset`) as one compact file for the pages.

    The file, ``<folder>/`` :data:`TRAINING_SET`, is gzip-compressed (RFC 1952,
    no time stamp: the same data give the same bytes). Decompressed, it is
    four parts, one after the other, all uint8, without a header::

        train_images  n_train x 28 x 28   image after image, row after row, 0 (background) to 255 (ink)
        train_labels  n_train             0-9
        test_images   n_test x 28 x 28
        test_labels   n_test

    so ``train_labels`` starts at byte ``n_train * 784``, ``test_images`` at
    ``n_train * 785`` and ``test_labels`` at ``n_train * 785 + n_test * 784``;
    the manifest entry lists each part's offset and shape. Pixels as in MNIST:
    a page scales them for a network as :data:`labsupport.data.INPUT_FORMATS`
    says (the dense network: pixels / 255).

    Parameters
    ----------
    arrays : ((x_train, y_train), (x_test, y_test))
        MNIST (:func:`labsupport.data.load_mnist`).
    folder : path-like
        The folder the networks' manifest is in (``<site>/models/web``).
    n_train, n_test : int, optional
        See :func:`training_subset` (by default :data:`TRAINING_IMAGES` and
        :data:`TEST_IMAGES`, fewer only where MNIST's arrays have fewer).

    Returns
    -------
    dict
        The manifest's ``training_set``: ``path`` (relative to the manifest),
        ``bytes`` and ``sha256`` of the file as shipped, ``encoding``
        (``"gzip"``), ``uncompressed_bytes``, ``train`` and ``test`` (image
        counts), ``parts`` (name, dtype, shape, offset in the decompressed
        bytes), ``layout`` (the above in words), where the images come from,
        ``source`` (MNIST's authors and licence) and ``licence_url``.
    """
    import gzip

    from .published import sha256_of

    (x_tr, y_tr), (x_te, y_te) = training_subset(arrays, n_train, n_test)
    blocks = [("train_images", x_tr), ("train_labels", y_tr), ("test_images", x_te), ("test_labels", y_te)]
    parts, offset = [], 0
    for name, values in blocks:
        parts.append({"name": name, "dtype": "uint8", "shape": list(values.shape), "offset": offset})
        offset += values.size
    raw = b"".join(np.ascontiguousarray(values, np.uint8).tobytes() for _, values in blocks)
    path = Path(folder) / TRAINING_SET
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    return {
        "path": TRAINING_SET,
        "bytes": path.stat().st_size,
        "sha256": sha256_of(path),
        "encoding": "gzip",
        "uncompressed_bytes": len(raw),
        "train": len(y_tr),
        "test": len(y_te),
        "parts": parts,
        "layout": ("gzip of four uint8 parts, no header: train_images (train x 28 x 28, row-major, "
                   "0 background to 255 ink), train_labels (train), test_images (test x 28 x 28), "
                   "test_labels (test); offsets in parts"),
        "train_from": ("the first images of the book's seeded training split (labsupport.data.train_val_split), "
                       "which the build's networks trained on too"),
        "test_from": "MNIST's test split, drawn at random with the book's seed (held out: never trained on)",
        "source": MNIST_CREDIT,
        "licence_url": MNIST_LICENCE_URL,
    }


#: What :func:`learning_curves` keeps of a training history (labsupport.train.fit's).
CURVES = ("loss", "accuracy", "val_loss", "val_accuracy")


def per_epoch(entry, profile: str, split: int | None) -> int | None:
    """Training images a registered network saw per epoch under a profile named ``profile``.

    :meth:`labsupport.models.ModelSpec.images_per_epoch` for a profile of
    :data:`labsupport.profile.PROFILES`; the whole split for any other name;
    None when the split's size (``split``) is not known.
    """
    from .profile import PROFILES

    if split is None:
        return None
    return entry.images_per_epoch(PROFILES[profile], split) if profile in PROFILES else split


def learning_curves(history: Mapping[str, list], images_per_epoch: int | None = None) -> dict:
    """A network's learning curves from its training history, for a page to draw beside its own.

    Parameters
    ----------
    history : mapping
        As :func:`labsupport.train.fit` returns it (and the model cache keeps it).
    images_per_epoch : int, optional
        Training images in one epoch of that run, when its history does not
        say (``train_images``, logged since styled copies made it differ from
        the split's size).

    Returns
    -------
    dict
        Each of :data:`CURVES` the history has (one value per epoch, rounded
        to 6 digits) and ``images_per_epoch``; empty for an empty history.
    """
    curves = {key: [round(float(v), 6) for v in history[key]] for key in CURVES if key in history}
    images_per_epoch = history.get("train_images", images_per_epoch)
    if curves and images_per_epoch:
        curves["images_per_epoch"] = int(images_per_epoch)
    return curves


def publish(
    models: Mapping[str, keras.Model],
    profile: str,
    site_dir: str | os.PathLike,
    test: tuple[np.ndarray, np.ndarray],
    accuracies: Mapping[str, float] | None = None,
    batch_size: int | None = None,
    train: tuple[np.ndarray, np.ndarray] | None = None,
    histories: Mapping[str, Mapping[str, list]] | None = None,
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
        MNIST's test set: the encodings are chosen on all of it (a choice made
        on a part let other test images' probabilities move by more than
        :data:`TOLERANCE`), and the accuracy of what the browser runs is
        measured on it.
    accuracies : mapping, optional
        The float32 networks' test accuracies, when already measured (as by
        :func:`labsupport.cache.published_entries`); measured here otherwise.
    batch_size : int, optional
        The profile's batch size: with it, the manifest's ``training`` holds
        :func:`training_settings` (chapter 7 times training steps with them).
    train : (images, labels), optional
        MNIST's training set: with it, the manifest's ``training_set`` is
        :func:`export_training_set`'s entry (chapter 1 trains on that file).
    histories : mapping, optional
        Registered model name to its training history (the model cache's):
        each network's entry then has its ``history``
        (:func:`learning_curves`; ``images_per_epoch`` when ``train`` is given).

    Returns
    -------
    Path
        ``models/web/manifest.json``: per network its name, title, input
        format, profile, test accuracy of the float32 model and of the
        exported one, and each file's path (relative to the manifest),
        size and SHA-256; the threshold of a sure verdict
        (:data:`labsupport.inference.SURE_PROBABILITY`); one test digit of
        each class (after :data:`FEATURED`) for the layer explorer.
        Per network also its epoch budget under the profile (``epochs``).
        ``convolution``: chapter 2's playground (:func:`convolution_settings`).
    """
    from . import data, inference
    from .models import spec as model_spec
    from .published import sha256_of

    images, labels = test
    folder = Path(site_dir) / WEB_DIR
    split = data.training_split_size(len(train[1])) if train is not None else None
    entries = []
    for name, model in models.items():
        entry = model_spec(name)
        x = data.model_inputs(images, entry.inputs)
        encodings = choose_encodings(model, x)
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
            "epochs": entry.epochs.get(profile),
            # what a browser trains at most (chapter 1's live part): the quick profile's budget, so that
            # a site built in the full profile does not ask a phone for 100 epochs
            "browser_epochs": min((e for e in (entry.epochs.get(profile), entry.epochs.get("quick")) if e), default=None),
            "history": learning_curves((histories or {}).get(name) or {}, per_epoch(entry, profile, split)),
            "files": [
                {"path": f"{name}/{path.name}", "bytes": path.stat().st_size, "sha256": sha256_of(path),
                 **({"gzip": gzip_copy(path, f"{name}/")} if kind == "weights" else {})}
                for kind, path in files.items()
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
    document["convolution"] = convolution_settings(models)  # chapter 2's playground
    document["augmentation"] = augmentation_settings(models)  # chapter 5's sliders and shift pad
    if batch_size is not None:
        document["training"] = training_settings(batch_size)  # the recipe, for training in the browser
    if train is not None:
        document["training_set"] = export_training_set((train, test), folder)  # chapter 1 trains on it
    manifest = folder / WEB_MANIFEST
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    return manifest
