"""Writing styles that MNIST rarely has, added to its digits for training.

MNIST's writers were American: their 1 is mostly a bare stroke and their 7
is not crossed. Much of the world writes a 1 with a flag and a base, and
crosses the 7. A network that never saw those reads a 1 with a base as a 2
and a crossed 7 as a 5 or a 4 (failure kind 3 of the course's real
handwriting). The functions here draw those strokes onto MNIST digits, where
the digit's own strokes are (its top, its foot, its stem), and change nothing
else (the digit's own pixels, size and place stay MNIST's), so that a network
can learn the styles from data:

- :func:`flag_and_base`: a 1 gets a flag at its top and, mostly, a base;
- :func:`crossed_seven`: a 7 gets a short bar across the middle of its stem.

:func:`restyle` applies them to a share of the 1s and 7s of a training set
(the other digits stay as they are); :func:`styled_copies` gives those
restyled digits alone, which the course's recipe adds to the training part
beside the originals. Every drawing is seeded by the caller's generator.

Not here: a closed-top 4. Joining the tops of an MNIST 4's two upper strokes
gives a box on a stem, which is what a 9 looks like; a network taught that
such shapes are 4s would read real 9s as 4s. A real closed 4 is a triangle,
which cannot be made from MNIST's open 4s by adding a stroke.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

#: Default share of each styled digit's training images that gets its style.
SHARE = 0.3

#: The flags :func:`flag_and_base` draws: their length, as a share of the digit's height, and their
#: angle from the stem in degrees (short, and leaning little, so that they are no 7's or Z's bar).
FLAG_LENGTHS = (0.12, 0.22)
FLAG_ANGLES = (25, 45)

#: A 1 slanted by more than this many degrees gets no base (with its flag it would look like a Z or 2).
MAX_SLANT_FOR_BASE = 15

#: Drawing happens at this many times MNIST's resolution, then is shrunk back.
UPSCALE = 4


def _upscaled(image: np.ndarray) -> np.ndarray:
    """A 28x28 uint8 digit at :data:`UPSCALE` times the size, as floats in [0, 1]."""
    size = image.shape[1] * UPSCALE, image.shape[0] * UPSCALE
    big = Image.fromarray(image.astype(np.uint8)).resize(size, Image.Resampling.BILINEAR)
    return np.asarray(big, np.float32) / 255


def _ink(big: np.ndarray) -> np.ndarray:
    return big > 0.4


def _stroke_width(ink: np.ndarray) -> float:
    """The digit's pen width (upscaled pixels): twice the ink's largest distances to the paper (90th percentile)."""
    from scipy import ndimage

    distance = ndimage.distance_transform_edt(ink)
    return float(max(2.0, 2 * np.percentile(distance[distance > 0], 90))) if ink.any() else 4.0


def _draw(big: np.ndarray, lines: list[tuple[tuple[float, float], tuple[float, float]]], width: float) -> np.ndarray:
    """``big`` with straight pen strokes (x, y) -> (x, y) of the given width, round ends."""
    canvas = Image.new("L", (big.shape[1], big.shape[0]), 0)
    pen = ImageDraw.Draw(canvas)
    for a, b in lines:
        pen.line([a, b], fill=255, width=max(1, round(width)))
        for x, y in (a, b):
            r = width / 2
            pen.ellipse([x - r, y - r, x + r, y + r], fill=255)
    return np.maximum(big, np.asarray(canvas, np.float32) / 255)


def _with_strokes(image: np.ndarray, big: np.ndarray, lines, width: float) -> np.ndarray:
    """``image`` with the pen strokes added and nothing else changed.

    The strokes are drawn at :data:`UPSCALE` times the size, shrunk back to
    28x28 by area averaging (anti-aliased, as MNIST's strokes are) and laid
    over the digit; its own pixels, size and place stay MNIST's.
    """
    strokes = _draw(np.zeros_like(big), lines, width)
    size = image.shape[1], image.shape[0]
    small = np.asarray(Image.fromarray(strokes).resize(size, Image.Resampling.BOX), np.float32)
    return np.maximum(image, np.round(np.clip(small, 0, 1) * 255).astype(np.uint8))


def _rows(ink: np.ndarray) -> tuple[int, int, int]:
    """The first and last row with ink, and the height between them."""
    rows = np.flatnonzero(ink.any(axis=1))
    return int(rows[0]), int(rows[-1]), int(rows[-1] - rows[0] + 1)


def _row_centre(ink: np.ndarray, row: int) -> float | None:
    columns = np.flatnonzero(ink[row])
    return float(columns.mean()) if columns.size else None


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a boolean row, end exclusive."""
    padded = np.concatenate([[False], row, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2]))


def flag_and_base(
    image: np.ndarray,
    rng: np.random.Generator,
    length: float | None = None,
    turn: float | None = None,
    base: bool | None = None,
) -> np.ndarray:
    """A 1 with a flag from its top, down to the left of its stem, and (three times in four,
    when it stands nearly upright: :data:`MAX_SLANT_FOR_BASE`) a base.

    The flag is short (:data:`FLAG_LENGTHS`, :data:`FLAG_ANGLES`) unless
    ``length`` and ``turn`` say otherwise.

    Parameters
    ----------
    image : ndarray, shape (28, 28), uint8
        An MNIST 1 (ink 255 on 0).
    rng : numpy.random.Generator
        Decides the flag's length and angle, whether there is a base, its width.
    length, turn, base : optional
        Fix the flag's length (a share of the digit's height; drawn from
        :data:`FLAG_LENGTHS` when not given), its angle from the stem in
        degrees (drawn from :data:`FLAG_ANGLES`) and whether a base may be
        drawn (three times in four when not given; an upright 1 without a
        base of its own gets it) instead of drawing them: to ask how long
        a flag can be before a 1 reads as a 7
        (:func:`labsupport.handwriting.flag_readings`).

    Returns
    -------
    ndarray, shape (28, 28), uint8
        The digit with the strokes added (its own pixels unchanged);
        ``image`` itself when it holds no ink.
    """
    big = _upscaled(image)
    ink = _ink(big)
    if not ink.any():
        return image
    top, bottom, height = _rows(ink)
    width = _stroke_width(ink)
    x_top = _row_centre(ink, top + 1) or _row_centre(ink, top)
    x_foot = _row_centre(ink, bottom - 1) or _row_centre(ink, bottom)
    # the flag leaves the top at an angle from the stem (top to foot), to the left: measured from the
    # stem, so that a slanted 1 gets one that shows
    stem = np.array([x_foot - x_top, bottom - top], float)
    stem /= np.linalg.norm(stem)
    angle = np.deg2rad(rng.uniform(*FLAG_ANGLES) if turn is None else turn)
    flag = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ stem
    reach = (rng.uniform(*FLAG_LENGTHS) if length is None else length) * height  # in upscaled pixels
    start = np.array([x_top, top + width / 2])
    lines = [(tuple(start), tuple(start + reach * flag))]
    foot = max((end - start for start, end in _runs(ink[bottom - int(width)])), default=0)
    upright = abs(stem[0]) < np.sin(np.deg2rad(MAX_SLANT_FOR_BASE))
    # no second base under a 1 that has one, and none under a slanted 1 (flag, slant and base make a Z)
    if (rng.random() < 0.75 if base is None else base) and foot < 2.5 * width and upright:
        half = rng.uniform(0.18, 0.32) * height
        y = bottom - width / 2
        lines.append(((x_foot - half, y), (x_foot + half, y)))
    return _with_strokes(image, big, lines, width)


def crossed_seven(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 7 with a short bar across its stem, a little below the middle of its height.

    The stem is the ink run in that row nearest the row's centre of ink; the
    bar is centred on it, nearly level. ``image`` and ``rng`` and the
    result are as in :func:`flag_and_base`.
    """
    big = _upscaled(image)
    ink = _ink(big)
    if not ink.any():
        return image
    top, bottom, height = _rows(ink)
    y = int(round(top + rng.uniform(0.45, 0.6) * height))
    runs = _runs(ink[y])
    if not runs:
        return image
    start, end = min(runs, key=lambda r: abs((r[0] + r[1]) / 2 - (ink[y].nonzero()[0].mean())))
    x = (start + end) / 2
    half = rng.uniform(0.16, 0.26) * height
    tilt = np.tan(np.deg2rad(rng.uniform(-8, 8))) * half
    return _with_strokes(image, big, [((x - half, y + tilt), (x + half, y - tilt))], _stroke_width(ink))


#: The style drawn onto each digit that gets one.
STYLES: dict[int, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {1: flag_and_base, 7: crossed_seven}


def restyle(
    images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, share: float = SHARE
) -> tuple[np.ndarray, np.ndarray]:
    """A copy of a training set in which a share of the 1s and 7s have the styles MNIST lacks.

    Parameters
    ----------
    images : ndarray, shape (n, 28, 28), uint8
    labels : ndarray, shape (n,)
    rng : numpy.random.Generator
        Picks the images and draws their strokes.
    share : float
        Fraction of each styled digit's images that are restyled (in place of the originals).

    Returns
    -------
    images, labels
        The new images (a copy) and the labels (unchanged), and nothing of
        the other digits changed.
    """
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1, got {share}")
    out = images.copy()
    for digit, style in STYLES.items():
        chosen = np.flatnonzero(labels == digit)
        chosen = chosen[rng.random(chosen.size) < share]
        for i in chosen:
            out[i] = style(images[i], rng)
    return out, labels


def styled_copies(
    images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, share: float = SHARE
) -> tuple[np.ndarray, np.ndarray]:
    """Restyled copies of a share of the 1s and 7s, to add to a training set beside the originals.

    Adding copies, not replacing the originals (:func:`restyle`), keeps every
    MNIST digit in training: the test set's 1s and 7s are written as MNIST's
    writers write them.

    Parameters
    ----------
    images, labels, rng, share
        As for :func:`restyle`.

    Returns
    -------
    images, labels
        Only the images that :func:`restyle` changed, and their labels.
    """
    restyled, _ = restyle(images, labels, rng, share)
    changed = np.flatnonzero((restyled != images).any(axis=(1, 2)))
    return restyled[changed], labels[changed]
