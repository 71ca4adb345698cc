"""Page weight and time to the first prediction of the live "Your own digit" page.

Usage (from the repository root, after ``jupyter-book build book/``)::

    python -m tools.benchmarks.live_page [--runs 5] [--page 06_your_digit]

Serves ``book/_build/html`` on localhost and opens the page in a fresh
headless Chromium for every run (empty cache: the reader's first visit).
Prints, per run and as the median over runs:

* the bytes the page's live part downloads: the runtime's scripts (those
  ``_static/vendor/runtime.json`` lists), the networks (``models/web/``),
  the sample photo it starts with and the course's own scripts
  (``_static/live/``), from the browser's resource timing (bodies as
  served; a host that compresses them sends fewer bytes);
* the time from the start of the navigation to the first prediction on the
  screen (the page runs a sample photo through the pipeline and the three
  networks as soon as they are loaded: ``LabLive.firstPredictionAt``).

The last line reads ``live page: X.XX MB, first prediction after Y.YY s``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make ``tools`` importable like ``python -m`` does
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.browser import chromium, serve
from tools.toc import book_dir

#: Which downloads count as the live part, by path (the runtime: the scripts runtime.json lists).
LIVE_PARTS = {"networks": "/models/web/", "sample photo": "/_static/live/samples/", "course scripts": "/_static/live/"}


def classify(resources: list[dict], runtime: list[str]) -> dict[str, int]:
    """Bytes per live part from resource-timing entries (``name``, ``size``).

    ``runtime`` lists the runtime's script paths (``vendor/...`` under
    ``_static``); the other parts are :data:`LIVE_PARTS`, first match wins.
    """
    totals = dict.fromkeys(["runtime", *LIVE_PARTS], 0)
    for entry in resources:
        if any(entry["name"].split("?")[0].endswith("/_static/" + src) for src in runtime):
            totals["runtime"] += int(entry["size"])
            continue
        for part, marker in LIVE_PARTS.items():
            if marker in entry["name"]:
                totals[part] += int(entry["size"])
                break
    return totals


def measure(driver, url: str, runtime: list[str]) -> tuple[dict[str, int], float]:
    """Open the page once; returns (bytes per part, seconds to the first prediction)."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.get(url)
    first = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const wait = () => (window.LabLive && LabLive.firstPredictionAt !== null) ? "
        "done(LabLive.firstPredictionAt) : setTimeout(wait, 10); wait();"
    )
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => ({name: e.name, "
        "size: e.encodedBodySize || e.transferSize || 0}))"
    )
    return classify(resources, runtime), first / 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page", default="06_your_digit")
    args = parser.parse_args(argv)
    html = book_dir() / "_build" / "html"
    if not (html / f"{args.page}.html").is_file():
        sys.exit(f"{html / args.page}.html is missing: build the book first (jupyter-book build book/)")
    runtime = [s["src"] for s in json.loads((html / "_static" / "vendor" / "runtime.json").read_text())["scripts"]]
    weights, times = [], []
    with serve(html) as base:
        for run in range(1, args.runs + 1):
            with chromium() as driver:  # a fresh browser: nothing cached
                driver.set_script_timeout(120)
                parts, seconds = measure(driver, base + f"{args.page}.html", runtime)
            total = sum(parts.values())
            weights.append(total)
            times.append(seconds)
            detail = ", ".join(f"{part} {size / 1e6:.2f} MB" for part, size in parts.items())
            print(f"run {run}: {total / 1e6:.2f} MB ({detail}); first prediction after {seconds:.2f} s")
    print(f"live page: {statistics.median(weights) / 1e6:.2f} MB, "
          f"first prediction after {statistics.median(times):.2f} s (median of {args.runs} runs)")


if __name__ == "__main__":
    main()
