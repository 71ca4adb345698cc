"""Run profiles, seeds and the hardware banner: the book's one place for settings.

Two profiles decide how much each chapter trains:

``quick``
    A small training subset and a few epochs, so that the whole book builds on a
    2-core laptop CPU in minutes. Accuracies are lower than the full course's.
``full``
    The original course's settings: the whole 50 000-image training split,
    the dense network for up to 100 epochs with early stopping and the CNNs for 20.

Choose with the environment variable ``LABSUPPORT_PROFILE`` (``quick``, ``full``
or ``auto``). ``auto``, the default, picks ``full`` when the deep-learning backend
sees a GPU and ``quick`` otherwise.
"""

from __future__ import annotations

import html
import os
import platform
from dataclasses import asdict, dataclass

#: The one seed of the book: data split, misclassified-sample choice, weights.
SEED = 42

#: Environment variable that chooses the profile.
PROFILE_ENV = "LABSUPPORT_PROFILE"


@dataclass(frozen=True)
class Profile:
    """How much a chapter trains.

    Attributes
    ----------
    name : str
        ``"quick"`` or ``"full"``.
    n_train : int or None
        Training images used after the train/validation split (None: all).
    n_val : int or None
        Validation images used after the split (None: all).
    dense_epochs : int
        Upper bound on epochs for the dense network (early stopping may stop sooner).
    cnn_epochs : int
        Upper bound on epochs for the convolutional networks.
    batch_size : int
        Mini-batch size for every model.
    patience : int
        Early-stopping patience in epochs.
    """

    name: str
    n_train: int | None
    n_val: int | None
    dense_epochs: int
    cnn_epochs: int
    batch_size: int = 128
    patience: int = 5

    def as_dict(self) -> dict:
        """The profile's fields as a plain dictionary (for cache keys and reports)."""
        return asdict(self)


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", n_train=15000, n_val=2000, dense_epochs=8, cnn_epochs=4),
    "full": Profile("full", n_train=None, n_val=None, dense_epochs=100, cnn_epochs=20),
}


def gpu_names() -> list[str]:
    """Names of the GPUs the Keras backend can use (empty on a CPU-only machine)."""
    import keras

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


def get_profile(name: str | None = None) -> Profile:
    """Return the active profile.

    Parameters
    ----------
    name : str, optional
        ``"quick"``, ``"full"`` or ``"auto"``. Defaults to the environment
        variable ``LABSUPPORT_PROFILE``, or ``"auto"`` when it is unset.

    Returns
    -------
    Profile

    Raises
    ------
    ValueError
        If the name is not one of the known profiles.
    """
    if name is None:
        name = os.environ.get(PROFILE_ENV, "auto")
    key = name.strip().lower()
    if key == "auto":
        key = "full" if gpu_names() else "quick"
    if key not in PROFILES:
        raise ValueError(
            f"unknown profile {name!r} (from {PROFILE_ENV} or the argument): "
            f"use one of {sorted(PROFILES)} or 'auto'"
        )
    return PROFILES[key]


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
    """What produced the numbers on a page: profile-independent machine facts."""
    import keras

    gpus = gpu_names()
    info = {
        "hardware": ", ".join(gpus) if gpus else f"CPU only: {cpu_name()}",
        "backend": f"Keras {keras.__version__} on {keras.backend.backend()}",
    }
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        info["backend"] += f" (TensorFlow {tf.__version__})"
    return info


def banner_html(profile: Profile, hardware: dict[str, str]) -> str:
    """HTML for the banner at the top of each chapter.

    Parameters
    ----------
    profile : Profile
        The active profile.
    hardware : dict
        Output of :func:`hardware_summary`.

    Returns
    -------
    str
        A small self-contained HTML block.
    """
    what = (
        "small training subset, few epochs: figures are lower than the full course's"
        if profile.name == "quick"
        else "the original course's settings"
    )
    rows = [
        ("Profile", f"<b>{profile.name}</b> ({html.escape(what)})"),
        ("Hardware", html.escape(hardware["hardware"])),
        ("Software", html.escape(hardware["backend"])),
    ]
    cells = "".join(
        f"<div><span style='opacity:.7'>{k}:</span> {v}</div>" for k, v in rows
    )
    return (
        "<div class='labsupport-banner' style='border-left:4px solid #4c8bf5;"
        "padding:.4em .8em;margin:.5em 0;font-size:.9em'>"
        f"{cells}</div>"
    )


def setup_chapter(profile_name: str | None = None) -> Profile:
    """Start a chapter: seed everything, set up the hardware, show the banner.

    Seeds Python, NumPy and the Keras backend with :data:`SEED`, applies
    :func:`labsupport.performance.configure` (mixed precision on tensor-core
    GPUs), and displays the banner that says which profile and hardware
    produced the page's numbers.

    Parameters
    ----------
    profile_name : str, optional
        Overrides ``LABSUPPORT_PROFILE``.

    Returns
    -------
    Profile
    """
    import keras

    from .performance import configure

    profile = get_profile(profile_name)
    keras.utils.set_random_seed(SEED)
    hardware = hardware_summary()
    hardware["backend"] += f"; precision {configure()['precision']}"
    banner = banner_html(profile, hardware)
    try:
        from IPython.display import HTML, display

        display(HTML(banner))
    except ImportError:  # plain Python: print a one-line summary instead
        print(f"profile {profile.name}; {hardware}")
    return profile
