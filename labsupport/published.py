"""The networks the published course site was built with: exporting and fetching them.

The build that publishes the site trains every registered network once. It
copies them, with a manifest, into the site (:func:`export`), so that a
reader in Colab or Binder does not have to train them again: on a cache miss,
:func:`labsupport.cache.get_model` reads the site's manifest
(:func:`read_site_manifest`), picks the network of the same name, profile
and cache key, or, for a chapter that only uses the networks, one of the
same name and architecture key trained under another profile
(:func:`choose`), downloads it, checks its SHA-256 against the manifest and
loads it with Keras's safe mode on (:func:`download`); only if any of that
fails does it train. (The site is built in one profile, usually ``full``,
while a Colab CPU runtime runs ``quick``.)

The site's address comes from ``html.baseurl`` in the book's ``_config.yml``:
the generated Colab/Binder notebooks set the environment variable
:data:`SITE_ENV` to it in their first cell. Without it nothing is fetched.

Layout on the site::

    models/manifest.json
    models/<name>-<profile>-<key>.keras

The manifest is ``{"models": [{"name", "profile", "key", "architecture_key",
"file", "sha256", "bytes", "test_accuracy"}, ...]}``. ``key`` is the model
cache's key (:func:`labsupport.cache.model_key`), which changes with the
profile; ``architecture_key`` (:func:`labsupport.cache.architecture_key`)
does not, and is what lets another profile use the network. Names,
profiles, keys and files are plain names (no path separators).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

#: Environment variable with the published site's address (ending in ``/``).
SITE_ENV = "LABSUPPORT_SITE_URL"

#: Folder of the networks inside the site, and the manifest's name there.
MODELS_DIR = "models"
MANIFEST = "manifest.json"

#: Seconds to wait for the site before giving up (and training instead).
TIMEOUT = 20

#: Refuse to download a network file larger than this (bytes).
MAX_BYTES = 200_000_000


class PublishedModelError(RuntimeError):
    """The published network could not be fetched, verified or loaded; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One network in the manifest."""

    name: str
    profile: str
    key: str
    file: str
    sha256: str
    bytes: int
    test_accuracy: float | None = None
    architecture_key: str | None = None


def site_url() -> str | None:
    """The published site's address from :data:`SITE_ENV`, with a trailing ``/``, or None."""
    url = os.environ.get(SITE_ENV, "").strip()
    if not url:
        return None
    return url if url.endswith("/") else url + "/"


def sha256_of(path: str | os.PathLike) -> str:
    """SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export(
    models: list[tuple[str, str, str, Path, float | None]], site_dir: str | os.PathLike
) -> Path:
    """Copy trained networks into a built site and write the manifest.

    Parameters
    ----------
    models : list of (name, profile, key, path, test accuracy)
        The cache files to publish (see :func:`labsupport.cache.entry_path`).
        Each one's architecture key is read from the model cache's
        metadata file beside it (``path`` with ``.json``; see
        :func:`labsupport.cache.published_entries`), when it has one.
    site_dir : path-like
        The built site's root (e.g. ``book/_build/html``).

    Returns
    -------
    Path
        The manifest written.
    """
    folder = Path(site_dir) / MODELS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, profile, key, path, accuracy in models:
        path = Path(path)
        shutil.copyfile(path, folder / path.name)
        meta = path.with_suffix(".json")
        arch = json.loads(meta.read_text()).get("architecture_key") if meta.is_file() else None
        entries.append(Entry(name, profile, key, path.name, sha256_of(path), path.stat().st_size,
                             None if accuracy is None else round(float(accuracy), 6), arch))
    manifest = folder / MANIFEST
    manifest.write_text(json.dumps({"models": [asdict(e) for e in entries]}, indent=1) + "\n")
    return manifest


def read_manifest(text: str | bytes, source: str = "the manifest") -> list[Entry]:
    """Parse a manifest, with a clear error for anything malformed.

    Raises
    ------
    PublishedModelError
    """
    try:
        raw = json.loads(text)
        entries = [Entry(**item) for item in raw["models"]]
    except (ValueError, KeyError, TypeError) as e:
        raise PublishedModelError(f"{source} is not a valid model manifest ({e})") from e
    for e in entries:
        for value in (e.name, e.profile, e.key, e.file, e.architecture_key or "x"):
            if not isinstance(value, str) or Path(value).name != value or value in ("", ".", ".."):
                raise PublishedModelError(f"{source} names a file outside its folder: {value!r}")
    return entries


def _get(url: str, limit: int) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (https or a local test server)
            data = response.read(limit + 1)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise PublishedModelError(f"could not download {url} ({e})") from e
    if len(data) > limit:
        raise PublishedModelError(f"{url} is larger than {limit} bytes; refused")
    return data


def read_site_manifest(url: str | None = None) -> list[Entry]:
    """The networks a site publishes, from its manifest.

    Parameters
    ----------
    url : str, optional
        The site; defaults to :func:`site_url`.

    Raises
    ------
    PublishedModelError
        No site configured, the manifest cannot be downloaded, or it is malformed.
    """
    url = url or site_url()
    if not url:
        raise PublishedModelError(f"no course site configured (set {SITE_ENV})")
    manifest_url = f"{_base(url)}{MODELS_DIR}/{MANIFEST}"
    return read_manifest(_get(manifest_url, 1_000_000), manifest_url)


def choose(
    entries: list[Entry], name: str, profile: str, key: str, architecture_key: str | None = None
) -> Entry:
    """The published network to use for a model.

    The one of the same name, profile and cache key if there is one. Else,
    when ``architecture_key`` is given, one of the same name and
    architecture key trained under another profile (the most accurate on
    MNIST's test set); entries that do not state an architecture key are
    never taken for another profile.

    Parameters
    ----------
    entries : list of Entry
        The site's manifest (:func:`read_site_manifest`).
    name, profile, key : str
        The model's registry name, the local profile and the model cache's
        key for it.
    architecture_key : str, optional
        Accept another profile's network with this architecture key
        (:func:`labsupport.cache.architecture_key`).

    Raises
    ------
    PublishedModelError
        If none fits; the message lists what the site publishes.
    """
    exact = [e for e in entries if (e.name, e.profile, e.key) == (name, profile, key)]
    if exact:
        return exact[0]
    if architecture_key is not None:
        same = [e for e in entries if e.name == name and e.architecture_key == architecture_key]
        if same:
            return max(same, key=lambda e: -1.0 if e.test_accuracy is None else e.test_accuracy)
    published = ", ".join(f"{e.name}/{e.profile}/{e.key}" for e in entries) or "none"
    wanted = f"with key {key}"
    if architecture_key is not None:
        wanted += f", nor one of another profile with architecture key {architecture_key}"
    raise PublishedModelError(
        f"the site publishes no {name!r} network for the {profile} profile {wanted} (published: {published})"
    )


def download(entry: Entry, target: str | os.PathLike, url: str | None = None):
    """Download a published network into ``target``, verified and loadable in safe mode.

    Parameters
    ----------
    entry : Entry
        The network, from the site's manifest (:func:`choose`).
    target : path-like
        Where to put the file (the model cache's path for it).
    url : str, optional
        The site; defaults to :func:`site_url`.

    Returns
    -------
    keras.Model
        Loaded from ``target`` with ``safe_mode=True``.

    Raises
    ------
    PublishedModelError
        No site, a failed download, a checksum mismatch, or a file Keras
        refuses in safe mode; ``target`` is then not written.
    """
    import keras

    url = url or site_url()
    if not url:
        raise PublishedModelError(f"no course site configured (set {SITE_ENV})")
    if Path(entry.file).name != entry.file:
        raise PublishedModelError(f"the manifest names a file outside its folder: {entry.file!r}")
    data = _get(f"{_base(url)}{MODELS_DIR}/{entry.file}", MAX_BYTES)
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise PublishedModelError(
            f"{entry.file}: checksum mismatch (sha256 {digest[:12]}..., the manifest says "
            f"{entry.sha256[:12]}...); the download is corrupt or was tampered with"
        )
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".keras", delete=False) as tmp:
        tmp.write(data)
    os.chmod(tmp.name, 0o644)  # as a file the cache saves itself (a temporary file is private)
    try:
        model = keras.saving.load_model(tmp.name, safe_mode=True)
    except Exception as e:
        Path(tmp.name).unlink(missing_ok=True)
        raise PublishedModelError(f"{entry.file}: Keras could not load it in safe mode ({e})") from e
    Path(tmp.name).replace(target)
    return model


def fetch(name: str, profile: str, key: str, target: str | os.PathLike, url: str | None = None):
    """Download the published network of exactly this name, profile and key into ``target``.

    :func:`read_site_manifest`, :func:`choose` (without another profile) and
    :func:`download` in one call.

    Returns
    -------
    keras.Model
        Loaded from ``target`` with ``safe_mode=True``.

    Raises
    ------
    PublishedModelError
        See :func:`read_site_manifest`, :func:`choose` and :func:`download`.
    """
    entry = choose(read_site_manifest(url), name, profile, key)
    return download(entry, target, url)


def _base(url: str) -> str:
    return url if url.endswith("/") else url + "/"
