"""Augmented batches fed the way the original course fed them: in Python, on the CPU.

The original notebook trained its augmented CNN from Keras's
``ImageDataGenerator``, which transformed one image at a time with SciPy and
handed NumPy batches to ``fit``. The course now augments inside the model
(:class:`labsupport.augment.RandomAffine`). :class:`CpuAugmentedBatches`
reproduces the old feeding, with the same ranges
(:data:`labsupport.augment.RANGES`), so that ``tools/benchmarks/speed.py``
can time both on the same images. Nothing in the course uses it.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np

from labsupport.augment import RANGES


class CpuAugmentedBatches(keras.utils.PyDataset):
    """Batches augmented image by image with SciPy, as ``ImageDataGenerator`` did.

    Each image gets its own random rotation, shift, shear and zoom, drawn from
    the same ranges as :class:`labsupport.augment.RandomAffine` (and with the
    same meaning of each number), applied as one bilinear affine warp about
    the image centre. Pixels from outside the image get -1, the background of
    inputs scaled to [-1, 1].

    Parameters
    ----------
    x : ndarray, shape (n, 28, 28, 1)
        Images scaled for the CNN (:func:`labsupport.data.image_inputs`).
    y : ndarray, shape (n,)
        Labels.
    batch_size : int
        Images per batch; the last batch may be smaller.
    seed : int
        Seed of the random transformations (a new draw for every image and epoch).
    ranges : mapping, optional
        ``rotation`` (degrees), ``shift`` (fraction of the size), ``shear``
        (degrees) and ``zoom`` (distance of the zoom factor from 1); defaults
        to :data:`labsupport.augment.RANGES`. Missing keys keep their default.
    **kwargs
        Passed to :class:`keras.utils.PyDataset` (``workers``, ...).
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int = 128,
        seed: int = 0,
        ranges: Mapping[str, float] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if len(x) != len(y):
            raise ValueError(f"x and y differ in length: {len(x)} vs {len(y)}")
        unknown = set(ranges or {}) - set(RANGES)
        if unknown:
            raise ValueError(f"unknown augmentation range(s) {sorted(unknown)}; known: {sorted(RANGES)}")
        self.x, self.y, self.batch_size = x, y, batch_size
        self.ranges = {**RANGES, **(ranges or {})}
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return int(np.ceil(len(self.x) / self.batch_size))

    def transform(self, image: np.ndarray) -> np.ndarray:
        """One randomly warped copy of an image.

        Parameters
        ----------
        image : ndarray, shape (h, w, 1)

        Returns
        -------
        ndarray, shape (h, w, 1)
        """
        from scipy import ndimage

        rng, r = self.rng, self.ranges
        theta = np.deg2rad(rng.uniform(-r["rotation"], r["rotation"]))
        shear = np.deg2rad(rng.uniform(-r["shear"], r["shear"]))
        zx, zy = rng.uniform(1.0 - r["zoom"], 1.0 + r["zoom"], 2)
        ty, tx = rng.uniform(-r["shift"], r["shift"], 2) * image.shape[:2]
        c, s = np.cos(theta), np.sin(theta)
        rotation = np.array([[c, -s], [s, c]])
        shearing = np.array([[1, -np.sin(shear)], [0, np.cos(shear)]])
        matrix = rotation @ shearing @ np.diag([zx, zy])
        centre = (np.array(image.shape[:2]) - 1) / 2
        offset = centre - matrix @ centre + [ty, tx]
        return ndimage.affine_transform(image[..., 0], matrix, offset=offset, order=1, cval=-1.0)[..., None]

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        batch = np.stack([self.transform(img) for img in self.x[part]]).astype(np.float32)
        return batch, self.y[part]
