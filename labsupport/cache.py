"""The model cache: each model is trained once and reused by later chapters.

A chapter that teaches training trains its model with
:func:`labsupport.train.train_named` and stores it with :func:`save`. A
chapter that only *uses* a model calls :func:`get_model`, which loads it from
the cache; on a miss it fetches the network the published course site was
built with (:mod:`labsupport.published`: checksum-verified, loaded in safe
mode), and trains it only if that is not possible (so every chapter also
runs on its own, e.g. in Colab). With ``any_profile=True`` (chapters that
only use the networks, not those that train one as their lesson) a network
of the same architecture trained under *another* profile is good enough:
a Colab CPU runtime (quick profile) then uses the site's full-profile
networks instead of training quick ones. Every call prints which network it
got: name, profile, test accuracy and source (cache, site, trained now).

Entries are keyed by the model's registry entry (name, input format, epoch
budget, architecture arguments), the source code of the module that builds
it, the profile and the training recipe, so a change of any of them trains
anew instead of loading a stale model. The key is computed without building
a model. :func:`architecture_key` hashes only the part of that which decides
the architecture (not the profile, epochs, seed or recipe); a network from
another profile is used only when it matches, and only if the loaded model
has the registry's architecture.

Each ``.keras`` file has a ``.json`` beside it: name, profile, key,
architecture key, seed, source, test accuracy (once known) and the training
history.

The cache lives in ``$LABSUPPORT_CACHE`` or, by default, ``~/.cache/labsupport/models``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import keras

from . import data, models, published, styles, train
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


def _architecture_fields(spec: models.ModelSpec) -> dict:
    """What decides a registered model's architecture: its registry entry and builder code."""
    return {
        "name": spec.name,
        "builder": f"{spec.build.__module__}.{spec.build.__qualname__}",
        "builder_source": hashlib.sha256(_builder_source(spec).encode()).hexdigest(),
        "architecture": dict(spec.architecture),
        "inputs": spec.inputs,
    }


def architecture_key(name: str) -> str:
    """A short hash of what decides a registered model's architecture, and nothing else.

    Unlike :func:`model_key` it leaves out the profile, the epoch budget, the
    seed and the training recipe: two networks with the same architecture
    key have the same layers, shapes and inputs and differ only in how they
    were trained. Computed without building a model.
    """
    blob = json.dumps(_architecture_fields(models.spec(name)), sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def model_key(name: str, profile: Profile, seed: int = SEED) -> str:
    """A short hash of everything that decides a registered model's trained weights (``seed``: see :func:`labsupport.train.train_named`)."""
    spec = models.spec(name)
    recipe = {
        **_architecture_fields(spec),
        "epochs": spec.epochs_for(profile),
        "profile": spec.training_profile(profile).as_dict(),
        "seed": seed,
        "learning_rate": train.LEARNING_RATE,
        "recipe": RECIPE_VERSION,
        # the styles drawn into its training digits: their code and share
        "styles": (hashlib.sha256(inspect.getsource(styles).encode()).hexdigest(), styles.SHARE) if spec.styled else None,
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
    meta = {"name": name, "profile": profile.name, "key": model_key(name, profile, seed),
            "architecture_key": architecture_key(name), "seed": seed, "source": "trained",
            "saved": time.strftime("%Y-%m-%d %H:%M:%S"), "history": history or {}}
    _write_meta(path, meta)
    return path


def _read_meta(path: Path) -> dict:
    """The metadata beside a cache file (empty if there is none or it is unreadable)."""
    try:
        meta = json.loads(path.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def history_of(path: str | os.PathLike) -> dict:
    """The training history kept beside a cache file (:func:`save`); empty if it has none."""
    history = _read_meta(Path(path)).get("history")
    return history if isinstance(history, dict) else {}


def _write_meta(path: Path, meta: dict) -> None:
    """Write the metadata beside a cache file, atomically (two kernels may share the cache)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(meta, indent=1))
    os.chmod(tmp, 0o644)
    Path(tmp).replace(path.with_suffix(".json"))


def _has_registry_architecture(model: keras.Model, name: str) -> bool:
    return _architecture(model) == _architecture(models.spec(name).new())


def load(
    name: str, profile: Profile, directory: Path | None = None, seed: int = SEED
) -> tuple[keras.Model, dict] | None:
    """The cached model and its history, or None if the cache has none.

    A cache file that does not load (truncated, or from an incompatible
    Keras) counts as a miss: it is reported and ignored.
    """
    hit = _load_file(entry_path(name, profile, directory, seed))
    return None if hit is None else (hit[0], hit[1].get("history", {}))


def _load_file(path: Path) -> tuple[keras.Model, dict, Path] | None:
    """A cache file's model, metadata and path, or None if it is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        model = keras.saving.load_model(path)
    except Exception as e:  # a broken cache file must not break the chapter
        print(f"ignoring unreadable cache file {path}: {e}")
        return None
    return model, _read_meta(path), path


def _other_profile_hit(name: str, profile: Profile, directory: Path) -> tuple[keras.Model, dict, Path] | None:
    """A cached network of the same name and architecture key trained under another profile.

    Only networks of the course's seed whose metadata records the architecture
    key count, the most accurate first; a loaded model must also have the
    registry's architecture.
    """
    arch = architecture_key(name)
    own = entry_path(name, profile, directory)
    candidates = []
    for path in directory.glob(f"{name}-*.keras"):
        meta = _read_meta(path)
        if path == own or path.name.endswith(".tmp.keras") or meta.get("name") != name:
            continue
        if meta.get("architecture_key") == arch and meta.get("seed", SEED) == SEED:
            candidates.append((-(meta.get("test_accuracy") or 0.0), path.name, path))
    for *_, path in sorted(candidates):
        hit = _load_file(path)
        if hit is not None and _has_registry_architecture(hit[0], name):
            return hit
    return None


def _from_site(
    name: str, profile: Profile, directory: Path, site: str, any_profile: bool
) -> tuple[keras.Model, dict, Path] | None:
    """The site's network (see :mod:`labsupport.published`) saved in the cache, or None (says why)."""
    arch = architecture_key(name)
    try:
        entry = published.choose(published.read_site_manifest(site), name, profile.name,
                                 model_key(name, profile), arch if any_profile else None)
        path = directory / f"{entry.name}-{entry.profile}-{entry.key}.keras"
        model = published.download(entry, path, site)
        if not _has_registry_architecture(model, name):
            path.unlink(missing_ok=True)
            raise published.PublishedModelError(
                f"{entry.file} does not have the architecture of {name!r} in this version of labsupport")
    except published.PublishedModelError as e:
        print(f"could not use the {name!r} model of the course site: {e}")
        return None
    meta = {"name": name, "profile": entry.profile, "key": entry.key,
            "architecture_key": entry.architecture_key or arch, "seed": SEED, "source": "site",
            "site": site, "sha256": entry.sha256, "test_accuracy": entry.test_accuracy,
            "saved": time.strftime("%Y-%m-%d %H:%M:%S"), "history": {}}
    _write_meta(path, meta)
    return model, meta, path


def _test_accuracy(
    model: keras.Model, name: str, path: Path, meta: dict, mnist: Callable[[], data.Arrays]
) -> float:
    """The network's accuracy on MNIST's test set: recorded in its metadata, else measured and recorded."""
    if meta.get("test_accuracy") is None:
        from . import inference

        x_test, y_test = mnist()[1]
        meta = {**meta, "test_accuracy": round(inference.accuracy({name: model}, x_test, y_test)[name], 6)}
        try:
            _write_meta(path, meta)
        except OSError as e:  # a read-only cache: measured again next time
            print(f"could not record the test accuracy beside {path}: {e}")
    return float(meta["test_accuracy"])


def _describe(name: str, meta: dict, profile: Profile) -> str:
    """Which network this is: name and profile."""
    return f"{name!r} model ({meta.get('profile', profile.name)} profile)"


def _profile_note(names: list[str], got: str, profile: Profile) -> str:
    """Says that networks come from another profile than the chapter's, and how to train its own."""
    these = ", ".join(repr(n) for n in names)
    return (f"note: {these} {'was' if len(names) == 1 else 'were'} trained under the {got} profile, not this "
            f"chapter's {profile.name} profile (retrain=True trains under the {profile.name} profile)")


def get_model(
    name: str,
    profile: Profile,
    arrays: data.Arrays | None = None,
    directory: Path | None = None,
    retrain: bool = False,
    seed: int = SEED,
    any_profile: bool = False,
) -> keras.Model:
    """A trained model: from the cache, else from the course site, else trained now and cached.

    In this order: the cache's network for ``profile``; with
    ``any_profile``, a cached network of the same architecture key from
    another profile (e.g. one downloaded earlier); the course site's network
    for ``profile`` or, with ``any_profile``, of the same architecture key in
    any profile it publishes (SHA-256 verified, loaded in safe mode, checked
    against the registry's architecture, then cached); training now under
    ``profile``. Prints which network it got: name, profile, test accuracy
    on MNIST (measured once and recorded in the cache if not known) and
    source.

    Parameters
    ----------
    name : str
        A key of :data:`labsupport.models.MODELS`.
    profile : Profile
        The chapter's profile: what it trains under, and the network it prefers.
    arrays : Mnist, optional
        Used if training or measuring the test accuracy is needed; loaded
        with :func:`labsupport.data.load_mnist` otherwise.
    directory : path, optional
        Overrides :func:`cache_dir`.
    retrain : bool
        Train now even if the cache or the site has the network (and replace
        the cached one).
    seed : int
        Training seed (:func:`labsupport.train.train_named`); the course site
        has the default seed's networks only, and ``any_profile`` applies to
        them only.
    any_profile : bool
        Accept a network of the same architecture trained under another
        profile. For chapters that only *use* networks; a chapter that
        trains one as its lesson, or compares networks of one profile,
        leaves it off.

    Returns
    -------
    keras.Model
    """
    model, meta = _get_model(name, profile, _loader(arrays), directory, retrain, seed, any_profile)
    if meta.get("profile", profile.name) != profile.name:
        print(_profile_note([name], meta["profile"], profile))
    return model


def _loader(arrays: data.Arrays | None) -> Callable[[], data.Arrays]:
    """A function returning ``arrays``, or MNIST loaded on its first call."""
    loaded = [] if arrays is None else [arrays]

    def mnist() -> data.Arrays:
        if not loaded:
            loaded.append(data.load_mnist())
        return loaded[0]

    return mnist


def _get_model(
    name: str,
    profile: Profile,
    mnist: Callable[[], data.Arrays],
    directory: Path | None,
    retrain: bool,
    seed: int,
    any_profile: bool,
) -> tuple[keras.Model, dict]:
    """:func:`get_model` with MNIST from a loader called at most when needed; also returns the metadata."""
    models.spec(name)  # a clear error for an unknown name
    directory = Path(directory) if directory is not None else cache_dir()
    any_profile = any_profile and seed == SEED
    if not retrain:
        hit = _load_file(entry_path(name, profile, directory, seed))
        if hit is None and any_profile:
            hit = _other_profile_hit(name, profile, directory)
        if hit is not None:
            model, meta, path = hit
            accuracy = _test_accuracy(model, name, path, meta, mnist)
            origin = " (downloaded from the course site earlier)" if meta.get("source") == "site" else ""
            print(f"loaded the trained {_describe(name, meta, profile)} from the cache{origin}: "
                  f"test accuracy {accuracy:.4f}")
            return model, meta
        site = published.site_url() if seed == SEED else None
        if site:
            fetched = _from_site(name, profile, directory, site, any_profile)
            if fetched is not None:
                model, meta, path = fetched
                accuracy = _test_accuracy(model, name, path, meta, mnist)
                print(f"downloaded the trained {_describe(name, meta, profile)} from {site}: "
                      f"sha256 verified, loaded in safe mode; test accuracy {accuracy:.4f}")
                return model, meta
        print(f"no cached {name!r} model for the {profile.name} profile: training it now")
    else:
        print(f"retraining the {name!r} model ({profile.name} profile) as asked")
    arrays = mnist()
    model, history = train.train_named(name, profile, arrays, seed)
    path = save(model, name, profile, history, directory, seed)
    meta = _read_meta(path)
    accuracy = _test_accuracy(model, name, path, meta, mnist)
    print(f"trained the {_describe(name, meta, profile)} now and cached it: test accuracy {accuracy:.4f}")
    return model, meta


def get_models(
    profile: Profile,
    arrays: data.Arrays | None = None,
    directory: Path | None = None,
    retrain: bool = False,
    seed: int = SEED,
    any_profile: bool = False,
) -> dict[str, keras.Model]:
    """Every registered model, trained, by name (see :func:`get_model`).

    MNIST is loaded at most once, and only if a network must be trained or
    measured. With ``any_profile``, says so when the networks come from
    different profiles.
    """
    mnist = _loader(arrays)
    got = {name: _get_model(name, profile, mnist, directory, retrain, seed, any_profile) for name in models.MODELS}
    profiles = {name: meta.get("profile", profile.name) for name, (_, meta) in got.items()}
    for other in dict.fromkeys(p for p in profiles.values() if p != profile.name):
        print(_profile_note([n for n, p in profiles.items() if p == other], other, profile))
    if len(set(profiles.values())) > 1:
        mix = ", ".join(f"{name} {p}" for name, p in profiles.items())
        print(f"note: these networks were trained under different profiles ({mix}), so comparisons "
              "between them also compare how long they trained")
    return {name: model for name, (model, _) in got.items()}


def published_entries(
    profile: Profile, arrays: data.Arrays | None = None, directory: Path | None = None
) -> list[tuple[str, str, str, Path, float]]:
    """The cached networks of a profile, ready for :func:`labsupport.published.export`.

    Every registered model that has an epoch budget under the profile and is
    in the cache, with its test accuracy (computed now on MNIST's test set).
    Each one's metadata file then records its key, architecture key and test
    accuracy (:func:`labsupport.published.export` reads the architecture key
    there; files cached before it was recorded get it now: the same cache key
    means the same architecture).

    Returns
    -------
    list of (name, profile name, key, path, test accuracy)
    """
    from . import inference

    found = []
    for name, spec in models.MODELS.items():
        if profile.name not in spec.epochs:  # never trained under this profile
            continue
        path = entry_path(name, profile, directory)
        hit = _load_file(path)
        if hit is None:
            continue
        if arrays is None:
            arrays = data.load_mnist()
        x_test, y_test = arrays[1]
        accuracy = inference.accuracy({name: hit[0]}, x_test, y_test)[name]
        _write_meta(path, {**hit[1], "name": name, "profile": profile.name, "key": model_key(name, profile),
                           "architecture_key": architecture_key(name), "test_accuracy": round(accuracy, 6)})
        found.append((name, profile.name, model_key(name, profile), path, accuracy))
    return found
