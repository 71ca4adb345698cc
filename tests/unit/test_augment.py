"""labsupport.augment: the RandomAffine augmentation layer."""

import keras
import numpy as np

from labsupport import augment


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


def test_ranges_are_the_original_course_settings_and_the_defaults():
    # ImageDataGenerator(rotation_range=8, width/height_shift_range=0.08, shear_range=0.3, zoom_range=0.08)
    assert augment.RANGES == {"rotation": 8.0, "shift": 0.08, "shear": 0.3, "zoom": 0.08}
    config = augment.RandomAffine().get_config()
    assert {k: config[k] for k in augment.RANGES} == augment.RANGES
    assert config["fill_value"] == -1.0  # the background of inputs in [-1, 1]


def test_affine_matrix_of_zero_parameters_is_the_identity():
    m = np.asarray(augment.affine_matrix([0.0], [0.0], [0.0], [0.0], [1.0], [1.0], 28, 28))
    np.testing.assert_allclose(m, [[1, 0, 0, 0, 1, 0, 0, 0]], atol=1e-6)


def test_affine_matrix_maps_output_pixels_to_the_input_positions_they_sample():
    # a shift samples further along: the content moves the other way (a whole pixel: no blur)
    x = digit_batch(1)
    shifted = np.asarray(keras.ops.image.affine_transform(
        x, augment.affine_matrix([0.0], [0.0], [2.0], [-3.0], [1.0], [1.0], 28, 28), fill_value=-1.0))
    expected = np.full_like(x, -1.0)
    expected[:, 3:28, :26] = x[:, 0:25, 2:28]  # 2 left, 3 down
    np.testing.assert_allclose(shifted, expected, atol=1e-6)
    # rotation by 90 degrees about the centre (13.5, 13.5): output (x, y) samples (13.5 - (y - 13.5), 13.5 + (x - 13.5))
    m = np.asarray(augment.affine_matrix([90.0], [0.0], [0.0], [0.0], [1.0], [1.0], 28, 28))[0]
    for x_out, y_out in [(0, 0), (27, 5), (10, 20)]:
        sampled = (m[0] * x_out + m[1] * y_out + m[2], m[3] * x_out + m[4] * y_out + m[5])
        np.testing.assert_allclose(sampled, (27 - y_out, x_out), atol=1e-4)
    # zoom about the centre: the centre stays, the corners come from nearer the centre when zooming by 2
    m = np.asarray(augment.affine_matrix([0.0], [0.0], [0.0], [0.0], [0.5], [0.5], 28, 28))[0]
    np.testing.assert_allclose([m[0] * 13.5 + m[2], m[4] * 13.5 + m[5]], [13.5, 13.5], atol=1e-5)
    np.testing.assert_allclose([m[2], m[5]], [6.75, 6.75], atol=1e-5)
