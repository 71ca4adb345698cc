"""The course's first photo recipe, kept as the baseline the pipeline is measured against.

The original notebook turned a photo into a network input by shrinking the
whole photo to 28x28, inverting it and stretching its contrast: no cropping,
no centring, no background removal. :mod:`labsupport.digits` replaces it;
the own-digit chapter and ``tools/benchmarks/own_digits.py`` show both.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

from .digits import FIELD, Source, open_image, to_grayscale


def original_pipeline(source: Source, percentile: float = 20) -> np.ndarray:
    """The course's first recipe, for comparison (with its rescaling bug fixed).

    Grayscale, bicubic resize of the *whole* photo to 28x28, invert, subtract
    the 20th percentile, and divide by the maximum. No cropping, centring or
    background removal.

    Returns
    -------
    ndarray, shape (28, 28), uint8
    """
    image = open_image(source)
    gray = Image.fromarray(np.round(to_grayscale(image) * 255).astype(np.uint8))
    small = np.asarray(ImageOps.invert(gray.resize((FIELD, FIELD), Image.Resampling.BICUBIC)), dtype=np.float64)
    small = np.clip(small - np.percentile(small, percentile), 0, 255)
    peak = small.max()
    scaled = small / peak if peak > 0 else small
    return np.round(scaled * 255).astype(np.uint8)
