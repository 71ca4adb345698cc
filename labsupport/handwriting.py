"""Measuring the pipeline and the networks on handwriting: a folder of labelled images, or a synthetic set.

A folder holds images named ``<label>_<anything>.png|jpg|jpeg``; when it also
holds a ``MANIFEST.tsv`` with ``file`` and ``kind`` columns (kind: ``photo``
or ``drawn``), accuracies are given for each kind too, and a ``source_repo``
column says where each image comes from (its writer), so that figures on
sources the pipeline was tuned on (:data:`TUNED_SOURCES`) and on held-out
ones can be told apart. Without real
handwriting at hand, :func:`synthetic_samples` gives the hard synthetic set of
:mod:`labsupport.synthetic`.

Every image goes through each pipeline (the course's first recipe,
:func:`labsupport.baseline.original_pipeline`, ``"old"``, and
:func:`labsupport.digits.preprocess`, ``"new"``) and every network;
:class:`Results` keeps what each network said. The own-digit chapter and
``tools/benchmarks/own_digits.py`` both use this module.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import baseline, digits, inference, styles, synthetic

if TYPE_CHECKING:
    import keras

#: Image suffixes read from a folder.
SUFFIXES = (".png", ".jpg", ".jpeg")

#: The file, in a folder of images, that gives each image's kind.
MANIFEST = "MANIFEST.tsv"

#: The environment variable naming a folder of real handwriting for the own-digit chapter.
REAL_DIGITS_ENV = "REAL_DIGITS_PATH"

#: The sources (``MANIFEST.tsv``'s ``source_repo``) the pipeline was tuned on: those of the
#: development set's first 198 images, at hand up to commit 8d256c1 (issue 17), and two of the 15
#: sources of the 170 images added after it: one whose marker close-ups showed the trouble that
#: :data:`labsupport.digits.HAIR_SHARE` fixes, one whose tiny photos showed the trouble that
#: :func:`labsupport.digits.enlarge` fixes. Every source not listed here is *held out*, and a
#: figure on held-out sources is the honest estimate for a new writer, as long as no later tuning
#: looks at them: a source whose images a decision was made on moves here.
TUNED_SOURCES = frozenset({
    "7eraflops/mnist-digit-recognition", "AishwaryaDekhaneUFM/ECE5831-2024-Assignments",
    "Andreev-A/Neural-networks", "DEVLOKER/neural-network", "ManojAle/ece5831-2024-assignments",
    "RishiDewalkar/ece5831-2024-assignments", "Warmachine019/HandWritingRecognisation",
    "aaronpan-eng/Recognition-Using-Deep-Networks", "austinandgold/ece5831-2024", "frozen599/handwriting-recog",
    "hikaruikebe/mnist-repo", "kshah1/Recognition-Using-Deep-Networks", "lucka07/MNIST",
    "nikhilp7/ece5831-2024-assignments", "nilesh-hegde/Recognition-using-Deep-Networks",
    "sau400/ece5831-2024-assignments",
    "jeffersonkg745/cs5300-project5-RecognitionUsingDeepNetworks",  # since the hair filter of stroke_width
    "Wikunia/mlExamples",  # since digits.enlarge (its tiny photos)
})

#: The two preprocessing recipes compared: image in, 28x28 uint8 digit out.
PIPELINES: dict[str, Callable[[digits.Source], np.ndarray]] = {
    "old": baseline.original_pipeline,
    "new": lambda source: digits.preprocess(source).digit,
}


@dataclass(frozen=True)
class Sample:
    """One labelled image.

    Attributes
    ----------
    name : str
        File name, or a description of a synthetic image.
    label : int
    source : path or PIL image
        What the pipelines read.
    kind : str
        ``"photo"``, ``"drawn"``, ``"synthetic"``, or ``""`` when not known.
    note : str
        Anything worth saying about it (a synthetic image's troubles).
    origin : str
        Where it comes from (the manifest's ``source_repo``: one writer or
        class), ``""`` when not known.
    """

    name: str
    label: int
    source: digits.Source
    kind: str = ""
    note: str = ""
    origin: str = ""


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


def read_manifest_column(folder: str | os.PathLike, column: str) -> dict[str, str]:
    """File name to one column of the folder's ``MANIFEST.tsv``; empty without one (or without that column)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows or "file" not in rows[0] or column not in rows[0]:
        return {}
    return {row["file"]: (row[column] or "").strip() for row in rows if row.get("file")}


def read_kinds(folder: str | os.PathLike) -> dict[str, str]:
    """File name to kind, from the folder's ``MANIFEST.tsv``; empty without one (or without a ``kind`` column)."""
    return read_manifest_column(folder, "kind")


def read_origins(folder: str | os.PathLike) -> dict[str, str]:
    """File name to source (``source_repo`` of the folder's ``MANIFEST.tsv``); empty without that column."""
    return read_manifest_column(folder, "source_repo")


def folder_samples(folder: str | os.PathLike) -> list[Sample]:
    """The labelled images of a folder (:func:`labelled_files`), with their kinds and origins from the manifest."""
    kinds, origins = read_kinds(folder), read_origins(folder)
    return [Sample(path.name, label, path, kinds.get(path.name, ""), origin=origins.get(path.name, ""))
            for path, label in labelled_files(folder)]


def tuned_mask(samples: Sequence[Sample], tuned: Collection[str] = TUNED_SOURCES) -> np.ndarray:
    """Per sample: its origin is one of the ``tuned`` sources (False for an unknown origin)."""
    return np.array([bool(s.origin) and s.origin in tuned for s in samples], bool)


def held_out_mask(samples: Sequence[Sample], tuned: Collection[str] = TUNED_SOURCES) -> np.ndarray:
    """Per sample: its origin is known and not one of the ``tuned`` sources."""
    return np.array([bool(s.origin) and s.origin not in tuned for s in samples], bool)


def synthetic_samples(n_per_digit: int, seed: int = synthetic.HARD_SEED, size: int = 480) -> list[Sample]:
    """The hard synthetic set (:func:`labsupport.synthetic.hard_photos`) as samples of kind ``"synthetic"``."""
    return [
        Sample(f"{label}_hard_{i:03d}", label, photo, "synthetic", ", ".join(synthetic.troubles(label, style)))
        for i, (label, photo, style) in enumerate(synthetic.hard_photos(n_per_digit, seed, size))
    ]


def real_digits_folder() -> Path | None:
    """The folder named by :data:`REAL_DIGITS_ENV`, if it is set and holds labelled images."""
    value = os.environ.get(REAL_DIGITS_ENV, "").strip()
    if not value:
        return None
    try:
        labelled_files(value)
    except digits.DigitImageError:
        return None
    return Path(value)


@dataclass(frozen=True)
class Results:
    """What every network said about every image, with each pipeline.

    Attributes
    ----------
    samples : list of Sample
    probabilities : dict
        ``probabilities[pipeline][model]``: class probabilities, shape (n, 10).
    failures : dict
        ``failures[pipeline]``: per image, the pipeline's error message, or
        ``""`` when it read the image.
    """

    samples: list[Sample]
    probabilities: dict[str, dict[str, np.ndarray]]
    failures: dict[str, list[str]]

    @property
    def labels(self) -> np.ndarray:
        return np.array([s.label for s in self.samples])

    @property
    def pipelines(self) -> list[str]:
        return list(self.probabilities)

    @property
    def models(self) -> list[str]:
        return list(next(iter(self.probabilities.values())))

    @property
    def kinds(self) -> list[str]:
        """The kinds present, sorted, without ``""``."""
        return sorted({s.kind for s in self.samples if s.kind})

    def predictions(self, pipeline: str, model: str) -> np.ndarray:
        """The most likely class per image."""
        return self.probabilities[pipeline][model].argmax(axis=1)

    def selected(self, kind: str | None = None) -> np.ndarray:
        """Per image: of this kind (every image when ``kind`` is None)."""
        return np.array([kind is None or s.kind == kind for s in self.samples])

    def correct(self, pipeline: str, model: str) -> np.ndarray:
        """Per image: read by the pipeline and classified right by the network."""
        read = np.array([not message for message in self.failures[pipeline]])
        return (self.predictions(pipeline, model) == self.labels) & read

    def accuracy(self, pipeline: str, model: str, kind: str | None = None) -> float:
        """Top-1 accuracy (of one kind of image); an image the pipeline could not read counts as wrong."""
        chosen = self.selected(kind)
        return float(self.correct(pipeline, model)[chosen].mean()) if chosen.any() else float("nan")

    def count(self, kind: str | None = None) -> int:
        """How many images (of one kind)."""
        return int(self.selected(kind).sum())

    def verdicts(self, pipeline: str = "new") -> list[inference.Verdict]:
        """:func:`labsupport.inference.verdict` of the networks for every image."""
        probs = self.probabilities[pipeline]
        return [inference.verdict({m: p[i] for m, p in probs.items()}) for i in range(len(self.samples))]

    def subset(self, chosen: np.ndarray) -> Results:
        """The results of some images only (``chosen``: a boolean mask or indices)."""
        index = np.flatnonzero(chosen) if np.asarray(chosen).dtype == bool else np.asarray(chosen, int)
        return Results(
            [self.samples[i] for i in index],
            {p: {m: probs[index] for m, probs in by_model.items()} for p, by_model in self.probabilities.items()},
            {p: [messages[i] for i in index] for p, messages in self.failures.items()},
        )

    def failed(self, pipeline: str = "new") -> list[int]:
        """Indices of the images that some network got wrong (or the pipeline could not read)."""
        wrong = np.zeros(len(self.samples), bool)
        for model in self.models:
            wrong |= ~self.correct(pipeline, model)
        return [int(i) for i in np.flatnonzero(wrong)]

    def worst(self, pipeline: str = "new", n: int = 2) -> list[int]:
        """The ``n`` failed images with the lowest mean probability of the right class, worst first."""
        probs = self.probabilities[pipeline]
        labels = self.labels

        def right(i: int) -> float:
            return float(np.mean([p[i, labels[i]] for p in probs.values()]))

        return sorted(self.failed(pipeline), key=right)[:n]

    def said(self, pipeline: str, index: int) -> dict[str, tuple[int, float]]:
        """What each network said about one image: its top class and that class's probability."""
        return {
            model: (int(p[index].argmax()), float(p[index].max()))
            for model, p in self.probabilities[pipeline].items()
        }


def pipeline_inputs(
    sources: Sequence[digits.Source], run: Callable[[digits.Source], np.ndarray]
) -> tuple[np.ndarray, list[str]]:
    """28x28 digits of every image through one pipeline, and its failures.

    Returns
    -------
    images : ndarray, shape (n, 28, 28), uint8
        A blank image where the pipeline failed.
    failures : list of str
        The error message per image, ``""`` where it worked.
    """
    images, failures = [], []
    for source in sources:
        try:
            images.append(run(source))
            failures.append("")
        except digits.DigitImageError as e:
            images.append(np.zeros((28, 28), np.uint8))
            failures.append(str(e))
    return np.stack(images).astype(np.uint8), failures


def evaluate(
    samples: Sequence[Sample],
    networks: Mapping[str, keras.Model],
    pipelines: Mapping[str, Callable[[digits.Source], np.ndarray]] = PIPELINES,
) -> Results:
    """Run every image through every pipeline and every network.

    Parameters
    ----------
    samples : sequence of Sample
        As from :func:`folder_samples` or :func:`synthetic_samples`.
    networks : mapping
        Registered model name to trained model (e.g. from
        :func:`labsupport.cache.get_models`); each gets its own input format.
    pipelines : mapping
        Name to preprocessing function (default :data:`PIPELINES`).

    Returns
    -------
    Results
    """
    samples = list(samples)
    images, failures = {}, {}
    for pipeline, run in pipelines.items():
        images[pipeline], failures[pipeline] = pipeline_inputs([s.source for s in samples], run)
    together = inference.predict(dict(networks), np.concatenate(list(images.values())))
    n = len(samples)
    probabilities = {
        pipeline: {name: p[k * n : (k + 1) * n] for name, p in together.items()} for k, pipeline in enumerate(images)
    }
    return Results(samples, probabilities, failures)


@dataclass(frozen=True)
class VerdictCounts:
    """How the networks' verdict (:func:`labsupport.inference.verdict`) did on a set of images.

    Images the pipeline could not read get the pipeline's message instead of a
    verdict: they count in ``images`` only.

    Attributes
    ----------
    images : int
    read : int
        Images the pipeline read (each got a verdict).
    sure : int
        Verdicts that were sure.
    sure_right : int
        Sure verdicts whose label was right.
    """

    images: int
    read: int
    sure: int
    sure_right: int

    @property
    def sure_right_share(self) -> float:
        """How often a sure verdict is right (nan when none is sure)."""
        return self.sure_right / self.sure if self.sure else float("nan")

    @property
    def unsure_share(self) -> float:
        """The share of the read images whose verdict is unsure (nan when none was read)."""
        return (self.read - self.sure) / self.read if self.read else float("nan")


def verdict_counts(results: Results, pipeline: str = "new") -> VerdictCounts:
    """Count the sure, the sure-and-right and the unsure verdicts of the networks over every image."""
    read = [not message for message in results.failures[pipeline]]
    sure = right = 0
    for verdict, label, ok in zip(results.verdicts(pipeline), results.labels, read):
        if ok and verdict.sure:
            sure += 1
            right += int(verdict.label == label)
    return VerdictCounts(len(results.samples), sum(read), sure, right)


def sure_but_wrong(results: Results, pipeline: str = "new") -> list[tuple[Sample, inference.Verdict]]:
    """The images the pipeline read whose verdict was sure and wrong, with the verdict."""
    return [
        (sample, verdict)
        for sample, verdict, message in zip(results.samples, results.verdicts(pipeline), results.failures[pipeline])
        if not message and verdict.sure and verdict.label != sample.label
    ]


def accuracy_rows(results: Results) -> list[tuple[str, str, int, dict[str, float]]]:
    """The accuracy table: ``(pipeline, kind, images, {model: accuracy})`` for all images and each kind.

    ``kind`` is ``"all"`` for every image.
    """
    rows = []
    for pipeline in results.pipelines:
        for kind in [None] + (results.kinds if len(results.kinds) > 1 else []):
            rows.append((pipeline, kind or "all", results.count(kind),
                         {m: results.accuracy(pipeline, m, kind) for m in results.models}))
    return rows


def source_rows(
    results: Results, pipeline: str = "new", tuned: Collection[str] = TUNED_SOURCES
) -> list[tuple[str, str, int, dict[str, float]]]:
    """Accuracy on the sources the pipeline was tuned on, beside that on held-out sources.

    Rows in :func:`accuracy_rows`'s form, ``(pipeline, "tuned sources", n,
    {model: accuracy})`` and ``(pipeline, "held-out sources", n, ...)``; no
    rows when the samples' origins are not known (no ``source_repo`` in the
    manifest), one when every image is on one side. The held-out row is the
    fairer estimate for a new writer: no decision about the pipeline looked
    at those sources when it was tuned (see :data:`TUNED_SOURCES`).
    """
    rows = []
    for name, chosen in (("tuned sources", tuned_mask(results.samples, tuned)),
                         ("held-out sources", held_out_mask(results.samples, tuned))):
        if chosen.any():
            rows.append((pipeline, name, int(chosen.sum()),
                         {m: float(results.correct(pipeline, m)[chosen].mean()) for m in results.models}))
    return rows


def style_rows(results: Results, pipeline: str = "new") -> list[tuple[str, str, int, dict[str, float]]]:
    """Accuracy on each writing style MNIST rarely has, beside the same digit written MNIST's way.

    A sample has a style when its ``note`` names one of
    :data:`labsupport.synthetic.VARIANT_NAMES` (the hard synthetic set's
    samples do). Rows are in :func:`accuracy_rows`'s form, for
    :func:`labsupport.plots.accuracy_table`: ``(pipeline, "serif 1", n,
    {model: accuracy})`` and ``(pipeline, "1 written as in MNIST", n, ...)``
    for each styled digit that the results hold.
    """
    labels = results.labels
    notes = [s.note for s in results.samples]
    rows = []
    for digit, style in synthetic.VARIANT_NAMES.items():
        styled = np.array([style in n for n in notes]) & (labels == digit)
        plain = ~styled & (labels == digit)
        for name, chosen in ((style, styled), (f"{digit} written as in MNIST", plain)):
            if chosen.any():
                rows.append((pipeline, name, int(chosen.sum()),
                             {m: float(results.correct(pipeline, m)[chosen].mean()) for m in results.models}))
    return rows


def digit_accuracy(results: Results, pipeline: str = "new") -> dict[int, float]:
    """The share of each digit's images on which every network was right (digits the results hold)."""
    every = np.all([results.correct(pipeline, m) for m in results.models], axis=0)
    return {int(d): float(every[results.labels == d].mean()) for d in np.unique(results.labels)}


def flag_readings(
    networks: Mapping[str, keras.Model],
    ones: np.ndarray,
    lengths: Sequence[float],
    turns: Sequence[float],
) -> dict[tuple[float, float], dict[str, float]]:
    """How each network reads 1s given a flag of each length and angle: the share it calls a 1.

    A flag that is long and leans far from the stem is a 7's top bar (which
    is why much of the world crosses its 7s); the shares say where the
    networks start to see one. Every 1 gets the same flag, without a base
    (:func:`labsupport.styles.flag_and_base`): nothing is random.

    Parameters
    ----------
    networks : mapping
        Registered model name to trained model.
    ones : ndarray, shape (n, 28, 28), uint8
        1s in MNIST's form (for example from its test set).
    lengths : sequence of float
        Flag lengths, as shares of the digit's height.
    turns : sequence of float
        Angles between the flag and the stem, in degrees.

    Returns
    -------
    dict
        ``(length, turn)`` to ``{model: share of the 1s read as 1}``.
    """
    rng = np.random.default_rng(0)  # unused: length, angle and base are all given
    found = {}
    for length in lengths:
        for turn in turns:
            flagged = np.stack([styles.flag_and_base(one, rng, length=length, turn=turn, base=False) for one in ones])
            said = inference.predict(dict(networks), flagged)
            found[(float(length), float(turn))] = {m: float((p.argmax(axis=1) == 1).mean()) for m, p in said.items()}
    return found
