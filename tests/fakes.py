"""Small stand-ins shared by the tests (not a test module): MNIST, a profile, a web server."""

from __future__ import annotations

import numpy as np

from labsupport import data
from labsupport.profile import Profile
from tools.browser import serve  # noqa: F401 (a local web server for the tests)

#: A profile that trains on 80 images: seconds, not minutes.
TINY = Profile("tiny", n_train=80, n_val=20, batch_size=32)


def separable_arrays(n_train: int = 120, n_test: int = 30) -> data.Mnist:
    """MNIST-shaped uint8 arrays whose class is written in the brightness of one image row.

    Easy to learn in a few epochs, so training code can be tested without
    the real data set.
    """
    rng = np.random.default_rng(1)

    def part(n: int) -> data.Part:
        y = (np.arange(n) % 10).astype(np.uint8)
        x = rng.integers(0, 30, (n, 28, 28), dtype=np.uint8)
        x[np.arange(n), 2 * y + 3, :] = 255
        return data.Part(x, y)

    return data.Mnist(part(n_train), part(n_test))
