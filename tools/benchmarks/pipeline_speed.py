"""How fast the JavaScript photo pipeline (web/site/live/digits.js) runs on drawing-pad drawings, step by step.

Usage (from the repository root; needs ``node`` and MNIST, see ``MNIST_PATH``)::

    python -m tools.benchmarks.pipeline_speed [--repeats 30] [--digits 10] [--port JS] [--baseline OLD.js]
    python tools/benchmarks/pipeline_speed.py [--repeats 30] [--digits 10] [--port JS] [--baseline OLD.js]

Chapter 6's live page runs ``LabDigits.preprocess`` on the 280x280 drawing
pad at every stroke update, in a Web Worker (``own-digit.js``: the pen never
waits, and while one update is prepared only the newest waits), so this time
decides how often the pad's prediction follows the pen (issue 19). This
benchmark feeds it what the pad hands it, in one ``node`` process:

* ``mnist``: MNIST test digits (one of each class first) drawn black on white
  paper, upscaled to 280x280 with smooth (bilinear) interpolation, as
  ``live_latency.py`` draws them in the browser;
* ``pen``: thin-line digits drawn as the pad draws them (a round pen
  :data:`PEN` pixels wide, anti-aliased: drawn 4 times larger and shrunk).

For each kind it prints the median milliseconds of every step of
``steps()`` (timed by calling the port's functions in the same order; the
digit they give is checked against ``preprocess``'s), their sum, and the
median of ``preprocess`` as a whole, the figure the pad sees. ``--port``
times another copy of digits.js instead of the repository's (an older one,
e.g. ``git show HEAD~1:web/site/live/digits.js > /tmp/old.js``);
``--baseline`` times one as well, in turns with the port in the same process,
so that a busy machine slows both alike, and checks that both give the same
28x28 digits (the totals compare well that way; the steps' figures are
cleaner from one port a process, as the two ports' garbage collection
mixes). The times move with the machine's load: read the medians on an idle
machine. The last line reads
``pipeline on a 280x280 pad drawing: X.X ms (median of all kinds; ...)``.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make ``tools`` importable like ``python -m`` does
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
PORT = ROOT / "web" / "site" / "live" / "digits.js"

#: The drawing pad's side and its pen's width in pixels (web/site/live/widgets.js: the canvas, PEN).
PAD, PEN = 280, 18
#: Untimed rounds first: V8 compiles the hot loops.
WARMUP = 5

#: Thin-line digits in the pad's coordinates (shares of its side): strokes of points.
PEN_DIGITS = {
    "pen 2": [[(0.3, 0.3), (0.4, 0.18), (0.55, 0.16), (0.68, 0.25), (0.66, 0.42), (0.5, 0.6), (0.32, 0.8),
               (0.72, 0.8)]],
    "pen 4": [[(0.55, 0.15), (0.3, 0.6), (0.72, 0.6)], [(0.6, 0.35), (0.6, 0.85)]],
    "pen 7": [[(0.3, 0.2), (0.7, 0.2), (0.45, 0.85)], [(0.4, 0.5), (0.62, 0.5)]],
}

#: Runs in node with the ports' paths as arguments: reads {repeats, warmup, drawings: [{kind, name,
#: width, height, rgba}]}, writes {results: [{kind: {steps: {name: [ms]}, total: [ms]}} a port],
#: differ: [names of drawings whose digit differs from the first port's]}. ``timedSteps`` mirrors
#: digits.js ``steps()``; the ports take turns drawing by drawing.
TIME_STEPS = r"""
const ports = process.argv.slice(1).map((file) => require(file));
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const now = () => Number(process.hrtime.bigint()) / 1e6;

function timedSteps(L, photo, times) {
  const t = (name, fn) => {
    const start = now();
    const result = fn();
    times[name] = (times[name] || 0) + now() - start;
    return result;
  };
  L.openImage(photo);
  const rgb = t("photoToWork", () => L.lib.photoToWork(photo));
  const weights = t("colourWeights", () => L.colourWeights(L.inkColourDifference(rgb)));
  const gray = t("colourToGray", () => L.colourToGray(rgb, weights));
  const dark = t("inkIsDark", () => L.inkIsDark(gray));
  const ink = t("inkImage", () => L.inkImage(gray, dark));
  const findDigit = (window) => {
    const background = t("removeBackground", () => L.removeBackground(ink, window));
    const flat = t("removeLines", () => L.removeLines(background, false));
    const mask = t("inkMask", () => L.inkMask(flat));
    return { flat, mask, digitMask: t("selectDigit", () => L.selectDigit(mask)) };
  };
  const window = L.backgroundWindow(ink);
  let found = findDigit(window);
  const wider = L.backgroundWindow(ink, t("localStrokeWidth", () => L.localStrokeWidth(ink, found.digitMask)));
  if (wider > window) found = findDigit(wider);
  const crop = t("cropDigit", () => L.cropDigit(found.flat, found.digitMask));
  t("strokeWidth", () => {
    const values = crop.data;
    const mask = new Uint8Array(values.length);
    for (let i = 0; i < mask.length; i++) mask[i] = values[i] > 0 ? 1 : 0;
    return L.strokeWidth({ width: crop.width, height: crop.height, data: mask });
  });
  const stroked = t("setStrokeWidth", () => L.setStrokeWidth(crop));
  const fitted = t("fitBox", () => L.fitBox(stroked));
  const digit = t("centerByMass", () => L.centerByMass(fitted));
  if (L.zoomBox(found.digitMask, [photo.width, photo.height]) !== null) throw new Error("a pad drawing needs no zoom");
  return digit;
}

const photos = input.drawings.map((d) => {
  const bytes = Buffer.from(d.rgba, "base64");
  return { kind: d.kind, name: d.name, photo: { width: d.width, height: d.height,
    data: new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length) } };
});
const differ = [];
for (const { name, photo } of photos) {
  const digits = ports.map((L) => L.preprocess(photo).digit);
  ports.forEach((L, p) => {
    const timed = timedSteps(L, photo, {});
    if (timed.some((v, i) => v !== digits[p][i])) throw new Error(`${name}: the timed steps differ from preprocess`);
  });
  if (digits.some((d) => d.some((v, i) => v !== digits[0][i]))) differ.push(name);
}
const results = ports.map(() => ({}));
for (let round = 0; round < input.warmup + input.repeats; round++) {
  for (const { kind, photo } of photos) {
    ports.forEach((L, p) => {
      const times = {};
      timedSteps(L, photo, times);
      const start = now();
      L.preprocess(photo);
      const total = now() - start;
      if (round < input.warmup) return;
      const entry = results[p][kind] || (results[p][kind] = { steps: {}, total: [] });
      for (const [name, ms] of Object.entries(times)) (entry.steps[name] = entry.steps[name] || []).push(ms);
      entry.total.push(total);
    });
  }
}
process.stdout.write(JSON.stringify({ results, differ }));
"""


def rgba(image: Image.Image) -> dict:
    """A drawing as the pad hands it to the pipeline: {width, height, rgba (base64 RGBA bytes)}."""
    pixels = np.asarray(image.convert("RGBA"))
    return {"width": pixels.shape[1], "height": pixels.shape[0], "rgba": base64.b64encode(pixels.tobytes()).decode()}


def mnist_drawing(digit: np.ndarray) -> Image.Image:
    """An MNIST digit (28x28 uint8, ink 255) as black ink on white, smoothly upscaled to the pad's size."""
    paper = Image.fromarray((255 - digit).astype(np.uint8), "L")
    return paper.resize((PAD, PAD), Image.Resampling.BILINEAR).convert("RGB")


def pen_drawing(strokes: list[list[tuple[float, float]]], scale: int = 4) -> Image.Image:
    """Strokes drawn as the pad draws them: a round black pen PEN pixels wide on white, anti-aliased."""
    big = PAD * scale
    canvas = Image.new("RGB", (big, big), "white")
    draw = ImageDraw.Draw(canvas)
    width = PEN * scale
    for stroke in strokes:
        xy = [(x * big, y * big) for x, y in stroke]
        draw.line(xy, fill="black", width=width, joint="curve")
        for x, y in xy:  # round caps and joins
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill="black")
    return canvas.resize((PAD, PAD), Image.Resampling.BOX)


def pad_drawings(n_digits: int) -> list[dict]:
    """The benchmark's drawings: ``n_digits`` MNIST test digits (one of each class first) and the pen digits."""
    from labsupport.data import load_mnist

    (_, _), (x_test, y_test) = load_mnist()
    firsts = [int(np.flatnonzero(y_test == label)[0]) for label in range(10)]
    picked = (firsts + [i for i in range(len(x_test)) if i not in firsts])[:n_digits]
    drawings = [{"kind": "mnist", "name": f"mnist test #{i} ({y_test[i]})", **rgba(mnist_drawing(x_test[i]))}
                for i in picked]
    drawings += [{"kind": "pen", "name": name, **rgba(pen_drawing(strokes))} for name, strokes in PEN_DIGITS.items()]
    return drawings


def time_in_node(drawings: list[dict], ports: list[Path], repeats: int, warmup: int = WARMUP) -> dict:
    """Run :data:`TIME_STEPS` on the ports in one node process; {"results": [per port], "differ": [names]}."""
    node = shutil.which("node")
    if node is None:
        sys.exit("node (Node.js) is not on PATH")
    document = json.dumps({"repeats": repeats, "warmup": warmup, "drawings": drawings})
    done = subprocess.run([node, "-e", TIME_STEPS, *map(str, ports)], input=document, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"node failed:\n{done.stderr}")
    return json.loads(done.stdout)


def table(results: dict) -> list[str]:
    """One row per step (median ms per kind of drawing), then the sum of the steps and preprocess as a whole."""
    kinds = list(results)
    names = list(dict.fromkeys(name for kind in kinds for name in results[kind]["steps"]))
    lines = [f"{'step (median ms)':<20}" + "".join(f"{kind:>10}" for kind in kinds)]

    def row(label: str, values: list[float | None]) -> str:
        return f"{label:<20}" + "".join(f"{v:>10.2f}" if v is not None else f"{'-':>10}" for v in values)

    for name in names:
        lines.append(row(name, [float(np.median(results[k]["steps"][name])) if name in results[k]["steps"] else None
                                for k in kinds]))
    sums = [float(np.median(np.sum(list(results[k]["steps"].values()), axis=0))) for k in kinds]
    lines.append(row("sum of the steps", sums))
    lines.append(row("preprocess", [float(np.median(results[k]["total"])) for k in kinds]))
    return lines


def overall(results: dict) -> float:
    """Median ms of ``preprocess`` over every drawing of every kind."""
    return float(np.median([ms for kind in results.values() for ms in kind["total"]]))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed rounds over all drawings (default 30)")
    parser.add_argument("--digits", type=int, default=10, help="MNIST test digits to draw (default 10)")
    parser.add_argument("--port", type=Path, default=PORT, help="the digits.js to time (default: the repository's)")
    parser.add_argument("--baseline", type=Path, help="another digits.js to time in turns with it")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.digits < 1:
        parser.error("--repeats and --digits must be at least 1")
    for option, path in (("--port", args.port), ("--baseline", args.baseline)):
        if path is not None and not path.is_file():
            parser.error(f"{option} {path}: no such file")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ports = [args.port.resolve()] + ([args.baseline.resolve()] if args.baseline else [])
    got = time_in_node(pad_drawings(args.digits), ports, args.repeats)
    if args.baseline:
        print(f"baseline {args.baseline}:")
        print("\n".join(table(got["results"][1])))
        same = "none" if not got["differ"] else ", ".join(got["differ"])
        print(f"drawings whose digit differs from the baseline's: {same}\n")
        print(f"{args.port}:")
    results = got["results"][0]
    print("\n".join(table(results)))
    ms = overall(results)
    if args.baseline:
        before = overall(got["results"][1])
        print(f"baseline: {before:.1f} ms, this port {before / ms:.1f} times as fast")
    print(f"pipeline on a {PAD}x{PAD} pad drawing: {ms:.1f} ms (median of all kinds; in its worker, the pad's "
          f"prediction can follow the pen about {1000 / ms:.0f} times a second)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
