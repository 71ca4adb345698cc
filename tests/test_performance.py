import keras
import numpy as np
import pytest

from labsupport import models, performance


@pytest.mark.parametrize("capability, expected", [(None, False), ((6, 1), False), ((7, 0), True), ((9, 0), True)])
def test_mixed_precision_only_on_tensor_core_gpus(capability, expected):
    assert performance.wants_mixed_precision(capability) is expected


def test_configure_on_this_cpu_keeps_float32():
    info = performance.configure()
    assert keras.mixed_precision.global_policy().name == "float32"
    assert info["precision"] == "float32"


def test_mixed_policy_keeps_probabilities_in_float32():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        for build in (models.dense_net, models.cnn):
            model = build()
            x = np.zeros((1,) + model.input_shape[1:], np.float32)
            assert keras.backend.standardize_dtype(model(x).dtype) == "float32"
            assert model.layers[0].compute_dtype == "float16"  # the rest computes in float16
    finally:
        keras.mixed_precision.set_global_policy("float32")


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
