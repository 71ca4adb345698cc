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
