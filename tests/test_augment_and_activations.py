import keras
import numpy as np

from labsupport import activations, augment, models


def digit_batch(n=8):
    x = -np.ones((n, 28, 28, 1), np.float32)
    x[:, 8:20, 12:16, 0] = 1.0  # a bar in the middle, inputs in [-1, 1]
    return x


def test_random_affine_is_identity_at_inference():
    layer = augment.RandomAffine(seed=0)
    x = digit_batch()
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)


def test_random_affine_keeps_shape_and_range_and_changes_images():
    layer = augment.RandomAffine(seed=0)
    x = digit_batch()
    out = np.asarray(layer(x, training=True))
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= -1.0 - 1e-6 and out.max() <= 1.0 + 1e-6
    assert not np.allclose(out, x)
    assert not np.allclose(out[0], out[1])  # each image its own transform
    # small transformations keep the digit: most ink stays
    assert (out > 0).sum() > 0.6 * (x > 0).sum()


def test_random_affine_transform_stays_within_its_ranges():
    layer = augment.RandomAffine(rotation=8, shift=0.08, shear=0.3, zoom=0.08, seed=1)
    m = np.asarray(layer.transforms(256, 28, 28))
    assert m.shape == (256, 8) and np.all(m[:, 6:] == 0)
    linear = m[:, [0, 1, 3, 4]].reshape(-1, 2, 2)
    det = np.linalg.det(linear)
    assert np.all((det > 0.92**2 * 0.99) & (det < 1.08**2 * 1.01))
    # the centre moves by at most the shift (plus a little from zoom about the centre)
    centre = np.array([13.5, 13.5])
    moved = np.einsum("bij,j->bi", linear, centre) + m[:, [2, 5]]
    assert np.abs(moved - centre).max() <= 0.08 * 28 * 1.1


def test_zero_ranges_give_the_identity():
    layer = augment.RandomAffine(rotation=0, shift=0, shear=0, zoom=0)
    x = digit_batch(2)
    np.testing.assert_allclose(np.asarray(layer(x, training=True)), x, atol=1e-5)


def test_random_affine_serializes(tmp_path):
    model = keras.Sequential([keras.Input((28, 28, 1)), augment.RandomAffine(rotation=5, name="aug")])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.get_layer("aug").get_config()["rotation"] == 5.0


def test_layer_outputs_cover_every_layer():
    model = models.cnn()
    outs = activations.layer_outputs(model, digit_batch(1))
    assert [name for name, _ in outs] == [layer.name for layer in model.layers]
    shapes = dict((name, out.shape) for name, out in outs)
    assert shapes["conv1"] == (1, 26, 26, 32) and shapes["pool4"] == (1, 4, 4, 64)
    assert shapes["flatten"] == (1, 1024) and shapes["softmax"] == (1, 10)
    np.testing.assert_allclose(outs[-1][1].sum(), 1.0, rtol=1e-5)
    # the last output is the model's own prediction
    np.testing.assert_allclose(outs[-1][1], np.asarray(model(digit_batch(1))), atol=1e-5)


def test_layer_slider_builds_a_widget():
    outs = activations.layer_outputs(models.cnn(), digit_batch(1))
    widget = activations.layer_slider(outs)
    slider = widget.children[0].children[0]
    assert slider.max == len(outs) - 1
