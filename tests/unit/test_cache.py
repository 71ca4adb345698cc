"""labsupport.cache: each model trained once, reused by later chapters."""

import dataclasses
import json

import numpy as np
import pytest

from labsupport import cache, data, models

from labsupport.profile import Profile

from fakes import TINY, separable_arrays


def tiny_spec(name="tiny_dense", **changes):
    spec = models.ModelSpec(name, models.dense_net, inputs="dense", epochs={"tiny": 3},
                            architecture={"n_hidden": 16}, title="tiny dense network")
    return dataclasses.replace(spec, **changes)


@pytest.fixture
def tiny_dense(monkeypatch):
    """A small registered dense model with a budget of 3 epochs in the tiny profile."""
    spec = tiny_spec()
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    return spec


def test_cache_miss_trains_then_hits(tmp_path, capsys, tiny_dense):
    arrays = separable_arrays()
    m1 = cache.get_model("tiny_dense", TINY, arrays, directory=tmp_path)
    assert "training it now" in capsys.readouterr().out
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and files[0].startswith("tiny_dense-tiny-") and files[1].endswith(".keras")
    m2 = cache.get_model("tiny_dense", TINY, arrays, directory=tmp_path)
    assert "from the cache" in capsys.readouterr().out
    x = data.dense_inputs(arrays[1][0])
    np.testing.assert_allclose(np.asarray(m1.predict(x, verbose=0)), np.asarray(m2.predict(x, verbose=0)), atol=1e-6)
    meta = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert meta["name"] == "tiny_dense" and meta["profile"] == "tiny" and "val_accuracy" in meta["history"]


def test_load_returns_the_model_and_its_history(tmp_path, tiny_dense):
    assert cache.load("tiny_dense", TINY, tmp_path) is None
    history = {"val_accuracy": [0.5, 0.75]}
    path = cache.save(tiny_dense.new(), "tiny_dense", TINY, history, directory=tmp_path)
    assert path == cache.entry_path("tiny_dense", TINY, tmp_path) and path.is_file()
    model, loaded_history = cache.load("tiny_dense", TINY, tmp_path)
    assert loaded_history == history
    assert model.get_layer("hidden").units == 16 and model.output_shape == (None, 10)


def test_history_of_reads_the_history_beside_a_cache_file_without_loading_it(tmp_path, tiny_dense):
    history = {"loss": [0.9, 0.4], "val_accuracy": [0.5, 0.75]}
    path = cache.save(tiny_dense.new(), "tiny_dense", TINY, history, directory=tmp_path)
    assert cache.history_of(path) == history
    path.with_suffix(".json").write_text("not json")
    assert cache.history_of(path) == {}
    assert cache.history_of(tmp_path / "missing.keras") == {}


def test_a_model_loaded_from_a_file_can_be_cached(tmp_path, tiny_dense):
    path = tmp_path / "mine.keras"
    tiny_dense.new().save(path)
    import keras

    cache.save(keras.saving.load_model(path), "tiny_dense", TINY, directory=tmp_path / "cache")


def test_key_changes_with_profile_and_architecture(monkeypatch, tiny_dense):
    other = Profile("tiny", n_train=81, n_val=20, batch_size=32)
    key = cache.model_key("tiny_dense", TINY)
    assert key == cache.model_key("tiny_dense", TINY) and len(key) == 12
    assert key != cache.model_key("tiny_dense", other)
    monkeypatch.setitem(models.MODELS, "tiny_dense", tiny_spec(architecture={"n_hidden": 64}))
    assert key != cache.model_key("tiny_dense", TINY)


@pytest.mark.parametrize("changes", [
    {"epochs": {"tiny": 4}},
    {"inputs": "image"},
    {"build": models.cnn, "architecture": {}},
    {"train_images": {"tiny": 40}},
])
def test_key_changes_with_the_registry_entry(monkeypatch, tiny_dense, changes):
    key = cache.model_key("tiny_dense", TINY)
    monkeypatch.setitem(models.MODELS, "tiny_dense", tiny_spec(**changes))
    assert cache.model_key("tiny_dense", TINY) != key


def test_key_ignores_what_does_not_change_the_weights(monkeypatch, tiny_dense):
    key = cache.model_key("tiny_dense", TINY)
    monkeypatch.setitem(models.MODELS, "tiny_dense", tiny_spec(title="renamed", wants_gpu=True,
                                                               train_images={"other": 40}))
    assert cache.model_key("tiny_dense", TINY) == key


def test_key_is_computed_without_building_a_model(monkeypatch):
    def unbuildable():
        raise AssertionError("model_key built a model")

    spec = models.ModelSpec("unbuildable", unbuildable, inputs="dense", epochs={"tiny": 1})
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    assert len(cache.model_key("unbuildable", TINY)) == 12
    assert cache.entry_path("unbuildable", TINY).name.startswith("unbuildable-tiny-")


def test_save_refuses_a_model_of_another_architecture(tmp_path, tiny_dense):
    with pytest.raises(ValueError, match="does not have the architecture"):
        cache.save(models.dense_net(64), "tiny_dense", TINY, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_corrupt_cache_file_is_a_miss(tmp_path, capsys, tiny_dense):
    path = cache.entry_path("tiny_dense", TINY, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a keras file")
    assert cache.load("tiny_dense", TINY, tmp_path) is None
    assert "ignoring unreadable cache file" in capsys.readouterr().out


def test_no_budget_for_the_profile_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="model 'dense' has no epoch budget for profile 'tiny'"):
        cache.get_model("dense", TINY, directory=tmp_path)


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        cache.get_model("resnet", TINY)


def test_cache_dir_from_environment(monkeypatch, tmp_path, tiny_dense):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "c"))
    assert cache.cache_dir() == tmp_path / "c"
    assert cache.entry_path("tiny_dense", TINY).parent == tmp_path / "c"
    monkeypatch.delenv(cache.CACHE_ENV)
    assert cache.cache_dir().parts[-3:] == (".cache", "labsupport", "models")


@pytest.fixture
def two_tiny_models(monkeypatch):
    """The registry replaced by two small models."""
    registry = {spec.name: spec for spec in (tiny_spec("a"), tiny_spec("b", architecture={"n_hidden": 8}))}
    monkeypatch.setattr(models, "MODELS", registry)
    return registry


def test_get_models_trains_each_registered_model_once(tmp_path, capsys, monkeypatch, two_tiny_models):
    loads = []
    monkeypatch.setattr(data, "load_mnist", lambda: loads.append(1) or separable_arrays())
    nets = cache.get_models(TINY, directory=tmp_path)
    assert list(nets) == ["a", "b"] and loads == [1]  # MNIST loaded once for both
    assert nets["b"].get_layer("hidden").units == 8
    assert capsys.readouterr().out.count("training it now") == 2
    again = cache.get_models(TINY, directory=tmp_path)
    assert list(again) == ["a", "b"] and loads == [1]  # all cached: MNIST not needed
    assert capsys.readouterr().out.count("from the cache") == 2


def test_architecture_key_ignores_profile_epochs_and_recipe_but_not_the_architecture(monkeypatch, tiny_dense):
    key = cache.architecture_key("tiny_dense")
    assert len(key) == 12 and key != cache.model_key("tiny_dense", TINY)
    monkeypatch.setitem(models.MODELS, "tiny_dense", tiny_spec(epochs={"tiny": 9, "other": 2}))
    assert cache.architecture_key("tiny_dense") == key
    monkeypatch.setattr(cache, "RECIPE_VERSION", cache.RECIPE_VERSION + 1)
    assert cache.architecture_key("tiny_dense") == key
    for changes in [{"architecture": {"n_hidden": 64}}, {"inputs": "image"}, {"build": models.cnn, "architecture": {}}]:
        monkeypatch.setitem(models.MODELS, "tiny_dense", tiny_spec(**changes))
        assert cache.architecture_key("tiny_dense") != key


def test_save_records_what_the_entry_is(tmp_path, tiny_dense):
    path = cache.save(tiny_dense.new(), "tiny_dense", TINY, {"loss": [1.0]}, directory=tmp_path)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["key"] == cache.model_key("tiny_dense", TINY) and meta["source"] == "trained"
    assert meta["architecture_key"] == cache.architecture_key("tiny_dense") and meta["history"] == {"loss": [1.0]}


def test_get_model_prints_and_records_the_test_accuracy(tmp_path, capsys, monkeypatch, tiny_dense):
    arrays = separable_arrays()
    model = cache.get_model("tiny_dense", TINY, arrays, directory=tmp_path)
    from labsupport import inference

    expected = inference.accuracy({"tiny_dense": model}, *arrays[1])["tiny_dense"]
    assert f"trained the 'tiny_dense' model (tiny profile) now and cached it: test accuracy {expected:.4f}" \
        in capsys.readouterr().out
    monkeypatch.setattr(data, "load_mnist", lambda: pytest.fail("measured again"))
    cache.get_model("tiny_dense", TINY, directory=tmp_path)
    assert f"(tiny profile) from the cache: test accuracy {expected:.4f}" in capsys.readouterr().out


OTHER = Profile("other", n_train=60, n_val=20, batch_size=16)


def test_any_profile_uses_a_cached_network_of_another_profile(tmp_path, capsys, monkeypatch):
    spec = tiny_spec(epochs={"tiny": 1, "other": 1})
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    arrays = separable_arrays()
    cache.get_model("tiny_dense", TINY, arrays, directory=tmp_path)  # trained under TINY
    capsys.readouterr()
    cache.get_model("tiny_dense", OTHER, arrays, directory=tmp_path, any_profile=True)
    out = capsys.readouterr().out
    assert "loaded the trained 'tiny_dense' model (tiny profile)" in out
    assert "not this chapter's other profile" in out and "training" not in out
    cache.get_model("tiny_dense", OTHER, arrays, directory=tmp_path, seed=7, any_profile=True)  # another seed
    assert "training it now" in capsys.readouterr().out
    cache.get_model("tiny_dense", OTHER, arrays, directory=tmp_path)  # a chapter that wants its own profile
    assert "training it now" in capsys.readouterr().out
    cache.get_model("tiny_dense", OTHER, arrays, directory=tmp_path, any_profile=True)
    assert "loaded the trained 'tiny_dense' model (other profile)" in capsys.readouterr().out  # its own first


def test_any_profile_never_uses_another_architecture(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(models.MODELS, "tiny_dense", tiny_spec(epochs={"tiny": 1, "other": 1}))
    arrays = separable_arrays()
    cache.get_model("tiny_dense", TINY, arrays, directory=tmp_path)
    monkeypatch.setitem(models.MODELS, "tiny_dense",
                        tiny_spec(epochs={"tiny": 1, "other": 1}, architecture={"n_hidden": 8}))
    capsys.readouterr()
    model = cache.get_model("tiny_dense", OTHER, arrays, directory=tmp_path, any_profile=True)
    assert "training it now" in capsys.readouterr().out and model.get_layer("hidden").units == 8
