"""Lighthouse (mobile) on every chapter page: performance, largest paint, blocking time, bytes.

Usage (from the repository root, after ``jupyter-book build book/`` and
``npm ci --prefix web``, which installs Lighthouse at the version pinned in
``web/package-lock.json``)::

    python -m tools.benchmarks.lighthouse [--runs 3] [--page 06_your_digit ...]

Serves ``book/_build/html`` on localhost as GitHub Pages serves it (text
gzip-compressed, binaries as they are: :func:`tools.browser.serve` with
``compress``) and runs Lighthouse's performance and accessibility audits in
its default **mobile** mode (a mid-range phone's screen, a 4x slower CPU and
a slow 4G network, simulated) on each page of the table of contents, once
per run, in a fresh headless Chromium each time. Prints a row per page and
run, then the table (medians over the runs, the spread in brackets):

    page  performance  largest contentful paint  total blocking time  transferred  accessibility

Lighthouse's figures vary from run to run, more so on a busy machine: take
several runs and read the medians. The last line reads
``lowest performance: N (PAGE)``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make ``tools`` importable like ``python -m`` does
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.browser import CHROMIUM, serve
from tools.toc import ROOT, book_dir, toc_files

#: Lighthouse's command line, installed from npm (web/package.json, devDependencies).
LIGHTHOUSE = ROOT / "web" / "node_modules" / "lighthouse" / "cli" / "index.js"
#: Chromium flags for a machine without a display (Lighthouse sets the phone's screen itself).
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update"]


@dataclass(frozen=True)
class Audit:
    """One Lighthouse run on one page (times in seconds, bytes as transferred)."""

    page: str
    performance: int
    lcp: float
    tbt: float
    transferred: int
    accessibility: int | None = None
    fcp: float | None = None


def command(url: str, report: Path) -> list[str]:
    """The Lighthouse command line for one page: mobile, performance and accessibility, JSON out."""
    return [
        "node", str(LIGHTHOUSE), url,
        "--form-factor=mobile", "--throttling-method=simulate",
        "--only-categories=performance,accessibility",
        "--output=json", f"--output-path={report}", "--quiet",
        "--max-wait-for-load=60000",
        "--chrome-flags=" + " ".join(CHROME_FLAGS),
    ]


def _score(report: dict, category: str) -> int | None:
    found = report.get("categories", {}).get(category)
    if not found or found.get("score") is None:
        return None
    return round(100 * found["score"])


def _value(report: dict, audit: str) -> float | None:
    found = report.get("audits", {}).get(audit, {})
    value = found.get("numericValue")
    return None if value is None else float(value)


def summarize(page: str, report: dict) -> Audit:
    """The figures of one Lighthouse JSON report.

    Raises
    ------
    ValueError
        If Lighthouse could not measure the page (it then says why in
        ``runtimeError`` or leaves the performance score empty).
    """
    error = report.get("runtimeError", {})
    if error.get("code") and error.get("code") != "NO_ERROR":
        raise ValueError(f"Lighthouse could not measure {page}: {error.get('code')} {error.get('message', '')}".strip())
    performance = _score(report, "performance")
    lcp, tbt, weight = (_value(report, a) for a in ("largest-contentful-paint", "total-blocking-time",
                                                     "total-byte-weight"))
    if performance is None or lcp is None or tbt is None or weight is None:
        warnings = "; ".join(report.get("runWarnings", [])) or "no performance score"
        raise ValueError(f"Lighthouse could not measure {page}: {warnings}")
    fcp = _value(report, "first-contentful-paint")
    return Audit(page, performance, lcp / 1000, tbt / 1000, int(weight), _score(report, "accessibility"),
                 None if fcp is None else fcp / 1000)


def run_lighthouse(url: str, page: str, timeout: float = 300, keep: Path | None = None) -> Audit:
    """Run Lighthouse once on ``url`` (a fresh Chromium, empty cache) and summarize its report.

    With ``keep`` (a file path), the whole JSON report is kept there (to see *what* was slow).
    """
    if not LIGHTHOUSE.is_file():
        raise FileNotFoundError(f"{LIGHTHOUSE} is missing: run 'npm ci --prefix web' (tools/install.sh does)")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        result = subprocess.run(command(url, report), capture_output=True, text=True, timeout=timeout,
                                env={**os.environ, "CHROME_PATH": CHROMIUM})
        if not report.is_file():
            raise RuntimeError(f"Lighthouse failed on {page} (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
        if keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            keep.write_bytes(report.read_bytes())
        return summarize(page, json.loads(report.read_text()))


def spread(values: list[float], digits: int = 1) -> str:
    """``median [lowest-highest]`` (just the value for one run)."""
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def table(audits: list[Audit]) -> list[str]:
    """The table: one row per page (in first-seen order), medians over its runs with their spread."""
    pages = list(dict.fromkeys(a.page for a in audits))
    rows = [("page", "performance", "largest contentful paint (s)", "total blocking time (s)",
             "transferred (MB)", "accessibility")]
    for page in pages:
        runs = [a for a in audits if a.page == page]
        access = [a.accessibility for a in runs if a.accessibility is not None]
        rows.append((
            page,
            spread([a.performance for a in runs], 0),
            spread([a.lcp for a in runs], 1),
            spread([a.tbt for a in runs], 2),
            spread([a.transferred / 1e6 for a in runs], 2),
            spread(access, 0) if access else "-",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    return lines


def lowest(audits: list[Audit]) -> tuple[str, float]:
    """The page with the lowest median performance score, and that score."""
    pages = list(dict.fromkeys(a.page for a in audits))
    medians = {p: statistics.median([a.performance for a in audits if a.page == p]) for p in pages}
    page = min(medians, key=medians.get)
    return page, medians[page]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (default 3)")
    parser.add_argument("--page", action="append", default=None,
                        help="a page to measure (e.g. 06_your_digit; repeat for more); default: every page")
    parser.add_argument("--reports", type=Path, default=None,
                        help="keep each run's whole JSON report in this folder (PAGE-RUN.json)")
    parser.add_argument("--site", type=Path, default=None,
                        help="the built site to serve (default: book/_build/html)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    html = args.site or book_dir() / "_build" / "html"
    pages = args.page or toc_files()
    missing = [p for p in pages if not (html / f"{p}.html").is_file()]
    if missing:
        print(f"{html} lacks {', '.join(p + '.html' for p in missing)}: build the book first (jupyter-book build book/)")
        return 2
    audits = []
    print(f"Lighthouse {lighthouse_version()} (mobile, simulated slow 4G and 4x CPU), "
          f"{args.runs} run(s) per page, text gzip-compressed as on GitHub Pages")
    with serve(html, compress=True) as base:
        for run in range(1, args.runs + 1):  # runs in turns, so that a busy spell hits every page alike
            for page in pages:
                keep = args.reports / f"{page}-{run}.json" if args.reports else None
                audit = run_lighthouse(base + f"{page}.html", page, keep=keep)
                audits.append(audit)
                print(f"run {run} {page}: performance {audit.performance}, LCP {audit.lcp:.1f} s, "
                      f"TBT {audit.tbt:.2f} s, {audit.transferred / 1e6:.2f} MB", flush=True)
    print()
    print("\n".join(table(audits)))
    page, score = lowest(audits)
    print(f"lowest performance: {score:.0f} ({page})")
    return 0


def lighthouse_version() -> str:
    package = LIGHTHOUSE.parents[1] / "package.json"
    return json.loads(package.read_text())["version"] if package.is_file() else "(not installed)"


if __name__ == "__main__":
    sys.exit(main())
