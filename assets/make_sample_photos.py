"""Make the synthetic digit photos in assets/samples/ (and larger sets for benchmarks).

Run from the repository root::

    python assets/make_sample_photos.py                       # the samples the book shows
    python assets/make_sample_photos.py --out DIR --per-digit 10 --seed 7   # a benchmark set

The photos are synthetic (see labsupport/synthetic.py): pen strokes drawn on
tinted or ruled paper, with uneven light, off-centre digits, thin and thick
pens, perspective, blur, noise and JPEG compression. Files are named
``<label>_<description>.png`` as benchmarks/own_digits.py expects.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from labsupport import synthetic

HERE = Path(__file__).resolve().parent

#: The samples shown in the "Your own digit" chapter: one trouble each.
SAMPLES = [
    (3, "uneven_light", dict(light=0.8, paper=(250, 250, 245), ink=(25, 25, 30), offset=(0.05, 0.0))),
    (7, "off_centre", dict(offset=(0.22, -0.2), digit_size=0.35, light=0.2)),
    (2, "coloured_paper", dict(paper=(245, 225, 150), ink=(25, 40, 140), light=0.3)),
    (4, "thin_pen_ruled", dict(pen=0.02, ruled=True, digit_size=0.55, light=0.3)),
    (5, "chalk_on_board", dict(dark_paper=True, light=0.2)),
]


def write_samples(out: Path, seed: int = 2026) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for k, (label, what, style) in enumerate(SAMPLES):
        rng = np.random.default_rng(seed + k)
        path = out / f"{label}_{what}.png"
        synthetic.render_photo(label, rng, size=480, **style).save(path, optimize=True)
        written.append(path)
    return written


def write_set(out: Path, per_digit: int, seed: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i, (label, image) in enumerate(synthetic.make_set(per_digit, seed)):
        path = out / f"{label}_synthetic_{i:04d}.jpg"
        image.save(path, quality=92)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "samples")
    parser.add_argument("--per-digit", type=int, default=0, help="make a set of this many photos per digit")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    paths = write_set(args.out, args.per_digit, args.seed) if args.per_digit else write_samples(args.out, args.seed)
    print(f"wrote {len(paths)} photos to {args.out}")


if __name__ == "__main__":
    main()
