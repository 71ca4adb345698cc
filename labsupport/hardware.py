"""What the code runs on: the GPUs the Keras backend sees, the CPU, the software.

Pure probing; nothing here changes a setting (see :mod:`labsupport.performance`
for the choices made from these facts).
"""

from __future__ import annotations

import os
import platform

import keras


def gpu_names() -> list[str]:
    """Names of the GPUs the Keras backend can use (empty on a CPU-only machine)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        names = []
        for device in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(device)
            names.append(details.get("device_name", device.name))
        return names
    if backend == "jax":
        import jax

        return [d.device_kind for d in jax.devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def gpu_compute_capability() -> tuple[int, int] | None:
    """Compute capability of the first GPU (e.g. (9, 0) for an H100), or None without one."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return None
        capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability")
        return tuple(capability) if capability else None
    if backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        if not gpus:
            return None
        capability = getattr(gpus[0], "compute_capability", None)
        return tuple(int(v) for v in str(capability).split(".")) if capability else (7, 0)
    return None


def available_devices() -> list[str]:
    """``["CPU"]``, plus ``"GPU"`` when the Keras backend sees one."""
    return ["CPU", "GPU"] if gpu_names() else ["CPU"]


def cpu_name() -> str:
    """A readable CPU model name, e.g. ``'AMD EPYC (2 cores)'``."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    model = model or platform.processor() or platform.machine() or "unknown CPU"
    return f"{model} ({os.cpu_count()} cores)"


def hardware_summary() -> dict[str, str]:
    """What produced the numbers on a page: ``{"hardware": ..., "backend": ...}``."""
    gpus = gpu_names()
    info = {
        "hardware": ", ".join(gpus) if gpus else f"CPU only: {cpu_name()}",
        "backend": f"Keras {keras.__version__} on {keras.backend.backend()}",
    }
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        info["backend"] += f" (TensorFlow {tf.__version__})"
    return info
