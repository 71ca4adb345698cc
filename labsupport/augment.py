"""Data augmentation as a Keras layer.

The original course used ``ImageDataGenerator(rotation_range=8,
width_shift_range=0.08, height_shift_range=0.08, shear_range=0.3,
zoom_range=0.08)``, which Keras 3 no longer has. :class:`RandomAffine` draws the
same random transformations, with the same meaning of each number, and
applies them as *one* affine warp about the image centre: chaining Keras's
separate ``RandomRotation``, ``RandomTranslation``, ``RandomZoom`` and
``RandomShear`` layers would resample (and blur) a 28x28 digit four times, and
``RandomShear`` shears about a corner, which pushes digits off-centre.

Because it is a layer, it runs wherever the model runs (on the GPU when there
is one), only while training, and on any Keras backend.
"""

from __future__ import annotations

import math

import keras
from keras import ops

#: The original course's augmentation ranges, in :class:`RandomAffine`'s terms:
#: degrees of rotation, fraction of the size for shifts, degrees of shear, and
#: the zoom factor's distance from 1.
RANGES = {"rotation": 8.0, "shift": 0.08, "shear": 0.3, "zoom": 0.08}


@keras.saving.register_keras_serializable(package="labsupport")
class RandomAffine(keras.layers.Layer):
    """Random rotation, shift, shear and zoom of images, active only in training.

    Parameters
    ----------
    rotation : float
        Maximum rotation in degrees (uniform in ``[-rotation, rotation]``).
    shift : float
        Maximum shift as a fraction of the image width (horizontally) and
        height (vertically).
    shear : float
        Maximum shear angle in **degrees**, as ``ImageDataGenerator``'s
        ``shear_range`` meant it (so the course's 0.3 is a very light shear).
    zoom : float
        Each axis is scaled independently by a factor in ``[1 - zoom, 1 + zoom]``.
    fill_value : float
        Value for pixels that come from outside the image: the background,
        -1 for inputs scaled to [-1, 1].
    seed : int, optional
        Seed of the layer's random generator.
    **kwargs
        Passed to :class:`keras.layers.Layer` (e.g. ``name``).
    """

    def __init__(
        self,
        rotation: float = RANGES["rotation"],
        shift: float = RANGES["shift"],
        shear: float = RANGES["shear"],
        zoom: float = RANGES["zoom"],
        fill_value: float = -1.0,
        seed: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.rotation = float(rotation)
        self.shift = float(shift)
        self.shear = float(shear)
        self.zoom = float(zoom)
        self.fill_value = float(fill_value)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = False

    def transforms(self, batch_size, height: int, width: int):
        """Random transforms for a batch, as rows ``[a0, a1, a2, b0, b1, b2, 0, 0]``.

        Each row maps an output pixel (x, y) to the input position it samples,
        as :func:`keras.ops.image.affine_transform` expects. The parameters
        are drawn in this order, each uniformly within its range: rotation,
        shear, horizontal and vertical shift, horizontal and vertical zoom
        (see :func:`affine_matrix`).
        """

        def uniform(low, high):
            return keras.random.uniform((batch_size,), low, high, seed=self.seed_generator)

        rotation = uniform(-self.rotation, self.rotation) if self.rotation else ops.zeros((batch_size,))
        shear = uniform(-self.shear, self.shear) if self.shear else ops.zeros((batch_size,))
        shift_x = uniform(-self.shift, self.shift) * width
        shift_y = uniform(-self.shift, self.shift) * height
        zoom_x = uniform(1.0 - self.zoom, 1.0 + self.zoom)
        zoom_y = uniform(1.0 - self.zoom, 1.0 + self.zoom)
        return affine_matrix(rotation, shear, shift_x, shift_y, zoom_x, zoom_y, height, width)

    def call(self, images, training=None):
        if not training:
            return images
        shape = ops.shape(images)
        matrix = self.transforms(shape[0], images.shape[1], images.shape[2])
        return ops.image.affine_transform(
            images, matrix, interpolation="bilinear", fill_mode="constant", fill_value=self.fill_value
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            rotation=self.rotation, shift=self.shift, shear=self.shear,
            zoom=self.zoom, fill_value=self.fill_value, seed=self.seed,
        )
        return config


def affine_matrix(rotation, shear, shift_x, shift_y, zoom_x, zoom_y, height: int, width: int):
    """The affine maps of given parameters, as rows ``[a0, a1, a2, b0, b1, b2, 0, 0]``.

    The warp :class:`RandomAffine` applies: rotation, shear and zoom about the
    image centre (the linear part is rotation @ shear @ zoom, the order
    ``ImageDataGenerator`` used), then the shift. Each row maps an output
    pixel (x, y) to the input position it samples, ``(a0 x + a1 y + a2,
    b0 x + b1 y + b2)``, as :func:`keras.ops.image.affine_transform` expects
    (so a positive shift moves the content left or up). The live page of
    chapter 5 (``web/site/live/augmentation.js``, ``affineMatrix``) computes
    the same.

    Parameters
    ----------
    rotation, shear : array-like, shape (n,)
        Angles in degrees.
    shift_x, shift_y : array-like, shape (n,)
        Shifts in pixels.
    zoom_x, zoom_y : array-like, shape (n,)
        Scale factors (1: unchanged).
    height, width : int
        The images' size.

    Returns
    -------
    tensor, shape (n, 8)
    """
    deg = math.pi / 180.0
    theta = ops.convert_to_tensor(rotation, "float32") * deg
    shear = ops.convert_to_tensor(shear, "float32") * deg
    tx = ops.convert_to_tensor(shift_x, "float32")
    ty = ops.convert_to_tensor(shift_y, "float32")
    zx = ops.convert_to_tensor(zoom_x, "float32")
    zy = ops.convert_to_tensor(zoom_y, "float32")
    c, s = ops.cos(theta), ops.sin(theta)
    # linear part: rotation @ shear @ zoom (the order ImageDataGenerator used)
    a00 = c * zx
    a01 = -(c * ops.sin(shear) + s * ops.cos(shear)) * zy
    a10 = s * zx
    a11 = (c * ops.cos(shear) - s * ops.sin(shear)) * zy
    # about the centre, then shifted
    ox, oy = (width - 1) / 2.0, (height - 1) / 2.0
    a2 = ox - a00 * ox - a01 * oy + c * tx - s * ty
    b2 = oy - a10 * ox - a11 * oy + s * tx + c * ty
    zeros = ops.zeros_like(a00)
    return ops.stack([a00, a01, a2, a10, a11, b2, zeros, zeros], axis=1)
