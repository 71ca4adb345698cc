"""labsupport.train: the one training recipe."""

import numpy as np
import pytest

from labsupport import data, models, timing, train

from labsupport.profile import Profile

from fakes import TINY, separable_arrays


@pytest.fixture
def tiny_dense(monkeypatch):
    """A small registered dense model with a budget of 3 epochs in the tiny profile."""
    spec = models.ModelSpec("tiny_dense", models.dense_net, inputs="dense", epochs={"tiny": 3},
                            architecture={"n_hidden": 16}, title="tiny dense network")
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    return spec


def test_compile_classifier_uses_the_course_settings():
    m = train.compile_classifier(models.dense_net())
    assert type(m.optimizer).__name__ == "Adam"
    assert np.isclose(float(m.optimizer.learning_rate), train.LEARNING_RATE)
    assert train.LEARNING_RATE == 0.005  # the original course's
    assert m.loss == "sparse_categorical_crossentropy"


def test_fit_logs_one_line_per_epoch_and_returns_history(capsys):
    splits = data.make_splits(separable_arrays(), "dense", TINY)
    model = train.compile_classifier(models.dense_net(n_hidden=16))
    history = train.fit_profile(model, splits, TINY, epochs=3)
    lines = capsys.readouterr().out.strip().splitlines()
    # patience 5 > 3 epochs: all three run, one line each, then the summary line
    assert [line.split()[:2] for line in lines[:-1]] == [["epoch", "1/3"], ["epoch", "2/3"], ["epoch", "3/3"]]
    assert "val: loss" in lines[0] and lines[-1].startswith("kept epoch")
    assert len(history["seconds"]) == len(history["accuracy"]) == len(history["val_accuracy"])
    # the training alone (validation excluded) and the machine, for comparing speeds later
    assert len(history["train_seconds"]) == 3
    assert history["train_images"] == len(splits.x_train)
    assert all(0 < t <= s for t, s in zip(history["train_seconds"], history["seconds"]))
    assert isinstance(history["hardware"], str) and history["hardware"]


def test_fit_logs_step_samples_as_time_training_takes_them(capsys):
    """After the first epoch, every STEPS_PER_SAMPLE steps are one sample (issue 18: ch. 3's log vs ch. 7)."""
    splits = data.make_splits(separable_arrays(), "dense", TINY)
    model = train.compile_classifier(models.dense_net(n_hidden=16))
    history = train.fit(model, splits, epochs=3, batch_size=8, patience=5)
    full_steps = len(splits.x_train) // 8  # 10 steps: 2 samples of 4 per epoch, the last 2 steps left over
    assert len(history["step_samples"]) == 2 * (full_steps // timing.STEPS_PER_SAMPLE) == 4
    assert all(s > 0 for s in history["step_samples"])
    assert history["images_per_sample"] == timing.STEPS_PER_SAMPLE * 8
    assert timing.logged_speed(history, len(splits.x_train))[1] == "step_samples"


def test_fit_profile_uses_the_profile_batch_size_and_patience(monkeypatch):
    seen = {}
    monkeypatch.setattr(train, "fit", lambda model, splits, **kw: seen.update(kw) or {})
    train.fit_profile(None, None, Profile("p", 1, 1, batch_size=64, patience=7), epochs=9)
    assert seen == {"epochs": 9, "batch_size": 64, "patience": 7}


def test_early_stopping_restores_the_best_epoch():
    es = train.early_stopping(patience=5)
    assert (es.monitor, es.mode, es.patience, es.restore_best_weights) == ("val_accuracy", "max", 5, True)


def test_learning_rate_is_halved_on_a_plateau():
    lr = train.reduce_lr_on_plateau()
    assert (lr.monitor, lr.mode, lr.factor, lr.patience) == ("val_accuracy", "max", 0.5, 2)


def test_training_learns_an_easy_problem():
    splits = data.make_splits(separable_arrays(300, 50), "dense", Profile("t", 250, 50, batch_size=32))
    model = train.compile_classifier(models.dense_net(n_hidden=32))
    train.fit(model, splits, epochs=30, batch_size=32, patience=30)
    labels = np.asarray(model.predict(splits.x_test, verbose=0)).argmax(axis=1)
    assert (labels == splits.y_test).mean() > 0.9


def test_train_named_follows_the_registry_entry(tiny_dense, capsys):
    model, history = train.train_named("tiny_dense", TINY, separable_arrays())
    out = capsys.readouterr().out
    assert "training 'tiny_dense' for at most 3 epochs on 80 images (tiny profile)" in out
    assert model.get_config() == tiny_dense.new().get_config()
    assert model.compiled
    assert 1 <= len(history["val_accuracy"]) <= 3


@pytest.mark.parametrize("budget, seen", [({"tiny": 40}, 40), ({"tiny": None}, 100), ({"other": 40}, 80)])
def test_train_named_takes_the_model_s_own_training_images(monkeypatch, tiny_dense, capsys, budget, seen):
    # separable_arrays() has 120 training images: 100 after the validation split, 80 under TINY
    monkeypatch.setitem(models.MODELS, "tiny_dense", models.ModelSpec(**{**vars(tiny_dense), "train_images": budget}))
    seen_sizes = []
    monkeypatch.setattr(train, "fit_profile", lambda model, splits, profile, epochs: seen_sizes.append(
        (len(splits.x_train), profile.n_val, profile.batch_size)) or {})
    train.train_named("tiny_dense", TINY, separable_arrays())
    assert seen_sizes == [(seen, TINY.n_val, TINY.batch_size)]
    assert f"on {seen} images" in capsys.readouterr().out


def test_train_named_adds_styled_copies_for_a_styled_model_only(monkeypatch, tiny_dense):
    # separable_arrays() has 120 training images: 100 after the validation split, 80 under TINY
    seen = []
    monkeypatch.setattr(train, "fit_profile", lambda model, splits, profile, epochs: seen.append(splits) or {})
    calls = []

    def copies(images, labels, rng, share):
        calls.append((len(images), share))
        return images[:3], labels[:3]

    monkeypatch.setattr(train.styles, "styled_copies", copies)
    train.train_named("tiny_dense", TINY, separable_arrays())
    monkeypatch.setitem(models.MODELS, "tiny_dense", models.ModelSpec(**{**vars(tiny_dense), "styled": True}))
    train.train_named("tiny_dense", TINY, separable_arrays())
    plain, styled = seen
    assert calls == [(80, train.styles.SHARE)]  # drawn from the training part the model sees
    assert len(plain.x_train) == 80 and len(styled.x_train) == 83
    np.testing.assert_array_equal(styled.x_train[80:], plain.x_train[:3])
    np.testing.assert_array_equal(styled.x_val, plain.x_val)  # validation stays MNIST's


def test_train_named_is_reproducible_whatever_ran_before(tiny_dense):
    arrays = separable_arrays()
    x = data.dense_inputs(arrays[1][0])
    first, _ = train.train_named("tiny_dense", TINY, arrays)
    np.random.rand(5)  # disturb the generators: train_named seeds them itself
    models.dense_net()
    second, _ = train.train_named("tiny_dense", TINY, arrays)
    np.testing.assert_allclose(np.asarray(first.predict(x, verbose=0)),
                               np.asarray(second.predict(x, verbose=0)), atol=1e-6)


def test_train_named_loads_mnist_when_not_given(tiny_dense, monkeypatch):
    calls = []
    monkeypatch.setattr(data, "load_mnist", lambda: calls.append(1) or separable_arrays())
    train.train_named("tiny_dense", TINY)
    assert calls == [1]


def test_train_named_needs_a_budget_for_the_profile(tiny_dense):
    with pytest.raises(ValueError, match="no epoch budget for profile 'quick'"):
        train.train_named("tiny_dense", Profile("quick", 80, 20), separable_arrays())


def test_train_named_unknown_model():
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        train.train_named("resnet", TINY, separable_arrays())


def test_seed_spread_is_the_widest_range_measured():
    widths = [high - low for low, high in train.LR_SCHEDULE_MEASUREMENT.values()]
    assert train.seed_spread() == max(widths) > 0
