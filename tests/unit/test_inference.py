"""labsupport.inference: trained networks on images."""

import keras
import numpy as np
import pytest

from labsupport import data, inference, models


def test_predict_labels_gives_probabilities_and_the_most_likely_class():
    model = models.dense_net(8)
    x = np.random.default_rng(0).random((5, 784)).astype(np.float32)
    probs, labels = inference.predict_labels(model, x, batch_size=2)
    assert probs.shape == (5, 10) and labels.shape == (5,)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(labels, probs.argmax(axis=1))
    np.testing.assert_allclose(probs, np.asarray(model.predict(x, verbose=0)), atol=1e-6)


def test_predict_scales_for_each_model():
    nets = {"dense": models.dense_net(8), "cnn": models.cnn()}
    d = np.zeros((3, 28, 28), np.uint8)
    out = inference.predict(nets, d)
    assert out["dense"].shape == (3, 10) and out["cnn"].shape == (3, 10)
    # each network got its own input format
    np.testing.assert_allclose(out["dense"], np.asarray(nets["dense"].predict(data.dense_inputs(d), verbose=0)))
    np.testing.assert_allclose(out["cnn"], np.asarray(nets["cnn"].predict(data.image_inputs(d), verbose=0)))
    assert data.model_inputs(d, models.spec("cnn").inputs).min() == -1.0


def test_predict_takes_a_single_image():
    out = inference.predict({"dense": models.dense_net(8)}, np.zeros((28, 28), np.uint8))
    assert out["dense"].shape == (1, 10)


def test_predict_names_registered_models_only():
    with pytest.raises(ValueError, match="unknown model 'mine'"):
        inference.predict({"mine": models.dense_net(8)}, np.zeros((1, 28, 28), np.uint8))


def test_accuracy_per_network():
    # a "network" that always says 3, whatever the image
    says_three = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(10, activation="softmax", kernel_initializer="zeros",
                           bias_initializer=keras.initializers.Constant(np.eye(10)[3] * 5)),
    ])
    images = np.zeros((4, 28, 28), np.uint8)
    assert inference.accuracy({"dense": says_three}, images, [3, 3, 1, 2]) == {"dense": 0.5}


def test_shift_images_moves_without_wrapping():
    x = np.zeros((2, 5, 5), np.uint8)
    x[:, 1:4, 3] = 200  # a vertical stroke in column 3
    right = inference.shift_images(x, 1)
    assert right[:, 1:4, 4].min() == 200 and right.sum() == x.sum()
    gone = inference.shift_images(x, 2)  # the stroke leaves on the right: nothing comes back on the left
    assert gone.sum() == 0
    down = inference.shift_images(x, 1, axis=1)
    np.testing.assert_array_equal(down[:, 2:5, 3], x[:, 1:4, 3])
    back = inference.shift_images(inference.shift_images(x, -2), 2)
    np.testing.assert_array_equal(back[:, :, 2:], x[:, :, 2:])
    assert inference.shift_images(x, 0) is not x and np.array_equal(inference.shift_images(x, 0), x)
    assert inference.shift_images(x, 9).sum() == 0
    with pytest.raises(ValueError, match="axis"):
        inference.shift_images(x, 1, axis=0)


class _Column:
    """A stand-in 'network' for the dense format: class = column of the brightest ink (0-9)."""

    def __call__(self, x, training=False):
        images = np.asarray(x).reshape(-1, 28, 28)
        cols = images.sum(axis=1).argmax(axis=1)
        return np.eye(10)[np.clip(cols, 0, 9)]


def test_accuracy_under_shift_follows_the_shifted_images():
    images = np.zeros((10, 28, 28), np.uint8)
    labels = np.arange(10)
    images[labels, 10, labels] = 255  # digit k has its ink in column k
    result = inference.accuracy_under_shift({"dense": _Column()}, images, labels, shifts=[0, 1, 3])
    assert list(result) == ["dense"]
    # shifted by s > 0, digit k is read as min(k + s, 9): only the 9 stays right
    np.testing.assert_allclose(result["dense"], [1.0, 0.1, 0.1])
    assert result["dense"].shape == (3,)


def one_hot(k: int, p: float = 1.0) -> np.ndarray:
    """Probability ``p`` on class ``k``, the rest spread evenly."""
    out = np.full(10, (1 - p) / 9)
    out[k] = p
    return out


def test_verdict_is_sure_when_the_networks_agree_with_confidence():
    v = inference.verdict({"dense": one_hot(7, 0.95), "cnn": one_hot(7, 0.9)[None, :]})
    assert v.sure and v.label == 7 and v.reason == ""
    assert v.probability == pytest.approx(0.925)
    assert str(v) == "a 7 (92%)"


def test_verdict_is_unsure_when_the_networks_disagree():
    dense = one_hot(1, 0.9)
    cnn = one_hot(7, 0.99)
    v = inference.verdict({"dense": dense, "cnn": cnn})
    assert not v.sure and v.reason == "the networks disagree and the top probability is below 80%"
    assert (v.label, v.runner_up) == (7, 1)  # by mean probability
    assert str(v) == f"unsure: 7 (50%) or 1 (45%); {v.reason}"
    confident = inference.verdict({"dense": one_hot(1, 0.9), "cnn": one_hot(7, 0.9), "other": one_hot(7, 0.99)},
                                  threshold=0.5)
    assert not confident.sure and confident.reason == "the networks disagree"


def test_verdict_is_unsure_when_the_top_probability_is_low():
    p = one_hot(4, 0.5)
    p[9] = 0.4
    p /= p.sum()
    v = inference.verdict(p)  # one network's probabilities, not a dict
    assert not v.sure and "below 80%" in v.reason and (v.label, v.runner_up) == (4, 9)
    assert inference.verdict(p, threshold=0.3).sure
    assert not inference.verdict({"a": one_hot(3, 0.85)}, threshold=0.9).sure


def test_verdict_checks_its_input():
    with pytest.raises(ValueError, match="10 class probabilities"):
        inference.verdict({})
    with pytest.raises(ValueError, match="10 class probabilities"):
        inference.verdict({"dense": np.ones((2, 10)) / 10})


def test_predict_in_batches_agrees_with_keras_predict():
    nets = {"dense": models.dense_net(8), "cnn": models.cnn()}
    d = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    batched = inference.predict(nets, d, batch_size=3)  # batches of 3, 3 and 1
    for name in nets:
        x = data.model_inputs(d, models.spec(name).inputs)
        assert batched[name].shape == (7, 10)
        np.testing.assert_allclose(batched[name], nets[name].predict(x, verbose=0), atol=1e-5)
    assert inference.predict(nets, d[0])["cnn"].shape == (1, 10)
