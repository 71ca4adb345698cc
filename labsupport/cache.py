"""The model cache: each model is trained once and reused by later chapters.

A chapter that teaches training (dense, CNN, augmentation) trains its model
and stores it with :func:`save`. A chapter that only *uses* a model calls
:func:`get_model`, which loads it from the cache, or trains it first if the
cache has none (so every chapter also runs on its own, e.g. in Colab).

Entries are keyed by the model's name, its architecture (the Keras config),
the profile and the training recipe, so a change of any of them trains anew
instead of loading a stale model.

The cache lives in ``$LABSUPPORT_CACHE`` or, by default, ``~/.cache/labsupport/models``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import keras

from . import data, models, train
from .profile import SEED, Profile

#: Environment variable naming the cache folder.
CACHE_ENV = "LABSUPPORT_CACHE"

#: Bump when the training recipe changes in a way the key does not see.
RECIPE_VERSION = 3


def cache_dir() -> Path:
    """The cache folder (created on first save)."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "labsupport" / "models"


def data_kind(name: str) -> str:
    """Input format of a named model: ``"dense"`` or ``"cnn"``."""
    return "dense" if name == "dense" else "cnn"


def epochs_for(name: str, profile: Profile) -> int:
    """Epoch budget of a named model under a profile."""
    return profile.dense_epochs if name == "dense" else profile.cnn_epochs


def model_key(name: str, model: keras.Model, profile: Profile) -> str:
    """A short hash of everything that decides the trained weights."""
    recipe = {
        "name": name,
        "architecture": model.get_config(),
        "profile": profile.as_dict(),
        "seed": SEED,
        "learning_rate": models.LEARNING_RATE,
        "recipe": RECIPE_VERSION,
    }
    blob = json.dumps(recipe, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def entry_path(name: str, profile: Profile, directory: Path | None = None) -> Path:
    """Where a named model for a profile is (or would be) cached."""
    directory = Path(directory) if directory is not None else cache_dir()
    key = model_key(name, models.BUILDERS[name](), profile)
    return directory / f"{name}-{profile.name}-{key}.keras"


def save(
    model: keras.Model,
    name: str,
    profile: Profile,
    history: dict | None = None,
    directory: Path | None = None,
) -> Path:
    """Save a trained model (and its training history) in the cache.

    Parameters
    ----------
    model : keras.Model
        Trained model built by ``models.BUILDERS[name]``.
    name : str
        Its name in :data:`labsupport.models.BUILDERS`.
    profile : Profile
        The profile it was trained under.
    history : dict, optional
        As returned by :func:`labsupport.train.fit`.
    directory : path, optional
        Overrides :func:`cache_dir`.

    Returns
    -------
    Path
        The ``.keras`` file written.
    """
    if model_key(name, model, profile) != model_key(name, models.BUILDERS[name](), profile):
        raise ValueError(f"model {model.name!r} does not have the architecture of {name!r}; not cached")
    path = entry_path(name, profile, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.keras")
    model.save(tmp)
    tmp.replace(path)  # atomic: a reader never sees half a file
    meta = {"name": name, "profile": profile.name, "saved": time.strftime("%Y-%m-%d %H:%M:%S"),
            "history": history or {}}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return path


def load(name: str, profile: Profile, directory: Path | None = None) -> tuple[keras.Model, dict] | None:
    """The cached model and its history, or None if the cache has none.

    A cache file that does not load (truncated, or from an incompatible
    Keras) counts as a miss: it is reported and ignored.
    """
    path = entry_path(name, profile, directory)
    if not path.is_file():
        return None
    try:
        model = keras.saving.load_model(path)
    except Exception as e:  # a broken cache file must not break the chapter
        print(f"ignoring unreadable cache file {path}: {e}")
        return None
    meta_path = path.with_suffix(".json")
    history = json.loads(meta_path.read_text()).get("history", {}) if meta_path.is_file() else {}
    return model, history


def train_named(name: str, profile: Profile, arrays: data.Arrays | None = None) -> tuple[keras.Model, dict]:
    """Train a named model with the course's recipe (no caching)."""
    train.reseed()
    arrays = arrays if arrays is not None else data.load_mnist()
    splits = data.make_splits(arrays, data_kind(name), profile)
    model = models.compile_classifier(models.BUILDERS[name]())
    history = train.fit_profile(model, splits, profile, epochs_for(name, profile))
    return model, history


def get_model(
    name: str,
    profile: Profile,
    arrays: data.Arrays | None = None,
    directory: Path | None = None,
) -> keras.Model:
    """A trained model: from the cache, or trained now and cached.

    Parameters
    ----------
    name : {"dense", "cnn", "augmented_cnn"}
    profile : Profile
    arrays : MNIST arrays, optional
        Used if training is needed; loaded with :func:`labsupport.data.load_mnist` otherwise.
    directory : path, optional
        Overrides :func:`cache_dir`.

    Returns
    -------
    keras.Model
    """
    if name not in models.BUILDERS:
        raise ValueError(f"unknown model {name!r}; known: {sorted(models.BUILDERS)}")
    hit = load(name, profile, directory)
    if hit is not None:
        print(f"loaded the trained {name!r} model ({profile.name} profile) from the cache")
        return hit[0]
    print(f"no cached {name!r} model for the {profile.name} profile: training it now")
    model, history = train_named(name, profile, arrays)
    save(model, name, profile, history, directory)
    return model
