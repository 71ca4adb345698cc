"""Build and training speed on this machine, in the current profile.

Usage (from the repository root)::

    python -m tools.benchmarks.speed [--images N] [--repeats R] [--no-accuracy]
    python tools/benchmarks/speed.py ...

Prints

1. each chapter's execution time in the last build (from the execution cache);
2. seconds per epoch and images per second of every registered model
   (:data:`labsupport.models.MODELS`), fed as the course trains
   (:func:`labsupport.performance.fit_inputs`), and each model's test
   accuracy (from the model cache; trained first if missing);
3. an augmented-training epoch as the course does it (augmentation layer,
   tf.data) against one fed the way the original notebook did (NumPy batches
   augmented image by image in Python on the CPU,
   :class:`tools.benchmarks.cpu_feeding.CpuAugmentedBatches`), on the same
   images;
4. each model's training FLOP/s as a share of the practical ceiling: the
   fastest float32 matrix product on this machine, from the Keras backend or
   from NumPy's BLAS, whichever is faster (the output names it).

How the times are taken
-----------------------
One epoch measured once is not a measurement: on a shared 2-core machine the
same epoch can take half or twice as long from one run to the next, and single
epochs of one model fall into two clusters (about 1.9 s and 2.55 s for the
CNN on 6000 images here) in an irregular order. So every model, and each side
of a comparison, is timed in ``R`` samples (default 7) after one untimed
warm-up epoch (graph tracing, tf.data's cache); a sample repeats the epoch
until it lasts at least MIN_SAMPLE_SECONDS, which averages over the clusters;
and the samples are *interleaved*, A, B, A, B, ..., so that a slow spell of
the machine hits both sides alike. Each side is reported as the median
seconds per epoch with the spread (min-max) of its samples. Every ratio is
computed from medians: images per second and the share of the ceiling from
the median epoch time, the speedup as the median of the round-by-round
ratios of the two sides. Epochs cover at most ``N`` training images (default
6000) to keep the run short.

The last line is ``augmented-epoch speedup vs original feeding: X.XXx``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

#: The repository root.
ROOT = Path(__file__).resolve().parents[2]

if __package__ in (None, ""):  # run as a file: make ``tools`` importable
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from labsupport.data import Arrays
    from labsupport.profile import Profile

#: Defaults: images per timed epoch, timed epochs per side, matrix-product runs per source.
DEFAULT_IMAGES = 6000
DEFAULT_REPEATS = 7
#: A timed sample repeats its epoch until it lasts at least this long. On the
#: 2-core machines this course is built on, single epochs of the same model
#: come out in two clusters (e.g. 1.9 s and 2.55 s, alternating irregularly),
#: so the median of single epochs flips between clusters from run to run; a
#: sample of several epochs averages over them.
MIN_SAMPLE_SECONDS = 6.0
#: ... but never more epochs than this in one sample.
MAX_EPOCHS_PER_SAMPLE = 50
CEILING_RUNS = 5

#: The two registered models that section 3 compares.
AUGMENTED, PLAIN = "augmented_cnn", "cnn"


# --- pure helpers -----------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """The median of repeated measurements and their range.

    Attributes
    ----------
    median, low, high : float
        Median, minimum and maximum.
    n : int
        Number of measurements.
    """

    median: float
    low: float
    high: float
    n: int

    def format(self, digits: int = 2) -> str:
        """``'1.23 [1.10-1.40]'``: the median and the min-max range."""
        return f"{self.median:.{digits}f} [{self.low:.{digits}f}-{self.high:.{digits}f}]"


def summarize(samples: Sequence[float]) -> Spread:
    """Median and min-max range of measurements.

    Parameters
    ----------
    samples : sequence of float

    Returns
    -------
    Spread

    Raises
    ------
    ValueError
        If there are no samples.
    """
    if len(samples) == 0:
        raise ValueError("no measurements to summarize")
    values = [float(v) for v in samples]
    return Spread(statistics.median(values), min(values), max(values), len(values))


def interleaved(
    runs: Mapping[str, Callable[[], object]],
    repeats: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Time several runs in turns: ``warmup`` untimed rounds, then ``repeats`` timed ones.

    Each round calls every run once, in the mapping's order (A, B, C, A, B,
    C, ...), so that a slow spell of the machine hits all of them alike.

    Parameters
    ----------
    runs : mapping
        Name to a callable that does the work once (e.g. one training epoch).
    repeats : int
        Timed rounds (at least 1).
    warmup : int
        Untimed rounds first (graph tracing, caches filling).
    clock : callable
        Seconds now; :func:`time.perf_counter` unless a test fakes it.

    Returns
    -------
    dict
        Name to its ``repeats`` durations in seconds, in the order measured.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    for _ in range(warmup):
        for run in runs.values():
            run()
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = clock()
            run()
            seconds[name].append(clock() - start)
    return seconds


def paired_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """Ratio of each interleaved round's two measurements (how steady the comparison is)."""
    if len(numerator) != len(denominator):
        raise ValueError(f"need as many measurements on each side, got {len(numerator)} and {len(denominator)}")
    return [a / b for a, b in zip(numerator, denominator)]


def pick_ceiling(measured: Mapping[str, Sequence[float]]) -> tuple[str, float]:
    """The fastest source of matrix products and its best speed.

    A ceiling is what the machine *can* do, so each source counts with its
    best run; the source with the highest best run wins.

    Parameters
    ----------
    measured : mapping
        Source name to its FLOP/s, one value per run.

    Returns
    -------
    name : str
    flops_per_second : float
    """
    if not measured or not all(len(v) for v in measured.values()):
        raise ValueError("need at least one run of at least one source")
    name = max(measured, key=lambda k: max(measured[k]))
    return name, float(max(measured[name]))


# --- measurements -------------------------------------------------------------


def chapter_times(root: Path = ROOT) -> list[tuple[str, float]]:
    """(chapter, seconds) from the execution cache of the current profile and labsupport."""
    from jupyter_cache import get_cache

    from tools.sphinxext import execution_cache_key

    path = root / "book" / "_build" / ".jupyter_cache" / execution_cache_key()
    if not path.is_dir():
        return []
    cache = get_cache(path)
    times = []
    for record in cache.list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is not None:
            times.append((Path(record.uri).stem, float(seconds)))
    return sorted(times)


def epoch(model, epochs: int = 1, **fit_inputs) -> Callable[[], None]:
    """A callable that trains ``model`` for ``epochs`` silent epochs on ``fit_inputs``."""
    return lambda: model.fit(epochs=epochs, verbose=0, **fit_inputs)


def epochs_per_sample(seconds_per_epoch: float, min_seconds: float = MIN_SAMPLE_SECONDS) -> int:
    """How many epochs one timed sample needs to last at least ``min_seconds`` (1 to MAX_EPOCHS_PER_SAMPLE)."""
    if seconds_per_epoch <= 0:
        return MAX_EPOCHS_PER_SAMPLE
    return int(max(1, min(MAX_EPOCHS_PER_SAMPLE, math.ceil(min_seconds / seconds_per_epoch))))


def training_subset(arrays: Arrays, profile: Profile, images: int, input_format: str) -> tuple[np.ndarray, np.ndarray]:
    """The first ``images`` training images and labels of the profile's split, in an input format."""
    from labsupport import data

    splits = data.make_splits(arrays, input_format, profile)
    return splits.x_train[:images], splits.y_train[:images]


def time_epochs(
    trainers: Mapping[str, tuple[object, dict]], repeats: int, warmup: int = 1,
    min_seconds: float = MIN_SAMPLE_SECONDS,
) -> dict[str, list[float]]:
    """Seconds per epoch of several (model, fit inputs) pairs, timed in interleaved samples.

    After ``warmup`` untimed epochs each, one more epoch of each is timed to
    choose how many epochs its samples run (:func:`epochs_per_sample`); then
    ``repeats`` rounds of samples are timed in turns (:func:`interleaved`),
    and each sample's time is divided by its number of epochs.

    Parameters
    ----------
    trainers : mapping
        Name to ``(compiled model, model.fit data arguments)``.
    repeats, warmup : int
    min_seconds : float
        Shortest sample.

    Returns
    -------
    dict
        Name to ``repeats`` seconds-per-epoch values, in the order measured.
    """
    single = {name: epoch(model, **inputs) for name, (model, inputs) in trainers.items()}
    probe = interleaved(single, repeats=1, warmup=warmup)
    per_sample = {name: epochs_per_sample(probe[name][0], min_seconds) for name in single}
    runs = {name: epoch(model, per_sample[name], **inputs) for name, (model, inputs) in trainers.items()}
    seconds = interleaved(runs, repeats, warmup=0)
    return {name: [t / per_sample[name] for t in seconds[name]] for name in runs}


def time_models(
    arrays: Arrays, profile: Profile, images: int, repeats: int, warmup: int = 1
) -> dict[str, tuple[int, Spread]]:
    """Seconds per training epoch of every registered model, interleaved.

    Parameters
    ----------
    arrays : Mnist
    profile : Profile
        Batch size and training split.
    images : int
        At most this many training images per timed epoch.
    repeats, warmup : int
        See :func:`interleaved`.

    Returns
    -------
    dict
        Model name (in registry order) to (images per epoch, seconds per epoch).

    Notes
    -----
    Timed with :func:`time_epochs`: a sample repeats a model's epoch until
    it lasts :data:`MIN_SAMPLE_SECONDS` (a dense-network epoch over a few
    thousand images takes a tenth of a second).
    """
    from labsupport import models, performance, train

    formats = {spec.inputs for spec in models.MODELS.values()}
    subsets = {f: training_subset(arrays, profile, images, f) for f in formats}
    trained, sizes = {}, {}
    for name, spec in models.MODELS.items():
        x, y = subsets[spec.inputs]
        trained[name] = (train.compile_classifier(spec.new()), performance.fit_inputs(x, y, profile.batch_size))
        sizes[name] = len(x)
    seconds = time_epochs(trained, repeats, warmup)
    return {name: (sizes[name], summarize(seconds[name])) for name in trained}


def model_accuracies(arrays: Arrays, profile: Profile, directory: Path | None = None) -> dict[str, float]:
    """Test accuracy of every registered model, from the model cache (trained first if missing)."""
    from labsupport import cache, inference, models

    _, (x_test, y_test) = arrays
    return {
        name: inference.accuracy({name: cache.get_model(name, profile, arrays, directory)}, x_test, y_test)[name]
        for name in models.MODELS
    }


def time_feedings(
    arrays: Arrays, profile: Profile, images: int, repeats: int
) -> tuple[int, dict[str, list[float]]]:
    """Epoch times of augmented training fed two ways, interleaved.

    ``"ours"``: the augmented CNN (augmentation layer) fed by tf.data, as the
    course trains it. ``"original"``: the plain CNN fed batches augmented
    image by image in Python (:class:`~tools.benchmarks.cpu_feeding.CpuAugmentedBatches`).
    Both train on the same images.

    Returns
    -------
    images : int
        Training images per epoch.
    seconds : dict
        ``"ours"`` and ``"original"`` to their seconds per epoch, as from :func:`time_epochs`.
    """
    from labsupport import models, performance, train
    from tools.benchmarks.cpu_feeding import CpuAugmentedBatches

    x, y = training_subset(arrays, profile, images, "image")
    ours = train.compile_classifier(models.build(AUGMENTED))
    original = train.compile_classifier(models.build(PLAIN))
    return len(x), time_epochs(
        {
            "ours": (ours, performance.fit_inputs(x, y, profile.batch_size)),
            "original": (original, {"x": CpuAugmentedBatches(x, y, profile.batch_size, seed=0)}),
        },
        repeats,
    )


def numpy_matmul_flops_per_second(n: int = 2048, repeats: int = 10) -> float:
    """Speed of float32 ``n x n`` matrix products with NumPy's BLAS (on the CPU).

    Measured like :func:`labsupport.timing.matmul_flops_per_second`: ``repeats``
    products after a warm-up one, 2 n^3 FLOPs each.
    """
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b  # warm-up (threads started, pages touched)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - start)


def blas_name() -> str:
    """The BLAS library NumPy was built with, e.g. ``'scipy-openblas'``."""
    try:
        config = np.show_config(mode="dicts")
        return str(config["Build Dependencies"]["blas"]["name"])
    except Exception:  # older NumPy, or a build without the information
        return "unknown BLAS"


def ceiling_sources() -> dict[str, Callable[[], float]]:
    """Named ways to multiply large float32 matrices here, each returning FLOP/s."""
    import keras

    from labsupport import hardware, timing

    device = "GPU" if hardware.gpu_names() else "CPU"
    return {
        f"Keras {keras.backend.backend()} matmul on the {device}": timing.matmul_flops_per_second,
        f"NumPy matmul ({blas_name()}) on the CPU": numpy_matmul_flops_per_second,
    }


def measure_ceiling(sources: Mapping[str, Callable[[], float]], runs: int = CEILING_RUNS) -> dict[str, list[float]]:
    """Each source's FLOP/s in ``runs`` interleaved runs."""
    measured: dict[str, list[float]] = {name: [] for name in sources}
    for _ in range(runs):
        for name, source in sources.items():
            measured[name].append(float(source()))
    return measured


# --- the report -----------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.benchmarks.speed", description=__doc__.strip().splitlines()[0]
    )
    parser.add_argument("--images", type=int, default=DEFAULT_IMAGES,
                        help=f"at most this many training images per timed epoch (default {DEFAULT_IMAGES})")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help=f"timed epochs per model and side, after a warm-up (default {DEFAULT_REPEATS})")
    parser.add_argument("--no-accuracy", action="store_true",
                        help="skip the test accuracies (which train any model the cache lacks)")
    args = parser.parse_args(argv)
    if args.images < 1 or args.repeats < 1:
        parser.error("--images and --repeats must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report; returns the exit status."""
    args = parse_args(argv)
    from labsupport import data, hardware, models, performance, timing
    from labsupport.profile import get_profile

    profile = get_profile()
    setup = performance.configure()
    summary = hardware.hardware_summary()
    print(f"profile {profile.name}; {summary['hardware']}; {summary['backend']}; "
          f"precision {setup['precision']}; input {setup['input']}")
    print(f"times: seconds per epoch, median [min-max] of {args.repeats} interleaved samples after a "
          f"warm-up epoch; at most {args.images} training images per epoch; each sample repeats the "
          f"epoch until it lasts {MIN_SAMPLE_SECONDS:g} s; ratios from medians")

    print("\n1. chapter execution times of the last build")
    times = chapter_times()
    if not times:
        print("   no execution cache for this profile and labsupport: build the book first")
    for name, seconds in times:
        print(f"   {name:<22}{seconds:>8.1f} s")
    if times:
        print(f"   {'all chapters':<22}{sum(s for _, s in times):>8.1f} s")

    arrays = data.load_mnist()
    print(f"\n2. training speed ({profile.name} profile, batch {profile.batch_size}) and test accuracy")
    speeds = time_models(arrays, profile, args.images, args.repeats)
    accuracies = {} if args.no_accuracy else model_accuracies(arrays, profile)
    width = max(len(name) for name in speeds) + 2
    print(f"   {'model':<{width}}{'images':>7}{'s/epoch [min-max]':>22}{'images/s':>10}{'test acc':>10}")
    for name, (n, seconds) in speeds.items():
        acc = f"{accuracies[name]:>10.4f}" if name in accuracies else f"{'-':>10}"
        print(f"   {name:<{width}}{n:>7}{seconds.format():>22}{n / seconds.median:>10.0f}{acc}")

    print("\n3. augmented training: augmentation layer + tf.data vs the original feeding")
    n_feed, feedings = time_feedings(arrays, profile, args.images, args.repeats)
    ours, original = summarize(feedings["ours"]), summarize(feedings["original"])
    sides = {
        f"ours ({AUGMENTED}: augmentation layer, tf.data)": ours,
        f"original ({PLAIN}: NumPy batches augmented per image)": original,
    }
    label_width = max(len(label) for label in sides) + 2
    print(f"   {str(n_feed) + ' images per epoch':<{label_width}}{'s/epoch [min-max]':>20}")
    for label, seconds in sides.items():
        print(f"   {label:<{label_width}}{seconds.format():>20}")
    rounds = summarize(paired_ratios(feedings["original"], feedings["ours"]))
    print(f"   {'original/ours, round by round':<{label_width}}{rounds.format():>20}")
    print("   (the speedup below is the median of these paired ratios: both sides of a round")
    print("    ran back to back, so a slow spell of the machine affects both alike)")

    print("\n4. training FLOP/s against the fastest float32 matrix product on this machine")
    measured = measure_ceiling(ceiling_sources())
    source_width = max(len(source) for source in measured) + 2
    for source, values in measured.items():
        s = summarize(values)
        print(f"   {source:<{source_width}}best {s.high / 1e9:8.1f} GFLOP/s "
              f"(median {s.median / 1e9:.1f}, {s.n} runs)")
    source, ceiling = pick_ceiling(measured)
    print(f"   ceiling: {source}, {ceiling / 1e9:.1f} GFLOP/s (its best run)")
    if "float16" in setup["precision"]:
        print("   (training runs in mixed precision: a float32 ceiling understates the GPU's float16 peak)")
    for name, (n, seconds) in speeds.items():
        flops = timing.training_flops_per_image(models.build(name)) * n / seconds.median
        print(f"   {name:<{width}}{flops / 1e9:8.1f} GFLOP/s  {100 * flops / ceiling:5.1f} % of the ceiling")

    print(f"\naugmented-epoch speedup vs original feeding: {rounds.median:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
