"""Adding a fourth model is one registry entry plus its builder.

A tiny CNN is registered the way ``labsupport/models.py`` tells a course
author to (``register(ModelSpec(...))``, here through ``monkeypatch`` so the
registry is restored afterwards), and nothing else is touched. Then every
part of the repository that works "for every model" must pick it up: the
model cache (train, save, load, its own key), inference on raw images (in
the input format its entry names), the own-digits and speed benchmarks, and
the Colab notebook generator (GPU runtime when a chapter names a model that
wants one).

Everything trains on small synthetic arrays under a tiny profile, so no
real MNIST is needed. The course's three models get a one-epoch budget under
that profile too, so that "every registered model" can be trained in seconds.
"""

from __future__ import annotations

import dataclasses

import keras
import nbformat
import numpy as np
import pytest
from keras import layers

from labsupport import cache, data, inference, models, profile, synthetic, timing
from tools import notebooks
from tools.benchmarks import own_digits, speed

from fakes import TINY
from fakes import separable_arrays as synthetic_mnist

NAME = "tiny_cnn"
COURSE_MODELS = ["dense", "cnn", "augmented_cnn"]


def tiny_cnn(filters: int = 4) -> keras.Model:
    """The new model's builder: uncompiled, starting with ``keras.Input``, every layer named."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            layers.Conv2D(filters, (3, 3), strides=2, activation="relu", name="conv"),
            layers.Flatten(name="flatten"),
            layers.Dense(models.N_CLASSES, activation="softmax", name="output"),
        ],
        name=NAME,
    )


#: The one registry entry.
SPEC = models.ModelSpec(
    NAME, tiny_cnn, inputs="image", epochs={"tiny": 1}, wants_gpu=True,
    architecture={"filters": 4}, title="tiny CNN",
)


@pytest.fixture(scope="module", autouse=True)
def registry():
    """The tiny CNN registered after the course's models (and one-epoch budgets for all under TINY)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in COURSE_MODELS:
            course = models.MODELS[name]
            mp.setitem(models.MODELS, name, dataclasses.replace(course, epochs={**course.epochs, "tiny": 1}))
        mp.setitem(models.MODELS, NAME, SPEC)  # what a course author writes: one entry
        yield models.MODELS


@pytest.fixture(scope="module")
def arrays() -> data.Mnist:
    return synthetic_mnist()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory, arrays):
    """A model cache holding every registered model trained under TINY."""
    directory = tmp_path_factory.mktemp("model-cache")
    cache.get_models(TINY, arrays, directory=directory)
    return directory


def test_one_entry_registers_it(registry):
    assert list(registry) == [*COURSE_MODELS, NAME]
    assert models.spec(NAME) is SPEC and SPEC.epochs_for(TINY) == 1
    built = models.build(NAME)
    assert isinstance(built, keras.Model) and built.input_shape == (None, 28, 28, 1)
    # the cache compares architectures by config: two builds must agree
    assert built.get_config() == models.build(NAME).get_config()


def test_cache_key_is_stable_and_its_own(monkeypatch):
    key = cache.model_key(NAME, TINY)
    assert key == cache.model_key(NAME, TINY)
    assert key not in {cache.model_key(name, TINY) for name in COURSE_MODELS}
    assert cache.entry_path(NAME, TINY).name == f"{NAME}-tiny-{key}.keras"
    monkeypatch.setitem(models.MODELS, NAME, dataclasses.replace(SPEC, architecture={"filters": 8}))
    assert cache.model_key(NAME, TINY) != key  # another architecture: trained anew, not loaded


def test_cache_trains_saves_then_loads(tmp_path, arrays, capsys):
    first = cache.get_model(NAME, TINY, arrays, directory=tmp_path)
    assert "training it now" in capsys.readouterr().out
    assert cache.entry_path(NAME, TINY, tmp_path).is_file()
    again = cache.get_model(NAME, TINY, arrays, directory=tmp_path)
    assert "from the cache" in capsys.readouterr().out
    x = data.model_inputs(arrays.test.x, "image")
    np.testing.assert_allclose(first.predict(x, verbose=0), again.predict(x, verbose=0), atol=1e-6)


def test_get_models_includes_it(cache_dir, arrays, capsys):
    networks = cache.get_models(TINY, arrays, directory=cache_dir)
    assert list(networks) == [*COURSE_MODELS, NAME]
    out = capsys.readouterr().out
    assert "training it now" not in out and f"loaded the trained '{NAME}'" in out


def test_inference_feeds_it_images_in_its_format():
    net = models.build(NAME)
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    probs = inference.predict({NAME: net}, images)[NAME]
    expected = net.predict(data.model_inputs(images, "image"), verbose=0)
    np.testing.assert_allclose(probs, expected, atol=1e-6)
    with pytest.raises(ValueError):  # the dense format would not even fit
        net.predict(data.model_inputs(images, "dense"), verbose=0)
    assert set(inference.accuracy({NAME: net}, images, np.zeros(5))) == {NAME}


def test_own_digits_benchmark_reports_it(tmp_path, cache_dir, monkeypatch, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for label in (1, 4, 7):
        synthetic.render_photo(label, rng, size=160).save(folder / f"{label}_photo.jpg")
    monkeypatch.setitem(profile.PROFILES, "tiny", TINY)
    monkeypatch.setenv(profile.PROFILE_ENV, "tiny")
    monkeypatch.setenv(cache.CACHE_ENV, str(cache_dir))

    assert own_digits.main([str(folder)]) == 0
    out = capsys.readouterr().out
    assert "training it now" not in out  # every model came from the cache
    lines = out.strip().splitlines()
    header = next(line for line in lines if line.startswith("file"))
    assert f"old {NAME}" in header and f"new {NAME}" in header
    accuracy_header = next(line for line in lines if line.startswith("top-1 accuracy"))
    assert accuracy_header.split()[2:] == [*COURSE_MODELS, NAME]
    assert lines[-1].startswith("new-pipeline augmented-CNN accuracy: ")


def test_speed_benchmark_loops_over_it(arrays, cache_dir):
    speeds = speed.time_models(arrays, TINY, images=64, repeats=1, warmup=0)
    assert list(speeds) == [*COURSE_MODELS, NAME]
    n, seconds = speeds[NAME]
    assert n == 64 and seconds.n == 1 and seconds.median > 0
    accuracies = speed.model_accuracies(arrays, TINY, directory=cache_dir)
    assert list(accuracies) == [*COURSE_MODELS, NAME]
    assert all(0.0 <= a <= 1.0 for a in accuracies.values())
    # section 4 counts its FLOPs like any other model's: one strided 3x3 conv and a dense layer
    assert timing.training_flops_per_image(models.build(NAME)) == 3 * 2 * (13 * 13 * 9 * 4 + 13 * 13 * 4 * 10)


def chapter(*sources: str) -> nbformat.NotebookNode:
    """A notebook with one code cell per source, and a markdown cell naming the model in prose."""
    cells = [nbformat.v4.new_markdown_cell(f"We now train `{NAME}`.")]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.v4.new_notebook(cells=cells)


def test_notebook_generator_follows_its_wants_gpu(monkeypatch):
    naming_it = chapter("profile = get_profile()", f'model = cache.get_model("{NAME}", profile)')
    assert notebooks.models_used(naming_it) == {NAME}
    assert notebooks.needs_gpu(naming_it)
    assert notebooks.models_used(chapter("networks = cache.get_models(profile)")) == {*COURSE_MODELS, NAME}
    assert notebooks.models_used(chapter("x = 1")) == set()  # prose naming it does not count
    assert not notebooks.needs_gpu(chapter('net = models.build("dense")'))

    monkeypatch.setitem(models.MODELS, NAME, dataclasses.replace(SPEC, wants_gpu=False))
    assert not notebooks.needs_gpu(naming_it)
