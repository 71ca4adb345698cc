"""labsupport.performance: the speed choices (input pipeline, mixed precision)."""

import keras
import numpy as np
import pytest

from labsupport import performance


@pytest.mark.parametrize("capability, expected", [(None, False), ((6, 1), False), ((7, 0), True), ((9, 0), True)])
def test_mixed_precision_only_on_tensor_core_gpus(capability, expected):
    assert performance.wants_mixed_precision(capability) is expected


def test_configure_on_this_cpu_keeps_float32():
    info = performance.configure()
    assert keras.mixed_precision.global_policy().name == "float32"
    assert info["precision"] == "float32"


def test_configure_chooses_mixed_precision_on_a_tensor_core_gpu(monkeypatch):
    monkeypatch.setattr(performance, "gpu_compute_capability", lambda: (9, 0))
    try:
        info = performance.configure()
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
        assert info["precision"].startswith("mixed float16/float32")
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("capability, gpu", [(None, "float32"), ((6, 1), "float32"), ((8, 0), "mixed_float16")])
def test_best_policy_per_device(monkeypatch, capability, gpu):
    monkeypatch.setattr(performance, "gpu_compute_capability", lambda: capability)
    assert performance.best_policy("GPU") == gpu
    assert performance.best_policy("CPU") == "float32"  # float16 is emulated, slower, on a CPU


def test_dtype_policy_is_restored_after_the_block():
    before = keras.mixed_precision.global_policy().name
    with pytest.raises(RuntimeError):
        with performance.dtype_policy("mixed_float16"):
            assert keras.mixed_precision.global_policy().name == "mixed_float16"
            raise RuntimeError("even after an error")
    assert keras.mixed_precision.global_policy().name == before


def test_configure_says_how_data_is_fed():
    assert performance.configure()["input"] == "tf.data"  # TensorFlow is the course's backend


def test_dataset_batches_shuffles_and_keeps_pairs():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10)
    data = performance.dataset(x, y, batch_size=4, shuffle=True, seed=1)
    batches = [(np.asarray(bx), np.asarray(by)) for bx, by in data]
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    xs = np.concatenate([b[0][:, 0] for b in batches])
    ys = np.concatenate([b[1] for b in batches])
    assert np.array_equal(xs, ys)  # each label stays with its sample
    assert sorted(ys) == list(range(10)) and not np.array_equal(ys, np.arange(10))
    plain = performance.dataset(x, y, batch_size=4, shuffle=False)
    assert np.array_equal(np.concatenate([np.asarray(by) for _, by in plain]), y)


def test_fit_inputs_feed_a_shuffling_dataset():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10)
    inputs = performance.fit_inputs(x, y, batch_size=4)
    assert set(inputs) == {"x", "shuffle"} and inputs["shuffle"] is False  # the dataset shuffles itself
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    history = model.fit(epochs=1, verbose=0, **inputs)
    assert len(history.history["loss"]) == 1


def test_without_tensorflow_keras_gets_the_arrays(monkeypatch):
    monkeypatch.setattr(performance, "_have_tf", lambda: False)
    x, y = np.zeros((6, 1), np.float32), np.arange(6)
    assert performance.dataset(x, y, batch_size=4, shuffle=True) == (x, y)
    inputs = performance.fit_inputs(x, y, batch_size=4)
    assert set(inputs) == {"x", "y", "batch_size"} and inputs["x"] is x and inputs["batch_size"] == 4
    assert performance.configure()["input"] == "NumPy arrays"


def test_precision_notes_say_what_each_device_is_timed_in():
    assert performance.precision_notes(["CPU"], None).splitlines() == [
        "CPU: float32 (float16 would be emulated, and slower)", "GPU: none on this machine"]
    ampere = performance.precision_notes(["CPU", "GPU"], (8, 0), tf32=True)
    assert "tensor cores: best precision mixed_float16" in ampere and "TF32 tensor cores: yes" in ampere
    pascal = performance.precision_notes(["CPU", "GPU"], (6, 1), tf32=True)
    assert "no tensor cores" in pascal and "best-precision row is its float32 row" in pascal
    assert "TF32 tensor cores: no" in pascal  # TF32 needs Ampere (8.0) or newer
    assert "TF32 tensor cores: no" in performance.precision_notes(["CPU", "GPU"], (8, 6), tf32=False)
    assert "compute capability unknown" in performance.precision_notes(["CPU", "GPU"], None)
