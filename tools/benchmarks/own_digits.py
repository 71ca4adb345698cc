"""Accuracy of every registered model on a folder of digit photos, old vs new preprocessing.

Usage (from the repository root)::

    python -m tools.benchmarks.own_digits DIR [--seeds 42,1,2]
    python tools/benchmarks/own_digits.py DIR [--seeds 42,1,2]

``DIR`` holds images named ``<label>_<anything>.png|jpg|jpeg``; a
``MANIFEST.tsv`` in it with ``file`` and ``kind`` columns (``photo``,
``drawn``) adds the accuracy of each kind, and a ``source_repo`` column the
accuracy on the sources the pipeline was tuned on
(:data:`labsupport.handwriting.TUNED_SOURCES`) beside that on the held-out
ones. The models are every entry of :data:`labsupport.models.MODELS`, trained
in the current profile (``LABSUPPORT_PROFILE``) with each training seed of
``--seeds`` (default: the book's seed only), from the model cache; any
missing one is trained first (:func:`labsupport.cache.get_models`, the one
training recipe). Each photo goes through the course's first recipe
(:func:`labsupport.baseline.original_pipeline`, "old") and through
:func:`labsupport.digits.preprocess` ("new").

Prints, for the first seed, each file's predictions, every image the new
pipeline's networks got wrong with what each network said (top class and
probability) and the top-1 accuracy of every model with each pipeline (and for
each kind); then, over all the seeds (mean [lowest-highest]), the new
pipeline's accuracy per model for all images, each kind, the tuned and the
held-out sources; the verdict (:func:`labsupport.inference.verdict`): how often
"sure" is right and the share "unsure", with every sure-but-wrong image; and,
when the augmented CNN is registered, as its last line
``new-pipeline augmented-CNN accuracy: X.XXX`` (the mean over the seeds).
The work is done by :mod:`labsupport.handwriting`, which the own-digit chapter
uses too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as a file: make ``tools`` importable like ``python -m`` does
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from labsupport import cache, digits, handwriting, inference
from labsupport.handwriting import PIPELINES, TUNED_SOURCES, Results, Sample, labelled_files
from labsupport.profile import SEED, get_profile

if TYPE_CHECKING:
    import keras

__all__ = ["PIPELINES", "Results", "Sample", "evaluate", "labelled_files", "main", "report", "seed_report"]

#: The model whose new-pipeline accuracy is the last line, when registered.
HEADLINE_MODEL = "augmented_cnn"

#: The pipeline whose failures are listed one by one.
LISTED_PIPELINE = "new"


def evaluate(
    files: Sequence[tuple[Path, int] | Sample],
    networks: Mapping[str, keras.Model],
    pipelines: Mapping[str, Callable[[digits.Source], np.ndarray]] = PIPELINES,
    kinds: Mapping[str, str] | None = None,
    origins: Mapping[str, str] | None = None,
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
    origins : mapping, optional
        File name to source, as from :func:`labsupport.handwriting.read_origins`.

    Returns
    -------
    Results
    """
    kinds, origins = kinds or {}, origins or {}
    samples = [
        f if isinstance(f, Sample)
        else Sample(f[0].name, f[1], f[0], kinds.get(f[0].name, ""), origin=origins.get(f[0].name, ""))
        for f in files
    ]
    return handwriting.evaluate(samples, networks, pipelines)


def _said(results: Results, pipeline: str, index: int) -> str:
    label = results.samples[index].label
    return ", ".join(
        f"{model} {top} ({p:.0%})" + ("" if top == label else "*")
        for model, (top, p) in results.said(pipeline, index).items()
    )


def report(results: Results, headline: bool = True) -> list[str]:
    """The benchmark's table, failures, accuracies (overall and by kind) and headline, as lines.

    ``headline``: end with the augmented CNN's new-pipeline accuracy (when
    registered); :func:`seed_report` gives it instead over several seeds.
    """
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
    if headline and HEADLINE_MODEL in names and "new" in pipelines:
        lines.append(f"new-pipeline augmented-CNN accuracy: {results.accuracy('new', HEADLINE_MODEL):.3f}")
    return lines


def mean_range(values: Sequence[float], places: int = 3) -> str:
    """``mean [lowest-highest]`` of figures over seeds (just the figure for one seed); ``-`` when there are none."""
    values = [v for v in values if not np.isnan(v)]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{places}f}"
    return f"{np.mean(values):.{places}f} [{min(values):.{places}f}-{max(values):.{places}f}]"


def _groups(results: Results, tuned: Collection[str]) -> list[tuple[str, np.ndarray]]:
    """The image groups reported over seeds: all, each kind, tuned and held-out sources (and each kind of those)."""
    samples = results.samples
    groups = [("all", np.ones(len(samples), bool))]
    kinds = results.kinds if len(results.kinds) > 1 else []
    groups += [(kind, results.selected(kind)) for kind in kinds]
    tuned_mask = handwriting.tuned_mask(samples, tuned)
    held_mask = handwriting.held_out_mask(samples, tuned)
    if tuned_mask.any() and held_mask.any():
        groups += [("tuned sources", tuned_mask), ("held-out sources", held_mask)]
        for kind in kinds:
            groups += [(f"tuned, {kind}", tuned_mask & results.selected(kind)),
                       (f"held-out, {kind}", held_mask & results.selected(kind))]
    return [(f"{name} ({int(mask.sum())})", mask) for name, mask in groups if mask.any()]


def seed_report(by_seed: Mapping[int, Results], tuned: Collection[str] = TUNED_SOURCES) -> list[str]:
    """Figures over training seeds: accuracy per model and image group, the verdict, and the headline.

    Parameters
    ----------
    by_seed : mapping
        Training seed to the :class:`Results` of the networks trained with it
        (the same images in the same order for every seed).
    tuned : collection of str
        The sources the pipeline was tuned on; images of other known sources
        are held out.

    Returns
    -------
    list of str
        Each figure is ``mean [lowest-highest]`` over the seeds.
    """
    seeds = list(by_seed)
    runs = list(by_seed.values())
    first = runs[0]
    names = first.models
    groups = _groups(first, tuned)
    pipeline = LISTED_PIPELINE if LISTED_PIPELINE in first.pipelines else first.pipelines[-1]
    width = max(24, max(len(n) for n in names) + 2)
    label = max(22, max(len(g) for g, _ in groups) + 2)
    lines = ["", f"{pipeline} pipeline over {len(seeds)} training seed{'s' * (len(seeds) > 1)} "
             f"({', '.join(map(str, seeds))}): top-1 accuracy, mean [lowest-highest]",
             f"{'images':<{label}}" + "".join(f"{n:>{width}}" for n in names)]
    for group, mask in groups:
        lines.append(f"{group:<{label}}" + "".join(
            f"{mean_range([r.subset(mask).accuracy(pipeline, n) for r in runs]):>{width}}" for n in names))

    lines += ["", f"verdict of the {len(names)} networks (sure: all agree and mean probability >= "
              f"{inference.SURE_PROBABILITY:.2f}), mean [lowest-highest]; unreadable images get a message instead",
              f"{'images':<{label}}{'sure is right':>{width}}{'share unsure':>{width}}{'sure but wrong':>{width}}"]
    for group, mask in groups:
        counts = [handwriting.verdict_counts(r.subset(mask), pipeline) for r in runs]
        wrong = [c.sure - c.sure_right for c in counts]
        lines.append(f"{group:<{label}}{mean_range([c.sure_right_share for c in counts], 4):>{width}}"
                     f"{mean_range([c.unsure_share for c in counts]):>{width}}"
                     f"{mean_range([float(w) for w in wrong], 1):>{width}}")
    for seed, results in by_seed.items():
        wrong = handwriting.sure_but_wrong(results, pipeline)
        said = ", ".join(f"{s.name} ({v.label} at {v.probability:.0%})" for s, v in wrong) or "none"
        lines.append(f"sure but wrong, seed {seed}: {said}")

    if HEADLINE_MODEL in names and "new" in first.pipelines:
        mean = np.mean([r.accuracy("new", HEADLINE_MODEL) for r in runs])
        lines.append(f"new-pipeline augmented-CNN accuracy: {mean:.3f}")
    return lines


def remembered(run: Callable[[digits.Source], np.ndarray]) -> Callable[[digits.Source], np.ndarray]:
    """A pipeline that runs once per file path and then repeats its digit or its error (for several seeds)."""
    seen: dict[str, np.ndarray | digits.DigitImageError] = {}

    def once(source: digits.Source) -> np.ndarray:
        key = str(source)
        if key not in seen:
            try:
                seen[key] = run(source)
            except digits.DigitImageError as e:
                seen[key] = e
        if isinstance(seen[key], digits.DigitImageError):
            raise seen[key]
        return seen[key]

    return once


def parse_seeds(text: str) -> list[int]:
    """``"42,1,2"`` -> [42, 1, 2] (no repeats)."""
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must be integers separated by commas, got {text!r}") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"give one or more different seeds, got {text!r}")
    return seeds


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark on the folder in ``argv``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.benchmarks.own_digits", description=__doc__.strip().splitlines()[0])
    parser.add_argument("folder", metavar="DIR", help="images named <label>_<anything>.png|jpg|jpeg")
    parser.add_argument("--seeds", type=parse_seeds, default=[SEED],
                        help=f"training seeds, e.g. {SEED},1,2 (default: the book's seed, {SEED}); "
                             "networks of other seeds are trained and cached on first use")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as e:  # usage errors: status 2, as argparse gives
        return int(e.code or 0)
    try:
        files = labelled_files(args.folder)
    except digits.DigitImageError as e:
        print(f"error: {e}")
        return 2
    kinds, origins = handwriting.read_kinds(args.folder), handwriting.read_origins(args.folder)
    profile = get_profile()
    print(f"{len(files)} images in {args.folder}; {profile.name} profile")
    print(f"training seeds: {', '.join(map(str, args.seeds))} (the book's is {SEED}); "
          f"file by file below: seed {args.seeds[0]}")
    pipelines = {name: remembered(run) for name, run in PIPELINES.items()}  # each photo read once
    by_seed = {}
    for seed in args.seeds:
        networks = cache.get_models(profile, seed=seed)
        by_seed[seed] = evaluate(files, networks, pipelines, kinds=kinds, origins=origins)
    for line in report(by_seed[args.seeds[0]], headline=False) + seed_report(by_seed):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
