"""The model cache: each model is trained once and reused by later chapters.

A chapter that teaches training trains its model with
:func:`labsupport.train.train_named` and stores it with :func:`save`. A
chapter that only *uses* a model calls :func:`get_model`, which loads it from
the cache; on a miss it fetches the network the published course site was
built with (:mod:`labsupport.published`: checksum-verified, loaded in safe
mode), and trains it only if that is not possible (so every chapter also
runs on its own, e.g. in Colab).

Entries are keyed by the model's registry entry (name, input format, epoch
budget, architecture arguments), the source code of the module that builds
it, the profile and the training recipe, so a change of any of them trains
anew instead of loading a stale model. The key is computed without building
a model.

The cache lives in ``$LABSUPPORT_CACHE`` or, by default, ``~/.cache/labsupport/models``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
import time
from pathlib import Path

import keras

from . import data, models, published, train
from .profile import SEED, Profile

#: Environment variable naming the cache folder.
CACHE_ENV = "LABSUPPORT_CACHE"

#: Bump when the training recipe changes in a way the key does not see.
RECIPE_VERSION = 3


def cache_dir() -> Path:
    """The cache folder (created on first save)."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "labsupport" / "models"


def _builder_source(spec: models.ModelSpec) -> str:
    """The source of the module that defines the builder (its code decides the architecture)."""
    module = sys.modules.get(spec.build.__module__)
    try:
        return inspect.getsource(module) if module is not None else spec.build.__qualname__
    except (OSError, TypeError):  # defined interactively: the builder's name is all we have
        return spec.build.__qualname__


def model_key(name: str, profile: Profile, seed: int = SEED) -> str:
    """A short hash of everything that decides a registered model's trained weights (``seed``: see :func:`labsupport.train.train_named`)."""
    spec = models.spec(name)
    recipe = {
        "name": spec.name,
        "builder": f"{spec.build.__module__}.{spec.build.__qualname__}",
        "builder_source": hashlib.sha256(_builder_source(spec).encode()).hexdigest(),
        "architecture": dict(spec.architecture),
        "inputs": spec.inputs,
        "epochs": spec.epochs_for(profile),
        "profile": profile.as_dict(),
        "seed": seed,
        "learning_rate": train.LEARNING_RATE,
        "recipe": RECIPE_VERSION,
    }
    blob = json.dumps(recipe, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def entry_path(name: str, profile: Profile, directory: Path | None = None, seed: int = SEED) -> Path:
    """Where a named model for a profile (and training seed) is (or would be) cached."""
    directory = Path(directory) if directory is not None else cache_dir()
    return directory / f"{name}-{profile.name}-{model_key(name, profile, seed)}.keras"


def _architecture(model: keras.Model) -> str:
    """The model's Keras config as canonical JSON, without names.

    Names are left out (Keras numbers unnamed layers ``dense_1``, ``dense_2``,
    ... per session) and JSON makes a freshly built model and one loaded from
    a file (tuples there, lists here) compare equal.
    """

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "name"}
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(model.get_config()), sort_keys=True, default=str)


def save(
    model: keras.Model,
    name: str,
    profile: Profile,
    history: dict | None = None,
    directory: Path | None = None,
    seed: int = SEED,
) -> Path:
    """Save a trained model (and its training history) in the cache.

    Parameters
    ----------
    model : keras.Model
        Trained model of the registered architecture ``name``.
    name : str
        Its key in :data:`labsupport.models.MODELS`.
    profile : Profile
        The profile it was trained under.
    history : dict, optional
        As returned by :func:`labsupport.train.fit`.
    directory : path, optional
        Overrides :func:`cache_dir`.
    seed : int
        The training seed it was trained with.

    Returns
    -------
    Path
        The ``.keras`` file written.

    Raises
    ------
    ValueError
        If the model is not of the registered architecture.
    """
    if _architecture(model) != _architecture(models.spec(name).new()):
        raise ValueError(f"model {model.name!r} does not have the architecture of {name!r}; not cached")
    path = entry_path(name, profile, directory, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.keras")
    model.save(tmp)
    tmp.replace(path)  # atomic: a reader never sees half a file
    meta = {"name": name, "profile": profile.name, "saved": time.strftime("%Y-%m-%d %H:%M:%S"),
            "history": history or {}}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return path


def load(
    name: str, profile: Profile, directory: Path | None = None, seed: int = SEED
) -> tuple[keras.Model, dict] | None:
    """The cached model and its history, or None if the cache has none.

    A cache file that does not load (truncated, or from an incompatible
    Keras) counts as a miss: it is reported and ignored.
    """
    path = entry_path(name, profile, directory, seed)
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


def get_model(
    name: str,
    profile: Profile,
    arrays: data.Arrays | None = None,
    directory: Path | None = None,
    retrain: bool = False,
    seed: int = SEED,
) -> keras.Model:
    """A trained model: from the cache, else from the course site, else trained now and cached.

    Prints which of the three happened.

    Parameters
    ----------
    name : str
        A key of :data:`labsupport.models.MODELS`.
    profile : Profile
    arrays : Mnist, optional
        Used if training is needed; loaded with :func:`labsupport.data.load_mnist` otherwise.
    directory : path, optional
        Overrides :func:`cache_dir`.
    retrain : bool
        Train now even if the cache or the site has the network (and replace
        the cached one).
    seed : int
        Training seed (:func:`labsupport.train.train_named`); the course site
        has the default seed's networks only.

    Returns
    -------
    keras.Model
    """
    models.spec(name)  # a clear error for an unknown name
    if not retrain:
        hit = load(name, profile, directory, seed)
        if hit is not None:
            print(f"loaded the trained {name!r} model ({profile.name} profile) from the cache")
            return hit[0]
        site = published.site_url() if seed == SEED else None
        if site:
            try:
                model = published.fetch(name, profile.name, model_key(name, profile),
                                        entry_path(name, profile, directory), site)
            except published.PublishedModelError as e:
                print(f"could not use the {name!r} model of the course site: {e}")
            else:
                print(f"downloaded the trained {name!r} model ({profile.name} profile) from {site}: "
                      "sha256 verified, loaded in safe mode")
                return model
        print(f"no cached {name!r} model for the {profile.name} profile: training it now")
    else:
        print(f"retraining the {name!r} model ({profile.name} profile) as asked")
    model, history = train.train_named(name, profile, arrays, seed)
    save(model, name, profile, history, directory, seed)
    return model


def get_models(
    profile: Profile,
    arrays: data.Arrays | None = None,
    directory: Path | None = None,
    retrain: bool = False,
    seed: int = SEED,
) -> dict[str, keras.Model]:
    """Every registered model, trained, by name (see :func:`get_model`)."""
    must_train = retrain or (
        not (published.site_url() and seed == SEED)
        and not all(entry_path(n, profile, directory, seed).is_file() for n in models.MODELS)
    )
    if arrays is None and must_train:
        arrays = data.load_mnist()  # load once for all the models that will be trained
    return {name: get_model(name, profile, arrays, directory, retrain, seed) for name in models.MODELS}


def published_entries(
    profile: Profile, arrays: data.Arrays | None = None, directory: Path | None = None
) -> list[tuple[str, str, str, Path, float]]:
    """The cached networks of a profile, ready for :func:`labsupport.published.export`.

    Every registered model that has an epoch budget under the profile and is
    in the cache, with its test accuracy (computed now on MNIST's test set).

    Returns
    -------
    list of (name, profile name, key, path, test accuracy)
    """
    from . import inference

    found = []
    for name, spec in models.MODELS.items():
        if profile.name not in spec.epochs:  # never trained under this profile
            continue
        hit = load(name, profile, directory)
        if hit is None:
            continue
        if arrays is None:
            arrays = data.load_mnist()
        x_test, y_test = arrays[1]
        accuracy = inference.accuracy({name: hit[0]}, x_test, y_test)[name]
        found.append((name, profile.name, model_key(name, profile), entry_path(name, profile, directory), accuracy))
    return found
