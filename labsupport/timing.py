"""Measuring training speed on the CPU and on a GPU."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import keras
import numpy as np

from . import anatomy, performance
from .hardware import available_devices


@dataclass(frozen=True)
class Timing:
    """Training speed measured on one device.

    Attributes
    ----------
    device : str
        ``"CPU"`` or ``"GPU"``.
    images : int
        Images trained on in the timed part (warm-up excluded).
    seconds : float
        Wall time of the timed part.
    precision : str
        Keras dtype policy the model was built under (``"float32"`` or
        ``"mixed_float16"``).
    """

    device: str
    images: int
    seconds: float
    precision: str = "float32"

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds


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


def time_training(
    build: Callable[[], keras.Model],
    x: np.ndarray,
    y: np.ndarray,
    device: str = "CPU",
    batch_size: int = 128,
    warmup_batches: int = 3,
    precision: str | None = None,
    repeats: int = 3,
) -> Timing:
    """Time an epoch of training on ``x, y`` on one device: the median of ``repeats`` epochs.

    The model is built and compiled on the device under the device's own
    best dtype policy (:func:`labsupport.performance.best_policy`: float32 on
    a CPU, mixed float16 on a tensor-core GPU), so neither device is timed in
    a precision that handicaps it. It is trained on a few batches first (the
    first steps include compiling the computation graph, which is not what we
    want to measure), then for ``repeats`` timed epochs over all of ``x``,
    whose median is reported (single epochs on a busy machine vary a lot).
    The global policy is restored afterwards.

    Parameters
    ----------
    build : callable
        Returns a new, compiled model.
    x, y : ndarray
        Training data for the timed epoch.
    device : {"CPU", "GPU"}
    batch_size : int
    warmup_batches : int
    precision : str, optional
        A Keras dtype policy to use instead of the device's best.
    repeats : int
        Timed epochs (at least 1).

    Returns
    -------
    Timing
        ``seconds`` is the median epoch.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    precision = precision or performance.best_policy(device)
    with on_device(device), performance.dtype_policy(precision):
        model = build()
        n_warm = min(len(x), warmup_batches * batch_size)
        model.fit(epochs=1, verbose=0, **performance.fit_inputs(x[:n_warm], y[:n_warm], batch_size))
        inputs = performance.fit_inputs(x, y, batch_size)  # fed as the course trains
        epochs = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.fit(epochs=1, verbose=0, **inputs)
            epochs.append(time.perf_counter() - start)
    return Timing(device, len(x), float(np.median(epochs)), precision)


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
    """A small text table, one row per timing: device, precision, images, seconds, images/s, speedup."""
    lines = [f"{'device':<7}{'precision':<15}{'images':>7}{'seconds':>9}{'images/s':>10}{'speedup':>9}"]
    for t, ratio in zip(timings, relative_speeds(timings)):
        lines.append(
            f"{t.device:<7}{t.precision:<15}{t.images:>7}{t.seconds:>9.2f}"
            f"{t.images_per_second:>10.0f}{ratio:>8.1f}x"
        )
    return "\n".join(lines)


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
