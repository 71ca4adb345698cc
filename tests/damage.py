"""Seeded damage to image files (not a test module): the fuzz tests of digits.py and of the live page.

The three kinds of damage a real upload suffers: bits flipped anywhere (a bad
disk or transfer), the file cut short (an interrupted download), and garbage
over the header (the first bytes, where the size, the colour type and the
tables are).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]

#: The committed sample photos (synthetic; the real-digits set is never copied into the repository).
SAMPLES = ROOT / "assets" / "samples"

#: The kinds of damage, in the order :func:`damage` cycles through them.
KINDS = ("flip", "cut", "header")


def damage(data: bytes, kind: str, rng: np.random.Generator) -> bytes:
    """One damaged copy of a file's bytes.

    ``flip``: 1 to 20 random bits flipped; ``cut``: the file cut at a random
    length (at least one byte); ``header``: 1 to 64 random bytes written over
    the first 256.
    """
    b = bytearray(data)
    if kind == "flip":
        for _ in range(int(rng.integers(1, 21))):
            b[int(rng.integers(len(b)))] ^= 1 << int(rng.integers(8))
    elif kind == "cut":
        del b[int(rng.integers(1, len(b))):]
    elif kind == "header":
        n = int(rng.integers(1, min(64, len(b)) + 1))
        start = int(rng.integers(0, min(256, len(b)) - n + 1))
        b[start:start + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    else:
        raise ValueError(f"unknown damage {kind!r}: use one of {KINDS}")
    return bytes(b)


def sample_files() -> dict[str, bytes]:
    """The sample photos as PNG (as committed) and as JPEG with an EXIF orientation, by name."""
    files = {}
    for path in sorted(SAMPLES.glob("*.png")):
        files[path.name] = path.read_bytes()
        buffer = io.BytesIO()
        exif = Image.Exif()
        exif[0x0112] = 6  # rotated: exercises the EXIF reader too
        Image.open(path).convert("RGB").save(buffer, format="JPEG", quality=85, exif=exif)
        files[path.with_suffix(".jpg").name] = buffer.getvalue()
    return files


def damaged_files(files: dict[str, bytes], n: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """``n`` damaged copies, (description, bytes): the files in turn, the kinds in turn, seeded."""
    rng = np.random.default_rng(seed)
    names = sorted(files)
    for i in range(n):
        name, kind = names[i % len(names)], KINDS[(i // len(names)) % len(KINDS)]
        yield f"{name} {kind} #{i}", damage(files[name], kind, rng)
