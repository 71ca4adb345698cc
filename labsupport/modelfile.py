"""Loading a saved model file, safely and with a clear error when that fails."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import keras

# The course's own layer (RandomAffine, in the augmented CNN) is registered with
# Keras when its module is imported: import it so that every course model loads.
from . import augment  # noqa: F401


class ModelFileError(RuntimeError):
    """A model file is missing, is not a Keras model, or may not be loaded safely."""


def load_model_file(path: str | os.PathLike, safe_mode: bool = True) -> keras.Model:
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
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    if path.stat().st_size == 0:
        raise ModelFileError(f"{path}: the file is empty")
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not a Keras model file (a .keras file is a zip archive; this one is not)")
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
