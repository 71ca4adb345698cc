"""labsupport.modelfile: loading a saved model file safely."""

import json

import keras
import numpy as np
import pytest

from labsupport import modelfile


def test_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = modelfile.load_model_file(path)
    x = np.random.rand(3, 784).astype(np.float32)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), np.asarray(model.predict(x, verbose=0)))


def test_missing_empty_and_garbage_files(tmp_path):
    with pytest.raises(modelfile.ModelFileError, match="no such model file"):
        modelfile.load_model_file(tmp_path / "none.keras")
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    with pytest.raises(modelfile.ModelFileError, match="empty"):
        modelfile.load_model_file(empty)
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(modelfile.ModelFileError, match="junk.keras: not a Keras model file"):
        modelfile.load_model_file(junk)


@pytest.fixture
def lambda_file(tmp_path):
    """A model file with a Lambda layer (doubles its input): arbitrary Python code when loaded."""
    path = tmp_path / "lambda.keras"
    keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 2)]).save(path)
    return path


def test_safe_mode_refuses_lambda_layers(lambda_file):
    with pytest.raises(modelfile.ModelFileError, match="refused in safe mode"):
        modelfile.load_model_file(lambda_file)


def test_safe_mode_can_be_turned_off_for_own_files(lambda_file):
    loaded = modelfile.load_model_file(lambda_file, safe_mode=False)
    np.testing.assert_allclose(np.asarray(loaded(np.ones((1, 2), np.float32))), [[2.0, 2.0]])


def test_a_file_that_is_no_model_at_all(tmp_path):
    text = tmp_path / "notes.keras"
    text.write_text("just some text")
    with pytest.raises(modelfile.ModelFileError, match="notes.keras: not a Keras model file") as error:
        modelfile.load_model_file(text)
    assert "zip archive" in str(error.value) and "not found" not in str(error.value).lower()


def test_the_course_models_load_in_safe_mode(tmp_path):
    from labsupport import models  # the custom augmentation layer is registered for loading

    for name in models.MODELS:
        path = tmp_path / f"{name}.keras"
        models.build(name).save(path)
        loaded = modelfile.load_model_file(path)
        # compared as JSON: a loaded model's config has lists where a new one has tuples
        assert json.dumps(loaded.get_config(), sort_keys=True) == \
            json.dumps(models.build(name).get_config(), sort_keys=True), name


def test_the_augmented_network_loads_in_a_fresh_interpreter(tmp_path):
    """Its RandomAffine layer is known to Keras as soon as modelfile is imported (nothing else first)."""
    import subprocess
    import sys

    from labsupport import models

    path = tmp_path / "augmented.keras"
    models.build("augmented_cnn").save(path)
    code = ("from labsupport import modelfile; import sys; "
            f"m = modelfile.load_model_file({str(path)!r}); print(m.layers[0].__class__.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "RandomAffine"
