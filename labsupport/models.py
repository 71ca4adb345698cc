"""The course's networks and the registry that says everything about them.

:data:`MODELS` holds one :class:`ModelSpec` per network: its builder, the
input format it wants, its epoch budget in each profile, whether it trains on
augmented images and whether its chapter wants a GPU. Everything else (the
training recipe, the model cache, inference on photos, the benchmarks, the
Colab notebook generator) reads it.

Adding a model is one entry: write a builder that returns an uncompiled
``keras.Model`` starting with ``keras.Input``, then ::

    register(ModelSpec("small_cnn", small_cnn, inputs="image",
                       epochs={"quick": 4, "full": 20}, wants_gpu=True))

Every model starts with ``keras.Input`` so that its layers have symbolic
outputs: :mod:`labsupport.activations` uses them to show what each layer computes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import keras
from keras import layers

from .augment import RANGES, RandomAffine
from .data import INPUT_FORMATS
from .profile import Profile

N_CLASSES = 10

#: Momentum of every batch-normalization layer's moving averages (Keras's default is 0.99).
#: With 0.99 the averages move 1 % of the way towards each batch's statistics, so they
#: lag behind the weights for a few hundred steps: in the quick profile (then 4 epochs
#: of 118 steps) the CNNs' validation accuracy after epoch 1 was 0.30-0.66 and their test
#: accuracy over three seeds 0.971-0.987. With 0.9 (PyTorch's default) it was 0.97-0.98
#: after epoch 1, test 0.982-0.989, and on real handwriting 1.5-2 points better
#: (tools/benchmarks/own_digits.py, seeds 42, 1, 2). Chapter 3 shows the lag.
BN_MOMENTUM = 0.9


def dense_net(n_hidden: int = 512) -> keras.Model:
    """A fully connected network: 784 inputs -> ``n_hidden`` ReLU units -> 10 softmax.

    Parameters
    ----------
    n_hidden : int
        Units in the hidden layer (512 in the course).

    Returns
    -------
    keras.Model
        Uncompiled; expects inputs from :func:`labsupport.data.dense_inputs`.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(784,), name="pixels"),
            layers.Dense(n_hidden, activation="relu", name="hidden"),
            layers.Dense(N_CLASSES, activation="softmax", dtype="float32", name="output"),
        ],
        name="dense",
    )


def _conv_block(filters: int, index: int, bn_momentum: float) -> list[layers.Layer]:
    return [
        layers.Conv2D(filters, (3, 3), name=f"conv{index}"),
        layers.BatchNormalization(axis=-1, momentum=bn_momentum, name=f"bn{index}"),
        layers.Activation("relu", name=f"relu{index}"),
    ]


def cnn_layers(bn_momentum: float = BN_MOMENTUM) -> list[layers.Layer]:
    """The layers of the course's convolutional network, without its input.

    Two 32-filter and two 64-filter 3x3 convolutions, each followed by batch
    normalization and ReLU, with 2x2 max pooling after every second one; then
    a 512-unit dense layer with batch normalization, ReLU and 20 % dropout,
    and a 10-way softmax.

    Parameters
    ----------
    bn_momentum : float
        Momentum of the batch-normalization layers' moving averages
        (:data:`BN_MOMENTUM`; Keras's default, 0.99, lags in short trainings).
    """
    return [
        *_conv_block(32, 1, bn_momentum),
        *_conv_block(32, 2, bn_momentum),
        layers.MaxPooling2D((2, 2), name="pool2"),
        *_conv_block(64, 3, bn_momentum),
        *_conv_block(64, 4, bn_momentum),
        layers.MaxPooling2D((2, 2), name="pool4"),
        layers.Flatten(name="flatten"),
        layers.Dense(512, name="dense5"),
        layers.BatchNormalization(momentum=bn_momentum, name="bn5"),
        layers.Activation("relu", name="relu5"),
        layers.Dropout(0.2, name="dropout"),
        layers.Dense(N_CLASSES, name="logits"),
        # float32 even under mixed precision: probabilities stay exact
        layers.Activation("softmax", dtype="float32", name="softmax"),
    ]


def cnn(bn_momentum: float = BN_MOMENTUM) -> keras.Model:
    """The course's convolutional network (inputs from :func:`labsupport.data.image_inputs`).

    Parameters
    ----------
    bn_momentum : float
        As in :func:`cnn_layers` (chapter 3 builds one with Keras's default, 0.99, to show why).

    Returns
    -------
    keras.Model
        Uncompiled.
    """
    return keras.Sequential([keras.Input(shape=(28, 28, 1), name="image"), *cnn_layers(bn_momentum)], name="cnn")


def augmented_cnn(**augmentation: float) -> keras.Model:
    """The same network behind a :class:`~labsupport.augment.RandomAffine` layer.

    The augmentation layer transforms images only while training; at
    prediction time it passes them through, so the model is used exactly as
    :func:`cnn` is.

    Parameters
    ----------
    **augmentation
        Overrides for :class:`~labsupport.augment.RandomAffine`'s ranges.

    Returns
    -------
    keras.Model
        Uncompiled.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            RandomAffine(**augmentation, name="augment"),
            *cnn_layers(),
        ],
        name="augmented_cnn",
    )


@dataclass(frozen=True)
class ModelSpec:
    """Everything the course knows about one of its networks.

    Attributes
    ----------
    name : str
        Key in :data:`MODELS`, cache file names and chapter text.
    build : callable
        ``build(**architecture)`` returns a new, uncompiled model.
    inputs : {"dense", "image"}
        Input format, a key of :data:`labsupport.data.INPUT_FORMATS`.
    epochs : mapping
        Epoch budget (an upper bound: early stopping may end sooner) per
        profile name.
    augmented : bool
        Trains on augmented images (its first layer is an augmentation layer,
        active only in training).
    wants_gpu : bool
        Training it takes minutes on a CPU: a chapter that trains or uses it
        asks Colab for a GPU runtime.
    styled : bool
        Trains on MNIST plus restyled copies of some of its 1s and 7s, in the
        styles MNIST lacks (a 1 with a flag and a base, a crossed 7:
        :func:`labsupport.styles.styled_copies`); part of the model cache's key.
    architecture : mapping
        Keyword arguments of ``build``; part of the model cache's key.
    title : str
        How figures and tables name it.
    train_images : mapping
        Training images per profile name (None: the whole training split),
        where the model's budget differs from the profile's ``n_train``
        (:meth:`training_profile`).
    """

    name: str
    build: Callable[..., keras.Model]
    inputs: str
    epochs: Mapping[str, int]
    augmented: bool = False
    wants_gpu: bool = False
    styled: bool = False
    architecture: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    train_images: Mapping[str, int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.inputs not in INPUT_FORMATS:
            raise ValueError(f"{self.name}: inputs must be one of {sorted(INPUT_FORMATS)}, got {self.inputs!r}")

    def new(self) -> keras.Model:
        """A new, uncompiled model of this architecture."""
        return self.build(**self.architecture)

    def epochs_for(self, profile: Profile) -> int:
        """The epoch budget under a profile.

        Raises
        ------
        ValueError
            If the entry has no budget for the profile.
        """
        if profile.name not in self.epochs:
            raise ValueError(
                f"model {self.name!r} has no epoch budget for profile {profile.name!r}; "
                f"it has one for {sorted(self.epochs)}"
            )
        return int(self.epochs[profile.name])

    def training_profile(self, profile: Profile) -> Profile:
        """The profile this model trains under: ``profile`` with the entry's training images for it.

        Parameters
        ----------
        profile : Profile

        Returns
        -------
        Profile
            ``profile`` itself when :attr:`train_images` has no entry for it,
            else a copy whose ``n_train`` is that entry (None: every image).
        """
        if profile.name not in self.train_images:
            return profile
        return dataclasses.replace(profile, n_train=self.train_images[profile.name])

    def images_per_epoch(self, profile: Profile, split: int) -> int:
        """Training images the model sees per epoch under ``profile``, out of a training split of ``split``.

        ``data.training_split_size(len(mnist.train.y))`` gives MNIST's split (50 000).
        """
        cap = self.training_profile(profile).n_train
        return split if cap is None else min(cap, split)


#: The registry: name -> :class:`ModelSpec`, in the order the chapters train them.
MODELS: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model to :data:`MODELS` (replacing one of the same name)."""
    MODELS[spec.name] = spec
    return spec


def spec(name: str) -> ModelSpec:
    """The registry entry of a model, with a clear error for an unknown name."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {list(MODELS)}")
    return MODELS[name]


def build(name: str) -> keras.Model:
    """A new, uncompiled model from the registry, e.g. ``build("cnn")``."""
    return spec(name).new()


# The dense network trains in seconds even on a CPU, so the quick profile gives it every
# training image (50 000; 8 epochs take about 15 s on 2 cores). With 15 000 (the profile's then) it
# was 3.8 points worse on real handwriting (0.923 vs 0.961 on the 368 development images,
# mean of seeds 42, 1, 2) and 1.5 points on MNIST's test set.
register(ModelSpec(
    "dense", dense_net, inputs="dense", epochs={"quick": 8, "full": 100},
    architecture={"n_hidden": 512}, title="dense network", train_images={"quick": None},
))
register(ModelSpec(
    "cnn", cnn, inputs="image", epochs={"quick": 3, "full": 20},
    wants_gpu=True, title="CNN",
))
# The augmented CNN sees a new variation of every image each epoch, so it learns more slowly
# than the plain CNN. On the original course's 20 epochs (full profile, CPU, seed 42) its best
# epoch was the 19th (validation 0.9957, 0.9958, 0.9958 in epochs 18-20), so early stopping never
# ended it; with 30, early stopping kept epoch 23 (0.9961) of 28, and seed 1 stopped at 24.
register(ModelSpec(
    "augmented_cnn", augmented_cnn, inputs="image", epochs={"quick": 3, "full": 30},
    augmented=True, styled=True, wants_gpu=True, architecture=dict(RANGES), title="augmented CNN",
))
