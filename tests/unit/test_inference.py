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


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 0])
    m = inference.confusion_matrix(y_true, y_pred, n_classes=3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [2, 0, 1]]
    assert m.sum() == len(y_true) and np.trace(m) == np.sum(y_true == y_pred)
    assert inference.confusion_matrix(y_true, y_pred).shape == (10, 10)
    assert inference.confusion_matrix([], []).sum() == 0
    with pytest.raises(ValueError, match="differ in length"):
        inference.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="0..2"):
        inference.confusion_matrix([0, 3], [0, 1], n_classes=3)


def test_per_class_errors_name_the_most_frequent_confusion():
    m = np.array([[5, 0, 0], [1, 3, 2], [0, 4, 4]])
    rows = inference.per_class_errors(m)
    assert [(r.label, r.images, r.wrong, r.mistaken_for, r.mistaken_count) for r in rows] == [
        (0, 5, 0, None, 0), (1, 6, 3, 2, 2), (2, 8, 4, 1, 4)]
    assert rows[1].error_rate == 0.5 and rows[0].error_rate == 0.0
    tie = inference.per_class_errors(np.array([[1, 2, 2], [0, 0, 0], [0, 0, 0]]))
    assert tie[0].mistaken_for == 1 and tie[1].error_rate == 0.0  # smaller class on a tie; no images


def test_a_gap_within_the_seed_spread_is_noise():
    # chapter 5's example: 0.43 points between two CNNs, seeds alone moved the dense net by 0.6
    within = inference.compare_with_spread(0.9843, 0.9800, spread=0.6)
    assert within.difference == pytest.approx(0.43) and not within.beyond_spread
    assert str(within) == "+0.43 points, within the seed-to-seed spread of 0.60 points"
    bigger = inference.compare_with_spread(0.97, 0.99, spread=0.6)
    assert bigger.difference == pytest.approx(-2.0) and bigger.beyond_spread
    assert str(bigger).startswith("-2.00 points, bigger than")
    with pytest.raises(ValueError, match="negative"):
        inference.compare_with_spread(0.9, 0.8, spread=-1)


def bn_dropout_model() -> keras.Model:
    # plain standardization (no learned scale or shift), then a dropout that would zero most values
    return keras.Sequential([
        keras.Input((3,)),
        keras.layers.BatchNormalization(center=False, scale=False, epsilon=1e-6, momentum=0.5),
        keras.layers.Dropout(0.9),
    ])


def test_batch_statistics_standardize_each_batch_with_dropout_off():
    model = bn_dropout_model()
    x = np.random.default_rng(0).normal(5.0, 3.0, (40, 3)).astype("float32")
    out = inference.predict_batch_statistics(model, x, batch_size=20)  # two batches of 20
    assert out.shape == x.shape
    for half in (out[:20], out[20:]):  # each batch standardized by its own mean and variance
        np.testing.assert_allclose(half.mean(axis=0), 0, atol=1e-4)
        np.testing.assert_allclose(half.std(axis=0), 1, atol=1e-3)
    assert np.count_nonzero(out) == out.size  # dropout did not act
    # in prediction mode the moving averages (still mean 0, variance 1) leave x nearly as it is
    np.testing.assert_allclose(np.asarray(model(x, training=False)), x, rtol=1e-5)


def test_batch_statistics_leave_the_moving_averages_alone():
    model = bn_dropout_model()
    bn = model.layers[0]
    before = [np.array(v) for v in bn.non_trainable_variables]
    inference.predict_batch_statistics(model, np.full((8, 3), 7.0, "float32"), batch_size=4)
    for old, new in zip(before, bn.non_trainable_variables):
        np.testing.assert_array_equal(old, np.array(new))


def test_batch_statistics_split_into_batches_of_about_the_size_asked():
    model = bn_dropout_model()
    x = np.random.default_rng(1).normal(size=(130, 3)).astype("float32")
    out = inference.predict_batch_statistics(model, x, batch_size=128)  # one batch of 130, not 128 + 2
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-4)
