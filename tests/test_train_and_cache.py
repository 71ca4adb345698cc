import json

import numpy as np
import pytest

from labsupport import cache, data, models, train
from labsupport.profile import Profile

TINY = Profile("tiny", n_train=80, n_val=20, dense_epochs=3, cnn_epochs=1, batch_size=32)


def separable_arrays(n_train=120, n_test=30):
    """Digits whose class is written in the brightness of one image row: easy to learn."""
    rng = np.random.default_rng(1)

    def make(n):
        y = (np.arange(n) % 10).astype(np.uint8)
        x = rng.integers(0, 30, (n, 28, 28), dtype=np.uint8)
        x[np.arange(n), 2 * y + 3, :] = 255
        return x, y

    return make(n_train), make(n_test)


def test_fit_logs_one_line_per_epoch_and_returns_history(capsys):
    splits = data.make_splits(separable_arrays(), "dense", TINY)
    model = models.compile_classifier(models.dense_net(n_hidden=16))
    history = train.fit_profile(model, splits, TINY, epochs=3)
    lines = capsys.readouterr().out.strip().splitlines()
    # patience 5 > 3 epochs: all three run, one line each, then the summary line
    assert [line.split()[:2] for line in lines[:-1]] == [["epoch", "1/3"], ["epoch", "2/3"], ["epoch", "3/3"]]
    assert "val: loss" in lines[0] and lines[-1].startswith("kept epoch")
    assert len(history["seconds"]) == len(history["accuracy"]) == len(history["val_accuracy"])


def test_early_stopping_restores_the_best_epoch():
    es = train.early_stopping(patience=5)
    assert (es.monitor, es.mode, es.patience, es.restore_best_weights) == ("val_accuracy", "max", 5, True)


def test_training_learns_an_easy_problem():
    splits = data.make_splits(separable_arrays(300, 50), "dense", TINY.__class__("t", 250, 50, 30, 1, 32))
    model = models.compile_classifier(models.dense_net(n_hidden=32))
    train.fit(model, splits, epochs=30, batch_size=32, patience=30)
    _, labels = train.predict_labels(model, splits.x_test)
    assert (labels == splits.y_test).mean() > 0.9


def test_cache_miss_trains_then_hits(tmp_path, capsys):
    arrays = separable_arrays()
    m1 = cache.get_model("dense", TINY, arrays, directory=tmp_path)
    assert "training it now" in capsys.readouterr().out
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and files[0].startswith("dense-tiny-") and files[1].endswith(".keras")
    m2 = cache.get_model("dense", TINY, arrays, directory=tmp_path)
    assert "from the cache" in capsys.readouterr().out
    x = data.dense_inputs(arrays[1][0])
    np.testing.assert_allclose(np.asarray(m1.predict(x, verbose=0)), np.asarray(m2.predict(x, verbose=0)), atol=1e-6)
    meta = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert meta["profile"] == "tiny" and "val_accuracy" in meta["history"]


def test_key_changes_with_profile_and_architecture():
    other = Profile("tiny", n_train=81, n_val=20, dense_epochs=3, cnn_epochs=1)
    assert cache.model_key("dense", models.dense_net(), TINY) != cache.model_key("dense", models.dense_net(), other)
    assert cache.model_key("dense", models.dense_net(), TINY) != cache.model_key("dense", models.dense_net(64), TINY)
    assert cache.model_key("dense", models.dense_net(), TINY) == cache.model_key("dense", models.dense_net(), TINY)


def test_save_refuses_a_model_of_another_architecture(tmp_path):
    with pytest.raises(ValueError, match="does not have the architecture"):
        cache.save(models.dense_net(64), "dense", TINY, directory=tmp_path)


def test_corrupt_cache_file_is_a_miss(tmp_path, capsys):
    path = cache.entry_path("dense", TINY, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a keras file")
    assert cache.load("dense", TINY, tmp_path) is None
    assert "ignoring unreadable cache file" in capsys.readouterr().out


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        cache.get_model("resnet", TINY)


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "c"))
    assert cache.cache_dir() == tmp_path / "c"
    monkeypatch.delenv(cache.CACHE_ENV)
    assert cache.cache_dir().parts[-3:] == (".cache", "labsupport", "models")
