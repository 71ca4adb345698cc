"""Small stand-ins shared by the tests (not a test module): MNIST, a profile, a web server."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path

import numpy as np

from labsupport import data
from labsupport.profile import Profile

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


@contextlib.contextmanager
def serve(folder: Path):
    """Serve a folder on a free localhost port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # the browser may drop a connection it no longer needs: not a page problem
        pass
