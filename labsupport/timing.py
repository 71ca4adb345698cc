"""Measuring training speed on the CPU and on a GPU."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import keras
import numpy as np


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
    """

    device: str
    images: int
    seconds: float

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds


def available_devices() -> list[str]:
    """``["CPU"]``, plus ``"GPU"`` when the Keras backend sees one."""
    from .profile import gpu_names

    return ["CPU", "GPU"] if gpu_names() else ["CPU"]


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
) -> Timing:
    """Time one epoch of training on ``x, y`` on one device, after a warm-up.

    The model is built and compiled on the device, trained on a few batches
    first (the first steps include compiling the computation graph, which is
    not what we want to measure), then trained for one timed epoch over all
    of ``x``.

    Parameters
    ----------
    build : callable
        Returns a new, compiled model.
    x, y : ndarray
        Training data for the timed epoch.
    device : {"CPU", "GPU"}
    batch_size : int
    warmup_batches : int

    Returns
    -------
    Timing
    """
    with on_device(device):
        model = build()
        n_warm = min(len(x), warmup_batches * batch_size)
        model.fit(x[:n_warm], y[:n_warm], batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
        seconds = time.perf_counter() - start
    return Timing(device, len(x), seconds)


def speedups(timings: list[Timing]) -> dict[str, float]:
    """Each device's speed relative to the CPU (the CPU is 1.0).

    Raises
    ------
    ValueError
        If there is no CPU timing to compare with.
    """
    cpu = [t for t in timings if t.device == "CPU"]
    if not cpu:
        raise ValueError("need a CPU timing as the reference")
    return {t.device: t.images_per_second / cpu[0].images_per_second for t in timings}


def format_table(timings: list[Timing]) -> str:
    """A small text table: device, images, seconds, images/s, speedup."""
    ratio = speedups(timings)
    lines = [f"{'device':<7}{'images':>8}{'seconds':>10}{'images/s':>11}{'speedup':>9}"]
    for t in timings:
        lines.append(
            f"{t.device:<7}{t.images:>8}{t.seconds:>10.2f}{t.images_per_second:>11.0f}{ratio[t.device]:>8.1f}x"
        )
    return "\n".join(lines)
