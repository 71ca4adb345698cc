"""Running trained networks on images: the right input format for each model, probabilities out.

Each model's input format comes from its entry in
:data:`labsupport.models.MODELS`, so the same call serves every registered
network, whether the images are MNIST's test set or photos that went
through :func:`labsupport.digits.preprocess`. :func:`verdict` says whether
the networks are sure about one image.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


def predict(
    networks: dict[str, keras.Model], images: np.ndarray, batch_size: int = 256
) -> dict[str, np.ndarray]:
    """Class probabilities of each named network for 28x28 uint8 images.

    Each network gets the input format its registry entry names. The
    networks are called directly, batch by batch, in prediction mode:
    ``model.predict`` would compile a function for every new input size,
    which for a photo at a time or folders of different sizes only costs
    time (and makes TensorFlow warn about "retracing").

    Parameters
    ----------
    networks : dict
        Registered model name to trained model (e.g. from
        :func:`labsupport.cache.get_models`).
    images : ndarray, shape (n, 28, 28) or (28, 28), uint8
        MNIST's convention: ink 255 on 0.
    batch_size : int

    Returns
    -------
    dict
        Model name to an array of shape (n, 10).
    """
    images = np.asarray(images).reshape(-1, 28, 28)
    out = {}
    for name, net in networks.items():
        x = data.model_inputs(images, models.spec(name).inputs)
        parts = [np.asarray(net(x[i : i + batch_size], training=False)) for i in range(0, len(x), batch_size)]
        out[name] = np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)
    return out


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


#: Below this probability (the networks' mean for their top class) the answer counts as unsure.
SURE_PROBABILITY = 0.8


@dataclass(frozen=True)
class Verdict:
    """What the networks say about one image, and whether they are sure.

    Attributes
    ----------
    label : int
        The most likely class: the highest mean probability over the networks.
    probability : float
        Its mean probability.
    runner_up : int
        The second most likely class.
    runner_up_probability : float
        Its mean probability.
    sure : bool
        Every network's top class is ``label`` and ``probability`` is at least
        the threshold.
    reason : str
        Why not sure (``""`` when sure).
    """

    label: int
    probability: float
    runner_up: int
    runner_up_probability: float
    sure: bool
    reason: str = ""

    def __str__(self) -> str:
        if self.sure:
            return f"a {self.label} ({self.probability:.0%})"
        return (f"unsure: {self.label} ({self.probability:.0%}) or {self.runner_up} "
                f"({self.runner_up_probability:.0%}); {self.reason}")


def verdict(probabilities: Mapping[str, np.ndarray] | np.ndarray, threshold: float = SURE_PROBABILITY) -> Verdict:
    """Decide what the networks say about one image, and whether they are sure.

    Unsure when the networks disagree about the most likely class, or when
    their mean probability for it is below ``threshold``; the top two
    classes are then both worth showing.

    Parameters
    ----------
    probabilities : dict or ndarray
        Network name to its 10 class probabilities for the image (shape (10,)
        or (1, 10), as from :func:`predict`), or one network's probabilities.
    threshold : float

    Returns
    -------
    Verdict

    Raises
    ------
    ValueError
        If there are no probabilities, or not 10 per network.
    """
    if not isinstance(probabilities, Mapping):
        probabilities = {"network": probabilities}
    rows = {name: np.asarray(p, dtype=np.float64).reshape(-1) for name, p in probabilities.items()}
    if not rows or any(p.shape != (10,) for p in rows.values()):
        raise ValueError("expected 10 class probabilities per network for one image")
    mean = np.mean(list(rows.values()), axis=0)
    first, second = (int(k) for k in np.argsort(mean)[::-1][:2])
    tops = {name: int(p.argmax()) for name, p in rows.items()}
    reasons = []
    if len(set(tops.values())) > 1:
        reasons.append("the networks disagree")
    if mean[first] < threshold:
        reasons.append(f"the top probability is below {threshold:.0%}")
    return Verdict(first, float(mean[first]), second, float(mean[second]), not reasons, " and ".join(reasons))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Count how often each true class was given each predicted class.

    Parameters
    ----------
    y_true, y_pred : ndarray of int, shape (n,)
        True and predicted classes, in ``0 .. n_classes - 1``.
    n_classes : int

    Returns
    -------
    ndarray of int, shape (n_classes, n_classes)
        Row: the true class; column: the predicted class. The diagonal holds
        the correct answers, each row sums to the images of that class.

    Raises
    ------
    ValueError
        If the arrays differ in length or hold a class outside the range.
    """
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {len(y_true)} and {len(y_pred)}")
    for y in (y_true, y_pred):
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"classes must lie in 0..{n_classes - 1}")
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    return matrix


@dataclass(frozen=True)
class ClassErrors:
    """How one true class fared, from a confusion matrix.

    Attributes
    ----------
    label : int
    images : int
        Images of this class.
    wrong : int
        Of them, classified as another class.
    mistaken_for : int or None
        The wrong class given most often (the smaller one on a tie); ``None``
        without errors.
    mistaken_count : int
        How often that happened.
    """

    label: int
    images: int
    wrong: int
    mistaken_for: int | None
    mistaken_count: int

    @property
    def error_rate(self) -> float:
        """``wrong / images`` (0 for a class without images)."""
        return self.wrong / self.images if self.images else 0.0


def per_class_errors(matrix: np.ndarray) -> list[ClassErrors]:
    """The errors of each true class of a confusion matrix (:func:`confusion_matrix`), in class order."""
    matrix = np.asarray(matrix)
    rows = []
    for label, row in enumerate(matrix):
        others = row.copy()
        others[label] = 0
        wrong = int(others.sum())
        worst = int(others.argmax())
        rows.append(ClassErrors(label, int(row.sum()), wrong, worst if wrong else None, int(others[worst])))
    return rows


@dataclass(frozen=True)
class Comparison:
    """Two accuracies compared with the spread that the random seed alone causes.

    Attributes
    ----------
    difference : float
        First accuracy minus second, in percentage points.
    spread : float
        Seed-to-seed spread of test accuracy (highest minus lowest over
        seeds), in percentage points.
    """

    difference: float
    spread: float

    @property
    def beyond_spread(self) -> bool:
        """Whether the difference is larger than the spread (in size)."""
        return abs(self.difference) > self.spread

    def __str__(self) -> str:
        relation = "bigger than" if self.beyond_spread else "within"
        return f"{self.difference:+.2f} points, {relation} the seed-to-seed spread of {self.spread:.2f} points"


def compare_with_spread(first: float, second: float, spread: float) -> Comparison:
    """Is the gap between two accuracies bigger than what changing the seed alone does?

    Training the same network with another random seed (other starting
    weights, another shuffling) changes its test accuracy a little; a gap
    between two networks that is no bigger than that spread says nothing
    about which network is better.

    Parameters
    ----------
    first, second : float
        Accuracies in [0, 1] (as from :func:`accuracy`).
    spread : float
        Highest minus lowest test accuracy over several seeds, in percentage
        points (as in :data:`labsupport.train.LR_SCHEDULE_MEASUREMENT`).

    Returns
    -------
    Comparison
    """
    if spread < 0:
        raise ValueError(f"spread must not be negative, got {spread}")
    return Comparison(100 * (first - second), float(spread))


def predict_batch_statistics(model: keras.Model, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """Class probabilities with batch normalization as in training, everything else as in prediction.

    Every ``BatchNormalization`` layer normalizes with the mean and variance
    of the batch it is given (``training=True``) instead of its moving
    averages; dropout and augmentation stay off. The model is left as it
    was: training mode would update the moving averages, so they are put
    back afterwards.

    Parameters
    ----------
    model : keras.Model
        A chain of layers (e.g. a ``keras.Sequential``), each feeding the next.
    x : ndarray
        Inputs in the model's format.
    batch_size : int
        About this many images per batch, whose statistics are used (the
        training batch size gives what training saw); the batches are made
        equal in size, so the last one is not a handful of images.

    Returns
    -------
    ndarray, shape (n, 10)
    """
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    saved = [(v, np.array(v)) for layer in norms for v in layer.non_trainable_variables]
    parts = []
    try:
        for out in np.array_split(x, max(1, round(len(x) / batch_size))):  # no tiny last batch
            for layer in model.layers:
                out = layer(out, training=isinstance(layer, keras.layers.BatchNormalization))
            parts.append(np.asarray(out))
    finally:
        for variable, value in saved:
            variable.assign(value)
    return np.concatenate(parts)
