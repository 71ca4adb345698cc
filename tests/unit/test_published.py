"""labsupport.published: the site's networks, exported and fetched (checksum, safe mode)."""

import json
import shutil

import keras
import numpy as np
import pytest

from labsupport import cache, data, models, published, train
from labsupport.profile import Profile
from fakes import TINY, separable_arrays, serve

#: The reader's profile when the site was built under TINY (as Colab's quick against the site's full).
OTHER = Profile("other", n_train=60, n_val=20, batch_size=16)


def tiny_dense(n_hidden: int = 8) -> keras.Model:
    return keras.Sequential(
        [keras.Input((784,), name="pixels"), keras.layers.Dense(n_hidden, activation="relu", name="hidden"),
         keras.layers.Dense(10, activation="softmax", name="output")],
        name="tiny_dense",
    )


def tiny_spec() -> models.ModelSpec:
    return models.ModelSpec("tiny_dense", tiny_dense, inputs="dense", epochs={"tiny": 1, "other": 1})


@pytest.fixture
def tiny_registered(monkeypatch):
    spec = tiny_spec()
    monkeypatch.setitem(models.MODELS, "tiny_dense", spec)
    return spec


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The tiny network trained once under the tiny profile, cached and exported as a site."""
    folder = tmp_path_factory.mktemp("built")
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(models.MODELS, "tiny_dense", tiny_spec())
        model, history = train.train_named("tiny_dense", TINY, separable_arrays())
        cache.save(model, "tiny_dense", TINY, history, folder / "build-cache")
        published.export(cache.published_entries(TINY, separable_arrays(), folder / "build-cache"), folder / "site")
    return folder, model


@pytest.fixture
def site(built_site, tmp_path, tiny_registered):
    """A 'published site' with the tiny network trained under the tiny profile (a fresh copy per test)."""
    folder, model = built_site
    shutil.copytree(folder / "build-cache", tmp_path / "build-cache")
    shutil.copytree(folder / "site", tmp_path / "site")
    return tmp_path / "site", model


def test_export_writes_the_files_and_a_manifest(site):
    root, _ = site
    manifest = json.loads((root / "models" / "manifest.json").read_text())
    (entry,) = manifest["models"]
    assert (entry["name"], entry["profile"], entry["key"]) == ("tiny_dense", "tiny", cache.model_key("tiny_dense", TINY))
    path = root / "models" / entry["file"]
    assert path.is_file() and entry["bytes"] == path.stat().st_size
    assert entry["sha256"] == published.sha256_of(path)
    assert 0.0 <= entry["test_accuracy"] <= 1.0
    assert entry["architecture_key"] == cache.architecture_key("tiny_dense")


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


def no_training(*args, **kwargs):
    raise AssertionError("trained although a usable network was there")


def test_another_profiles_network_is_downloaded_verified_and_used(site, tmp_path, monkeypatch, capsys):
    """Site built under TINY, reader under OTHER (Colab quick, site full): no training."""
    root, built = site
    monkeypatch.setattr(train, "train_named", no_training)
    monkeypatch.setattr(data, "load_mnist", no_training)  # the manifest has the test accuracy
    reader = tmp_path / "reader-cache"
    with serve(root) as url:
        monkeypatch.setenv(published.SITE_ENV, url)
        model = cache.get_model("tiny_dense", OTHER, directory=reader, any_profile=True)
    out = capsys.readouterr().out
    (entry,) = published.read_manifest((root / "models" / "manifest.json").read_text())
    assert "downloaded the trained 'tiny_dense' model (tiny profile) from" in out
    assert f"sha256 verified, loaded in safe mode; test accuracy {entry.test_accuracy:.4f}" in out
    assert "note: 'tiny_dense' was trained under the tiny profile, not this chapter's other profile" in out
    x = np.random.default_rng(0).random((4, 784)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), built.predict(x, verbose=0), atol=1e-6)
    cached = reader / entry.file  # cached under its own profile and key, not under OTHER's
    assert cached.is_file() and published.sha256_of(cached) == entry.sha256
    assert cached.stat().st_mode & 0o777 == 0o644  # readable like the files the cache saves
    assert not cache.entry_path("tiny_dense", OTHER, reader).exists()
    meta = json.loads(cached.with_suffix(".json").read_text())
    assert (meta["source"], meta["profile"], meta["test_accuracy"]) == ("site", "tiny", entry.test_accuracy)
    # the site is gone (offline): the downloaded network comes from the cache
    cache.get_model("tiny_dense", OTHER, directory=reader, any_profile=True)
    assert "loaded the trained 'tiny_dense' model (tiny profile)" in capsys.readouterr().out


def test_get_models_says_when_profiles_are_mixed(site, tmp_path, monkeypatch, capsys):
    root, _ = site
    wide = models.ModelSpec("tiny_wide", lambda: tiny_dense(16), inputs="dense", epochs={"other": 1})
    monkeypatch.setattr(models, "MODELS", {"tiny_dense": models.MODELS["tiny_dense"], "tiny_wide": wide})
    reader = tmp_path / "reader"
    cache.save(wide.new(), "tiny_wide", OTHER, directory=reader)  # trained by the reader, say
    monkeypatch.setattr(train, "train_named", no_training)
    monkeypatch.setattr(data, "load_mnist", separable_arrays)  # to measure tiny_wide's test accuracy
    with serve(root) as url:
        monkeypatch.setenv(published.SITE_ENV, url)
        nets = cache.get_models(OTHER, directory=reader, any_profile=True)
    out = capsys.readouterr().out
    assert list(nets) == ["tiny_dense", "tiny_wide"]
    assert "downloaded the trained 'tiny_dense' model (tiny profile)" in out
    assert "loaded the trained 'tiny_wide' model (other profile) from the cache: test accuracy" in out
    assert "note: 'tiny_dense' was trained under the tiny profile, not this chapter's other profile" in out
    assert "trained under different profiles (tiny_dense tiny, tiny_wide other)" in out


def test_without_any_profile_another_profiles_network_is_not_used(site, tmp_path, monkeypatch, capsys):
    root, _ = site
    with serve(root) as url:
        monkeypatch.setenv(published.SITE_ENV, url)
        cache.get_model("tiny_dense", OTHER, separable_arrays(), directory=tmp_path / "reader")
    out = capsys.readouterr().out
    assert "publishes no 'tiny_dense' network for the other profile" in out and "training it now" in out
    assert "trained the 'tiny_dense' model (other profile) now and cached it: test accuracy" in out


def test_another_profiles_corrupt_download_means_training(site, tmp_path, monkeypatch, capsys):
    root, _ = site
    (file,) = (root / "models").glob("*.keras")
    file.write_bytes(file.read_bytes()[:-1] + b"!")
    reader = tmp_path / "reader"
    with serve(root) as url:
        monkeypatch.setenv(published.SITE_ENV, url)
        cache.get_model("tiny_dense", OTHER, separable_arrays(), directory=reader, any_profile=True)
    out = capsys.readouterr().out
    assert "checksum mismatch" in out and "training it now" in out
    assert sorted(p.name for p in reader.glob("*.keras")) == [cache.entry_path("tiny_dense", OTHER).name]


def test_another_architecture_means_training(site, tmp_path, monkeypatch, capsys):
    """The reader's registry has a wider hidden layer: another architecture key, so not downloaded."""
    root, _ = site
    wider = models.ModelSpec("tiny_dense", lambda: tiny_dense(16), inputs="dense", epochs={"tiny": 1, "other": 1})
    monkeypatch.setitem(models.MODELS, "tiny_dense", wider)
    reader = tmp_path / "reader"
    with serve(root) as url:
        monkeypatch.setenv(published.SITE_ENV, url)
        model = cache.get_model("tiny_dense", OTHER, separable_arrays(), directory=reader, any_profile=True)
    out = capsys.readouterr().out
    assert "nor one of another profile with architecture key" in out and "training it now" in out
    assert model.get_layer("hidden").units == 16


def test_a_manifest_claiming_the_architecture_is_checked_against_the_file(site, tmp_path, monkeypatch, capsys):
    """Even with a matching architecture key in the manifest, the loaded model must match the registry."""
    root, _ = site
    wider = models.ModelSpec("tiny_dense", lambda: tiny_dense(16), inputs="dense", epochs={"tiny": 1, "other": 1})
    monkeypatch.setitem(models.MODELS, "tiny_dense", wider)
    manifest = root / "models" / "manifest.json"
    raw = json.loads(manifest.read_text())
    raw["models"][0]["architecture_key"] = cache.architecture_key("tiny_dense")  # a lie
    manifest.write_text(json.dumps(raw))
    reader = tmp_path / "reader"
    with serve(root) as url:
        monkeypatch.setenv(published.SITE_ENV, url)
        model = cache.get_model("tiny_dense", OTHER, separable_arrays(), directory=reader, any_profile=True)
    out = capsys.readouterr().out
    assert "does not have the architecture of 'tiny_dense'" in out and "training it now" in out
    assert model.get_layer("hidden").units == 16
    assert not (reader / raw["models"][0]["file"]).exists()


def entry(profile="full", key="k1", arch="a1", accuracy=0.99, name="cnn"):
    return published.Entry(name, profile, key, f"{name}-{profile}-{key}.keras", "0" * 64, 1, accuracy, arch)


def test_choose_prefers_the_same_profile_then_the_same_architecture():
    entries = [entry("full", "k1", "a1", 0.99), entry("quick", "k2", "a1", 0.98), entry("big", "k3", "a1", 0.995)]
    assert published.choose(entries, "cnn", "quick", "k2", "a1").profile == "quick"
    assert published.choose(entries, "cnn", "tiny", "k9", "a1").profile == "big"  # the most accurate
    with pytest.raises(published.PublishedModelError, match="publishes no 'cnn' network for the tiny profile"):
        published.choose(entries, "cnn", "tiny", "k9")  # another profile only when asked
    with pytest.raises(published.PublishedModelError, match="architecture key a2"):
        published.choose(entries, "cnn", "tiny", "k9", "a2")
    with pytest.raises(published.PublishedModelError):
        published.choose([entry(arch=None)], "cnn", "tiny", "k9", "a1")  # no key stated: never another profile
    with pytest.raises(published.PublishedModelError):
        published.choose(entries, "dense", "tiny", "k9", "a1")


@pytest.mark.parametrize("field", ["name", "profile", "key", "architecture_key"])
def test_manifest_names_must_be_plain(field):
    item = {"name": "cnn", "profile": "full", "key": "k", "file": "cnn-full-k.keras", "sha256": "0", "bytes": 1,
            "architecture_key": "a"}
    item[field] = "../x"
    with pytest.raises(published.PublishedModelError, match="outside its folder"):
        published.read_manifest(json.dumps({"models": [item]}))


def test_published_entries_record_the_architecture_key_of_older_cache_files(tmp_path, tiny_registered):
    model, history = train.train_named("tiny_dense", TINY, separable_arrays())
    path = cache.save(model, "tiny_dense", TINY, history, tmp_path)
    meta = json.loads(path.with_suffix(".json").read_text())
    del meta["architecture_key"]  # as saved before it was recorded
    path.with_suffix(".json").write_text(json.dumps(meta))
    published.export(cache.published_entries(TINY, separable_arrays(), tmp_path), tmp_path / "site")
    (entry,) = published.read_manifest((tmp_path / "site" / "models" / "manifest.json").read_text())
    assert entry.architecture_key == cache.architecture_key("tiny_dense")
