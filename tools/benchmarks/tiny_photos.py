"""How well the photo pipeline reads digits from tiny photos: MNIST's test digits, drawn black on white.

Usage (from the repository root; needs MNIST, see ``MNIST_PATH``)::

    python -m tools.benchmarks.tiny_photos [--n 600] [--side 28] [--seeds 42,1,2]
    python tools/benchmarks/tiny_photos.py [--n 600] [--side 28] [--seeds 42,1,2]

MNIST's test digits were written by people no tuning of the pipeline looked
at. Each of ``--n`` of them (drawn at random with the book's seed) becomes a
photo: black ink on white paper, ``--side`` pixels square (28: the digit
itself, inverted; larger: enlarged smoothly, as a bigger photo of the same
digit). Every registered network, trained in the current profile
(``LABSUPPORT_PROFILE``) with each training seed of ``--seeds``, from the
model cache (any missing one is trained first), then reads the photo through
:func:`labsupport.digits.preprocess`, and reads the 28x28 digit itself too:
the pipeline can at best match that.

A 28-pixel photo is the smallest a reader could upload: the digit's crop is
about 20 pixels high, one pixel to a pixel of the 20x20 box, where the
pipeline's whole-pixel steps are coarsest (:func:`labsupport.digits.enlarge`).

Prints, per seed and network, the top-1 accuracy on the digits themselves
and through the pipeline, then the means over the seeds; the last line reads
``pipeline on tiny photos, mean over networks and seeds: X.XXX``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make ``tools`` importable like ``python -m`` does
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from PIL import Image

from labsupport import cache, data, digits, inference
from labsupport.profile import SEED, get_profile
from tools.benchmarks.own_digits import parse_seeds


def tiny_photo(digit: np.ndarray, side: int = 28) -> Image.Image:
    """An MNIST digit as a photo: black ink on white paper, ``side`` pixels square (bicubic when enlarged).

    Parameters
    ----------
    digit : ndarray, shape (28, 28), uint8
        Ink 255 on black, MNIST's convention.
    side : int

    Returns
    -------
    PIL.Image.Image
        Grayscale.
    """
    photo = Image.fromarray(255 - np.asarray(digit, np.uint8))
    return photo if side == photo.width else photo.resize((side, side), Image.Resampling.BICUBIC)


def read_photos(photos: Sequence[Image.Image]) -> tuple[np.ndarray, np.ndarray]:
    """Each photo through :func:`labsupport.digits.preprocess`.

    Returns
    -------
    digits : ndarray, shape (n, 28, 28), uint8
        Black where the pipeline gave a message instead.
    read : ndarray of bool
        False where it did.
    """
    out = np.zeros((len(photos), 28, 28), np.uint8)
    read = np.ones(len(photos), bool)
    for i, photo in enumerate(photos):
        try:
            out[i] = digits.preprocess(photo).digit
        except digits.DigitImageError:
            read[i] = False
    return out, read


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.benchmarks.tiny_photos", description=__doc__.strip().splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="how many MNIST test digits (default 600)")
    parser.add_argument("--side", type=int, default=28, help="the photos' side in pixels (default 28)")
    parser.add_argument("--seeds", type=parse_seeds, default=[SEED],
                        help=f"training seeds, e.g. {SEED},1,2 (default: the book's seed, {SEED})")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as e:  # usage errors: status 2, as argparse gives
        return int(e.code or 0)
    if args.n < 1 or args.side < 28:
        print("error: --n must be at least 1 and --side at least 28")
        return 2
    mnist = data.load_mnist()
    chosen = np.random.default_rng(SEED).choice(len(mnist.test.x), min(args.n, len(mnist.test.x)), replace=False)
    x, y = mnist.test.x[chosen], mnist.test.y[chosen]
    read_digits, read = read_photos([tiny_photo(d, args.side) for d in x])
    profile = get_profile()
    print(f"{len(x)} MNIST test digits as {args.side}x{args.side} photos, black on white; {profile.name} profile; "
          f"the pipeline gave a message for {int((~read).sum())}")
    print(f"{'seed':>6} {'network':<16} {'the digits':>10} {'pipeline':>10}")
    direct, piped = {}, {}
    for seed in args.seeds:
        networks = cache.get_models(profile, arrays=mnist, seed=seed)
        on_digits, on_photos = inference.predict(networks, x), inference.predict(networks, read_digits)
        for name in networks:
            direct.setdefault(name, []).append(float(np.mean(on_digits[name].argmax(1) == y)))
            piped.setdefault(name, []).append(float(np.mean((on_photos[name].argmax(1) == y) & read)))
            print(f"{seed:>6} {name:<16} {direct[name][-1]:>10.3f} {piped[name][-1]:>10.3f}")
    for name in direct:
        print(f"{'mean':>6} {name:<16} {np.mean(direct[name]):>10.3f} {np.mean(piped[name]):>10.3f}")
    print(f"pipeline on tiny photos, mean over networks and seeds: {np.mean(list(piped.values())):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
