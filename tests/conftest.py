"""Shared fixtures: small synthetic MNIST-like arrays, so unit tests need no real data.

Test layout: ``tests/unit/test_<module>.py`` tests one module of labsupport;
``tests/repo/`` checks the repository (layout, generated notebooks, workflows,
packaging, imports, site tooling); ``tests/site/`` checks the built site.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

# The repository root on the path: the site tooling in tools/ is a plain
# package run from the root, not installed (only labsupport is).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def tiny_arrays():
    """Random uint8 'images' and labels in MNIST's layout: 120 train, 30 test."""
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (120, 28, 28), dtype=np.uint8)
    y_train = (np.arange(120) % 10).astype(np.uint8)
    x_test = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    y_test = (np.arange(30) % 10).astype(np.uint8)
    return (x_train, y_train), (x_test, y_test)


@pytest.fixture
def tiny_npz(tmp_path, tiny_arrays):
    (x_train, y_train), (x_test, y_test) = tiny_arrays
    path = tmp_path / "tiny.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture
def real_mnist_path():
    """The real MNIST file named by MNIST_PATH; skips the test when it is not set."""
    path = os.environ.get("MNIST_PATH")
    if not path or not Path(path).is_file():
        pytest.skip("set MNIST_PATH to a real mnist.npz to run this check")
    return Path(path)
