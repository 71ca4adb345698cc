"""Accuracy of every registered model on a folder of digit photos, old vs new preprocessing.

Usage (from the repository root)::

    python -m tools.benchmarks.own_digits DIR
    python tools/benchmarks/own_digits.py DIR

``DIR`` holds images named ``<label>_<anything>.png|jpg|jpeg``. The models are
every entry of :data:`labsupport.models.MODELS`, trained in the current
profile (``LABSUPPORT_PROFILE``), from the model cache; any missing one is
trained first. Each photo goes through the course's first recipe
(:func:`labsupport.baseline.original_pipeline`, "old") and through
:func:`labsupport.digits.preprocess` ("new"). Prints each file's
predictions, the top-1 accuracy of every model with each pipeline, and, when
the augmented CNN is registered, as its last line
``new-pipeline augmented-CNN accuracy: X.XXX``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as a file: make ``tools`` importable like ``python -m`` does
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from labsupport import baseline, cache, digits, inference
from labsupport.profile import get_profile

if TYPE_CHECKING:
    import keras

#: Image suffixes the benchmark reads.
SUFFIXES = (".png", ".jpg", ".jpeg")

#: The two preprocessing recipes compared: photo in, 28x28 uint8 digit out.
PIPELINES: dict[str, Callable[[Path], np.ndarray]] = {
    "old": baseline.original_pipeline,
    "new": lambda path: digits.preprocess(path).digit,
}

#: The model whose new-pipeline accuracy is the last line, when registered.
HEADLINE_MODEL = "augmented_cnn"


def labelled_files(folder: str | os.PathLike) -> list[tuple[Path, int]]:
    """Images in a folder named ``<label>_<anything>.png|jpg|jpeg``, with their labels.

    Parameters
    ----------
    folder : path-like

    Returns
    -------
    list of (Path, int)
        Sorted by file name.

    Raises
    ------
    labsupport.digits.DigitImageError
        If the folder does not exist or holds no such file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise digits.DigitImageError(f"{folder}: no such folder")
    found = []
    for path in sorted(folder.iterdir()):
        label, sep, _ = path.stem.partition("_")
        if path.suffix.lower() in SUFFIXES and sep and label.isdigit() and len(label) == 1:
            found.append((path, int(label)))
    if not found:
        raise digits.DigitImageError(
            f"{folder}: no images named like 7_photo.jpg (<label>_<anything>.png|jpg|jpeg)"
        )
    return found


@dataclass(frozen=True)
class Results:
    """What every model said about every photo, with each pipeline.

    Attributes
    ----------
    files : list of (Path, int)
        The photos and their labels.
    predictions : dict
        ``predictions[pipeline][model]``: predicted class per photo.
    failures : dict
        ``failures[pipeline]``: per photo, the pipeline's error message, or
        ``""`` when it read the photo.
    """

    files: list[tuple[Path, int]]
    predictions: dict[str, dict[str, np.ndarray]]
    failures: dict[str, list[str]]

    @property
    def labels(self) -> np.ndarray:
        return np.array([label for _, label in self.files])

    @property
    def models(self) -> list[str]:
        return list(next(iter(self.predictions.values())))

    def correct(self, pipeline: str, model: str) -> np.ndarray:
        """Per photo: read by the pipeline and classified right by the model."""
        read = np.array([not message for message in self.failures[pipeline]])
        return (self.predictions[pipeline][model] == self.labels) & read

    def accuracy(self, pipeline: str, model: str) -> float:
        """Top-1 accuracy; a photo the pipeline could not read counts as wrong."""
        return float(self.correct(pipeline, model).mean())


def pipeline_inputs(
    files: Sequence[tuple[Path, int]], run: Callable[[Path], np.ndarray]
) -> tuple[np.ndarray, list[str]]:
    """28x28 digits of every photo through one pipeline, and its failures.

    Returns
    -------
    images : ndarray, shape (n, 28, 28), uint8
        A blank image where the pipeline failed.
    failures : list of str
        The error message per photo, ``""`` where it worked.
    """
    images, failures = [], []
    for path, _ in files:
        try:
            images.append(run(path))
            failures.append("")
        except digits.DigitImageError as e:
            images.append(np.zeros((28, 28), np.uint8))
            failures.append(str(e))
    return np.stack(images).astype(np.uint8), failures


def evaluate(
    files: Sequence[tuple[Path, int]],
    networks: Mapping[str, keras.Model],
    pipelines: Mapping[str, Callable[[Path], np.ndarray]] = PIPELINES,
) -> Results:
    """Run every photo through every pipeline and every network.

    Parameters
    ----------
    files : sequence of (Path, int)
        As from :func:`labelled_files`.
    networks : mapping
        Registered model name to trained model (e.g. from
        :func:`labsupport.cache.get_models`); each gets its own input format.
    pipelines : mapping
        Name to preprocessing function (default :data:`PIPELINES`).

    Returns
    -------
    Results
    """
    predictions, failures = {}, {}
    for pipeline, run in pipelines.items():
        images, failures[pipeline] = pipeline_inputs(files, run)
        probabilities = inference.predict(dict(networks), images)
        predictions[pipeline] = {name: p.argmax(axis=1) for name, p in probabilities.items()}
    return Results(list(files), predictions, failures)


def report(results: Results) -> list[str]:
    """The benchmark's table, failures, accuracies and headline, as lines."""
    pipelines, names = list(results.predictions), results.models
    column = max(11, max(len(f"{p} {n}") for p in pipelines for n in names) + 2)
    lines = [f"{'file':<28}{'label':>6}" + "".join(f"{p + ' ' + n:>{column}}" for p in pipelines for n in names)]
    for i, (path, label) in enumerate(results.files):
        row = f"{path.name[:27]:<28}{label:>6}"
        for pipeline in pipelines:
            for name in names:
                guess = "err" if results.failures[pipeline][i] else str(results.predictions[pipeline][name][i])
                row += f"{guess + ('' if guess == str(label) else '*'):>{column}}"
        lines.append(row)
    for pipeline in pipelines:
        for (path, _), message in zip(results.files, results.failures[pipeline]):
            if message:
                lines.append(f"{pipeline} pipeline could not read {path.name}: {message}")

    width = max(15, max(len(n) for n in names) + 2)
    lines += ["", f"{'top-1 accuracy':<16}" + "".join(f"{name:>{width}}" for name in names)]
    for pipeline in pipelines:
        lines.append(
            f"{pipeline + ' pipeline':<16}" + "".join(f"{results.accuracy(pipeline, n):>{width}.3f}" for n in names)
        )
    if HEADLINE_MODEL in names and "new" in pipelines:
        lines.append(f"new-pipeline augmented-CNN accuracy: {results.accuracy('new', HEADLINE_MODEL):.3f}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark on the folder in ``argv``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[0])
        print("usage: python -m tools.benchmarks.own_digits DIR")
        return 2
    try:
        files = labelled_files(argv[0])
    except digits.DigitImageError as e:
        print(f"error: {e}")
        return 2
    profile = get_profile()
    print(f"{len(files)} images in {argv[0]}; {profile.name} profile")
    networks = cache.get_models(profile)
    for line in report(evaluate(files, networks)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
