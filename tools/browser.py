"""Headless Chromium and a local web server: for the site checks (tests/site) and the benchmarks.

Chromium is Debian's ``chromium`` with ``chromedriver``, driven by Selenium,
with the flags a machine without a display or an outside network needs.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import os
import shutil
import threading
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

# Flags for a machine without a display or an outside network.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900", "--hide-scrollbars",
]


def browser_available() -> bool:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


#: Console errors that are not faults of a page: pydata-sphinx-theme logs this
#: with console.error on the first visit, before a light/dark choice is stored.
BENIGN = ("Got invalid theme mode",)


@contextlib.contextmanager
def chromium():
    """A headless Chromium driven by Selenium, with the browser console log enabled."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@contextlib.contextmanager
def serve(folder: Path, compress: bool = False):
    """Serve a folder on a free localhost port; yields the base URL.

    With ``compress``, text goes over the wire as GitHub Pages sends it:
    gzip-compressed (``Content-Encoding: gzip``) when the browser accepts
    it, for the suffixes in :data:`COMPRESSED`; everything else (images,
    ``weights.bin``, WebAssembly) as it is on disk. The benchmarks use this,
    so that the bytes they count are the bytes a reader downloads.
    """
    handler = functools.partial(_CompressingHandler if compress else _QuietHandler, directory=str(folder))
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


#: Suffixes served gzip-compressed by :func:`serve` with ``compress``: HTML, CSS, JavaScript, JSON
#: (and other text: SVG, plain text, source maps), as GitHub Pages compresses them. Binaries are
#: sent as they are.
COMPRESSED = (".html", ".htm", ".css", ".js", ".mjs", ".json", ".svg", ".txt", ".map", ".xml")


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``gzip;q=0`` forbids it)."""
    for item in (header or "").split(","):
        name, *params = [part.strip() for part in item.split(";")]
        if name.lower() not in ("gzip", "*"):
            continue
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            return float(q) > 0
        except ValueError:
            return False
    return False


@functools.lru_cache(maxsize=512)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """A file's bytes, gzip-compressed (level 6, as web servers do); cached while the file is unchanged."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


class _CompressingHandler(_QuietHandler):
    """:class:`_QuietHandler` that sends text gzip-compressed (see :data:`COMPRESSED`)."""

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if not self.path.split("?")[0].endswith("/") or not os.path.isfile(index):
                return super().send_head()  # a redirect to the folder, or its listing
            path = index
        if not (path.lower().endswith(COMPRESSED) and os.path.isfile(path)
                and accepts_gzip(self.headers.get("Accept-Encoding"))):
            return super().send_head()
        stat = os.stat(path)
        body = _gzipped(path, stat.st_mtime_ns, stat.st_size)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # the browser may drop a connection it no longer needs: not a page problem
        pass
