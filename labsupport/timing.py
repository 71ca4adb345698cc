"""Measuring training speed on the CPU and on a GPU.

How a speed is measured
-----------------------
On the 2-core machines this course is built on, consecutive epochs of the same
model on the same images take either about 2.5 s or exactly twice that (4,096
images of the CNN), in spells that come and go, so a median of three epochs
can land on the slow mode. Where the modes come from could not be fully
settled on a shared machine, but it looks like the machine rather than our
code: the process's CPU time per epoch (``time.process_time``) stays the
same in fast and slow epochs while the wall time changes (measured: 5.3 to
5.9 CPU seconds for wall times of 8 to 20.5 s on a busy machine), so a slow
epoch does no extra work in TensorFlow's thread pools, oneDNN or the input
pipeline; it waits. TensorFlow splits each operation over both cores, so
while anything else holds one core, every step waits for its other half and
takes twice as long. (The input pipeline has little to do anyway: the arrays
are cached in memory as tensors, shuffled and prefetched.) So :func:`time_training` cuts its timed
epochs into many short *samples* of a few training steps each and reports a
stated statistic of them, :data:`QUANTILE` (the 25th percentile): the speed
the machine gives when nothing else competes for it, which a slow spell
cannot decide unless it covers three quarters of the run. Every sample is
kept, so the spread can be printed next to the figure.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import keras
import numpy as np

from . import anatomy, performance
from .hardware import available_devices

#: The statistic :func:`time_training` reports: this quantile of its samples' seconds.
QUANTILE = 0.25

#: Training steps in one sample, in :func:`time_training` and in the training log (:func:`labsupport.train.fit`).
STEPS_PER_SAMPLE = 4

#: Two speeds "agree" when they differ by at most this fraction of the second (see :func:`agreement`).
AGREEMENT = 0.20


@dataclass(frozen=True)
class Timing:
    """Training speed measured on one device.

    Attributes
    ----------
    device : str
        ``"CPU"`` or ``"GPU"``.
    images : int
        Images trained on in one timed sample (warm-up excluded).
    seconds : float
        Wall time of one sample: the :attr:`quantile` of :attr:`samples`
        (or the one measurement when there are no samples).
    precision : str
        Keras dtype policy the model was built under (``"float32"`` or
        ``"mixed_float16"``).
    samples : tuple of float
        Wall time of every timed sample of ``images`` images, in the order taken.
    quantile : float or None
        Which quantile of ``samples`` ``seconds`` is; None for a single measurement.
    """

    device: str
    images: int
    seconds: float
    precision: str = "float32"
    samples: tuple[float, ...] = ()
    quantile: float | None = None

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds

    @property
    def spread(self) -> tuple[float, float]:
        """Fastest and slowest sample, in seconds (``seconds`` twice without samples)."""
        return (min(self.samples), max(self.samples)) if self.samples else (self.seconds, self.seconds)


@contextlib.contextmanager
def on_device(device: str) -> Iterator[None]:
    """Run the enclosed Keras code on ``"CPU"`` or ``"GPU"`` (TensorFlow or JAX backend).

    Raises
    ------
    ValueError
        For another device name, or ``"GPU"`` when there is none.
    """
    if device not in ("CPU", "GPU"):
        raise ValueError(f"device must be 'CPU' or 'GPU', got {device!r}")
    if device not in available_devices():
        raise ValueError("no GPU is visible to the Keras backend on this machine")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.device(f"/{device}:0"):
            yield
    elif backend == "jax":
        import jax

        with jax.default_device(jax.devices(device.lower())[0]):
            yield
    else:  # pragma: no cover - other backends place work themselves
        yield


class StepClock(keras.callbacks.Callback):
    """Record when each training epoch starts and each of its steps ends.

    At every ``sync_every``-th step the step's loss is fetched, which waits
    for the device, so that sample boundaries are true wall times on a GPU
    too (which otherwise runs behind Python).

    Attributes
    ----------
    ticks : list of list of float
        Per epoch: the start time, then the end time of each step
        (:func:`time.perf_counter`).
    """

    def __init__(self, sync_every: int = 1) -> None:
        super().__init__()
        self.sync_every = sync_every
        self.ticks: list[list[float]] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.ticks.append([time.perf_counter()])

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.sync_every == 0 and logs and "loss" in logs:
            keras.ops.convert_to_numpy(logs["loss"])
        self.ticks[-1].append(time.perf_counter())


def step_samples(ticks: Sequence[Sequence[float]], steps_per_sample: int, full_steps: int) -> list[float]:
    """Cut each epoch's ticks (see :class:`StepClock`) into samples of ``steps_per_sample`` steps.

    Only the first ``full_steps`` steps of an epoch count (the last batch may
    be smaller than the others); a remainder shorter than a sample is left out.
    The first sample of an epoch starts at the epoch's start, so it includes
    starting the epoch, as training does.

    Returns
    -------
    list of float
        Seconds of each sample, epoch by epoch, in order.
    """
    if steps_per_sample < 1:
        raise ValueError(f"steps_per_sample must be at least 1, got {steps_per_sample}")
    samples = []
    for epoch in ticks:
        usable = min(full_steps, len(epoch) - 1)
        for start in range(0, usable - steps_per_sample + 1, steps_per_sample):
            samples.append(epoch[start + steps_per_sample] - epoch[start])
    return samples


def time_training(
    build: Callable[[], keras.Model],
    x: np.ndarray,
    y: np.ndarray,
    device: str = "CPU",
    batch_size: int = 128,
    warmup_batches: int = 3,
    precision: str | None = None,
    epochs: int = 3,
    steps_per_sample: int = STEPS_PER_SAMPLE,
    quantile: float = QUANTILE,
) -> Timing:
    """Time training on ``x, y`` on one device, in many short samples.

    The model is built and compiled on the device under the device's own
    best dtype policy (:func:`labsupport.performance.best_policy`: float32 on
    a CPU, mixed float16 on a tensor-core GPU), so neither device is timed in
    a precision that handicaps it. It is trained on a few batches first (the
    first steps include compiling the computation graph, which is not what we
    want to measure), then for ``epochs`` epochs over all of ``x`` in one
    ``fit``, fed as the course trains (:func:`labsupport.performance.fit_inputs`).
    Every ``steps_per_sample`` consecutive steps of those epochs are one
    sample; the reported time is the ``quantile`` of the samples (see the
    module's docstring for why not the median of whole epochs). The global
    dtype policy is restored afterwards.

    Parameters
    ----------
    build : callable
        Returns a new, compiled model.
    x, y : ndarray
        Training data of one timed epoch (at least ``steps_per_sample`` full batches).
    device : {"CPU", "GPU"}
    batch_size : int
    warmup_batches : int
    precision : str, optional
        A Keras dtype policy to use instead of the device's best.
    epochs : int
        Timed epochs (at least 1).
    steps_per_sample : int
        Training steps in one sample.
    quantile : float
        The statistic reported, between 0 and 1 (0.5 is the median).

    Returns
    -------
    Timing
        ``images`` is ``steps_per_sample * batch_size``, ``seconds`` the
        ``quantile`` of the samples, ``samples`` all of them.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if not 0.0 <= quantile <= 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {quantile}")
    full_steps = len(x) // batch_size
    if full_steps < steps_per_sample:
        raise ValueError(
            f"{len(x)} images make {full_steps} full batches of {batch_size}, "
            f"fewer than one sample of {steps_per_sample} steps"
        )
    precision = precision or performance.best_policy(device)
    clock = StepClock(sync_every=steps_per_sample)
    with on_device(device), performance.dtype_policy(precision):
        model = build()
        n_warm = min(len(x), warmup_batches * batch_size)
        model.fit(epochs=1, verbose=0, **performance.fit_inputs(x[:n_warm], y[:n_warm], batch_size))
        model.fit(epochs=epochs, verbose=0, callbacks=[clock], **performance.fit_inputs(x, y, batch_size))
    samples = step_samples(clock.ticks, steps_per_sample, full_steps)
    seconds = float(np.quantile(samples, quantile))
    return Timing(device, steps_per_sample * batch_size, seconds, precision, tuple(samples), quantile)


def logged_speed(history: Mapping, images: int, skip_first: bool = True) -> tuple[float, str] | None:
    """Training speed in images per second from a training log (:func:`labsupport.train.fit`'s history).

    A log of the current recipe has ``step_samples``, the wall time of every
    :data:`STEPS_PER_SAMPLE` training steps after the first epoch, and
    ``images_per_sample``: the speed is then the :data:`QUANTILE` of those
    samples, the same statistic as :func:`time_training` reports, so the two
    can be compared like with like. An older log has only epoch times: then
    the fastest epoch counts (a slow spell cannot decide it either), leaving
    out the first when there are others (it includes compiling the
    computation graph), and the training time is used when the log has it
    (``train_seconds``, validation excluded; ``seconds`` include the
    validation pass and understate the speed).

    Parameters
    ----------
    history : mapping
        With ``step_samples`` and ``images_per_sample``, or ``train_seconds``
        or ``seconds`` (one wall time per epoch).
    images : int
        Training images per epoch (for epoch times).
    skip_first : bool
        Leave out the first epoch's time (epoch times only).

    Returns
    -------
    (float, str) or None
        Images per second and what they were computed from
        (``"step_samples"``, ``"train_seconds"`` or ``"seconds"``); None when
        the log has no times.
    """
    samples = list(history.get("step_samples") or [])
    if samples and history.get("images_per_sample"):
        return history["images_per_sample"] / float(np.quantile(samples, QUANTILE)), "step_samples"
    for key in ("train_seconds", "seconds"):
        seconds = list(history.get(key) or [])
        if seconds:
            if skip_first and len(seconds) > 1:
                seconds = seconds[1:]
            return images / min(seconds), key
    return None


def agreement(speed: float, reference: float, tolerance: float = AGREEMENT) -> tuple[bool, float]:
    """Whether ``speed`` is within ``tolerance`` (a fraction) of ``reference``, and their relative difference.

    Returns
    -------
    (bool, float)
        ``abs(speed - reference) / reference <= tolerance``, and
        ``(speed - reference) / reference``.
    """
    difference = (speed - reference) / reference
    return abs(difference) <= tolerance, difference


def compare_with_log(here: Timing, history: Mapping, images: int, machine: str, log_name: str = "the log") -> str:
    """Say whether a measured speed agrees with a training log's (:func:`logged_speed`, :func:`agreement`).

    Parameters
    ----------
    here : Timing
        The speed measured now (:func:`time_training`).
    history : mapping
        The training log (:func:`labsupport.train.fit`'s history; empty if there is none).
    images : int
        Training images per epoch of the log.
    machine : str
        This machine (:func:`labsupport.hardware.hardware_summary`'s ``"hardware"``): a log
        from another machine, or one that does not say, is not compared.
    log_name : str
        How the text names the log.

    Returns
    -------
    str
        A few lines: both speeds and whether they agree within :data:`AGREEMENT`,
        or why they cannot be compared.
    """
    log = logged_speed(history, images)
    if log is None:
        return f"No training log to compare with: {log_name} is not in the model cache."
    if "hardware" not in history:
        return (f"{log_name} is an older one that does not say which machine trained it,\n"
                "so its times cannot be compared with ours.")
    if history["hardware"] != machine:
        return (f"{log_name} comes from {history['hardware']},\n"
                f"not from this machine ({machine}): its times are not comparable with ours.")
    speed, source = log
    how = {"step_samples": f"{_quantile_name(QUANTILE)} of {len(history.get('step_samples', []))} samples "
                           f"of {STEPS_PER_SAMPLE} steps",
           "train_seconds": "fastest epoch after the first, training only",
           "seconds": "fastest epoch after the first, validation included"}[source]
    agree, difference = agreement(here.images_per_second, speed)
    lines = [f"{log_name}, {images:,} images per epoch, {how}: {speed:,.0f} images/s"]
    how_here = (f"{_quantile_name(here.quantile)} of {len(here.samples)} samples" if here.samples
                else "one measurement")
    lines.append(f"measured here ({here.device}, {here.precision}, {how_here}): {here.images_per_second:,.0f} images/s")
    if agree:
        lines.append(f"They agree within {AGREEMENT:.0%} (difference {difference:+.0%}).")
    else:
        lines.append(f"They differ by {difference:+.0%}, more than {AGREEMENT:.0%}: the two do not agree.")
        lines.append("Both use a statistic that a short slow spell cannot decide, so either the machine")
        lines.append("was busy for most of one of them (the spread of the samples shows how much this")
        lines.append("run varied) or the two ran under different conditions.")
    return "\n".join(lines)


def relative_speeds(timings: list[Timing]) -> list[float]:
    """Each timing's speed relative to the first CPU timing (which is 1.0), in order.

    Raises
    ------
    ValueError
        If there is no CPU timing to compare with.
    """
    cpu = [t for t in timings if t.device == "CPU"]
    if not cpu:
        raise ValueError("need a CPU timing as the reference")
    return [t.images_per_second / cpu[0].images_per_second for t in timings]


def speedups(timings: list[Timing]) -> dict[str, float]:
    """Each device's speed relative to the CPU (the CPU is 1.0), by device name.

    With several timings of one device (e.g. a GPU in two precisions), the
    last one counts; :func:`relative_speeds` keeps them all.
    """
    return {t.device: r for t, r in zip(timings, relative_speeds(timings))}


def format_table(timings: list[Timing]) -> str:
    """A small text table, one row per timing, and a line saying what ``seconds`` is.

    Columns: device, precision, images (per sample), seconds (the reported
    statistic), images/s, speedup, and the spread of the samples (fastest
    and slowest sample, in seconds, and how many there were).
    """
    lines = [
        f"{'device':<7}{'precision':<15}{'images':>7}{'seconds':>9}{'images/s':>10}{'speedup':>9}"
        f"   {'spread of samples (s)'}"
    ]
    for t, ratio in zip(timings, relative_speeds(timings)):
        low, high = t.spread
        spread = f"{low:.2f}-{high:.2f} (n={len(t.samples)})" if t.samples else "-"
        lines.append(
            f"{t.device:<7}{t.precision:<15}{t.images:>7}{t.seconds:>9.2f}"
            f"{t.images_per_second:>10.0f}{ratio:>8.1f}x   {spread}"
        )
    quantiles = sorted({t.quantile for t in timings if t.quantile is not None})
    if quantiles:
        names = " / ".join(_quantile_name(q) for q in quantiles)
        lines.append(f"seconds: the {names} of each row's samples; images: per sample")
    return "\n".join(lines)


def _quantile_name(q: float) -> str:
    """``0.25`` -> ``"25th percentile"``, ``0.5`` -> ``"median"``."""
    if q == 0.5:
        return "median"
    pct = q * 100
    if pct != int(pct):
        return f"{pct:g}th percentile"
    suffix = "th" if int(pct) % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(int(pct) % 10, "th")
    return f"{int(pct)}{suffix} percentile"


def forward_flops(model: keras.Model) -> int:
    """Floating-point operations of one forward pass for one image (multiply-adds count 2).

    Counts the convolutions and dense layers, which do nearly all the work;
    normalization, activations and pooling are left out. Layer by layer:
    :func:`labsupport.anatomy.layer_table`.
    """
    return anatomy.forward_flops(model)


def training_flops_per_image(model: keras.Model) -> int:
    """FLOPs to train on one image: the forward pass and a backward pass of about twice its cost."""
    return 3 * forward_flops(model)


def matmul_flops_per_second(n: int = 2048, repeats: int = 10) -> float:
    """Speed of a large float32 matrix product on the default device: a practical ceiling.

    Returns
    -------
    float
        FLOP/s of ``n x n @ n x n`` products (2 n^3 FLOPs each), after a warm-up.
    """
    a = keras.random.normal((n, n), seed=1)
    b = keras.random.normal((n, n), seed=2)
    keras.ops.convert_to_numpy(keras.ops.matmul(a, b)[0, 0])  # warm-up, and wait for it
    start = time.perf_counter()
    c = a
    for _ in range(repeats):
        c = keras.ops.matmul(a, b) + c * 0.0
    keras.ops.convert_to_numpy(c[0, 0])  # wait for the device
    seconds = time.perf_counter() - start
    return 2 * n**3 * repeats / seconds
