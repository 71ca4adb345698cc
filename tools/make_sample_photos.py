"""Make the synthetic digit photos in assets/samples/ (and larger sets for benchmarks).

Run from the repository root::

    python -m tools.make_sample_photos                        # the samples the book shows
    python -m tools.make_sample_photos --out DIR --per-digit 10 --seed 7   # a benchmark set
    python -m tools.make_sample_photos --out DIR --per-digit 10 --hard      # the hard set

The photos are synthetic (see labsupport/synthetic.py): pen strokes drawn on
tinted or ruled paper, with uneven light, off-centre digits, thin and thick
pens, perspective, blur, noise and JPEG compression; the hard set
(``--hard``, labsupport.synthetic.make_hard_set) adds coloured ballpoint on
tinted paper, thin and broken strokes, strong blur, small digits in large
frames, serif 1s, closed-top 4s and crossed 7s. Files are named
``<label>_<description>.png|jpg`` as tools/benchmarks/own_digits.py expects.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from labsupport import synthetic

#: Where the chapter's samples live.
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "assets" / "samples"


def write_samples(out: Path) -> list[Path]:
    """The chapter's samples (labsupport.synthetic.SAMPLES) as PNG files."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, _, image in synthetic.sample_photos():
        image.save(out / name, optimize=True)
        written.append(out / name)
    return written


def write_set(out: Path, per_digit: int, seed: int, hard: bool = False) -> list[Path]:
    """``per_digit`` photos of each digit, as JPEG files named ``<label>_synthetic_NNNN.jpg`` (``<label>_hard_NNNN.jpg``)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    photos = synthetic.make_hard_set(per_digit, seed) if hard else synthetic.make_set(per_digit, seed)
    for i, (label, image) in enumerate(photos):
        path = out / f"{label}_{'hard' if hard else 'synthetic'}_{i:04d}.jpg"
        image.save(path, quality=92)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR)
    parser.add_argument("--per-digit", type=int, default=0, help="make a set of this many photos per digit")
    parser.add_argument("--seed", type=int, default=None,
                        help=f"seed of a --per-digit set (default 7; {synthetic.HARD_SEED} with --hard)")
    parser.add_argument("--hard", action="store_true", help="make the hard set (labsupport.synthetic.make_hard_set)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else (synthetic.HARD_SEED if args.hard else 7)
    paths = write_set(args.out, args.per_digit, seed, args.hard) if args.per_digit else write_samples(args.out)
    print(f"wrote {len(paths)} photos to {args.out}")


if __name__ == "__main__":
    main()
