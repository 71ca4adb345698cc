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

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

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


def digit_strokes(label: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes of one digit with random slant, stretch and wobble (unit box)."""
    if label not in _STROKES:
        raise ValueError(f"label must be 0-9, got {label!r}")
    slant = rng.uniform(-0.25, 0.25)
    sx, sy = rng.uniform(0.8, 1.1), rng.uniform(0.9, 1.1)
    strokes = []
    for kind, pts in _STROKES[label]:
        pts = np.array(pts, dtype=float)
        pts = pts + rng.normal(0, 0.018, pts.shape)
        if kind == "~":
            pts = _smooth(pts)
        x = (pts[:, 0] - 0.5) * sx + 0.5 - slant * (pts[:, 1] - 0.5)
        y = (pts[:, 1] - 0.5) * sy + 0.5
        strokes.append(np.column_stack([x, y]))
    return strokes


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
        ``dark_paper`` (bool: light ink on a dark board), ``quality`` (JPEG).

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
    cx, cy = big / 2 + dx * big, big / 2 + dy * big
    pen = style.get("pen", rng.uniform(0.025, 0.09))
    width = max(2, int(pen * digit_h))
    for stroke in digit_strokes(label, rng):
        pts = [(cx + (x - 0.5) * digit_h, cy + (y - 0.5) * digit_h) for x, y in stroke]
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
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(style.get("quality", rng.integers(60, 90))))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def make_set(n_per_digit: int, seed: int) -> list[tuple[int, Image.Image]]:
    """``n_per_digit`` photos of each digit 0-9, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    return [(label, render_photo(label, rng)) for _ in range(n_per_digit) for label in range(10)]


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
