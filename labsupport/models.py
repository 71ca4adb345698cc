"""The course's three networks, built with Keras 3.

Every model starts with ``keras.Input`` so that its layers have symbolic
outputs: :mod:`labsupport.inspect` uses them to show what each layer computes.
"""

from __future__ import annotations

import keras
from keras import layers

from .augment import RandomAffine

#: Learning rate of the original course, for every model.
LEARNING_RATE = 0.005

N_CLASSES = 10


def compile_classifier(model: keras.Model, learning_rate: float = LEARNING_RATE) -> keras.Model:
    """Compile for integer labels: Adam, sparse categorical cross-entropy, accuracy.

    Parameters
    ----------
    model : keras.Model
    learning_rate : float

    Returns
    -------
    keras.Model
        The same model, compiled.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def dense_net(n_hidden: int = 512) -> keras.Model:
    """A fully connected network: 784 inputs -> ``n_hidden`` ReLU units -> 10 softmax.

    Parameters
    ----------
    n_hidden : int
        Units in the hidden layer (512 in the course).

    Returns
    -------
    keras.Model
        Uncompiled; expects inputs from :func:`labsupport.data.dense_inputs`.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(784,), name="pixels"),
            layers.Dense(n_hidden, activation="relu", name="hidden"),
            layers.Dense(N_CLASSES, activation="softmax", dtype="float32", name="output"),
        ],
        name="dense",
    )


def _conv_block(filters: int, index: int) -> list[layers.Layer]:
    return [
        layers.Conv2D(filters, (3, 3), name=f"conv{index}"),
        layers.BatchNormalization(axis=-1, name=f"bn{index}"),
        layers.Activation("relu", name=f"relu{index}"),
    ]


def cnn_layers() -> list[layers.Layer]:
    """The layers of the course's convolutional network, without its input.

    Two 32-filter and two 64-filter 3x3 convolutions, each followed by batch
    normalization and ReLU, with 2x2 max pooling after every second one; then
    a 512-unit dense layer with batch normalization, ReLU and 20 % dropout,
    and a 10-way softmax.
    """
    return [
        *_conv_block(32, 1),
        *_conv_block(32, 2),
        layers.MaxPooling2D((2, 2), name="pool2"),
        *_conv_block(64, 3),
        *_conv_block(64, 4),
        layers.MaxPooling2D((2, 2), name="pool4"),
        layers.Flatten(name="flatten"),
        layers.Dense(512, name="dense5"),
        layers.BatchNormalization(name="bn5"),
        layers.Activation("relu", name="relu5"),
        layers.Dropout(0.2, name="dropout"),
        layers.Dense(N_CLASSES, name="logits"),
        # float32 even under mixed precision: probabilities stay exact
        layers.Activation("softmax", dtype="float32", name="softmax"),
    ]


def cnn() -> keras.Model:
    """The course's convolutional network (inputs from :func:`labsupport.data.cnn_inputs`).

    Returns
    -------
    keras.Model
        Uncompiled.
    """
    return keras.Sequential([keras.Input(shape=(28, 28, 1), name="image"), *cnn_layers()], name="cnn")


def augmented_cnn(**augmentation: float) -> keras.Model:
    """The same network behind a :class:`~labsupport.augment.RandomAffine` layer.

    The augmentation layer transforms images only while training; at
    prediction time it passes them through, so the model is used exactly as
    :func:`cnn` is.

    Parameters
    ----------
    **augmentation
        Overrides for :class:`~labsupport.augment.RandomAffine`'s ranges.

    Returns
    -------
    keras.Model
        Uncompiled.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            RandomAffine(**augmentation, name="augment"),
            *cnn_layers(),
        ],
        name="augmented_cnn",
    )


class ModelFileError(RuntimeError):
    """A model file is missing, is not a Keras model, or may not be loaded safely."""


def load_model_file(path, safe_mode: bool = True) -> keras.Model:
    """Load a saved Keras model with a clear error when that is not possible.

    Parameters
    ----------
    path : path-like
        A ``.keras`` file (or a legacy ``.h5`` file).
    safe_mode : bool
        Keep Keras's safe mode on (the default): a file that would run
        arbitrary Python code when loaded (a ``Lambda`` layer) is refused.
        Turn it off only for files you made yourself.

    Returns
    -------
    keras.Model

    Raises
    ------
    ModelFileError
    """
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    if path.stat().st_size == 0:
        raise ModelFileError(f"{path}: the file is empty")
    try:
        return keras.saving.load_model(path, safe_mode=safe_mode)
    except ValueError as e:
        if "safe_mode" in str(e) or "Lambda" in str(e):
            raise ModelFileError(
                f"{path}: refused in safe mode, the file contains Python code that loading would run "
                "(a Lambda layer). Load it with safe_mode=False only if you trust whoever made it."
            ) from e
        raise ModelFileError(f"{path}: not a Keras model file Keras can read ({e})") from e
    except Exception as e:  # zip errors, HDF5 errors, unknown layers, ...
        raise ModelFileError(f"{path}: not a Keras model file Keras can read ({type(e).__name__}: {e})") from e


#: Builders by name, for the model cache.
BUILDERS = {"dense": dense_net, "cnn": cnn, "augmented_cnn": augmented_cnn}
