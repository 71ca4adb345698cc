"""From a photo of a handwritten digit to a 28x28 image in MNIST's convention.

MNIST digits were size-normalized to fit a 20x20 box (keeping their aspect
ratio), anti-aliased, and centred by their centre of mass in a 28x28 field,
as white ink (255) on black (0). A photo is nothing like that: large, often
rotated by its EXIF tag, in colour, unevenly lit, with the digit anywhere and
specks and ruled lines around it. This module turns one into the other in
small steps, each returning an image so that a chapter can show it:

======================  ===================================================
:func:`open_image`      read and check the file, apply the EXIF rotation
:func:`to_grayscale`    one channel in [0, 1]; transparency over white
:func:`downscale`       cap the longer side (speed; nothing finer is needed)
:func:`ink_is_dark`     dark ink on light paper, or the other way round?
:func:`ink_image`       ink bright, paper dark
:func:`remove_background`  subtract the slowly varying light and paper
:func:`ink_mask`        threshold chosen from the image itself (Otsu)
:func:`select_digit`    the digit's ink, without specks and marks at the border
:func:`fit_box`         crop, thicken thin strokes, fit into 20x20 keeping the aspect ratio
:func:`center_by_mass`  place in 28x28 with the centre of mass in the middle
======================  ===================================================

:func:`preprocess` runs them all. The course's first recipe, kept for
comparison, is :func:`labsupport.baseline.original_pipeline`; feeding the
result to the networks is :mod:`labsupport.inference`.

Every problem with the input raises :class:`DigitImageError` with a message
meant for the student.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

#: Refuse images with more pixels than this (a decompression-bomb guard:
#: a small file can claim a gigantic size). 50 megapixels is above any phone.
MAX_PIXELS = 50_000_000

#: Refuse files larger than this many bytes.
MAX_BYTES = 40_000_000

#: Refuse images whose shorter side is below this many pixels.
MIN_SIDE = 16

#: Weakest ink, against the paper, taken for a digit (share of the full range).
MIN_CONTRAST = 0.12

#: Longer side after :func:`downscale`.
WORK_SIDE = 400

#: MNIST's box for the digit and its field.
BOX, FIELD = 20, 28

#: MNIST strokes are about this wide, in pixels of the 20x20 box.
STROKE_WIDTH_IN_BOX = 2.2


class DigitImageError(ValueError):
    """The input cannot be turned into a digit image; the message says why."""


Source = str | os.PathLike | bytes | bytearray | Image.Image | np.ndarray


def open_image(source: Source) -> Image.Image:
    """Read an image (path, bytes, PIL image or uint8 array), check it, apply its EXIF orientation.

    Raises
    ------
    DigitImageError
        Empty, not an image, truncated, too small, or too large.
    """
    if isinstance(source, np.ndarray):
        if source.ndim not in (2, 3) or source.size == 0:
            raise DigitImageError(f"expected an image array (h, w) or (h, w, channels), got shape {source.shape}")
        image, name = Image.fromarray(np.clip(source, 0, 255).astype(np.uint8)), "the image"
    elif isinstance(source, Image.Image):
        image, name = source, "the image"
    else:
        image, name = _open_file(source)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise DigitImageError(
            f"{name} is {width}x{height} pixels, more than the {MAX_PIXELS // 1_000_000} megapixels "
            "accepted; resize the photo first"
        )
    if min(width, height) < MIN_SIDE:
        raise DigitImageError(
            f"{name} is only {width}x{height} pixels; a photo of a digit needs at least {MIN_SIDE}x{MIN_SIDE}"
        )
    try:
        image.load()  # decoded only now, after the size check: no decompression bomb
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise DigitImageError(f"{name} is damaged or truncated ({e})") from e
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a broken EXIF block: use the pixels as stored
        return image


def _open_file(source: str | os.PathLike | bytes | bytearray) -> tuple[Image.Image, str]:
    """Open (without decoding) a file or the bytes of an upload; returns the image and a name for messages."""
    if isinstance(source, (bytes, bytearray)):
        name, size = "the upload", len(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise DigitImageError(f"{path}: no such file")
        name, size = str(path), path.stat().st_size
    if size == 0:
        raise DigitImageError(f"{name} is empty (0 bytes)")
    if size > MAX_BYTES:
        raise DigitImageError(f"{name} is over {MAX_BYTES // 1_000_000} MB; use a smaller photo")
    data = bytes(source) if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
    try:
        return Image.open(io.BytesIO(data)), name
    except UnidentifiedImageError as e:
        raise DigitImageError(f"{name} is not an image file PIL can read (PNG, JPEG, ...)") from e
    except Image.DecompressionBombError as e:
        raise DigitImageError(
            f"{name} claims a gigantic size, more than the {MAX_PIXELS // 1_000_000} megapixels "
            "accepted; resize the photo first"
        ) from e


def to_grayscale(image: Image.Image) -> np.ndarray:
    """One channel in [0, 1] (0 black, 1 white), whatever the image mode.

    Transparent pixels count as white paper; 16-bit and 32-bit images are
    scaled by their own range; CMYK and palette images are converted.
    """
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(image, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        return ((a - lo) / (hi - lo) if hi > lo else np.ones_like(a)).astype(np.float32)
    if mode == "P" or mode == "PA":
        image = image.convert("RGBA")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        image = image.convert("RGB")
    elif mode == "1":
        image = image.convert("L")
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image.convert("RGBA"))
    return (np.asarray(image.convert("L"), dtype=np.float32) / 255.0)


def downscale(gray: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    """Shrink so that the longer side is at most ``side`` pixels (area-averaging)."""
    h, w = gray.shape
    scale = side / max(h, w)
    if scale >= 1:
        return gray
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    image = Image.fromarray(gray.astype(np.float32))
    return np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float32)


def _background_level(gray: np.ndarray) -> float:
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(np.median(border))


def ink_is_dark(gray: np.ndarray) -> bool:
    """Whether the ink is darker than the paper.

    The paper is what most of the border shows; the ink lies at whichever
    end of the brightness range is farther from it.
    """
    paper = _background_level(gray)
    lo, hi = np.percentile(gray, [0.5, 99.5])
    return (paper - lo) >= (hi - paper)


def ink_image(gray: np.ndarray, dark_ink: bool | None = None) -> np.ndarray:
    """Ink bright, paper dark (MNIST's polarity)."""
    if dark_ink is None:
        dark_ink = ink_is_dark(gray)
    return (1.0 - gray) if dark_ink else gray.copy()


def remove_background(ink: np.ndarray) -> np.ndarray:
    """Subtract the slowly varying background: light gradients, shadows, paper colour.

    A grey-level *opening* with a window wider than any pen stroke erases the
    strokes and keeps the background; smoothing it and subtracting it leaves
    the ink on an even, black background. The result is scaled so that the
    strongest ink is 1.
    """
    size = max(3, int(max(ink.shape) / 12))
    background = ndimage.grey_opening(ink, size=(size, size))
    background = ndimage.uniform_filter(background, size=size)
    flat = np.clip(ink - background, 0, None)
    top = np.percentile(flat, 99.9)
    if top < MIN_CONTRAST:
        raise DigitImageError(
            "no digit found: the image is blank or the ink is too faint "
            f"(contrast {top:.2f} of the full range; write with a darker pen or add light)"
        )
    return np.clip(flat / top, 0, 1).astype(np.float32)


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """The threshold that best separates two groups of values (Otsu's method)."""
    hist, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    p = hist.astype(np.float64) / max(hist.sum(), 1)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(p)
    mu = np.cumsum(p * centres)
    # class 0 is bins 0..k; the threshold is the upper edge of bin k
    w1 = 1 - w0
    valid = (w0 > 0) & (w1 > 0)
    between = np.zeros_like(w0)
    between[valid] = (mu[-1] * w0[valid] - mu[valid]) ** 2 / (w0[valid] * w1[valid])
    return float(edges[1:][int(np.argmax(between))])


def ink_mask(flat: np.ndarray) -> np.ndarray:
    """Pixels that are ink: above a threshold chosen from this image.

    Otsu's threshold, but never below a quarter of the strongest ink (so that
    paper texture and noise on a nearly empty page are not taken for ink).
    """
    threshold = max(otsu_threshold(flat), 0.25)
    return flat > threshold


def select_digit(mask: np.ndarray, min_share: float = 0.08) -> np.ndarray:
    """The ink that belongs to the digit, without specks and marks at the border.

    The digit is the largest connected blob of ink together with every blob
    at least ``min_share`` of its size (a 5's separate top stroke, the bar of
    a 7 written the continental way). Smaller specks are dropped, and so are
    blobs touching the image border (the edge of the page, a ruler, a finger)
    unless the digit itself does.

    Raises
    ------
    DigitImageError
        If no ink, or only specks, are found.
    """
    labels, n = ndimage.label(mask)
    if n == 0:
        raise DigitImageError("no digit found: the image has no ink after removing the background")
    sizes = ndimage.sum(mask, labels, index=np.arange(1, n + 1))
    slices = ndimage.find_objects(labels)
    h, w = mask.shape

    def touches_border(s) -> bool:
        return s[0].start == 0 or s[1].start == 0 or s[0].stop == h or s[1].stop == w

    inner = [i for i in range(n) if not touches_border(slices[i])]
    candidates = inner if inner and sizes[inner].max() >= 0.2 * sizes.max() else list(range(n))
    biggest = max(sizes[i] for i in candidates)
    if biggest < 0.0005 * mask.size:
        raise DigitImageError("no digit found: only small specks of ink")
    keep = [i + 1 for i in candidates if sizes[i] >= min_share * biggest]
    return np.isin(labels, keep)


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` of the True pixels, end-exclusive."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        raise DigitImageError("no digit found")
    return int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1


def stroke_width(mask: np.ndarray) -> float:
    """Typical stroke width of a binary drawing, in pixels.

    Twice the distance from the middle of a stroke to its edge, taken as the
    median over the stroke's ridge (pixels that are local maxima of the
    distance to the background).
    """
    if not mask.any():
        return 0.0
    mask = np.pad(mask, 1)  # the distance is to the nearest background pixel: make sure there is one
    distance = ndimage.distance_transform_edt(mask)
    ridge = mask & (distance >= ndimage.maximum_filter(distance, size=3))
    return float(2 * np.median(distance[ridge]))


def fit_box(flat: np.ndarray, digit_mask: np.ndarray) -> np.ndarray:
    """Crop the digit and fit it into 20x20, keeping the aspect ratio.

    Only the digit's own ink (``digit_mask``) is kept. Thin strokes (a fine
    pen, a big photo) are thickened first so that after shrinking they are
    about as wide as MNIST's; the result is anti-aliased and its strongest
    ink is 1.

    Returns
    -------
    ndarray
        Float image whose longer side is 20 pixels.
    """
    top, bottom, left, right = bounding_box(digit_mask)
    crop = np.where(digit_mask, flat, 0.0)[top:bottom, left:right]
    longest = max(crop.shape)
    wanted = STROKE_WIDTH_IN_BOX * longest / BOX
    width = stroke_width(crop > 0)
    grow = int(round(wanted - width)) if width else 0
    if grow >= 1:
        crop = np.pad(crop, grow)
        crop = ndimage.grey_dilation(crop, size=(grow + 1, grow + 1))
    longest = max(crop.shape)
    scale = BOX / longest
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = np.asarray(Image.fromarray(crop.astype(np.float32)).resize(size, Image.Resampling.LANCZOS))
    small = np.clip(small, 0, None)
    peak = np.percentile(small[small > 0], 95) if (small > 0).any() else 1.0
    return np.clip(small / max(peak, 1e-6), 0, 1).astype(np.float32)


def center_by_mass(digit: np.ndarray) -> np.ndarray:
    """Place a digit (at most 20x20) in a 28x28 field with its centre of mass at the centre.

    Returns
    -------
    ndarray, shape (28, 28), uint8
        MNIST's convention: ink 255, background 0.
    """
    field = np.zeros((FIELD, FIELD), np.float32)
    h, w = digit.shape
    top, left = (FIELD - h) // 2, (FIELD - w) // 2
    field[top : top + h, left : left + w] = digit
    cy, cx = ndimage.center_of_mass(field)
    shift = np.round([(FIELD - 1) / 2 - cy, (FIELD - 1) / 2 - cx]).astype(int)
    # keep the digit inside the field
    rows, cols = np.nonzero(field > 0)
    shift[0] = np.clip(shift[0], -rows.min(), FIELD - 1 - rows.max())
    shift[1] = np.clip(shift[1], -cols.min(), FIELD - 1 - cols.max())
    field = np.roll(field, tuple(shift), axis=(0, 1))
    return np.round(field * 255).astype(np.uint8)


@dataclass
class Steps:
    """Every intermediate image of :func:`preprocess`, for showing the pipeline."""

    photo: np.ndarray
    gray: np.ndarray
    ink: np.ndarray
    flat: np.ndarray
    mask: np.ndarray
    digit_mask: np.ndarray
    fitted: np.ndarray
    digit: np.ndarray
    dark_ink: bool = True


def preprocess(source: Source) -> Steps:
    """Run the whole pipeline on a photo.

    Parameters
    ----------
    source : path, bytes or PIL image

    Returns
    -------
    Steps
        ``steps.digit`` is the 28x28 uint8 image in MNIST's convention; feed it
        to the networks with :func:`labsupport.inference.predict`.

    Raises
    ------
    DigitImageError
    """
    image = open_image(source)
    photo = np.asarray(image.convert("RGB"))
    gray = downscale(to_grayscale(image))
    dark = ink_is_dark(gray)
    ink = ink_image(gray, dark)
    flat = remove_background(ink)
    mask = ink_mask(flat)
    digit_mask = select_digit(mask)
    fitted = fit_box(flat, digit_mask)
    digit = center_by_mass(fitted)
    return Steps(photo, gray, ink, flat, mask, digit_mask, fitted, digit, dark)
