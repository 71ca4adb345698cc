"""How training is made fast on the hardware at hand: every such choice is here.

=====================  ==========================================================
choice                 why
=====================  ==========================================================
tf.data input          Batches are assembled, shuffled and handed to the device
                       by TensorFlow's input pipeline in the background
                       (``prefetch``) while the previous batch trains, instead
                       of by Python between steps. ``cache`` keeps the (small)
                       MNIST arrays as tensors, so nothing is converted twice.
augmentation in the    :class:`labsupport.augment.RandomAffine` is a layer of the
model                  model: on a GPU the random warps run on the GPU, batched,
                       not image by image in Python on the CPU as
                       ``ImageDataGenerator`` did.
mixed precision        On GPUs with tensor cores (compute capability 7.0 and
on GPUs only           newer) float16 matrix products are several times faster
                       and the memory traffic halves; the weights stay float32
                       and the final softmax runs in float32 for stable
                       probabilities. On a CPU float16 is emulated and slower,
                       so it stays off.
no XLA on CPU          ``jit_compile`` made the course's CNN about 1.8x slower on
                       a 2-core CPU (measured when the course was set up); Keras
                       decides for itself on GPUs.
=====================  ==========================================================
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keras
import numpy as np

from .hardware import gpu_compute_capability
from .profile import SEED


def wants_mixed_precision(capability: tuple[int, int] | None) -> bool:
    """Mixed precision pays off on tensor-core GPUs (capability 7.0 or newer) only."""
    return capability is not None and capability >= (7, 0)


def best_policy(device: str) -> str:
    """Keras's fastest dtype policy on a device: ``"mixed_float16"`` on a tensor-core GPU, else ``"float32"``.

    On a CPU float16 is emulated and slower, so a CPU always gets ``float32``,
    even on a machine whose GPU uses mixed precision.
    """
    if device == "GPU" and wants_mixed_precision(gpu_compute_capability()):
        return "mixed_float16"
    return "float32"


def tf32_enabled() -> bool:
    """Whether TensorFlow runs float32 matrix products in TF32 on tensor cores (its default); False on other backends."""
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return bool(tf.config.experimental.tensor_float_32_execution_enabled())


def precision_notes(devices: list[str], capability: tuple[int, int] | None, tf32: bool | None = None) -> str:
    """What precision each device is timed in, and why, as a few printable lines.

    Parameters
    ----------
    devices : list of str
        :func:`labsupport.hardware.available_devices`.
    capability : (int, int) or None
        The GPU's compute capability (:func:`labsupport.hardware.gpu_compute_capability`).
    tf32 : bool, optional
        Whether float32 uses TF32 (default: :func:`tf32_enabled`); it applies from
        compute capability 8.0 (Ampere) on.
    """
    lines = ["CPU: float32 (float16 would be emulated, and slower)"]
    if "GPU" not in devices:
        lines.append("GPU: none on this machine")
    elif capability is None:
        lines.append(f"GPU: compute capability unknown, timed in {best_policy('GPU')}")
    else:
        cc = f"{capability[0]}.{capability[1]}"
        if wants_mixed_precision(capability):
            lines.append(f"GPU: compute capability {cc}, tensor cores: best precision mixed_float16")
        else:
            lines.append(f"GPU: compute capability {cc}, no tensor cores: best precision float32,")
            lines.append("so the GPU's best-precision row is its float32 row")
        tf32 = tf32_enabled() if tf32 is None else tf32
        lines.append(f"GPU float32 uses TF32 tensor cores: {'yes' if capability >= (8, 0) and tf32 else 'no'}")
    return "\n".join(lines)


@contextlib.contextmanager
def dtype_policy(name: str) -> Iterator[None]:
    """Build models under Keras's dtype policy ``name`` inside the block; restore the old one after."""
    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def configure() -> dict[str, str]:
    """Apply the choices for this machine and say what they are.

    Sets Keras's global dtype policy: ``mixed_float16`` on tensor-core GPUs,
    ``float32`` otherwise. Call before building models (chapters do, through
    :func:`labsupport.chapter.setup_chapter`).

    Returns
    -------
    dict
        ``{"precision": ..., "input": ...}``, for the chapter banner.
    """
    mixed = best_policy("GPU") == "mixed_float16"
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    return {
        "precision": "mixed float16/float32 (tensor-core GPU)" if mixed else "float32",
        "input": "tf.data" if _have_tf() else "NumPy arrays",
    }


def _have_tf() -> bool:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


def dataset(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool, seed: int = SEED):
    """A tf.data pipeline over arrays: cache, shuffle (training), batch, prefetch.

    Without TensorFlow (e.g. Keras on JAX), returns ``(x, y)`` unchanged and
    Keras batches the arrays itself.

    Parameters
    ----------
    x, y : ndarray
    batch_size : int
    shuffle : bool
        Reshuffle every epoch (for training data; not for validation).
    seed : int

    Returns
    -------
    tf.data.Dataset or tuple of ndarray
    """
    if not _have_tf():
        return x, y
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def fit_inputs(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int = SEED) -> dict:
    """Training-data arguments for ``model.fit``, fed as :func:`dataset` decides.

    Returns ``{"x": dataset, "shuffle": False}`` (the dataset reshuffles itself
    every epoch) with TensorFlow, ``{"x": x, "y": y, "batch_size": ...}``
    (Keras batches and shuffles the arrays) without.
    """
    data = dataset(x, y, batch_size, shuffle=True, seed=seed)
    if isinstance(data, tuple):
        return {"x": x, "y": y, "batch_size": batch_size}
    return {"x": data, "shuffle": False}
