"""Hand-made 3x3 filters, and the filters a network's first layer learned.

Chapter 2 slides these filters over digits; the site's convolution
playground (``web/site/live/convolution.js``) offers the same ones, read from
the export manifest (:func:`labsupport.webexport.convolution_settings`), next
to the 32 filters of the CNN's first convolution (:func:`learned_filters`).
Both apply a filter as a cross-correlation, as ``scipy.signal.correlate2d``
and Keras do: no flipping.

The arrays are read-only, so that a chapter cannot change them by accident
for the cells that follow.
"""

from __future__ import annotations

import numpy as np


def _fixed(rows) -> np.ndarray:
    values = np.array(rows)  # whole numbers stay integers (they print as the chapter writes them)
    values.setflags(write=False)
    return values


#: "Row above minus row below": positive where the values fall from top to
#: bottom, i.e. along the bottom edge of a horizontal stroke of ink.
HORIZONTAL_SOBEL = _fixed([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
#: "Right column minus left column": finds vertical edges.
VERTICAL_SOBEL = _fixed([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
#: The mean of the 3x3 neighbourhood (a box blur).
BLUR = _fixed(np.full((3, 3), 1 / 9))
#: Five times the pixel minus its four neighbours: the pixel plus its
#: difference from them, so edges get stronger.
SHARPEN = _fixed([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
#: The pixel itself: the output is the input (cut or padded).
IDENTITY = _fixed([[0, 0, 0], [0, 1, 0], [0, 0, 0]])

#: The hand-made filters by name: ``(title, weights)``, in the order the
#: playground's menu lists them.
PRESETS: dict[str, tuple[str, np.ndarray]] = {
    "horizontal_sobel": ("horizontal Sobel", HORIZONTAL_SOBEL),
    "vertical_sobel": ("vertical Sobel", VERTICAL_SOBEL),
    "blur": ("blur", BLUR),
    "sharpen": ("sharpen", SHARPEN),
    "identity": ("identity", IDENTITY),
}


def learned_filters(model, layer: str = "conv1") -> np.ndarray:
    """The filters a convolutional layer on a one-channel image learned, one per output channel.

    Parameters
    ----------
    model : keras.Model
        A trained network, e.g. the course's ``cnn``.
    layer : str
        The name of a convolutional layer whose input has one channel.

    Returns
    -------
    ndarray, shape (filters, kh, kw)
        ``result[k]`` is filter ``k``'s weights, as Keras applies them (the
        kernel ``layer.get_weights()[0][:, :, 0, k]``); the biases are left out.

    Raises
    ------
    ValueError
        If the layer has no such kernel or its input has more than one channel.
    """
    weights = model.get_layer(layer).get_weights()
    kernel = np.asarray(weights[0]) if weights else None
    if kernel is None or kernel.ndim != 4:
        raise ValueError(f"layer {layer!r} is not a 2-D convolution (no kernel of shape (kh, kw, channels, filters))")
    if kernel.shape[2] != 1:
        raise ValueError(f"layer {layer!r} filters {kernel.shape[2]} channels; expected a layer on a one-channel image")
    return np.moveaxis(kernel[:, :, 0, :], -1, 0)
