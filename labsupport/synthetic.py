"""Synthetic photos of handwritten digits, for examples, tests and benchmarks.

No real photos can be downloaded where this course is built, so we make them:
each digit is drawn as pen strokes (hand-designed shapes, randomly slanted,
stretched and wobbled), in a random ink colour and pen width, on paper that
may be coloured or ruled, under uneven light with a soft shadow, placed off
centre, photographed at a slight angle, blurred, noisy and JPEG-compressed.
They are synthetic: they test the preprocessing against the troubles of real
photos, but they are not real handwriting.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage

#: Each digit as strokes of points in a unit box (x right, y down). Strokes
#: whose name ends in "~" are smoothed into curves; the others keep corners.
_STROKES: dict[int, list[tuple[str, list[tuple[float, float]]]]] = {
    0: [("~", [(0.5 + 0.3 * np.sin(t), 0.5 - 0.45 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 17)])],
    1: [("", [(0.38, 0.18), (0.55, 0.04), (0.55, 0.96)])],
    2: [("~", [(0.2, 0.28), (0.32, 0.1), (0.52, 0.04), (0.74, 0.12), (0.78, 0.32), (0.6, 0.55),
               (0.38, 0.75), (0.18, 0.94)]), ("", [(0.18, 0.94), (0.84, 0.92)])],
    3: [("~", [(0.2, 0.14), (0.45, 0.03), (0.72, 0.12), (0.74, 0.3), (0.45, 0.46), (0.76, 0.6),
               (0.78, 0.82), (0.5, 0.97), (0.2, 0.88)])],
    4: [("", [(0.6, 0.04), (0.16, 0.66), (0.86, 0.66)]), ("", [(0.64, 0.3), (0.64, 0.97)])],
    5: [("", [(0.8, 0.05), (0.32, 0.05), (0.26, 0.46)]),
        ("~", [(0.26, 0.46), (0.5, 0.38), (0.74, 0.5), (0.78, 0.74), (0.6, 0.94), (0.36, 0.96), (0.2, 0.86)])],
    6: [("~", [(0.72, 0.06), (0.46, 0.2), (0.28, 0.46), (0.26, 0.76), (0.44, 0.96), (0.68, 0.9),
               (0.76, 0.7), (0.6, 0.54), (0.38, 0.56), (0.27, 0.7)])],
    7: [("", [(0.14, 0.08), (0.86, 0.08), (0.42, 0.96)])],
    8: [("~", [(0.5 + 0.26 * np.sin(2 * t), 0.5 - 0.46 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 25)])],
    9: [("~", [(0.74, 0.3), (0.54, 0.46), (0.3, 0.4), (0.26, 0.18), (0.48, 0.04), (0.72, 0.12),
               (0.74, 0.3)]), ("", [(0.74, 0.3), (0.72, 0.62), (0.66, 0.97)])],
}


def _ellipse(cx: float, cy: float, rx: float, ry: float, start: float = 0.0, n: int = 17,
             turn: int = 1) -> list[tuple[float, float]]:
    """Points once round an ellipse, from the angle ``start`` (0: its top), clockwise (``turn=1``) or not."""
    t = start + turn * np.linspace(0, 2 * np.pi, n)
    return [(cx + rx * np.sin(u), cy - ry * np.cos(u)) for u in t]


def _smooth(points: np.ndarray, per_segment: int = 8) -> np.ndarray:
    """Catmull-Rom spline through the points."""
    p = np.vstack([points[0], points, points[-1]])
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        for t in np.linspace(0, 1, per_segment, endpoint=False):
            out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                              + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    out.append(p[-2])
    return np.array(out)


#: Other ways to write some digits, rare in MNIST: a 1 with a flag and a foot
#: (serifs), a 4 whose top is closed, a 7 with a bar across.
VARIANTS: dict[int, list[tuple[str, list[tuple[float, float]]]]] = {
    1: [("", [(0.3, 0.24), (0.55, 0.04), (0.55, 0.95)]), ("", [(0.3, 0.95), (0.8, 0.95)])],
    4: [("", [(0.62, 0.97), (0.62, 0.04), (0.14, 0.66), (0.88, 0.66)])],
    7: [("", [(0.14, 0.08), (0.86, 0.08), (0.42, 0.96)]), ("", [(0.42, 0.52), (0.84, 0.52)])],
}

#: Digits whose loops or gaps are small beside the digit: a slim 0, a closed 4 with a narrow
#: triangle, a 6 and a 9 with a small loop, an 8 with a small head. Thickened to MNIST's stroke
#: width in the 20x20 box without care, they fill in (the hard set's ``thin_loops``).
TIGHT_LOOPS: dict[int, list[tuple[str, list[tuple[float, float]]]]] = {
    0: [("~", _ellipse(0.5, 0.5, 0.1, 0.45))],
    4: [("", [(0.62, 0.97), (0.62, 0.04), (0.45, 0.64), (0.88, 0.64)])],
    6: [("~", [(0.72, 0.04), (0.52, 0.22), (0.4, 0.5), (0.36, 0.78), (0.42, 0.95), (0.54, 0.96),
               (0.6, 0.86), (0.56, 0.75), (0.45, 0.74), (0.38, 0.8)])],
    8: [("~", _ellipse(0.5, 0.2, 0.1, 0.17, start=np.pi, n=13) + _ellipse(0.5, 0.66, 0.24, 0.29, turn=-1)[1:])],
    9: [("~", [(0.62, 0.16), *_ellipse(0.52, 0.16, 0.1, 0.12, start=np.pi / 2, turn=-1)[1:]]),
        ("", [(0.62, 0.16), (0.6, 0.6), (0.54, 0.97)])],
}

#: How far each point of a shape is moved at random (a share of the digit's height); less for
#: :data:`TIGHT_LOOPS`, whose loops are only 0.2 across.
WOBBLE = 0.018
TIGHT_WOBBLE = 0.008


def digit_strokes(label: int, rng: np.random.Generator, variant: bool = False,
                  tight: bool = False) -> list[np.ndarray]:
    """The strokes of one digit with random slant, stretch and wobble (unit box).

    ``variant=True`` draws the other way of writing the digit from
    :data:`VARIANTS` when it has one; ``tight=True`` its shape from
    :data:`TIGHT_LOOPS` when it has one (first), with less wobble, so that
    its small loops stay loops.
    """
    if label not in _STROKES:
        raise ValueError(f"label must be 0-9, got {label!r}")
    slant = rng.uniform(-0.25, 0.25)
    sx, sy = rng.uniform(0.8, 1.1), rng.uniform(0.9, 1.1)
    strokes = []
    tight = tight and label in TIGHT_LOOPS
    shapes = TIGHT_LOOPS[label] if tight else VARIANTS[label] if variant and label in VARIANTS else _STROKES[label]
    for kind, pts in shapes:
        pts = np.array(pts, dtype=float)
        pts = pts + rng.normal(0, TIGHT_WOBBLE if tight else WOBBLE, pts.shape)
        if kind == "~":
            pts = _smooth(pts)
        x = (pts[:, 0] - 0.5) * sx + 0.5 - slant * (pts[:, 1] - 0.5)
        y = (pts[:, 1] - 0.5) * sy + 0.5
        strokes.append(np.column_stack([x, y]))
    return strokes


def _draw_uneven(draw: ImageDraw.ImageDraw, pts: np.ndarray, width: int, ink, paper, breaks: float,
                 fade: float, digit_h: float, rng: np.random.Generator) -> None:
    """Draw one stroke in short pieces: some left out (``breaks``), the ink fading in and out (``fade``)."""
    steps = np.hypot(*np.diff(pts, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    length = along[-1]
    n = max(2, int(length / max(1.0, width / 2)))
    s = np.linspace(0, length, n)
    xy = np.column_stack([np.interp(s, along, pts[:, 0]), np.interp(s, along, pts[:, 1])])
    drawn = np.ones(n, bool)
    if breaks > 0:  # gaps of 3-7% of the digit's height, as many as make up the share asked for
        gap = digit_h * rng.uniform(0.03, 0.07)
        for _ in range(int(rng.poisson(breaks * length / gap)) + (1 if rng.random() < breaks * length / gap else 0)):
            start = rng.uniform(0, length)
            drawn &= ~((s >= start) & (s < start + gap))
    phase, wave = rng.uniform(0, 2 * np.pi), rng.uniform(1, 3) / max(digit_h, 1.0)
    strength = 1 - fade * (0.5 + 0.5 * np.sin(phase + 2 * np.pi * wave * s))
    r = width / 2
    for i in range(n - 1):
        if not (drawn[i] and drawn[i + 1]):
            continue
        k = strength[i]
        colour = tuple(int(round(k * a + (1 - k) * b)) for a, b in zip(ink, paper))
        (x0, y0), (x1, y1) = xy[i], xy[i + 1]
        draw.line([(x0, y0), (x1, y1)], fill=colour, width=width)
        draw.ellipse([x1 - r, y1 - r, x1 + r, y1 + r], fill=colour)


#: The margin, as a share of the image, that a digit's ink keeps from the
#: frame when it is drawn (:func:`place_in_frame`): more than the up to 6 %
#: that the slight perspective of :func:`render_photo` cuts from each side.
FRAME_MARGIN = 0.1


def place_in_frame(strokes: list[np.ndarray], centre: tuple[float, float], digit_h: float, pen: float,
                   size: float, margin: float = FRAME_MARGIN) -> tuple[tuple[float, float], float]:
    """Where to draw a digit so that all of its ink stays inside the frame.

    The random offsets of :func:`render_photo` could push part of a large
    digit out of the image (a 7 without its bar is no longer a 7). This moves
    the digit's centre just far enough back in, and shrinks a digit too large
    for the frame.

    Parameters
    ----------
    strokes : list of ndarray
        The digit's strokes in a unit box (:func:`digit_strokes`).
    centre : (x, y)
        Where the digit's unit box would be centred, in pixels.
    digit_h : float
        The height of the unit box in pixels.
    pen : float
        Stroke width as a share of ``digit_h``.
    size : float
        Width and height of the image in pixels.
    margin : float
        Share of ``size`` that the ink keeps from every side.

    Returns
    -------
    (x, y), digit_h
        The centre to draw at and the (possibly smaller) digit height.
    """
    points = np.vstack(strokes)
    low, high = points.min(axis=0) - 0.5, points.max(axis=0) - 0.5  # around the box's centre
    room = size * (1 - 2 * margin)
    extent = float(np.max(high - low)) + pen
    if extent * digit_h + 2 > room:
        digit_h = (room - 2) / extent
    r = max(2, pen * digit_h) / 2 + 1  # half the pen, and a pixel for the anti-aliasing
    lo, hi = size * margin + r - low * digit_h, size * (1 - margin) - r - high * digit_h
    placed = np.clip(np.asarray(centre, dtype=float), lo, hi)
    return (float(placed[0]), float(placed[1])), float(digit_h)


def render_photo(label: int, rng: np.random.Generator, size: int = 480, **style) -> Image.Image:
    """A synthetic photo of a handwritten digit.

    Parameters
    ----------
    label : int
        The digit, 0-9.
    rng : numpy Generator
        Source of all randomness (same seed, same photo).
    size : int
        Width and height in pixels.
    **style
        Fix any of the random choices: ``paper`` (RGB), ``ink`` (RGB),
        ``pen`` (stroke width as a share of the digit height), ``ruled`` (bool),
        ``light`` (strength of the lighting gradient, 0-1), ``offset`` ((dx, dy)
        as shares of the image), ``digit_size`` (share of the image height),
        ``dark_paper`` (bool: light ink on a dark board), ``quality`` (JPEG),
        ``blur`` (radius in pixels). Troubles that are off unless asked for:
        ``variant`` (bool: :data:`VARIANTS`' shape of a 1, 4 or 7),
        ``thin_loops`` (bool: :data:`TIGHT_LOOPS`' shape of a 0, 4, 6, 8 or 9),
        ``breaks`` (share of every stroke left out in short gaps: a pen that
        skips), ``fade`` (0-1: how far the ink fades towards the paper colour
        along the strokes, as with a ballpoint pressed unevenly).
        Whatever the offset and size, the digit's ink stays inside the
        frame, :data:`FRAME_MARGIN` away from its sides (:func:`place_in_frame`).

    Returns
    -------
    PIL.Image.Image
        RGB.
    """
    dark_paper = style.get("dark_paper", rng.random() < 0.1)
    if dark_paper:
        paper = style.get("paper", tuple(int(v) for v in rng.integers(20, 70, 3)))
        ink = style.get("ink", tuple(int(v) for v in rng.integers(215, 256, 3)))
    else:
        tints = [(250, 250, 245), (245, 238, 200), (215, 235, 250), (250, 220, 225), (225, 245, 215)]
        paper = style.get("paper", tints[rng.integers(len(tints))])
        inks = [(20, 20, 25), (25, 40, 140), (60, 60, 60), (140, 25, 30), (30, 90, 40)]
        ink = style.get("ink", inks[rng.integers(len(inks))])
    scale = 3  # draw large, then shrink: anti-aliased strokes
    big = size * scale
    canvas = Image.new("RGB", (big, big), paper)
    draw = ImageDraw.Draw(canvas)
    if style.get("ruled", not dark_paper and rng.random() < 0.3):
        gap = int(big * rng.uniform(0.07, 0.1))
        for y in range(int(rng.integers(0, gap)), big, gap):
            draw.line([(0, y), (big, y)], fill=(150, 170, 220), width=max(1, big // 400))
    digit_h = style.get("digit_size", rng.uniform(0.3, 0.65)) * big
    dx, dy = style.get("offset", (rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)))
    pen = style.get("pen", rng.uniform(0.025, 0.09))
    strokes = digit_strokes(label, rng, variant=style.get("variant", False), tight=style.get("thin_loops", False))
    (cx, cy), digit_h = place_in_frame(strokes, (big / 2 + dx * big, big / 2 + dy * big), digit_h, pen, big)
    width = max(2, int(pen * digit_h))
    breaks, fade = style.get("breaks", 0.0), style.get("fade", 0.0)
    for stroke in strokes:
        pts = [(cx + (x - 0.5) * digit_h, cy + (y - 0.5) * digit_h) for x, y in stroke]
        if breaks or fade:
            _draw_uneven(draw, np.array(pts), width, ink, paper, breaks, fade, digit_h, rng)
            continue
        draw.line(pts, fill=ink, width=width, joint="curve")
        r = width / 2
        for x, y in (pts[0], pts[-1]):
            draw.ellipse([x - r, y - r, x + r, y + r], fill=ink)
    for _ in range(int(rng.integers(0, 4))):  # specks of dirt
        x, y, r = rng.uniform(0, big), rng.uniform(0, big), rng.uniform(1, 3) * scale
        draw.ellipse([x - r, y - r, x + r, y + r], fill=ink)
    image = canvas.resize((size, size), Image.Resampling.LANCZOS)
    a = np.asarray(image, dtype=np.float32)
    # uneven light: a linear gradient in a random direction, and a soft shadow
    yy, xx = np.mgrid[0:size, 0:size] / size
    angle = rng.uniform(0, 2 * np.pi)
    light = style.get("light", rng.uniform(0.1, 0.5))
    gain = 1 - light * (0.5 + 0.5 * np.cos(angle) * (xx - 0.5) * 2 + 0.5 * np.sin(angle) * (yy - 0.5) * 2) / 1.5
    sx, sy = rng.uniform(0, 1, 2)
    shadow = 1 - 0.35 * light * np.exp(-(((xx - sx) ** 2 + (yy - sy) ** 2) / 0.05))
    a = a * np.clip(gain * shadow, 0.2, 1.0)[..., None]
    a = a + rng.normal(0, 4, a.shape)  # sensor noise
    image = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    # a slight perspective: the camera was not square to the page
    k = size * 0.06
    quad = [rng.uniform(0, k), rng.uniform(0, k), rng.uniform(0, k), size - rng.uniform(0, k),
            size - rng.uniform(0, k), size - rng.uniform(0, k), size - rng.uniform(0, k), rng.uniform(0, k)]
    image = image.transform((size, size), Image.Transform.QUAD, quad, Image.Resampling.BILINEAR,
                            fillcolor=tuple(int(v * 0.8) for v in paper))
    image = image.filter(ImageFilter.GaussianBlur(style.get("blur", rng.uniform(0.3, 1.2))))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(style.get("quality", rng.integers(60, 90))))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def make_set(n_per_digit: int, seed: int) -> list[tuple[int, Image.Image]]:
    """``n_per_digit`` photos of each digit 0-9, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    return [(label, render_photo(label, rng)) for _ in range(n_per_digit) for label in range(10)]


#: Tinted papers and coloured ballpoint inks of the hard set (:func:`hard_style`):
#: ink and paper differ more in colour than in brightness.
HARD_PAPERS = [(245, 228, 140), (195, 222, 245), (250, 200, 212), (210, 238, 195), (218, 218, 212)]
HARD_INKS = [(45, 75, 200), (150, 45, 165), (205, 45, 45), (35, 135, 70), (80, 105, 215)]

#: The troubles of the hard set; each photo has two of them (and 1s, 4s and
#: 7s half the time their other shape, :data:`VARIANTS`).
HARD_TROUBLES = ("ballpoint", "thin_broken", "blur", "small", "closeup", "thin_loops")
#: Troubles that exclude each other (a close-up is a thick marker's: neither small, nor thin, nor a
#: ballpoint's fading line).
HARD_CLASHES = ({"closeup", "small"}, {"closeup", "thin_broken"}, {"closeup", "thin_loops"}, {"thin_loops", "small"},
                {"closeup", "ballpoint"})

#: The seed of the hard set the own-digit chapter measures.
HARD_SEED = 2024


def hard_style(label: int, rng: np.random.Generator, size: int = 480) -> dict:
    """Random troubles for one photo of the hard set, as ``render_photo`` style options.

    ``ballpoint``: coloured ink on tinted paper, fading in and out;
    ``thin_broken``: a fine pen that skips; ``blur``: out of focus;
    ``small``: a small digit in a large frame; ``closeup``: a thick marker's
    digit filling most of the frame (ink almost as common as paper);
    ``thin_loops``: a fine line, and the shapes of :data:`TIGHT_LOOPS` (a slim
    0, a narrow 4's triangle, a 6's, 8's or 9's small loop) that thickening
    must not fill. Two of them, drawn at random among the
    pairs that do not clash (:data:`HARD_CLASHES`).
    """
    style: dict = {"dark_paper": False, "light": rng.uniform(0.1, 0.5)}
    pairs = [p for p in itertools.combinations(HARD_TROUBLES, 2) if set(p) not in HARD_CLASHES]
    for trouble in pairs[rng.integers(len(pairs))]:
        if trouble == "ballpoint":
            style["paper"] = HARD_PAPERS[rng.integers(len(HARD_PAPERS))]
            style["ink"] = HARD_INKS[rng.integers(len(HARD_INKS))]
            style["fade"] = rng.uniform(0.3, 0.7)
            style.setdefault("pen", rng.uniform(0.02, 0.04))
        elif trouble == "thin_broken":
            style["pen"] = rng.uniform(0.01, 0.02)
            style["breaks"] = rng.uniform(0.05, 0.15)
        elif trouble == "blur":
            style["blur"] = rng.uniform(2.0, 3.5) * size / 480
        elif trouble == "closeup":
            style.update(closeup=True, digit_size=0.9, offset=(0.0, 0.0), pen=rng.uniform(0.18, 0.25))
        elif trouble == "thin_loops":
            style.update(thin_loops=True, pen=rng.uniform(0.008, 0.014), digit_size=rng.uniform(0.3, 0.45))
        else:
            style["digit_size"] = rng.uniform(0.12, 0.2)
    if label in VARIANTS and rng.random() < 0.5:
        style["variant"] = True
    return style


def hard_photos(n_per_digit: int, seed: int = HARD_SEED, size: int = 480) -> list[tuple[int, Image.Image, dict]]:
    """The hard set with each photo's troubles: ``(label, photo, style)``; see :func:`make_hard_set`."""
    rng = np.random.default_rng(seed)
    photos = []
    for _ in range(n_per_digit):
        for label in range(10):
            style = hard_style(label, rng, size)
            photo = render_photo(label, rng, size=size, **style)
            if style.get("closeup"):
                photo = crop_tight(photo)
            photos.append((label, photo, style))
    return photos


#: A close-up of the hard set is cropped by this share of its side on every side (:func:`crop_tight`).
CLOSEUP_CROP = 0.04


def crop_tight(photo: Image.Image, share: float = CLOSEUP_CROP) -> Image.Image:
    """The middle of a photo, ``share`` of its side cut off on every side, at the same size.

    A large digit, drawn :data:`FRAME_MARGIN` away from the frame, then
    touches it: a photo cropped tight around the digit.
    """
    w, h = photo.size
    box = (round(w * share), round(h * share), round(w * (1 - share)), round(h * (1 - share)))
    return photo.crop(box).resize((w, h), Image.Resampling.BICUBIC)


#: A felt-tip close-up (:func:`felt_tip_photo`): its stroke's width, and how many hairs are drawn
#: from its edge (those pointing into the stroke vanish in it; the others merge into a fringe).
FELT_TIP_WIDTH = 45
FELT_TIP_HAIRS = 600


def felt_tip_ink(seed: int = HARD_SEED) -> np.ndarray:
    """The ink of a flagged 1 drawn with a felt-tip pen close up: a thick stroke with a ragged edge.

    A 400x280 mask: a :data:`FELT_TIP_WIDTH`-pixel stroke and its flag,
    with up to :data:`FELT_TIP_HAIRS` hairs one pixel thin, reaching 2 to 8
    pixels beyond the edge in random directions (those pointing inwards
    vanish in the stroke): the ragged fringe of a felt-tip on paper,
    photographed from near. The hairs' pixels are ridge points too, more
    of them than points on the stroke's middle line: the trouble of
    :func:`labsupport.digits.stroke_width`'s ridge.
    """
    rng = np.random.default_rng(seed)
    ink = np.zeros((400, 280), bool)
    ink[60:340, 120:120 + FELT_TIP_WIDTH] = True  # the stem
    ink[60:60 + FELT_TIP_WIDTH, 75:120 + FELT_TIP_WIDTH] = True  # the flag
    edge = np.argwhere(ink & ~ndimage.binary_erosion(ink))
    for y, x in edge[rng.integers(len(edge), size=FELT_TIP_HAIRS)]:
        angle, length = rng.uniform(0, 2 * np.pi), rng.integers(3, 10)
        for t in range(length):
            ink[round(y + np.sin(angle) * t), round(x + np.cos(angle) * t)] = True
    return ink


def felt_tip_photo(seed: int = HARD_SEED) -> Image.Image:
    """:func:`felt_tip_ink` as a grey photo: dark ink on slightly noisy paper, a 1."""
    ink = felt_tip_ink(seed)
    paper = np.clip(200 + np.random.default_rng(seed + 1).normal(0, 4, ink.shape), 0, 255)
    return Image.fromarray(np.where(ink, 30, paper).astype(np.uint8))


def make_hard_set(n_per_digit: int, seed: int = HARD_SEED, size: int = 480) -> list[tuple[int, Image.Image]]:
    """``n_per_digit`` photos of each digit 0-9 with two troubles each (:func:`hard_style`), reproducible from ``seed``.

    Harder than :func:`make_set`: coloured ballpoint on tinted paper, thin
    and broken strokes, strong blur, small digits in large frames, and the
    shapes of :data:`VARIANTS` (serif 1s, closed-top 4s, crossed 7s).
    """
    return [(label, photo) for label, photo, _ in hard_photos(n_per_digit, seed, size)]


#: What each shape of :data:`VARIANTS` is called.
VARIANT_NAMES = {1: "serif 1", 4: "closed-top 4", 7: "crossed 7"}


def troubles(label: int, style: dict) -> list[str]:
    """The names of the troubles of one photo of the hard set (:func:`hard_style`).

    ``"ballpoint"``, ``"thin_broken"``, ``"blur"``, ``"small"``,
    ``"closeup"``, ``"thin_loops"``, and the name of the shape from
    :data:`VARIANT_NAMES` when it has one.
    """
    names = {"fade": "ballpoint", "breaks": "thin_broken", "blur": "blur", "digit_size": "small",
             "closeup": "closeup", "thin_loops": "thin_loops"}
    found = [name for key, name in names.items() if key in style
             and not (name == "small" and (style.get("closeup") or style.get("thin_loops")))]
    if style.get("variant") and label in VARIANT_NAMES:
        found.append(VARIANT_NAMES[label])
    return found


#: The sample photos of the "Your own digit" chapter: one trouble each.
#: ``python -m tools.make_sample_photos`` writes them to ``assets/samples/``.
SAMPLES = [
    (3, "uneven_light", dict(light=0.8, paper=(250, 250, 245), ink=(25, 25, 30), offset=(0.05, 0.0))),
    (7, "off_centre", dict(offset=(0.22, -0.2), digit_size=0.35, light=0.2)),
    (2, "coloured_paper", dict(paper=(245, 225, 150), ink=(25, 40, 140), light=0.3)),
    (4, "thin_pen_ruled", dict(pen=0.02, ruled=True, digit_size=0.55, light=0.3)),
    (5, "chalk_on_board", dict(dark_paper=True, light=0.2)),
]
SAMPLE_SEED = 2026


def sample_photos(folder=None) -> list[tuple[str, int, Image.Image]]:
    """The chapter's sample photos as ``(file name, label, image)``.

    Read from ``folder`` (``assets/samples`` in the repository) when it holds
    them; otherwise made anew, identically (e.g. in Colab, which has no
    checkout).
    """
    from pathlib import Path

    photos = []
    for k, (label, what, style) in enumerate(SAMPLES):
        name = f"{label}_{what}.png"
        path = Path(folder) / name if folder is not None else None
        if path is not None and path.is_file():
            image = Image.open(path).convert("RGB")
        else:
            image = render_photo(label, np.random.default_rng(SAMPLE_SEED + k), size=480, **style)
        photos.append((name, label, image))
    return photos
