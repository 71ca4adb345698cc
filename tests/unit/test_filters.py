"""labsupport.filters: hand-made 3x3 filters and a first conv layer's learned ones."""

import keras
import numpy as np
import pytest
from scipy.signal import correlate2d

from labsupport import filters, models


def test_the_sobel_filters_find_edges_of_their_direction_with_the_chapters_signs():
    # a horizontal bar of ink (high values) on 0: "row above minus row below" is positive
    # along its bottom edge and negative along its top edge, and blind to vertical edges
    bar = np.zeros((9, 9))
    bar[3:6, :] = 255
    horizontal = correlate2d(bar, filters.HORIZONTAL_SOBEL, mode="valid")
    assert horizontal[4, 3] > 0 and horizontal[1, 3] < 0  # output row i sees input rows i..i+2
    assert np.all(correlate2d(bar, filters.VERTICAL_SOBEL, mode="valid") == 0)
    # a vertical bar: the vertical filter is positive on its left edge (values rise to the right)
    vertical = correlate2d(bar.T, filters.VERTICAL_SOBEL, mode="valid")
    assert vertical[3, 1] > 0 and vertical[3, 4] < 0
    assert np.array_equal(filters.VERTICAL_SOBEL, np.rot90(filters.HORIZONTAL_SOBEL, -1))  # a quarter turn


def test_identity_blur_and_sharpen_do_what_their_names_say():
    image = np.random.default_rng(0).uniform(0, 255, (8, 8))
    assert np.allclose(correlate2d(image, filters.IDENTITY, mode="same"), image)
    assert np.isclose(correlate2d(image, filters.BLUR, mode="valid")[0, 0], image[:3, :3].mean())
    flat = np.full((5, 5), 7.0)
    assert np.allclose(correlate2d(flat, filters.SHARPEN, mode="valid"), 7.0)  # weights sum to 1: flat stays flat
    assert np.isclose(filters.BLUR.sum(), 1)


def test_presets_are_3x3_titled_and_read_only():
    assert list(filters.PRESETS) == ["horizontal_sobel", "vertical_sobel", "blur", "sharpen", "identity"]
    for title, weights in filters.PRESETS.values():
        assert title and weights.shape == (3, 3)
        with pytest.raises(ValueError):
            weights[0, 0] = 99


def test_learned_filters_are_the_first_layers_kernels_one_per_filter():
    model = models.build("cnn")
    kernel = model.get_layer("conv1").get_weights()[0]  # (3, 3, 1, 32)
    learned = filters.learned_filters(model)
    assert learned.shape == (kernel.shape[-1], 3, 3)
    for k in (0, 5, kernel.shape[-1] - 1):
        assert np.array_equal(learned[k], kernel[:, :, 0, k])


def test_learned_filters_refuse_a_layer_that_is_not_a_one_channel_convolution():
    model = models.build("cnn")
    with pytest.raises(ValueError, match="conv2.*32 channels"):
        filters.learned_filters(model, "conv2")
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    with pytest.raises(ValueError, match="not a 2-D convolution"):
        filters.learned_filters(dense, "d")
