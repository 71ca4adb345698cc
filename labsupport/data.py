"""MNIST: loading, verifying, scaling and splitting.

:func:`load_mnist` returns exactly what ``keras.datasets.mnist.load_data()``
returns. It reads, in this order,

1. the file passed as ``path``,
2. the file named by the environment variable ``MNIST_PATH``,
3. the Keras cache (``~/.keras/datasets/mnist.npz``), downloading it if needed,

and checks every array against the published SHA-256 of the real data set.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .profile import SEED, Profile

#: Environment variable naming a local ``mnist.npz``.
MNIST_ENV = "MNIST_PATH"

#: SHA-256 of ``arr.tobytes()`` for each array of the real MNIST.
MNIST_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}

#: Shapes of the real arrays.
MNIST_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}

HOW_TO_PROVIDE = (
    "Download mnist.npz once (https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    "mnist.npz) and either put it in ~/.keras/datasets/ or set the environment "
    f"variable {MNIST_ENV} to its path."
)



class Part(NamedTuple):
    """Images and labels of one part of MNIST (unpacks as ``x, y``)."""

    x: np.ndarray
    y: np.ndarray


class Mnist(NamedTuple):
    """MNIST as ``keras.datasets.mnist.load_data()`` returns it, with names.

    Unpacks exactly like Keras's tuple, ``(x_train, y_train), (x_test, y_test) =
    mnist``, and also reads as ``mnist.train.x`` or ``mnist.test.y``.
    """

    train: Part
    test: Part


#: What :func:`make_splits` accepts: a :class:`Mnist` or Keras's plain tuple.
Arrays = Mnist | tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

#: What :func:`make_splits` calls to add training images: (images, labels) -> (more images, their labels).
Extra = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class MnistError(RuntimeError):
    """MNIST could not be loaded, or the file is not MNIST."""


def _sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def check_arrays(arrays: dict[str, np.ndarray], source: str, verify_hashes: bool = True) -> None:
    """Check that four arrays look like MNIST, raising a clear error if not.

    Parameters
    ----------
    arrays : dict
        ``x_train``, ``y_train``, ``x_test``, ``y_test``.
    source : str
        Where the arrays came from, named in the error message.
    verify_hashes : bool
        Also require the exact shapes and SHA-256 of the real data set.
        Turn off only for small synthetic files in tests.

    Raises
    ------
    MnistError
    """
    missing = [k for k in MNIST_SHA256 if k not in arrays]
    if missing:
        raise MnistError(f"{source}: missing array(s) {missing}; an MNIST file holds {list(MNIST_SHA256)}")
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.dtype != np.uint8 or y.dtype != np.uint8:
            raise MnistError(f"{source}: x_{part}/y_{part} have dtypes {x.dtype}/{y.dtype}, expected uint8")
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise MnistError(f"{source}: x_{part} has shape {x.shape}, expected (n, 28, 28)")
        if y.shape != (x.shape[0],):
            raise MnistError(f"{source}: y_{part} has shape {y.shape}, expected ({x.shape[0]},)")
        if y.size and y.max() > 9:
            raise MnistError(f"{source}: y_{part} holds labels above 9")
    if not verify_hashes:
        return
    for key, shape in MNIST_SHAPES.items():
        if arrays[key].shape != shape:
            raise MnistError(f"{source}: {key} has shape {arrays[key].shape}, MNIST's is {shape}")
        digest = _sha256(arrays[key])
        if digest != MNIST_SHA256[key]:
            raise MnistError(
                f"{source}: {key} is not MNIST's (sha256 {digest[:12]}..., expected "
                f"{MNIST_SHA256[key][:12]}...); the file is corrupt or a different data set"
            )


def read_npz(path: str | os.PathLike, verify_hashes: bool = True) -> Mnist:
    """Read and check an ``mnist.npz`` file.

    Parameters
    ----------
    path : path-like
        The file.
    verify_hashes : bool
        See :func:`check_arrays`.

    Returns
    -------
    Mnist
        ``((x_train, y_train), (x_test, y_test))``, with names.

    Raises
    ------
    MnistError
        If the file is missing, not an ``.npz`` archive, or not MNIST.
    """
    path = Path(path)
    if not path.is_file():
        raise MnistError(f"{path}: no such file. {HOW_TO_PROVIDE}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise MnistError(f"{path}: not a readable .npz archive ({e})") from e
    if not isinstance(loaded, np.lib.npyio.NpzFile):  # a plain .npy file loads as one array
        raise MnistError(f"{path}: not an .npz archive (it holds a single array)")
    try:
        with loaded:
            arrays = {k: loaded[k] for k in loaded.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise MnistError(f"{path}: truncated or corrupt .npz archive ({e})") from e
    check_arrays(arrays, str(path), verify_hashes)
    return Mnist(Part(arrays["x_train"], arrays["y_train"]), Part(arrays["x_test"], arrays["y_test"]))


def load_mnist(path: str | os.PathLike | None = None, verify_hashes: bool = True) -> Mnist:
    """Load MNIST as ``keras.datasets.mnist.load_data()`` does, offline if a file is given.

    Parameters
    ----------
    path : path-like, optional
        A local ``mnist.npz``. Defaults to ``$MNIST_PATH``; when neither is set,
        Keras's cache is used and filled by a download if empty.
    verify_hashes : bool
        Check the arrays against the real data set's SHA-256 (default).

    Returns
    -------
    Mnist
        ``((x_train, y_train), (x_test, y_test))``: uint8 arrays of shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,).

    Raises
    ------
    MnistError
        If the named file is missing or wrong, or nothing is cached and the
        download fails.
    """
    if path is None:
        path = os.environ.get(MNIST_ENV) or None
    if path is not None:
        return read_npz(path, verify_hashes)
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as e:  # network errors come in many types
        raise MnistError(f"MNIST is not cached and could not be downloaded ({e}). {HOW_TO_PROVIDE}") from e
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    check_arrays(arrays, "Keras cache (~/.keras/datasets/mnist.npz)", verify_hashes)
    return Mnist(Part(x_train, y_train), Part(x_test, y_test))


def dense_inputs(x: np.ndarray) -> np.ndarray:
    """Flatten images and scale pixels to [0, 1], the dense network's input.

    Parameters
    ----------
    x : ndarray, shape (n, 28, 28), uint8

    Returns
    -------
    ndarray, shape (n, 784), float32
    """
    x = np.asarray(x)
    return (x.reshape(x.shape[0], -1) / 255.0).astype(np.float32)


def image_inputs(x: np.ndarray) -> np.ndarray:
    """Add a channel axis and scale pixels to [-1, 1], the CNN's input.

    Parameters
    ----------
    x : ndarray, shape (n, 28, 28), uint8

    Returns
    -------
    ndarray, shape (n, 28, 28, 1), float32
    """
    x = np.asarray(x)
    return (2.0 * (x[..., np.newaxis] / 255.0) - 1.0).astype(np.float32)


#: How each kind of model wants its pixels: a model's entry in
#: :data:`labsupport.models.MODELS` names one of these.
INPUT_FORMATS = {"dense": dense_inputs, "image": image_inputs}


def model_inputs(x: np.ndarray, input_format: str) -> np.ndarray:
    """Scale uint8 images for a model's input format (see :data:`INPUT_FORMATS`).

    Parameters
    ----------
    x : ndarray, shape (n, 28, 28), uint8
    input_format : {"dense", "image"}

    Returns
    -------
    ndarray, float32
    """
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"input format must be one of {sorted(INPUT_FORMATS)}, got {input_format!r}")
    return INPUT_FORMATS[input_format](x)


def train_val_split(
    x: np.ndarray, y: np.ndarray, val_fraction: float = 1 / 6, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into training and validation parts.

    Parameters
    ----------
    x, y : ndarray
        Samples and labels, same length.
    val_fraction : float
        Share of samples held out for validation (the course uses 1/6:
        10 000 of MNIST's 60 000 training images).
    seed : int
        Seed of the shuffle; the same seed gives the same split.

    Returns
    -------
    x_train, x_val, y_train, y_val : ndarray
    """
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: {len(x)} vs {len(y)}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = len(x) - training_split_size(len(x), val_fraction)
    val, train = order[:n_val], order[n_val:]
    return x[train], x[val], y[train], y[val]


def training_split_size(n_images: int, val_fraction: float = 1 / 6) -> int:
    """How many of ``n_images`` :func:`train_val_split` keeps for training (50 000 of MNIST's 60 000)."""
    return n_images - int(round(n_images * val_fraction))


@dataclass(frozen=True)
class Splits:
    """Model-ready training, validation and test arrays."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def describe(self) -> str:
        """One line per part with its shape."""
        return "\n".join(
            f"{name:<10} x {str(getattr(self, 'x_' + name).shape):<18} y {getattr(self, 'y_' + name).shape}"
            for name in ("train", "val", "test")
        )


def make_splits(
    arrays: Arrays, input_format: str, profile: Profile, seed: int = SEED, extra: Extra | None = None
) -> Splits:
    """Scale, split and (in the quick profile) subsample MNIST for a model.

    Parameters
    ----------
    arrays : Mnist or ((x_train, y_train), (x_test, y_test))
        As returned by :func:`load_mnist`.
    input_format : {"dense", "image"}
        :func:`dense_inputs` or :func:`image_inputs` (see :data:`INPUT_FORMATS`).
    profile : Profile
        ``n_train`` and ``n_val`` cap the training and validation parts;
        the test set is always complete.
    seed : int
        Seed of the split.
    extra : callable, optional
        ``extra(images, labels)`` makes more training images (uint8 digits)
        from the training part, after the cap; they are added to it (e.g.
        :func:`labsupport.styles.styled_copies`). The validation and test
        parts stay MNIST's, so that validation measures what the test set does.

    Returns
    -------
    Splits
    """
    (x_train, y_train), (x_test, y_test) = arrays
    x_tr, x_val, y_tr, y_val = train_val_split(x_train, y_train, seed=seed)
    x_tr, y_tr = x_tr[: profile.n_train], y_tr[: profile.n_train]
    if extra is not None:
        x_more, y_more = extra(x_tr, y_tr)
        x_tr, y_tr = np.concatenate([x_tr, x_more]), np.concatenate([y_tr, y_more])
    return Splits(
        model_inputs(x_tr, input_format), y_tr,
        model_inputs(x_val[: profile.n_val], input_format), y_val[: profile.n_val],
        model_inputs(x_test, input_format), y_test,
    )
