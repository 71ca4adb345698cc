"""Weight and time to the first live result of every live page of the built site.

Usage (from the repository root, after ``jupyter-book build book/``)::

    python -m tools.benchmarks.live_page [--runs 5] [--page 06_your_digit ...]

The live pages are those of the built site (``book/_build/html``) whose HTML
holds a live part (``data-live-app``), in the order of the table of
contents. The site is served on localhost as GitHub Pages serves it (text
gzip-compressed, binaries as they are: :func:`tools.browser.serve` with
``compress``), and each page is opened in a fresh headless Chromium for
every run (empty cache: the reader's first visit). Prints, per page and run:

* the bytes the page downloads before the reader does anything (until its
  live parts have started and the network is quiet), from the browser's
  resource timing (bodies as sent over the wire), split into the runtime
  (the files ``_static/vendor/runtime.json`` lists, and WebAssembly), the
  networks (``models/web/``), the sample photo, the course's live scripts
  (``_static/live/``) and the rest of the page (HTML, theme, figures);
* the time from the start of the navigation to the first live result on
  the screen (``LabLive.firstResultAt``: each live part calls
  ``LabLive.firstResult()`` when it first shows one).

A live part starts when its block nears the screen; the benchmark starts
every part of the page as soon as the page has loaded (``LabLive.startNow()``),
as for a reader who opens the page at its live part: the weight counts every
part's files, and the time is the longest a reader waits.

Then a table, medians over the runs with the lowest and highest, checked
against the targets (:data:`MAX_MB`, :data:`MAX_SECONDS`). The machine's load
moves the times: take several runs. The last line reads
``live pages: heaviest X.XX MB (PAGE), slowest first result Y.YY s (PAGE)``.
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
from tools.toc import book_dir, toc_files

#: Which downloads count as which live part, by path (the runtime: the files runtime.json lists).
LIVE_PARTS = {"networks": "/models/web/", "sample photo": "/_static/live/samples/", "course scripts": "/_static/live/"}
#: Everything else the page downloads (its HTML, the theme, figures).
PAGE = "rest of the page"
#: Targets of issue 19: weight before the reader does anything, and time to the first live result.
MAX_MB = 3.0
MAX_SECONDS = 1.5
#: The marker of a live page (as tools.sphinxext.LIVE_MARKER).
LIVE_MARKER = "data-live-app="


def live_pages(html: Path, order: list[str] | None = None) -> list[str]:
    """The built site's pages with a live part, in table-of-contents order (then by name)."""
    order = order if order is not None else toc_files()
    found = [p.stem for p in sorted(html.glob("*.html")) if LIVE_MARKER in p.read_text(encoding="utf-8")]
    rank = {name: i for i, name in enumerate(order)}
    return sorted(found, key=lambda name: (rank.get(name, len(rank)), name))


def runtime_paths(runtime_json: dict) -> list[str]:
    """The runtime's files (``vendor/...``, under ``_static``) that ``runtime.json`` lists, at any depth."""
    found = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("src", "path", "file") and isinstance(item, str) and item.startswith("vendor/"):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(runtime_json)
    return list(dict.fromkeys(found))


def classify(resources: list[dict], runtime: list[str]) -> dict[str, int]:
    """Bytes per live part from resource-timing entries (``name``, ``size``).

    ``runtime`` lists the runtime's paths (``vendor/...`` under ``_static``;
    WebAssembly under ``_static/vendor/`` counts too); the other parts are
    :data:`LIVE_PARTS`, first match wins. Entries of none of these are not
    counted here (see :func:`weigh`).
    """
    totals = dict.fromkeys(["runtime", *LIVE_PARTS], 0)
    for entry in resources:
        path = entry["name"].split("?")[0].split("#")[0]
        if any(path.endswith("/_static/" + src) for src in runtime) or (
                "/_static/vendor/" in path and path.endswith(".wasm")):
            totals["runtime"] += int(entry["size"])
            continue
        for part, marker in LIVE_PARTS.items():
            if marker in path:
                totals[part] += int(entry["size"])
                break
    return totals


def weigh(document: int, resources: list[dict], runtime: list[str]) -> dict[str, int]:
    """Every byte of the page by part: :func:`classify`'s parts and :data:`PAGE` (HTML, theme, figures).

    ``document`` is the size of the page's HTML; data: and blob: URLs weigh nothing over the wire.
    """
    resources = [r for r in resources if not r["name"].startswith(("data:", "blob:"))]
    parts = classify(resources, runtime)
    parts[PAGE] = document + sum(int(r["size"]) for r in resources) - sum(parts.values())
    return parts


#: Waits for the first live result, then for the live parts to have started and the network to be
#: quiet for half a second; returns [firstResultAt, document bytes, resources] (or an error text).
_MEASURE = """
const done = arguments[arguments.length - 1];
const deadline = performance.now() + arguments[0] * 1000;
const quiet = async () => {
  let count = -1;
  while (count !== performance.getEntriesByType('resource').length) {
    count = performance.getEntriesByType('resource').length;
    await new Promise((r) => setTimeout(r, 500));
  }
};
let started = false;
const wait = async () => {
  while (!(window.LabLive && LabLive.firstResultAt !== null)) {
    if (!started && window.LabLive && LabLive.ready) started = LabLive.startNow() && true;
    if (performance.now() > deadline) return done("no live result within " + arguments[0] + " s");
    await new Promise((r) => setTimeout(r, 10));
  }
  await LabLive.ready;
  await quiet();
  const nav = performance.getEntriesByType('navigation')[0];
  done([LabLive.firstResultAt, nav.encodedBodySize || nav.transferSize || 0,
        performance.getEntriesByType('resource').map((e) => ({name: e.name,
          size: e.encodedBodySize || e.transferSize || 0}))]);
};
wait();
"""


def measure(driver, url: str, runtime: list[str], timeout: float = 60) -> tuple[dict[str, int], float]:
    """Open the page once; returns (bytes per part, seconds from navigation to the first live result).

    Raises
    ------
    RuntimeError
        If no live part shows a result within ``timeout`` seconds.
    """
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.set_script_timeout(timeout + 30)
    driver.get(url)
    result = driver.execute_async_script(_MEASURE, timeout)
    if isinstance(result, str):
        raise RuntimeError(f"{url}: {result}")
    first, document, resources = result
    return weigh(int(document), resources, runtime), first / 1000


def spread(values: list[float]) -> str:
    """``median [lowest-highest]`` with two decimals (just the value for one run)."""
    median = statistics.median(values)
    return f"{median:.2f}" if len(values) == 1 else f"{median:.2f} [{min(values):.2f}-{max(values):.2f}]"


def table(results: dict[str, list[tuple[dict[str, int], float]]]) -> list[str]:
    """One row per page: weight (MB) and first result (s), medians [range], and whether each meets its target."""
    rows = [("page", "weight (MB)", f"<= {MAX_MB:g} MB", "first live result (s)", f"<= {MAX_SECONDS:g} s",
             "of which: " + ", ".join(["runtime", *LIVE_PARTS, PAGE]) + " (MB, median)")]
    for page, runs in results.items():
        weights = [sum(parts.values()) / 1e6 for parts, _ in runs]
        times = [seconds for _, seconds in runs]
        detail = ", ".join(f"{statistics.median([parts[p] for parts, _ in runs]) / 1e6:.2f}"
                           for p in ["runtime", *LIVE_PARTS, PAGE])
        rows.append((page, spread(weights), "yes" if statistics.median(weights) <= MAX_MB else "NO",
                     spread(times), "yes" if statistics.median(times) <= MAX_SECONDS else "NO", detail))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i in (0, len(row) - 1) else cell.rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


def verdict(results: dict[str, list[tuple[dict[str, int], float]]]) -> str:
    """The last line: the heaviest page and the slowest first result (medians)."""
    weights = {p: statistics.median([sum(parts.values()) for parts, _ in runs]) for p, runs in results.items()}
    times = {p: statistics.median([seconds for _, seconds in runs]) for p, runs in results.items()}
    heavy, slow = max(weights, key=weights.get), max(times, key=times.get)
    return (f"live pages: heaviest {weights[heavy] / 1e6:.2f} MB ({heavy}), "
            f"slowest first result {times[slow]:.2f} s ({slow})")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page", action="append", default=None,
                        help="a live page (e.g. 06_your_digit; repeat for more); default: every live page")
    parser.add_argument("--site", type=Path, default=None,
                        help="the built site to serve (default: book/_build/html)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    html = args.site or book_dir() / "_build" / "html"
    if not (html / "_static").is_dir():
        print(f"{html} has no built site: build the book first (jupyter-book build book/)")
        return 2
    pages = args.page or live_pages(html)
    missing = [p for p in pages if not (html / f"{p}.html").is_file()]
    if missing or not pages:
        print(f"no live page to measure in {html}" if not pages else
              f"{html} lacks {', '.join(p + '.html' for p in missing)}: build the book first")
        return 2
    runtime_json = html / "_static" / "vendor" / "runtime.json"
    runtime = runtime_paths(json.loads(runtime_json.read_text())) if runtime_json.is_file() else []
    print(f"live pages: {', '.join(pages)}; {args.runs} run(s) each, a fresh browser each time, "
          "text gzip-compressed as on GitHub Pages")
    results: dict[str, list[tuple[dict[str, int], float]]] = {page: [] for page in pages}
    with serve(html, compress=True) as base:
        for run in range(1, args.runs + 1):  # pages in turns: a busy spell of the machine hits each alike
            for page in pages:
                with chromium() as driver:  # a fresh browser: nothing cached
                    parts, seconds = measure(driver, base + f"{page}.html", runtime)
                results[page].append((parts, seconds))
                detail = ", ".join(f"{part} {size / 1e6:.2f} MB" for part, size in parts.items())
                print(f"run {run} {page}: {sum(parts.values()) / 1e6:.2f} MB ({detail}); "
                      f"first live result after {seconds:.2f} s", flush=True)
    print()
    print("\n".join(table(results)))
    print(verdict(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
