import keras
import numpy as np
import pytest

from labsupport import models


def test_round_trip(tmp_path):
    model = models.compile_classifier(models.dense_net(n_hidden=8))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = models.load_model_file(path)
    x = np.random.rand(3, 784).astype(np.float32)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), np.asarray(model.predict(x, verbose=0)))


def test_missing_empty_and_garbage_files(tmp_path):
    with pytest.raises(models.ModelFileError, match="no such model file"):
        models.load_model_file(tmp_path / "none.keras")
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    with pytest.raises(models.ModelFileError, match="empty"):
        models.load_model_file(empty)
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(models.ModelFileError, match="junk.keras: not a Keras model file"):
        models.load_model_file(junk)


def test_safe_mode_refuses_lambda_layers(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 2)])
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(models.ModelFileError, match="refused in safe mode"):
        models.load_model_file(path)
