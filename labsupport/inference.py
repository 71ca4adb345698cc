"""Running trained networks on images: the right input format for each model, probabilities out.

Each model's input format comes from its entry in
:data:`labsupport.models.MODELS`, so the same call serves every registered
network, whether the images are MNIST's test set or photos that went
through :func:`labsupport.digits.preprocess`.
"""

from __future__ import annotations

import keras
import numpy as np

from . import data, models


def predict_labels(model: keras.Model, x: np.ndarray, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities and the most likely class for each sample of model-ready inputs.

    Parameters
    ----------
    model : keras.Model
    x : ndarray
        Inputs already in the model's format (e.g. ``splits.x_test``).
    batch_size : int

    Returns
    -------
    probabilities : ndarray, shape (n, 10)
    labels : ndarray, shape (n,)
    """
    probs = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    return probs, probs.argmax(axis=-1)


def predict(networks: dict[str, keras.Model], images: np.ndarray) -> dict[str, np.ndarray]:
    """Class probabilities of each named network for a batch of 28x28 uint8 images.

    Parameters
    ----------
    networks : dict
        Registered model name to trained model (e.g. from
        :func:`labsupport.cache.get_models`).
    images : ndarray, shape (n, 28, 28) or (28, 28), uint8
        MNIST's convention: ink 255 on 0.

    Returns
    -------
    dict
        Model name to an array of shape (n, 10).
    """
    images = np.asarray(images).reshape(-1, 28, 28)
    return {
        name: predict_labels(net, data.model_inputs(images, models.spec(name).inputs))[0]
        for name, net in networks.items()
    }


def accuracy(networks: dict[str, keras.Model], images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Share of images each named network classifies correctly.

    Parameters
    ----------
    networks : dict
        Registered model name to trained model.
    images : ndarray, shape (n, 28, 28), uint8
    labels : ndarray, shape (n,)

    Returns
    -------
    dict
        Model name to accuracy in [0, 1].
    """
    labels = np.asarray(labels)
    return {name: float(np.mean(p.argmax(axis=1) == labels)) for name, p in predict(networks, images).items()}


def shift_images(images: np.ndarray, pixels: int, axis: int = 2) -> np.ndarray:
    """Move images by ``pixels`` along an axis, filling the uncovered edge with background (0).

    Unlike ``np.roll``, nothing that leaves one side comes back on the other.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)
    pixels : int
        Positive: right (``axis=2``) or down (``axis=1``); negative: the other way.
    axis : {1, 2}

    Returns
    -------
    ndarray
        Same shape and dtype.
    """
    images = np.asarray(images)
    if axis not in (1, 2):
        raise ValueError(f"axis must be 1 (rows) or 2 (columns), got {axis}")
    out = np.zeros_like(images)
    n = images.shape[axis]
    if abs(pixels) >= n:
        return out
    src = [slice(None)] * images.ndim
    dst = [slice(None)] * images.ndim
    if pixels >= 0:
        src[axis], dst[axis] = slice(0, n - pixels), slice(pixels, n)
    else:
        src[axis], dst[axis] = slice(-pixels, n), slice(0, n + pixels)
    out[tuple(dst)] = images[tuple(src)]
    return out


def accuracy_under_shift(
    networks: dict[str, keras.Model],
    images: np.ndarray,
    labels: np.ndarray,
    shifts: list[int] | range = range(5),
    axis: int = 2,
) -> dict[str, np.ndarray]:
    """Each network's accuracy on the images shifted by each number of pixels.

    Parameters
    ----------
    networks : dict
        Registered model name to trained model.
    images : ndarray, shape (n, 28, 28), uint8
    labels : ndarray, shape (n,)
    shifts : sequence of int
        Pixels to shift by (see :func:`shift_images`).
    axis : {1, 2}
        2: to the right; 1: down.

    Returns
    -------
    dict
        Model name to an array of one accuracy per shift.
    """
    per_shift = [accuracy(networks, shift_images(images, s, axis), labels) for s in shifts]
    return {name: np.array([acc[name] for acc in per_shift]) for name in networks}
