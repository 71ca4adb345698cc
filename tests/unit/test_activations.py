"""labsupport.activations: every layer's output for one image."""

import numpy as np

from labsupport import activations, models


def digit_batch(n=1):
    x = -np.ones((n, 28, 28, 1), np.float32)
    x[:, 8:20, 12:16, 0] = 1.0  # a bar in the middle, inputs in [-1, 1]
    return x


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


def test_augmentation_is_off_in_layer_outputs():
    model = models.augmented_cnn()
    x = digit_batch(1)
    outs = activations.layer_outputs(model, x)
    assert outs[0][0] == "augment"
    np.testing.assert_array_equal(outs[0][1], x)  # passed through, as at prediction time


def test_layer_slider_builds_a_widget():
    outs = activations.layer_outputs(models.cnn(), digit_batch(1))
    widget = activations.layer_slider(outs)
    slider = widget.children[0].children[0]
    assert slider.max == len(outs) - 1
    label = widget.children[0].children[1]
    assert label.value == outs[0][0]
    slider.value = 3
    assert label.value == outs[3][0]  # the label follows the slider
