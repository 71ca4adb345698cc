"""How long the reader waits, in chapter 1's live part, for their network to reach 95 % test accuracy.

Usage (from the repository root, after ``jupyter-book build book/``)::

    python -m tools.benchmarks.live_training [--runs 3] [--target 0.95]

Serves ``book/_build/html`` on localhost, compressed as GitHub Pages sends it
(:func:`tools.browser.serve` with ``compress``), and for every run opens
chapter 1 in a fresh headless Chromium (nothing cached), presses Train (the
part's ``start``, as the button does) and waits until the network's accuracy
on the held-out test images (measured by the page after every epoch) reaches
the target, or the epoch budget is spent. The page trains the build's dense
network with the build's recipe (Adam, learning rate, batch size: the
export manifest's ``training``) on the shipped subset
(``manifest.training_set``), in a Web Worker.

Per run it prints the backend, what the click downloads, the time until
the worker was ready (runtime, network, images downloaded and set up), and
for the first evaluation at or above the target: its epoch, the images
trained on, the seconds of training and the seconds from the click. The
last line reads ``time to 95% test accuracy: N s`` (the median over runs,
from the click to the evaluation that first reached the target, downloads
and set-up included).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make ``tools`` importable like ``python -m`` does
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.browser import chromium, serve
from tools.toc import book_dir

PAGE = "01_dense_networks"
APP = "LabLive.apps['train-dense']"


def first_at_or_above(tests: list[dict], target: float) -> dict | None:
    """The first evaluation (after training began) whose test accuracy reaches ``target``, or None."""
    return next((t for t in tests if t["epoch"] > 0 and t["accuracy"] >= target), None)


def run_once(driver, url: str, target: float, timeout: float) -> dict:
    """Open the page, press Train, wait for the target or the end; what happened, in seconds from the click."""
    driver.get(url)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const wait = () => window.LabLive && LabLive.ready ? LabLive.startNow().then(done) : setTimeout(wait, 20); wait();"
    )
    outcome = driver.execute_async_script(
        f"const [target, timeout, done] = arguments; const app = {APP};"
        "if (!app) { done({error: 'the live part did not start'}); return; }"
        "app.start();"
        "const limit = setTimeout(() => done({error: `no result after ${timeout} s`}), timeout * 1000);"
        "const finish = (m) => { clearTimeout(limit); done({end: m, events: app.events, startedAt: app.startedAt,"
        "  backend: app.backend, downloadBytes: app.downloadBytes}); };"
        "app.next(m => m.type === 'done' || m.type === 'error' || (m.type === 'test' && m.epoch > 0 && m.accuracy >= target))"
        "  .then(finish, (e) => finish({type: 'error', message: String(e)}));",
        target, timeout,
    )
    if "error" in outcome:
        raise RuntimeError(outcome["error"])
    if outcome["end"]["type"] == "error":
        raise RuntimeError(outcome["end"]["message"])
    events, start = outcome["events"], outcome["startedAt"]
    ready = next(e for e in events if e["type"] == "ready")
    tests = [e for e in events if e["type"] == "test"]
    reached = first_at_or_above(tests, target)
    return {
        "backend": outcome["backend"],
        "download": outcome["downloadBytes"],
        "ready": (ready["at"] - start) / 1000,
        "untrained": tests[0]["accuracy"],
        "reached": reached and {**reached, "from_click": (reached["at"] - start) / 1000},
        "last": tests[-1],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=float, default=0.95, help="test accuracy to wait for (default 0.95)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a run may take at most")
    args = parser.parse_args(argv)
    html = book_dir() / "_build" / "html"
    if not (html / f"{PAGE}.html").is_file():
        sys.exit(f"{html / PAGE}.html is missing: build the book first (jupyter-book build book/)")
    times = []
    with serve(html, compress=True) as base:
        for run in range(1, args.runs + 1):
            with chromium() as driver:  # a fresh browser: nothing cached
                driver.set_script_timeout(args.timeout + 60)
                result = run_once(driver, base + f"{PAGE}.html", args.target, args.timeout)
            head = (f"run {run}: backend {result['backend']}, downloads {result['download'] / 1e6:.1f} MB, "
                    f"ready after {result['ready']:.1f} s, untrained {result['untrained']:.1%}; ")
            reached = result["reached"]
            if reached:
                times.append(reached["from_click"])
                print(head + f"{reached['accuracy']:.1%} after epoch {reached['epoch']} ({reached['images']:,} images, "
                      f"{reached['seconds']:.1f} s of training), {reached['from_click']:.1f} s from the click")
            else:
                last = result["last"]
                print(head + f"never reached {args.target:.0%}: {last['accuracy']:.1%} after epoch {last['epoch']} "
                      f"({last['images']:,} images, {last['seconds']:.1f} s of training)")
    if len(times) < args.runs:
        print(f"time to {args.target:.0%} test accuracy: not reached in {args.runs - len(times)} of {args.runs} runs")
        sys.exit(1)
    print(f"time to {args.target:.0%} test accuracy: {statistics.median(times):.1f} s "
          f"(median of {args.runs} runs, from pressing Train: download, set-up and training)")


if __name__ == "__main__":
    main()
