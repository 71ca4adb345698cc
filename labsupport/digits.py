"""From a photo of a handwritten digit to a 28x28 image in MNIST's convention.

MNIST digits were size-normalized to fit a 20x20 box (keeping their aspect
ratio), anti-aliased, and centred by their centre of mass in a 28x28 field,
as white ink (255) on black (0). A photo is nothing like that: large, often
rotated by its EXIF tag, in colour, unevenly lit, with the digit anywhere and
specks and ruled lines around it. This module turns one into the other in
small steps, each a plain function from image to image (numpy arrays in and
out, easy to port: box filters, grey-level openings, thresholds, connected
components, distance transforms and resampling), so that a chapter can show
every step:

=============================  ===============================================
:func:`open_image`             read and check the file, apply the EXIF rotation
:func:`to_rgb`                 three channels in [0, 1]; transparency over white
:func:`downscale`              cap the longer side (speed; nothing finer is needed)
:func:`colour_to_gray`         one channel, mixed from the colours where ink and
                               paper differ most (:func:`ink_colour_difference`,
                               :func:`colour_weights`)
:func:`ink_is_dark`            dark ink on light paper, or the other way round?
                               (the ink's tail, :func:`ink_skewness`; in a
                               close-up the frame, :func:`frame_light_share`)
:func:`ink_image`              ink bright, paper dark
:func:`remove_background`      subtract the slowly varying light and paper, with
                               a window wider than the strokes
                               (:func:`background_window`, :func:`local_stroke_width`)
:func:`remove_lines`           take out ruled and grid lines
:func:`ink_mask`               strong and weak ink, chosen from the image (Otsu,
                               hysteresis)
:func:`select_digit`           the digit's ink with its broken-off pieces, without
                               specks and marks at the border
:func:`zoom_box`               a small digit in a large photo: look again, closer
:func:`crop_digit`             cut out the digit's ink
:func:`set_stroke_width`       thicken thin strokes, thin thick ones: MNIST's width,
                               keeping loops and gaps open (:func:`grow_keeping_holes`);
                               a tiny crop enlarged first (:func:`enlarge`)
:func:`fit_box`                fit into 20x20 keeping the aspect ratio (area averaging)
:func:`center_by_mass`         place in 28x28 with the centre of mass in the middle
=============================  ===============================================

:func:`preprocess` runs them all and keeps every intermediate image
(:class:`Steps`). The course's first recipe, kept for comparison, is
:func:`labsupport.baseline.original_pipeline`; feeding the result to the
networks is :mod:`labsupport.inference`; measuring it on folders of
handwriting is :mod:`labsupport.handwriting`.

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

#: The smallest digit taken for one covers this share of the image (after :func:`downscale`).
MIN_DIGIT_SHARE = 0.0005

#: Longer side after :func:`downscale`.
WORK_SIDE = 400

#: MNIST's box for the digit and its field.
BOX, FIELD = 20, 28


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
    except Exception as e:  # PIL's decoders raise OSError, SyntaxError, struct.error, EOFError, ...
        raise DigitImageError(_damaged(name, e)) from e
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
    except Exception as e:  # a damaged header: PIL's plugins raise OSError, SyntaxError, struct.error, ...
        raise DigitImageError(_damaged(name, e)) from e


def _damaged(name: str, error: Exception) -> str:
    """The message for a file that PIL recognises but cannot read to the end (digits.js: MESSAGES.damaged)."""
    return f"{name} is damaged or truncated ({error or type(error).__name__})"


def to_grayscale(image: Image.Image) -> np.ndarray:
    """One channel in [0, 1] (0 black, 1 white), whatever the image mode: the plain brightness.

    Transparent pixels count as white paper; 16-bit and 32-bit images are
    scaled by their own range; CMYK and palette images are converted. (The
    pipeline itself uses :func:`to_rgb` and :func:`colour_to_gray`, which
    keep the colours until it knows which of them separate ink from paper;
    the course's first recipe, :mod:`labsupport.baseline`, uses this.)
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


def to_rgb(image: Image.Image) -> np.ndarray:
    """Three channels in [0, 1], whatever the image mode.

    Parameters
    ----------
    image : PIL.Image.Image

    Returns
    -------
    ndarray, shape (h, w, 3), float32
        Transparent pixels count as white paper; 16-bit and 32-bit images
        (grey by nature) are scaled by their own range; CMYK, palette and
        other modes are converted.
    """
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F", "1", "L", "LA", "La"):
        gray = to_grayscale(image)
        return np.repeat(gray[..., None], 3, axis=2)
    if image.mode in ("P", "PA", "RGBA", "RGBa"):
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image.convert("RGBA"))
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


def downscale(image: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    """Shrink so that the longer side is at most ``side`` pixels (area-averaging).

    Parameters
    ----------
    image : ndarray, shape (h, w) or (h, w, channels), float
    side : int

    Returns
    -------
    ndarray
        The same array when it is small enough already; otherwise a smaller
        float32 one, each output pixel the mean of the input pixels it covers.
    """
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))

    def shrink(channel: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(channel.astype(np.float32)).resize(size, Image.Resampling.BOX))

    if image.ndim == 2:
        return shrink(image).astype(np.float32)
    return np.stack([shrink(image[..., c]) for c in range(image.shape[2])], axis=2).astype(np.float32)


#: Brightness weights of the red, green and blue channels (ITU-R 601, as PIL's "L").
LUMA = np.array([0.299, 0.587, 0.114], np.float32)

#: Share of the pixels, those that differ most from the paper around them, taken for ink.
INK_SHARE = 0.01
#: "Around": a box of this share of the longer side, wider than thick strokes.
LOCAL_SHARE = 1 / 4


def local_contrast(image: np.ndarray) -> np.ndarray:
    """Each pixel minus the mean of the pixels around it (a box of :data:`LOCAL_SHARE` of the longer side).

    Light gradients and shadows vary slowly and vanish; ink differs from
    the paper around it and stays.

    Parameters
    ----------
    image : ndarray, shape (h, w) or (h, w, channels)

    Returns
    -------
    ndarray, float32, same shape
    """
    size = max(3, int(max(image.shape[:2]) * LOCAL_SHARE)) | 1  # odd: centred on the pixel
    window = (size, size) + (1,) * (image.ndim - 2)
    image = image.astype(np.float32)
    return image - ndimage.uniform_filter(image, size=window)


def ink_is_dark_in(contrast: np.ndarray) -> bool:
    """Whether the ink is darker than the paper, from a :func:`local_contrast` image.

    The ink is the minority: the brightness values have a long tail on the
    ink's side (negative skewness for dark ink).
    """
    centred = contrast - contrast.mean()
    return bool(np.mean(centred**3) <= 0)


def ink_colour_difference(rgb: np.ndarray) -> np.ndarray:
    """How the ink's colour differs from the paper's, channel by channel.

    The mean :func:`local_contrast` of the pixels that stand out most from
    their surroundings on the ink's side (:data:`INK_SHARE` of them, the
    darkest when the ink is dark, :func:`ink_is_dark_in`). Negative in a
    channel where the ink is darker than the paper.

    Parameters
    ----------
    rgb : ndarray, shape (h, w, 3), values in [0, 1]

    Returns
    -------
    ndarray, shape (3,)
    """
    contrast = local_contrast(rgb)
    brightness = contrast @ LUMA
    if ink_is_dark_in(brightness):
        brightness = -brightness
    ink = brightness >= np.quantile(brightness, 1 - INK_SHARE)
    return contrast[ink].mean(axis=0).astype(np.float32)


def colour_weights(difference: np.ndarray) -> np.ndarray:
    """How much each colour channel counts in :func:`colour_to_gray`.

    A channel counts with the square of its difference between ink and
    paper (:func:`ink_colour_difference`): blue ink on yellow paper is seen
    best in the red and green channels, hardly in the blue one; black ink
    on white paper in all three alike. A channel in which the ink is
    lighter than the paper while it is darker overall (or the other way
    round) counts negatively: it is inverted.

    Returns
    -------
    ndarray, shape (3,)
        Signed weights whose absolute values sum to 1. Plain brightness
        (:data:`LUMA`) when ink and paper hardly differ.
    """
    difference = np.asarray(difference, np.float64)
    if np.abs(difference).sum() < 1e-4:
        return LUMA.copy()
    brighter = 1.0 if float(LUMA @ difference) > 0 else -1.0  # the ink is brighter overall than the paper
    weights = difference**2 * np.sign(difference) * brighter
    return (weights / np.abs(weights).sum()).astype(np.float32)


def colour_to_gray(rgb: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """One channel in [0, 1] in which ink and paper differ most.

    A weighted mean of the colour channels (:func:`colour_weights`), a
    negative weight meaning an inverted channel. It keeps the polarity of
    brightness: dark ink stays dark, chalk on a board stays light.

    Parameters
    ----------
    rgb : ndarray, shape (h, w, 3), values in [0, 1]
    weights : ndarray, shape (3,), optional
        Default: from :func:`ink_colour_difference` of this image.

    Returns
    -------
    ndarray, shape (h, w), float32
    """
    if weights is None:
        weights = colour_weights(ink_colour_difference(rgb))
    weights = np.asarray(weights, np.float32)
    positive = np.clip(weights, 0, None)
    negative = np.clip(-weights, 0, None)
    gray = rgb @ positive + (1.0 - rgb) @ negative
    return np.clip(gray, 0, 1).astype(np.float32)


def ink_skewness(contrast: np.ndarray) -> float:
    """Skewness of the values of a :func:`local_contrast` image: how long the ink's tail is.

    Ink covering a small share of the image makes a long tail on its side
    (dark ink: a large negative skewness); ink covering a third of the image
    or more, as in a close-up of a digit written with a thick marker, hardly
    any: then the tail cannot tell ink from paper.

    Returns
    -------
    float
        The third central moment over the second's power 1.5; 0 for a
        constant image.
    """
    centred = contrast - contrast.mean()
    spread = float(np.mean(centred**2))
    if spread <= 0:
        return 0.0
    return float(np.mean(centred**3)) / spread**1.5


#: The ink's tail decides the polarity alone when the skewness is at least this large in size ...
SKEW_SURE = 1.0
#: ... otherwise the frame does (a ring this share of the longer side wide, at least a pixel) ...
FRAME_SHARE = 0.03
#: ... when at least this share of it lies on one side of Otsu's threshold: that side is the paper.
FRAME_AGREE = 0.7


def frame_light_share(gray: np.ndarray) -> float:
    """Share of the image's frame on the light side of Otsu's threshold.

    The frame (a ring :data:`FRAME_SHARE` of the longer side wide along the
    image's edges) is mostly paper, even when a close-up's digit touches
    it: near 1 for light paper, near 0 for a dark board or canvas.

    Parameters
    ----------
    gray : ndarray, shape (h, w), values in [0, 1]

    Returns
    -------
    float
    """
    h, w = gray.shape
    k = max(1, int(max(h, w) * FRAME_SHARE))
    ring = np.ones(gray.shape, bool)
    ring[k : h - k, k : w - k] = False
    return float(np.mean(gray[ring] > otsu_threshold(gray)))


def ink_is_dark(gray: np.ndarray) -> bool:
    """Whether the ink is darker than the paper.

    Light gradients and shadows are taken out first (:func:`local_contrast`);
    then the ink, the minority, makes a long tail on its side of the
    brightness values (:func:`ink_is_dark_in`). When that tail is short
    (:func:`ink_skewness` below :data:`SKEW_SURE` in size: a close-up in
    which the digit covers much of the image, so that ink and paper are
    almost as common), the frame decides if it agrees on one side
    (:func:`frame_light_share` at least :data:`FRAME_AGREE`, or at most
    1 minus it): the paper is what lies along the image's edges.
    """
    contrast = local_contrast(gray)
    if abs(ink_skewness(contrast)) < SKEW_SURE:
        light = frame_light_share(gray)
        if light >= FRAME_AGREE:
            return True
        if light <= 1 - FRAME_AGREE:
            return False
    return ink_is_dark_in(contrast)


def ink_image(gray: np.ndarray, dark_ink: bool | None = None) -> np.ndarray:
    """Ink bright, paper dark (MNIST's polarity)."""
    if dark_ink is None:
        dark_ink = ink_is_dark(gray)
    return (1.0 - gray) if dark_ink else gray.copy()


#: The background window is at least this share of the image's longer side ...
BACKGROUND_SHARE = 1 / 12
#: ... and at least this many times the width of the wider strokes, so that no stroke is taken for background ...
BACKGROUND_PER_STROKE = 2.5
#: ... but at most this share of the longer side.
BACKGROUND_MAX_SHARE = 1 / 4


def background_window(shape: tuple[int, ...], stroke: float = 0.0) -> int:
    """Side of the window :func:`remove_background` needs: wider than any pen stroke.

    Parameters
    ----------
    shape : tuple
        The image's shape.
    stroke : float
        Width of the wider strokes, in pixels (:func:`local_stroke_width`);
        0 when not known yet.

    Returns
    -------
    int
        :data:`BACKGROUND_PER_STROKE` times ``stroke``, at least
        :data:`BACKGROUND_SHARE` and at most :data:`BACKGROUND_MAX_SHARE`
        of the longer side.
    """
    longest = max(shape[:2])
    smallest = max(3, int(longest * BACKGROUND_SHARE))
    largest = max(smallest, int(longest * BACKGROUND_MAX_SHARE))
    return int(np.clip(round(BACKGROUND_PER_STROKE * stroke), smallest, largest)) | 1  # odd: centred on the pixel


def local_stroke_width(ink: np.ndarray, digit_mask: np.ndarray, percentile: float = 90) -> float:
    """Width of the wider strokes, measured on the ink image around the digit.

    Around the digit (its bounding box with a margin), shadows and light
    gradients hardly change, so Otsu's threshold on the ink image itself
    separates the strokes whole, even where a too narrow background window
    had hollowed them out.

    Parameters
    ----------
    ink : ndarray
        Ink bright (:func:`ink_image`).
    digit_mask : ndarray of bool
        Where the digit was found (:func:`select_digit`).
    percentile : float
        Of the stroke widths (:func:`stroke_width`).

    Returns
    -------
    float
        Pixels.
    """
    top, bottom, left, right = bounding_box(digit_mask)
    margin = max(bottom - top, right - left) // 10 + 1
    patch = ink[max(0, top - margin) : bottom + margin, max(0, left - margin) : right + margin]
    return stroke_width(patch > otsu_threshold(np.clip(patch, 0, 1)), percentile)


def remove_background(ink: np.ndarray, window: int | None = None) -> np.ndarray:
    """Subtract the slowly varying background: light gradients, shadows, paper colour.

    A grey-level *opening* with a window wider than any pen stroke erases the
    strokes and keeps the background; smoothing it and subtracting it leaves
    the ink on an even, black background. The result is scaled so that the
    strongest ink is 1.

    Parameters
    ----------
    ink : ndarray, shape (h, w)
        Ink bright (:func:`ink_image`).
    window : int, optional
        Side of the opening's window; default :func:`background_window` for
        thin strokes.

    Raises
    ------
    DigitImageError
        If nothing stands out from the background (a blank page).
    """
    size = background_window(ink.shape) if window is None else max(3, int(window)) | 1
    background = ndimage.grey_opening(ink, size=(size, size))
    background = ndimage.uniform_filter(background, size=size)
    flat = np.clip(ink - background, 0, None)
    top = np.quantile(flat, 1 - MIN_DIGIT_SHARE)
    if top < MIN_CONTRAST:
        raise DigitImageError(
            "no digit found: the image is blank or the ink is too faint "
            f"(contrast {top:.2f} of the full range; write with a darker pen or add light)"
        )
    return np.clip(flat / top, 0, 1).astype(np.float32)


#: Ruled and grid lines: straight runs at least this share of the image's side ...
LINE_RUN_SHARE = 1 / 5
#: ... that join up to span at least this share of it (longer than any stroke of a digit) ...
LINE_SPAN_SHARE = 0.6
#: ... allowing this share of the side for a slight tilt; and there must be
#: this many of them (a ruled page, not one long stroke of a digit).
LINE_TILT_SHARE = 0.012
MIN_LINES = 3
#: Lines are thin: on average at most this share of the side wide.
LINE_WIDTH_SHARE = 0.025


def remove_lines(flat: np.ndarray, around_digit: bool = False) -> np.ndarray:
    """Take out ruled and grid lines: straight horizontal or vertical marks across the page.

    A grey-level opening with a long, thin window (a line of
    :data:`LINE_RUN_SHARE` of the side, after a small maximum filter across
    it that tolerates a slight tilt) keeps only straight runs of ink; those
    runs that join up to span :data:`LINE_SPAN_SHARE` of the image are the
    paper's lines, no stroke of a digit being that long. Their brightness
    is subtracted: a line disappears, a pen stroke crossing it keeps what
    it has above the line.

    Parameters
    ----------
    flat : ndarray
        Ink bright on black, in [0, 1] (:func:`remove_background`).
    around_digit : bool
        Whether ``flat`` is a piece of the photo cut out around a small
        digit (:func:`zoom_box`), which no stroke of the digit can span:
        then one line of any width is enough. Otherwise there must be
        :data:`MIN_LINES` of them, at most :data:`LINE_WIDTH_SHARE` wide.

    Returns
    -------
    ndarray, float32
    """
    out = flat.astype(np.float32).copy()
    faint = 0.5 * WEAK_SHARE * strong_ink_level(flat)  # fainter lines would not be taken for ink anyway
    for axis in (0, 1):  # 0: horizontal lines (along the columns' axis), 1: vertical
        a = flat if axis == 0 else flat.T
        h, w = a.shape
        run = max(3, int(w * LINE_RUN_SHARE))
        tilt = max(1, int(round(h * LINE_TILT_SHARE)))
        lines = ndimage.grey_opening(ndimage.maximum_filter(a, size=(2 * tilt + 1, 1)), size=(1, run))
        lines = np.minimum(lines, a)
        found = lines > faint
        labels, n = ndimage.label(found, structure=EIGHT)
        if n == 0:
            continue
        spans = np.array([s[1].stop - s[1].start for s in ndimage.find_objects(labels)])
        widths = ndimage.sum(found, labels, index=np.arange(1, n + 1)) / spans
        widest = h if around_digit else LINE_WIDTH_SHARE * h
        long_ones = [i + 1 for i in range(n) if spans[i] >= LINE_SPAN_SHARE * w and widths[i] <= widest]
        if len(long_ones) < (1 if around_digit else MIN_LINES):
            continue
        line_mask = ndimage.maximum_filter(np.isin(labels, long_ones), size=3)
        line_part = np.where(line_mask, lines, 0.0)
        out -= line_part if axis == 0 else line_part.T
    return np.clip(out, 0, 1).astype(np.float32)


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


#: Strong ink is never below this share of the strongest ink (paper texture and noise are weaker).
MIN_INK = 0.25
#: Weak ink: at least this share of the strong threshold, and connected to strong ink.
WEAK_SHARE = 0.65

#: Pixels touching by an edge or a corner are connected.
EIGHT = np.ones((3, 3), bool)


def strong_ink_level(flat: np.ndarray) -> float:
    """The threshold of strong ink: Otsu's, never below :data:`MIN_INK`."""
    return max(otsu_threshold(flat), MIN_INK)


def ink_mask(flat: np.ndarray, weak_share: float = WEAK_SHARE) -> np.ndarray:
    """Pixels that are ink: two thresholds chosen from this image (hysteresis).

    *Strong* ink is above Otsu's threshold (never below :data:`MIN_INK`);
    *weak* ink is above ``weak_share`` of it. Weak ink is kept where it is
    connected to strong ink: the faint parts of a stroke (a thin pen, a
    ballpoint skipping, blur) stay with it, while faint marks on their own
    are dropped.

    Parameters
    ----------
    flat : ndarray
        Ink bright on black, in [0, 1] (:func:`remove_background`).
    weak_share : float
        1 gives a single threshold.

    Returns
    -------
    ndarray of bool
    """
    strong_level = strong_ink_level(flat)
    strong = flat > strong_level
    labels, _ = ndimage.label(flat > weak_share * strong_level, structure=EIGHT)
    keep = np.unique(labels[strong])
    return np.isin(labels, keep[keep > 0])


#: Pieces within this share of the digit's size from it are part of it (a broken stroke) ...
NEAR_SHARE = 0.25
#: ... unless they are smaller than this share of the largest blob (a speck of dust).
PIECE_SHARE = 0.01


def select_digit(mask: np.ndarray, near: float = NEAR_SHARE) -> np.ndarray:
    """The ink that belongs to the digit, without specks and marks around it.

    The digit grows from the largest connected blob of ink: every blob
    within ``near`` of the digit's longer side joins it (a stroke broken by
    a skipping pen, a 5's separate top stroke), again and again until no
    blob is that close. Specks smaller than :data:`PIECE_SHARE` of the
    largest blob never join; blobs farther away (dirt, a second mark) are
    dropped, and so are blobs touching the image border (the edge of the
    page, a ruler, a finger) unless the digit itself does.

    Raises
    ------
    DigitImageError
        If no ink, or only specks, are found.
    """
    labels, n = ndimage.label(mask, structure=EIGHT)
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
    if biggest < MIN_DIGIT_SHARE * mask.size:
        raise DigitImageError("no digit found: only small specks of ink")
    pieces = {i for i in candidates if sizes[i] >= PIECE_SHARE * biggest}
    keep = {max(candidates, key=lambda i: sizes[i])}
    while near > 0:
        digit = np.isin(labels, [i + 1 for i in keep])
        top, bottom, left, right = bounding_box(digit)
        reach = max(1, int(round(near * max(bottom - top, right - left))))
        around = ndimage.maximum_filter(digit, size=2 * reach + 1)  # within ``reach`` pixels (chessboard)
        joining = {int(v) - 1 for v in np.unique(labels[around]) if v} & pieces - keep
        if not joining:
            break
        keep |= joining
    return np.isin(labels, [i + 1 for i in sorted(keep)])


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` of the True pixels, end-exclusive."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        raise DigitImageError("no digit found")
    return int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1


#: A ridge point less than this share as far from the background as the deepest pixel near it lies
#: on a hair of a thick stroke's ragged edge (a felt-tip pen on paper) or on a branch of the ridge
#: into a corner, not in the middle of a stroke (see :func:`stroke_width`).
HAIR_SHARE = 0.5


def stroke_width(mask: np.ndarray, percentile: float = 50) -> float:
    """Typical stroke width of a binary drawing, in pixels.

    Twice the distance from the middle of a stroke to its edge, taken over
    the stroke's ridge (pixels that are local maxima of the distance to the
    background): the median by default, a higher percentile for the wider
    strokes.

    A felt-tip pen's edge on paper is ragged: the pixels of each hair on it
    are ridge points too, and a thick stroke can have more of them than
    points on its middle line, so that the median would call a 60-pixel
    stroke 2 pixels wide (and :func:`set_stroke_width` would blot it out).
    So when the deepest pixel is at least 4 pixels from the background (the
    thickest stroke about 8 pixels wide or more), a ridge point is dropped
    where a pixel in a square window around it, half the deepest pixel's
    distance on each side, lies more than 1 / :data:`HAIR_SHARE` times as
    deep. Thin strokes away from thick ones keep every ridge point; near
    one (within that window) they count with the thick stroke's width.

    Parameters
    ----------
    mask : ndarray of bool
        The drawing.
    percentile : float
        Which of the ridge points' widths: 50 for the typical stroke, 90
        for the wider ones.

    Returns
    -------
    float
        In pixels; 0.0 for an empty mask.
    """
    if not mask.any():
        return 0.0
    mask = np.pad(mask, 1)  # the distance is to the nearest background pixel: make sure there is one
    distance = ndimage.distance_transform_edt(mask)
    ridge = mask & (distance >= ndimage.maximum_filter(distance, size=3))
    radius = int(distance.max() / 2)
    if radius >= 2:
        ridge &= distance >= HAIR_SHARE * ndimage.maximum_filter(distance, size=2 * radius + 1)
    return float(2 * np.percentile(distance[ridge], percentile))


def stroke_in_box(image: np.ndarray) -> float:
    """:func:`stroke_width` of a digit's ink in pixels of the 20x20 box it will be fitted into.

    Parameters
    ----------
    image : ndarray
        The digit's ink, bright on black (a crop, with or without a margin).

    Returns
    -------
    float
        0.0 without ink.
    """
    mask = image > 0
    if not mask.any():
        return 0.0
    top, bottom, left, right = bounding_box(mask)
    return stroke_width(mask) * BOX / max(bottom - top, right - left)


def crop_digit(flat: np.ndarray, digit_mask: np.ndarray) -> np.ndarray:
    """The digit's own ink, cut out to its bounding box; everything else black.

    Returns
    -------
    ndarray, float32
    """
    top, bottom, left, right = bounding_box(digit_mask)
    return np.where(digit_mask, flat, 0.0)[top:bottom, left:right].astype(np.float32)


#: MNIST's strokes are about this wide, in pixels of the 20x20 box (see :func:`set_stroke_width`):
#: with it, and :data:`RESAMPLE`, the pipeline's digits have MNIST's median stroke width (2.8 px
#: measured by :func:`stroke_width` at half intensity), share of ink pixels and mean ink value.
STROKE_WIDTH_IN_BOX = 2.8


def _disc(diameter: int) -> np.ndarray:
    """A round window (boolean footprint) of the given diameter in pixels."""
    r = (diameter - 1) / 2
    yy, xx = np.mgrid[:diameter, :diameter] - r
    return (yy**2 + xx**2) <= r**2 + 0.5


#: Holes (a 4's triangle, the loop of a 6) and gaps (an open 4's) must survive :func:`set_stroke_width`
#: this many pixels of the 20x20 box across: a round spot of that diameter still fits in.
HOLE_IN_BOX = 1.5


def _with_box(mask: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The ink with the outline of ``box`` (top, bottom, left, right; end-exclusive) drawn round it."""
    ink = np.array(mask, bool)
    top, bottom, left, right = box
    ink[[top, bottom - 1], left:right] = True
    ink[top:bottom, [left, right - 1]] = True
    return ink


def count_holes(mask: np.ndarray, min_side: float = 0.0, box: tuple[int, int, int, int] | None = None) -> int:
    """Background regions enclosed by ink (a 0 has one, an 8 two), and with ``box`` the gaps too.

    The background is 4-connected (the ink being 8-connected): a hole is a
    region of background pixels, joined through edges, that does not reach
    the image's border. With ``box``, the digit's bounding box is drawn
    round it first, so that a gap opening outwards (the top of an open 4,
    the mouth of a 2's loop) is enclosed as well.

    Parameters
    ----------
    mask : ndarray of bool
        The ink.
    min_side : float
        Count only regions into which a round spot of this diameter fits
        (whose deepest pixel is at least half of it away from the ink).
    box : (top, bottom, left, right), optional
        End-exclusive, as from :func:`bounding_box`.

    Returns
    -------
    int
    """
    ink = np.array(mask, bool) if box is None else _with_box(mask, box)
    background = np.pad(~ink, 1, constant_values=True)
    labels, n = ndimage.label(background)
    if n == 0:
        return 0
    depth = ndimage.maximum(ndimage.distance_transform_edt(background), labels, index=np.arange(1, n + 1))
    outside = labels[0, 0]
    return int(sum(1 for i in range(n) if i + 1 != outside and depth[i] >= min_side / 2))


#: A gap between strokes (the top of an open 4, a 3's bays) is told from a corner of the bounding
#: box by its edge: at least this share of it is ink. A corner beside a round stroke (a 0's) or in
#: the angle of two (above a 4's bar, right of its stem) has ink along half of its edge or less; a
#: gap at least half as deep as it is wide has ink on three sides, two thirds or more.
GAP_INK_SHARE = 2 / 3

_CROSS = ndimage.generate_binary_structure(2, 1)


@dataclass
class Regions:
    """A thin digit's holes and gaps (:func:`holes_and_gaps`), for :func:`open_regions`.

    ``labels`` numbers the 4-connected regions of background (the image
    padded by one pixel, the outline of the digit's bounding box counted as
    ink: the regions inside the box, and the one outside it); ``mouth``
    marks the background pixels next to the outline where it is not ink;
    ``ids`` are the labels of the holes and gaps, ``gaps`` those of them
    that open onto the box.
    """

    labels: np.ndarray
    mouth: np.ndarray
    ids: list[int]
    gaps: set[int]


def holes_and_gaps(mask: np.ndarray) -> Regions:
    """The regions of background that thickening a thin digit must not fill.

    Holes (the loop of a 6, the triangle of a closed 4) are enclosed by
    ink. Gaps (the top of an open 4, a 3's bays) open onto the digit's
    bounding box; a corner between a round stroke and the box does too, but
    less than :data:`GAP_INK_SHARE` of its edge is ink, and it is left out.

    Parameters
    ----------
    mask : ndarray of bool
        The thin digit's ink.

    Returns
    -------
    Regions
    """
    ink = np.pad(np.asarray(mask, bool), 1)
    boxed = np.pad(_with_box(mask, bounding_box(mask)), 1)
    background = ~boxed
    labels, n = ndimage.label(background)
    mouth = ndimage.binary_dilation(boxed & ~ink, _CROSS) & background
    index = np.arange(1, n + 1)
    on_ink = ndimage.sum(ndimage.binary_dilation(ink, _CROSS) & background, labels, index)
    on_box = ndimage.sum(mouth, labels, index)
    outside = labels[0, 0]
    kept = [(int(i), b > 0) for i, a, b in zip(index, on_ink, on_box) if i != outside and a >= GAP_INK_SHARE * (a + b)]
    return Regions(labels, mouth, [i for i, _ in kept], {i for i, gap in kept if gap})


def open_regions(mask: np.ndarray, regions: Regions, min_side: float) -> tuple[set[int], set[int]]:
    """How open a thin digit's holes and gaps still are in ``mask`` (the digit thickened).

    Parameters
    ----------
    mask : ndarray of bool
        The ink, the shape of the thin digit's.
    regions : Regions
        The thin digit's (:func:`holes_and_gaps`).
    min_side : float
        The diameter of the round spot that must fit, in pixels.

    Returns
    -------
    spot : set of int
        The labels of the holes and gaps into which the spot still fits.
    mouth : set of int
        The labels of the gaps out of which it can still move through
        their mouth (not closed into a hole).
    """
    ink = np.pad(np.asarray(mask, bool), 1)
    distance = ndimage.distance_transform_edt(~ink)
    spots = (distance > 0) & (distance >= min_side / 2) & np.isin(regions.labels, regions.ids)
    pieces, n = ndimage.label(spots)
    if n == 0:
        return set(), set()
    index = np.arange(1, n + 1)
    region = ndimage.maximum(regions.labels, pieces, index).astype(int)
    at_mouth = ndimage.maximum(regions.mouth, pieces, index) > 0
    return {int(r) for r in region}, {int(r) for r, m in zip(region, at_mouth) if m and r in regions.gaps}


def grow_keeping_holes(image: np.ndarray, change: int, min_side: float = 0.0) -> np.ndarray:
    """Grey dilation with a round window of ``change + 1`` pixels, or less where it would fill holes or gaps.

    Thickening a fine pen's strokes to MNIST's width can fill a small loop
    (the triangle of a closed 4: it becomes a 1) or close a narrow gap (an
    open 4 becomes a 9). So the whole digit is thickened less, as much as
    keeps every hole and gap of the thin digit (:func:`holes_and_gaps`) as
    open as it was (:func:`open_regions`): a spot ``min_side`` pixels
    across still fits into each that it fitted into, and can still leave
    each gap that it could leave. A loop broken by a pen that skipped, by a
    break narrower than the spot, may close (the inside must keep its
    spot); regions that thickening cuts off at the box are new and do not
    count. The full window is tried first; when it fills something, the
    size is found by halving the range of sizes left (keeping them is
    nearly monotonic in the size: this finds the largest that keeps them,
    or one close to it).

    Parameters
    ----------
    image : ndarray
        Ink bright on black, with a black margin of at least ``change`` pixels.
    change : int
        The wanted growth: the window's diameter minus one.
    min_side : float
        Smaller holes and gaps do not count.

    Returns
    -------
    ndarray, float32
        The thickest dilation found that keeps the holes and gaps; the
        image itself when even a 2-pixel window would not.
    """
    regions = holes_and_gaps(image > 0)
    spot, mouth = open_regions(image > 0, regions, min_side)
    best, low, high = image, 1, change  # the answer is a step in [low, high], or no growth
    step = change  # the full growth first: most digits have nothing that it fills
    while low <= high:
        grown = ndimage.grey_dilation(image, footprint=_disc(step + 1))
        if not spot:
            return grown.astype(np.float32)
        spot_after, mouth_after = open_regions(grown > 0, regions, min_side)
        if spot <= spot_after and mouth <= mouth_after:
            best, low = grown, step + 1
        else:
            high = step - 1
        step = (low + high) // 2
    return best.astype(np.float32)


#: A crop whose longer side is under this many pixels is enlarged before :func:`set_stroke_width`
#: (:func:`enlarge`): two pixels or more to a pixel of the 20x20 box, so that the pixel by which
#: :func:`stroke_width` overrates a stroke on a pixel grid is half a pixel of the box or less.
ENLARGE_BELOW = 2 * BOX


def enlarge(crop: np.ndarray, side: int = ENLARGE_BELOW) -> np.ndarray:
    """Each pixel a k x k block, k the smallest whole number that makes the longer side ``side`` or more.

    On a pixel grid, :func:`stroke_width` reads a stroke about one pixel
    wider than it is (twice the distance from its middle pixel to the first
    pixel of paper: a bar 3 pixels wide reads 4). In a crop 20 pixels high,
    a digit from a tiny photo, that pixel is a whole pixel of the 20x20
    box, and :func:`set_stroke_width` thinned such a digit too much, which
    broke its strokes where they were a little thinner. Enlarged k times,
    the overrating is 1/k as large. (It breaks fewer tiny digits, not none:
    their strokes are only a few pixels wide to begin with.)

    Parameters
    ----------
    crop : ndarray
        The digit's ink (:func:`crop_digit`).
    side : int
        The longer side wanted, at least.

    Returns
    -------
    ndarray
        A new array of the same dtype, k times as high and wide; the crop
        itself when its longer side is ``side`` or more.
    """
    k = -(-side // max(crop.shape))  # ceiling division
    if k <= 1:
        return crop
    return np.repeat(np.repeat(crop, k, axis=0), k, axis=1)


def set_stroke_width(crop: np.ndarray, in_box: float = STROKE_WIDTH_IN_BOX, keep_holes: bool = True) -> np.ndarray:
    """Thicken thin strokes and thin thick ones to MNIST's width.

    The crop will be shrunk until its longer side is 20 pixels; its strokes
    should then be ``in_box`` pixels wide, as MNIST's are. A fine pen on a
    large photo is grown (grey dilation), a marker or a paint program's
    thick brush is shrunk (grey erosion, which never takes a stroke below
    half its width), each with a round window. A small crop is enlarged
    first (:func:`enlarge`), so that its width is measured well enough.

    Parameters
    ----------
    crop : ndarray
        The digit's ink, bright on black (:func:`crop_digit`).
    in_box : float
        Wanted stroke width after fitting into 20x20.
    keep_holes : bool
        Grow thin strokes only as far as keeps the digit's holes and gaps
        (:func:`grow_keeping_holes`): a small closed 4 stays a 4 instead of
        filling into a 1, an open 4 does not close into a 9. On by default,
        as in :func:`preprocess`; off, the strokes grow to the full width
        whatever they fill.

    Returns
    -------
    ndarray, float32
        Enlarged when the crop was small, and padded by the amount grown,
        so that nothing is cut off.
    """
    crop = enlarge(crop)
    width = stroke_width(crop > 0)
    if not width:
        return crop.astype(np.float32)
    wanted = in_box * max(crop.shape) / BOX
    change = int(round(wanted - width))
    if change >= 1:
        grown = np.pad(crop, change)
        if keep_holes:
            return grow_keeping_holes(grown, change, HOLE_IN_BOX * max(crop.shape) / BOX)
        return ndimage.grey_dilation(grown, footprint=_disc(change + 1)).astype(np.float32)
    change = min(-change, int(width / 2))
    if change >= 1:
        return ndimage.grey_erosion(crop, footprint=_disc(change + 1)).astype(np.float32)
    return crop.astype(np.float32)


#: How :func:`fit_box` resamples: each new pixel the mean of the pixels it covers (as MNIST's
#: anti-aliasing gives: few faint pixels around the strokes; Lanczos leaves a wider faint halo).
RESAMPLE = Image.Resampling.BOX


def fit_box(crop: np.ndarray) -> np.ndarray:
    """Shrink (or grow) the digit to fit into 20x20, keeping the aspect ratio.

    The black margin is cut off first; resampled with :data:`RESAMPLE`
    (area averaging); the strongest ink is then 1.

    Returns
    -------
    ndarray
        Float image whose longer side is 20 pixels.
    """
    top, bottom, left, right = bounding_box(crop > 0)
    crop = crop[top:bottom, left:right]
    scale = BOX / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = np.asarray(Image.fromarray(crop.astype(np.float32)).resize(size, RESAMPLE))
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


def find_digit(
    ink: np.ndarray, window: int, around_digit: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`remove_background`, :func:`remove_lines`, :func:`ink_mask` and :func:`select_digit` in a row.

    Parameters
    ----------
    ink : ndarray
        Ink bright (:func:`ink_image`).
    window : int
        The background window (:func:`background_window`).
    around_digit : bool
        Passed to :func:`remove_lines`.

    Returns
    -------
    flat, mask, digit_mask : ndarray
    """
    flat = remove_lines(remove_background(ink, window), around_digit)
    mask = ink_mask(flat)
    return flat, mask, select_digit(mask)


#: A digit whose longer side is below this share of the working image's is looked at again ...
ZOOM_BELOW = 0.25
#: ... in a piece of the full-size photo around it, with this margin (share of the digit's longer side) ...
ZOOM_MARGIN = 0.5
#: ... when the full-size photo has at least this many times as many pixels across.
ZOOM_GAIN = 1.5


def zoom_box(digit_mask: np.ndarray, full_size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """Where to look again when the digit is small in a large photo.

    A digit that fills a small part of a large photo has few pixels left
    after :func:`downscale`; cut out of the full-size photo (with a margin
    of paper around it) and worked on again, it has many more.

    Parameters
    ----------
    digit_mask : ndarray of bool
        The digit found in the working image (:func:`select_digit`).
    full_size : (width, height)
        The full-size photo's size.

    Returns
    -------
    (left, top, right, bottom) or None
        The box in the full-size photo (for ``Image.crop``), or None when
        the digit is large enough already or the photo has no more pixels.
    """
    h, w = digit_mask.shape
    top, bottom, left, right = bounding_box(digit_mask)
    longest = max(bottom - top, right - left)
    scale = max(full_size) / max(h, w)
    if longest >= ZOOM_BELOW * max(h, w) or scale < ZOOM_GAIN:
        return None
    margin = ZOOM_MARGIN * longest
    box = (max(0.0, left - margin), max(0.0, top - margin), min(w, right + margin), min(h, bottom + margin))
    return tuple(int(round(v * scale)) for v in box)


@dataclass
class Steps:
    """Every intermediate image of :func:`preprocess`, for showing the pipeline.

    ``photo`` is the whole photo; the other images are of the working copy
    (the part of the photo around a small digit, when :func:`zoom_box` gave
    one: ``zoom``). ``stroke_in_box`` and ``stroked_in_box`` are the stroke
    width before and after :func:`set_stroke_width` (:func:`stroke_in_box`);
    the width before is measured as that step measures it, on the crop
    enlarged when it was small (:func:`enlarge`).
    """

    photo: np.ndarray
    gray: np.ndarray
    ink: np.ndarray
    flat: np.ndarray
    mask: np.ndarray
    digit_mask: np.ndarray
    crop: np.ndarray
    stroked: np.ndarray
    fitted: np.ndarray
    digit: np.ndarray
    dark_ink: bool = True
    weights: np.ndarray | None = None
    window: int = 0
    stroke_in_box: float = 0.0
    stroked_in_box: float = 0.0
    zoom: tuple[int, int, int, int] | None = None


def preprocess(source: Source) -> Steps:
    """Run the whole pipeline on a photo.

    Parameters
    ----------
    source : path, bytes, PIL image or uint8 array

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
    steps = _steps(image, photo)
    box = zoom_box(steps.digit_mask, image.size)
    if box is not None:
        try:
            steps = _steps(image.crop(box), photo, box)
        except DigitImageError:  # nothing usable in the piece: keep the first look
            pass
    return steps


def _steps(image: Image.Image, photo: np.ndarray, zoom: tuple[int, int, int, int] | None = None) -> Steps:
    """Every step after :func:`open_image`, on an image (or a piece of it)."""
    rgb = downscale(to_rgb(image))
    weights = colour_weights(ink_colour_difference(rgb))
    gray = colour_to_gray(rgb, weights)
    dark = ink_is_dark(gray)
    ink = ink_image(gray, dark)
    window = background_window(ink.shape)
    flat, mask, digit_mask = find_digit(ink, window, zoom is not None)
    wider = background_window(ink.shape, local_stroke_width(ink, digit_mask))
    if wider > window:  # thick strokes: again, with a window they fit in
        window = wider
        flat, mask, digit_mask = find_digit(ink, window, zoom is not None)
    crop = crop_digit(flat, digit_mask)
    stroked = set_stroke_width(crop)
    fitted = fit_box(stroked)
    digit = center_by_mass(fitted)
    return Steps(photo, gray, ink, flat, mask, digit_mask, crop, stroked, fitted, digit, dark, weights,
                 window, stroke_in_box(enlarge(crop)), stroke_in_box(stroked), zoom)


def ink_statistics(images: np.ndarray) -> dict[str, float]:
    """Median stroke width (px), share of ink pixels and mean ink value of 28x28 uint8 digits.

    The three numbers the pipeline's target stroke width was chosen by: for
    MNIST's digits and for the pipeline's output they should be close.
    """
    images = np.asarray(images).reshape(-1, FIELD, FIELD)
    return {
        "stroke_width": float(np.median([stroke_width(d > 127) for d in images])),
        "ink_share": float(np.median((images > 127).mean(axis=(1, 2)))),
        "ink_value": float(np.median([d[d > 0].mean() for d in images if (d > 0).any()])),
    }
