"""Run profiles and the seed: how much the book trains, decided in one place.

Two profiles decide how much each chapter trains:

``quick``
    A small training subset and a few epochs, so that the whole book builds on a
    2-core laptop CPU in minutes. Accuracies are lower than the full course's.
``full``
    The original course's settings: the whole 50 000-image training split and
    the original epoch budgets (but the augmented CNN's, which is longer: see
    its registry entry).

A profile says how much data, which batch size and how much patience; each
model's epoch budget per profile is part of its entry in
:data:`labsupport.models.MODELS`.

Choose with the environment variable ``LABSUPPORT_PROFILE`` (``quick``, ``full``
or ``auto``). ``auto``, the default, picks ``full`` when the deep-learning backend
sees a GPU and ``quick`` otherwise.
"""

from __future__ import annotations

import os
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
        ``"quick"`` or ``"full"`` (each model's epoch budget is looked up by it).
    n_train : int or None
        Training images used after the train/validation split (None: all).
    n_val : int or None
        Validation images used after the split (None: all).
    batch_size : int
        Mini-batch size for every model.
    patience : int
        Early-stopping patience in epochs.
    """

    name: str
    n_train: int | None
    n_val: int | None
    batch_size: int = 128
    patience: int = 5

    def as_dict(self) -> dict:
        """The profile's fields as a plain dictionary (for cache keys and reports)."""
        return asdict(self)


PROFILES: dict[str, Profile] = {
    # 30 000 images for 3 epochs cost a CNN 1.5 times the 15 000 for 4 of the profile's first
    # version, and gave the CNNs 1-1.5 points more on real handwriting (the plain CNN 0.975 -> 0.987,
    # the augmented one 0.978 -> 0.984, tools/benchmarks/own_digits.py, seeds 42, 1, 2) and
    # MNIST test accuracies of 0.988-0.991 instead of 0.982-0.989.
    "quick": Profile("quick", n_train=30000, n_val=2000),
    "full": Profile("full", n_train=None, n_val=None),
}


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
        from .hardware import gpu_names

        key = "full" if gpu_names() else "quick"
    if key not in PROFILES:
        raise ValueError(
            f"unknown profile {name!r} (from {PROFILE_ENV} or the argument): "
            f"use one of {sorted(PROFILES)} or 'auto'"
        )
    return PROFILES[key]


def seed_everything(seed: int = SEED) -> None:
    """Reset Python's, NumPy's and the Keras backend's random generators.

    The one place the book seeds: chapters call it at start-up (through
    :func:`labsupport.chapter.setup_chapter`), and every training run calls it
    first (:func:`labsupport.train.train_named`), so a model's weights do not
    depend on what ran before it.
    """
    import keras

    keras.utils.set_random_seed(seed)
