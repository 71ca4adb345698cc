"""Accuracy of every registered model on a folder of digit photos, old vs new preprocessing.

Usage (from the repository root)::

    python -m tools.benchmarks.own_digits DIR
    python tools/benchmarks/own_digits.py DIR

``DIR`` holds images named ``<label>_<anything>.png|jpg|jpeg``; a
``MANIFEST.tsv`` in it with ``file`` and ``kind`` columns (``photo``,
``drawn``) adds the accuracy of each kind. The models are
every entry of :data:`labsupport.models.MODELS`, trained in the current
profile (``LABSUPPORT_PROFILE``), from the model cache; any missing one is
trained first. Each photo goes through the course's first recipe
(:func:`labsupport.baseline.original_pipeline`, "old") and through
:func:`labsupport.digits.preprocess` ("new"). Prints each file's
predictions, every image the new pipeline's networks got wrong with what each
network said (top class and probability), the top-1 accuracy of every model
with each pipeline (and for each kind), and, when the augmented CNN is
registered, as its last line ``new-pipeline augmented-CNN accuracy: X.XXX``.
The work is done by :mod:`labsupport.handwriting`, which the own-digit chapter
uses too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as a file: make ``tools`` importable like ``python -m`` does
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from labsupport import cache, digits, handwriting
from labsupport.handwriting import PIPELINES, Results, Sample, labelled_files
from labsupport.profile import get_profile

if TYPE_CHECKING:
    import keras

__all__ = ["PIPELINES", "Results", "Sample", "evaluate", "labelled_files", "main", "report"]

#: The model whose new-pipeline accuracy is the last line, when registered.
HEADLINE_MODEL = "augmented_cnn"

#: The pipeline whose failures are listed one by one.
LISTED_PIPELINE = "new"


def evaluate(
    files: Sequence[tuple[Path, int] | Sample],
    networks: Mapping[str, keras.Model],
    pipelines: Mapping[str, Callable[[digits.Source], np.ndarray]] = PIPELINES,
    kinds: Mapping[str, str] | None = None,
) -> Results:
    """Run every photo through every pipeline and every network.

    Parameters
    ----------
    files : sequence of (Path, int) or Sample
        As from :func:`labelled_files`.
    networks : mapping
        Registered model name to trained model (e.g. from
        :func:`labsupport.cache.get_models`); each gets its own input format.
    pipelines : mapping
        Name to preprocessing function (default :data:`PIPELINES`).
    kinds : mapping, optional
        File name to kind (``photo``, ``drawn``), as from
        :func:`labsupport.handwriting.read_kinds`.

    Returns
    -------
    Results
    """
    kinds = kinds or {}
    samples = [f if isinstance(f, Sample) else Sample(f[0].name, f[1], f[0], kinds.get(f[0].name, "")) for f in files]
    return handwriting.evaluate(samples, networks, pipelines)


def _said(results: Results, pipeline: str, index: int) -> str:
    label = results.samples[index].label
    return ", ".join(
        f"{model} {top} ({p:.0%})" + ("" if top == label else "*")
        for model, (top, p) in results.said(pipeline, index).items()
    )


def report(results: Results) -> list[str]:
    """The benchmark's table, failures, accuracies (overall and by kind) and headline, as lines."""
    pipelines, names = results.pipelines, results.models
    column = max(11, max(len(f"{p} {n}") for p in pipelines for n in names) + 2)
    lines = [f"{'file':<28}{'label':>6}" + "".join(f"{p + ' ' + n:>{column}}" for p in pipelines for n in names)]
    for i, sample in enumerate(results.samples):
        row = f"{sample.name[:27]:<28}{sample.label:>6}"
        for pipeline in pipelines:
            for name in names:
                guess = "err" if results.failures[pipeline][i] else str(results.predictions(pipeline, name)[i])
                row += f"{guess + ('' if guess == str(sample.label) else '*'):>{column}}"
        lines.append(row)
    for pipeline in pipelines:
        for sample, message in zip(results.samples, results.failures[pipeline]):
            if message:
                lines.append(f"{pipeline} pipeline could not read {sample.name}: {message}")

    if LISTED_PIPELINE in pipelines:
        failed = results.failed(LISTED_PIPELINE)
        lines += ["", f"{LISTED_PIPELINE} pipeline: {len(failed)} images some network got wrong "
                  "(each network's top class and its probability; * wrong)"]
        for i in failed:
            sample = results.samples[i]
            what = results.failures[LISTED_PIPELINE][i] or _said(results, LISTED_PIPELINE, i)
            kind = f", {sample.kind}" if sample.kind else ""
            lines.append(f"  {sample.name} (a {sample.label}{kind}): {what}")

    width = max(15, max(len(n) for n in names) + 2)
    first = max(16, max((len(f"{p} pipeline, {k} ({results.count(k)})") for p in pipelines for k in results.kinds),
                        default=0) + 2)
    lines += ["", f"{'top-1 accuracy':<{first}}" + "".join(f"{name:>{width}}" for name in names)]
    for pipeline in pipelines:
        lines.append(f"{pipeline + ' pipeline':<{first}}"
                     + "".join(f"{results.accuracy(pipeline, n):>{width}.3f}" for n in names))
    if len(results.kinds) > 1:
        for pipeline in pipelines:
            for kind in results.kinds:
                lines.append(f"{f'{pipeline} pipeline, {kind} ({results.count(kind)})':<{first}}"
                             + "".join(f"{results.accuracy(pipeline, n, kind):>{width}.3f}" for n in names))
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
    kinds = handwriting.read_kinds(argv[0])
    profile = get_profile()
    print(f"{len(files)} images in {argv[0]}; {profile.name} profile")
    networks = cache.get_models(profile)
    for line in report(evaluate(files, networks, kinds=kinds)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
