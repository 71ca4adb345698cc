"""The networks the published course site was built with: exporting and fetching them.

The build that publishes the site trains every registered network once. It
copies them, with a manifest, into the site (:func:`export`), so that a
reader in Colab or Binder does not have to train them again: on a cache miss,
:func:`labsupport.cache.get_model` first fetches the network of the same
name, profile and cache key from the site (:func:`fetch`), checks its
SHA-256 against the manifest and loads it with Keras's safe mode on; only if
any of that fails does it train.

The site's address comes from ``html.baseurl`` in the book's ``_config.yml``:
the generated Colab/Binder notebooks set the environment variable
:data:`SITE_ENV` to it in their first cell. Without it nothing is fetched.

Layout on the site::

    models/manifest.json
    models/<name>-<profile>-<key>.keras

The manifest is ``{"models": [{"name", "profile", "key", "file", "sha256",
"bytes", "test_accuracy"}, ...]}``.
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
        entries.append(Entry(name, profile, key, path.name, sha256_of(path), path.stat().st_size,
                             None if accuracy is None else round(float(accuracy), 6)))
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
        return [Entry(**item) for item in raw["models"]]
    except (ValueError, KeyError, TypeError) as e:
        raise PublishedModelError(f"{source} is not a valid model manifest ({e})") from e


def _get(url: str, limit: int) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (https or a local test server)
            data = response.read(limit + 1)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise PublishedModelError(f"could not download {url} ({e})") from e
    if len(data) > limit:
        raise PublishedModelError(f"{url} is larger than {limit} bytes; refused")
    return data


def fetch(name: str, profile: str, key: str, target: str | os.PathLike, url: str | None = None):
    """Download a published network into ``target``, verified and loadable in safe mode.

    Parameters
    ----------
    name, profile, key : str
        What the network must be: its registry name, the profile it was
        trained under, and the model cache's key (so a network trained with
        another architecture or recipe is never used).
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
        No site configured or reachable, no matching network in the manifest,
        a checksum mismatch, or a file Keras refuses; ``target`` is then not
        written.
    """
    import keras

    url = url or site_url()
    if not url:
        raise PublishedModelError(f"no course site configured (set {SITE_ENV})")
    base = url if url.endswith("/") else url + "/"
    manifest_url = f"{base}{MODELS_DIR}/{MANIFEST}"
    entries = read_manifest(_get(manifest_url, 1_000_000), manifest_url)
    matches = [e for e in entries if (e.name, e.profile, e.key) == (name, profile, key)]
    if not matches:
        published = ", ".join(f"{e.name}/{e.profile}/{e.key}" for e in entries) or "none"
        raise PublishedModelError(
            f"the site publishes no {name!r} network for the {profile} profile with key {key} "
            f"(published: {published})"
        )
    entry = matches[0]
    if Path(entry.file).name != entry.file:
        raise PublishedModelError(f"the manifest names a file outside its folder: {entry.file!r}")
    data = _get(f"{base}{MODELS_DIR}/{entry.file}", MAX_BYTES)
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
    try:
        model = keras.saving.load_model(tmp.name, safe_mode=True)
    except Exception as e:
        Path(tmp.name).unlink(missing_ok=True)
        raise PublishedModelError(f"{entry.file}: Keras could not load it in safe mode ({e})") from e
    Path(tmp.name).replace(target)
    return model
