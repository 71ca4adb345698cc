"""labsupport.published: the site's networks, exported and fetched (checksum, safe mode)."""

import json
import shutil

import keras
import numpy as np
import pytest

from labsupport import cache, models, published, train
from fakes import TINY, separable_arrays, serve


def tiny_dense() -> keras.Model:
    return keras.Sequential(
        [keras.Input((784,), name="pixels"), keras.layers.Dense(8, activation="relu", name="hidden"),
         keras.layers.Dense(10, activation="softmax", name="output")],
        name="tiny_dense",
    )


@pytest.fixture
def tiny_registered(monkeypatch):
    spec = models.ModelSpec("tiny_dense", tiny_dense, inputs="dense", epochs={"tiny": 1})
    monkeypatch.setitem(models.MODELS, "tiny_dense", spec)
    return spec


@pytest.fixture
def site(tmp_path, tiny_registered):
    """A 'published site' with the tiny network trained under the tiny profile."""
    cache_dir = tmp_path / "build-cache"
    model, history = train.train_named("tiny_dense", TINY, separable_arrays())
    cache.save(model, "tiny_dense", TINY, history, cache_dir)
    entries = cache.published_entries(TINY, separable_arrays(), cache_dir)
    root = tmp_path / "site"
    published.export(entries, root)
    return root, model


def test_export_writes_the_files_and_a_manifest(site):
    root, _ = site
    manifest = json.loads((root / "models" / "manifest.json").read_text())
    (entry,) = manifest["models"]
    assert (entry["name"], entry["profile"], entry["key"]) == ("tiny_dense", "tiny", cache.model_key("tiny_dense", TINY))
    path = root / "models" / entry["file"]
    assert path.is_file() and entry["bytes"] == path.stat().st_size
    assert entry["sha256"] == published.sha256_of(path)
    assert 0.0 <= entry["test_accuracy"] <= 1.0


def test_fetch_downloads_verifies_and_loads(site, tmp_path):
    root, model = site
    target = tmp_path / "cache" / "tiny.keras"
    with serve(root) as url:
        fetched = published.fetch("tiny_dense", "tiny", cache.model_key("tiny_dense", TINY), target, url)
    assert target.is_file()
    x = np.random.default_rng(0).random((4, 784)).astype(np.float32)
    np.testing.assert_allclose(fetched.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_a_corrupted_file_is_refused(site, tmp_path):
    root, _ = site
    (file,) = (root / "models").glob("*.keras")
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))
    target = tmp_path / "cache" / "tiny.keras"
    with serve(root) as url, pytest.raises(published.PublishedModelError, match="checksum mismatch"):
        published.fetch("tiny_dense", "tiny", cache.model_key("tiny_dense", TINY), target, url)
    assert not target.exists()


def test_another_key_profile_or_name_is_not_used(site, tmp_path):
    root, _ = site
    key = cache.model_key("tiny_dense", TINY)
    with serve(root) as url:
        for name, profile, k in [("tiny_dense", "tiny", "0" * 12), ("tiny_dense", "full", key), ("cnn", "tiny", key)]:
            with pytest.raises(published.PublishedModelError, match="publishes no"):
                published.fetch(name, profile, k, tmp_path / "x.keras", url)
    assert not (tmp_path / "x.keras").exists()


def test_unsafe_files_are_refused_even_with_the_right_checksum(tmp_path):
    risky = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: 2 * t)])
    root = tmp_path / "site"
    path = tmp_path / "risky.keras"
    risky.save(path)
    published.export([("risky", "tiny", "k", path, None)], root)
    with serve(root) as url, pytest.raises(published.PublishedModelError, match="safe mode"):
        published.fetch("risky", "tiny", "k", tmp_path / "cache" / "risky.keras", url)
    assert not (tmp_path / "cache" / "risky.keras").exists()
    assert list((tmp_path / "cache").glob("*")) == []  # no temporary file left behind


def test_no_site_unreachable_site_and_bad_manifests(tmp_path, monkeypatch):
    monkeypatch.delenv(published.SITE_ENV, raising=False)
    assert published.site_url() is None
    with pytest.raises(published.PublishedModelError, match="no course site"):
        published.fetch("dense", "quick", "k", tmp_path / "x.keras")
    monkeypatch.setenv(published.SITE_ENV, "https://example.org/course")
    assert published.site_url() == "https://example.org/course/"
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve(empty) as url:
        with pytest.raises(published.PublishedModelError, match="could not download"):
            published.fetch("dense", "quick", "k", tmp_path / "x.keras", url)  # 404: no manifest
        (empty / "models").mkdir()
        (empty / "models" / "manifest.json").write_text("{not json")
        with pytest.raises(published.PublishedModelError, match="not a valid model manifest"):
            published.fetch("dense", "quick", "k", tmp_path / "x.keras", url)
        entry = {"name": "dense", "profile": "quick", "key": "k", "file": "../../etc/passwd",
                 "sha256": "0", "bytes": 1}
        (empty / "models" / "manifest.json").write_text(json.dumps({"models": [entry]}))
        with pytest.raises(published.PublishedModelError, match="outside its folder"):
            published.fetch("dense", "quick", "k", tmp_path / "x.keras", url)


def test_get_model_fetches_from_the_site_instead_of_training(site, tmp_path, monkeypatch, capsys):
    root, _ = site

    def no_training(*args, **kwargs):
        raise AssertionError("trained although the site has the network")

    monkeypatch.setattr(train, "train_named", no_training)
    with serve(root) as url:
        monkeypatch.setenv(published.SITE_ENV, url)
        model = cache.get_model("tiny_dense", TINY, directory=tmp_path / "reader-cache")
        assert "downloaded the trained 'tiny_dense' model" in capsys.readouterr().out
        assert model.output_shape == (None, 10)
        cache.get_model("tiny_dense", TINY, directory=tmp_path / "reader-cache")  # now from the cache
    assert "from the cache" in capsys.readouterr().out


def test_get_model_trains_when_the_download_is_corrupt(site, tmp_path, monkeypatch, capsys):
    root, _ = site
    for file in (root / "models").glob("*.keras"):
        file.write_bytes(file.read_bytes()[:-100])  # truncated
    with serve(root) as url:
        monkeypatch.setenv(published.SITE_ENV, url)
        cache.get_model("tiny_dense", TINY, separable_arrays(), directory=tmp_path / "reader-cache")
    out = capsys.readouterr().out
    assert "checksum mismatch" in out and "training it now" in out


def test_retrain_forces_training(site, tmp_path, monkeypatch, capsys):
    root, _ = site
    reader = tmp_path / "reader-cache"
    shutil.copytree(tmp_path / "build-cache", reader)
    calls = []
    real = train.train_named
    monkeypatch.setattr(train, "train_named", lambda *a, **k: calls.append(a) or real(*a, **k))
    cache.get_model("tiny_dense", TINY, separable_arrays(), directory=reader)
    assert calls == []
    cache.get_model("tiny_dense", TINY, separable_arrays(), directory=reader, retrain=True)
    assert len(calls) == 1 and "retraining the 'tiny_dense' model" in capsys.readouterr().out
