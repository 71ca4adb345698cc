"""The JavaScript port of the photo pipeline (web/site/live/digits.js) gives Python's 28x28 digits.

The course site runs :mod:`labsupport.digits` in the reader's browser as
``web/site/live/digits.js``: the same photo must give the same 28x28 image
there as in the notebooks, and the same error messages. Photos are decoded
here with PIL (RGBA, EXIF rotation applied, as :func:`labsupport.digits.open_image`
does) and run through both, the JavaScript in one ``node`` process
(``tests/js/pipeline_cli.js``).

Set ``REAL_DIGITS_PATH`` to a folder of real photos of handwriting to compare
on those as well.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps
from scipy import ndimage

from labsupport import digits, synthetic

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "tests" / "js" / "pipeline_cli.js"
PORT = ROOT / "web" / "site" / "live" / "digits.js"
SAMPLES = ROOT / "assets" / "samples"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node (Node.js) is not on PATH: the JavaScript port cannot run")

#: Largest mean absolute difference, on a [0, 1] scale, between the JavaScript and Python 28x28 digits of one photo.
MAX_MAD = 0.02


def rgba_bytes(image: Image.Image) -> np.ndarray:
    """What the browser hands the port: the decoded photo as RGBA bytes (not premultiplied)."""
    return np.asarray(image.convert("RGBA"))


#: Image modes with an alpha channel: what lies outside the photo is transparent (white paper), not black.
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def photo_record(key: str, image: Image.Image, tell_alpha: bool = True) -> dict:
    rgba = rgba_bytes(image)
    height, width = rgba.shape[:2]
    record = {"id": key, "width": width, "height": height, "rgba": base64.b64encode(rgba.tobytes()).decode("ascii")}
    if tell_alpha:
        record["hasAlpha"] = image.mode in ALPHA_MODES
    return record


class NodePipeline:
    """One node process running tests/js/pipeline_cli.js, answering one record at a time.

    Each record is answered before the next is sent, so that a folder of
    large photos never sits in memory whole.
    """

    def __enter__(self) -> "NodePipeline":
        self.node = subprocess.Popen(
            [NODE, str(CLI), *self.options], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        return self

    def __init__(self, *options: str):
        self.options = options

    def run(self, record: dict) -> dict:
        self.node.stdin.write(json.dumps(record) + "\n")
        self.node.stdin.flush()
        line = self.node.stdout.readline()
        assert line, f"node stopped: {self.node.stderr.read()}"
        result = json.loads(line)
        assert result["id"] == record["id"]
        return result

    def __exit__(self, *exc) -> None:
        self.node.stdin.close()
        self.node.wait(timeout=60)
        errors = self.node.stderr.read()
        self.node.stdout.close()
        self.node.stderr.close()
        assert self.node.returncode == 0, errors


def run_js(records, *options: str) -> dict[str, dict]:
    """Every record through tests/js/pipeline_cli.js in one node process; results by id."""
    with NodePipeline(*options) as node:
        return {record["id"]: node.run(record) for record in records}


def python_digit(image: Image.Image) -> np.ndarray:
    return digits.preprocess(image).digit


def mad(js_digit, py_digit) -> float:
    """Mean absolute difference of two 28x28 uint8 digits on a [0, 1] scale."""
    js = np.asarray(js_digit, dtype=float).reshape(digits.FIELD, digits.FIELD)
    return float(np.abs(js - np.asarray(py_digit, dtype=float)).mean() / 255)


def compare(photos: dict[str, Image.Image]) -> dict[str, float]:
    """MAD per photo between the two pipelines; both find a digit, or both give the same message.

    A photo that Python cannot read (DigitImageError) must get the same
    message from JavaScript; it has no MAD.
    """
    results = run_js([photo_record(key, image) for key, image in photos.items()])
    found = {}
    for key, image in photos.items():
        js = results[key]
        try:
            py_digit = python_digit(image)
        except digits.DigitImageError as e:
            assert js["error"] == str(e), f"{key}: Python says {str(e)!r}, JavaScript {js['error']!r}"
            continue
        assert js["error"] is None, f"{key}: JavaScript says {js['error']!r}"
        found[key] = mad(js["digit"], py_digit)
    return found


def report(name: str, found: dict[str, float]) -> None:
    worst = max(found, key=found.get)
    print(f"\n{name}: {len(found)} photos, MAD median {np.median(list(found.values())):.4f}, "
          f"worst {found[worst]:.4f} ({worst})")


# ---------------------------------------------------------------------------
# Inputs


def drawn_digit(transparent: bool, size: int = 280, scale: int = 3) -> Image.Image:
    """A drawing pad's canvas: a thick black 2 on white, or on transparency (soft edges, like a canvas)."""
    big = size * scale
    background = (0, 0, 0, 0) if transparent else (255, 255, 255, 255)
    canvas = Image.new("RGBA", (big, big), background)
    draw = ImageDraw.Draw(canvas)
    points = [(0.3, 0.3), (0.4, 0.18), (0.55, 0.16), (0.68, 0.25), (0.66, 0.42), (0.5, 0.6), (0.32, 0.8), (0.72, 0.8)]
    xy = [(x * big, y * big) for x, y in points]
    width = int(0.07 * big)
    draw.line(xy, fill=(0, 0, 0, 255), width=width, joint="curve")
    for x, y in (xy[0], xy[-1]):
        draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=(0, 0, 0, 255))
    return canvas.resize((size, size), Image.Resampling.BOX)


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG that claims a size (no pixels): enough for PIL to read the size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def python_error(source) -> str:
    with pytest.raises(digits.DigitImageError) as raised:
        digits.preprocess(source)
    return str(raised.value)


# ---------------------------------------------------------------------------
# The same digits


@pytest.fixture(scope="module")
def synthetic_mads() -> dict[str, float]:
    photos = {name: image for name, _, image in synthetic.sample_photos(SAMPLES)}
    for k, (label, image) in enumerate(synthetic.make_hard_set(n_per_digit=2)):
        photos[f"hard_{k:02d}_digit{label}"] = image
    photos["felt_tip"] = synthetic.felt_tip_photo()
    return compare(photos)


def test_the_port_has_every_constant_of_the_python_pipeline():
    """Every number that tunes labsupport/digits.py has the same name and value in the port."""
    names = [n for n, v in vars(digits).items()
             if n.isupper() and type(v) in (int, float)]  # not enums (RESAMPLE) or arrays
    done = subprocess.run(
        [NODE, "-e", f"const L = require({json.dumps(str(PORT))}); "
                     f"console.log(JSON.stringify({json.dumps(names)}.map(n => L[n])))"],
        capture_output=True, text=True, check=True,
    )
    assert len(names) > 20
    assert dict(zip(names, json.loads(done.stdout))) == {n: getattr(digits, n) for n in names}


def thin_loops_crops() -> dict[str, np.ndarray]:
    """Crops of fine-pen digits with small loops and gaps (a closed 4, an open 4, a 6, a broken 0), ink 1 on 0."""
    turn = np.linspace(0.1, 2 * np.pi - 0.1, 40)  # a 0 that a pen skipping left open at its right
    head = np.linspace(-np.pi / 2 + 0.15, 3 * np.pi / 2 - 0.15, 30)  # a 9's small head, open at its top
    shapes = {
        "broken-0": (list(zip(0.5 + 0.48 * np.cos(turn), 0.5 + 0.48 * np.sin(turn))), None, 70),
        "broken-9": (list(zip(0.6 + 0.38 * np.cos(head), 0.1 + 0.085 * np.sin(head))), [(0.97, 0.1), (0.93, 0.98)], 60),
        "closed-4": ([(0.62, 0.98), (0.62, 0.02), (0.3, 0.62), (0.95, 0.62)], None, 100),
        "open-4": ([(0.4, 0.02), (0.2, 0.62), (0.95, 0.62)], [(0.62, 0.02), (0.62, 0.98)], 80),
        "six": ([(0.8, 0.05), (0.3, 0.5), (0.25, 0.85), (0.5, 0.97), (0.75, 0.8), (0.6, 0.62), (0.3, 0.7)], None, 90),
    }
    crops = {}
    for name, (first, second, width) in shapes.items():
        image = Image.new("L", (width, 150), 0)
        draw = ImageDraw.Draw(image)
        for line in (first, second):
            if line:
                draw.line([(x * width, y * 150) for x, y in line], fill=255, width=3)
        a = np.asarray(image, np.float32) / 255
        top, bottom, left, right = digits.bounding_box(a > 0)
        crops[name] = a[top:bottom, left:right]
    return crops


def port_on_arrays(arrays: dict[str, np.ndarray], body: str) -> dict:
    """Run ``body`` (JavaScript that sets ``out[k]``) in node on each named 2-D array.

    The port is ``L``; each array is ``image`` (Float32) and ``mask`` (its pixels > 0),
    ``c`` holds its width and height. Returns ``out`` as decoded from JSON.
    """
    records = {name: {"width": a.shape[1], "height": a.shape[0], "data": a.astype(float).ravel().tolist()}
               for name, a in arrays.items()}
    script = (
        f"const L = require({json.dumps(str(PORT))}); const arrays = {json.dumps(records)}; const out = {{}};"
        "for (const [k, c] of Object.entries(arrays)) { "
        "const image = {width: c.width, height: c.height, data: Float32Array.from(c.data)}; "
        "const mask = {width: c.width, height: c.height, data: Uint8Array.from(c.data, (v) => v > 0)}; "
        f"{body} }} console.log(JSON.stringify(out));"
    )
    done = subprocess.run([NODE, "-"], input=script, capture_output=True, text=True, check=True)  # too long for -e
    return json.loads(done.stdout)


def test_thickening_that_keeps_holes_is_the_same():
    """set_stroke_width, holes_and_gaps and count_holes agree with the port on small loops and gaps."""
    crops = thin_loops_crops()
    found = port_on_arrays(crops, (
        "const s = L.setStrokeWidth(image); const r = L.holesAndGaps(mask); "
        "const o = L.openRegions(mask, r, L.HOLE_IN_BOX * Math.max(c.width, c.height) / 20); "
        "out[k] = {width: s.width, height: s.height, data: Array.from(s.data), ids: r.ids, gaps: [...r.gaps], "
        "spot: [...o.spot], mouth: [...o.mouth], "
        "holes: [L.countHoles(mask), L.countHoles(mask, 0, L.boundingBox(mask))]};"))
    for name, crop in crops.items():
        py = digits.set_stroke_width(crop)
        js = np.array(found[name]["data"], dtype=np.float32).reshape(found[name]["height"], found[name]["width"])
        assert js.shape == py.shape, name
        assert np.abs(js - py).max() <= 1e-6, name
        mask = crop > 0
        assert found[name]["holes"] == [digits.count_holes(mask), digits.count_holes(mask, 0, digits.bounding_box(mask))]
        regions = digits.holes_and_gaps(mask)
        assert (found[name]["ids"], sorted(found[name]["gaps"])) == (regions.ids, sorted(regions.gaps)), name
        spot, mouth = digits.open_regions(mask, regions, digits.HOLE_IN_BOX * max(crop.shape) / digits.BOX)
        assert (sorted(found[name]["spot"]), sorted(found[name]["mouth"])) == (sorted(spot), sorted(mouth)), name


def test_tiny_crops_are_enlarged_and_stroked_the_same():
    """enlarge and set_stroke_width on small grey crops (a digit in a tiny photo) agree with the port."""
    rng = np.random.default_rng(5)
    crops = {}
    for i, (h, w) in enumerate([(21, 17), (13, 9), (39, 30), (40, 12)]):
        crop = ndimage.gaussian_filter(rng.random((h, w)), 1.5).astype(np.float32)
        crops[f"tiny-{i}"] = np.where(crop > np.percentile(crop, 60), crop, 0).astype(np.float32)
    found = port_on_arrays(crops, (
        "const e = L.enlarge(image); const s = L.setStrokeWidth(image); "
        "out[k] = {enlarged: [e.height, e.width], width: s.width, height: s.height, data: Array.from(s.data)};"))
    for name, crop in crops.items():
        assert found[name]["enlarged"] == list(digits.enlarge(crop).shape), name
        py = digits.set_stroke_width(crop)
        js = np.array(found[name]["data"], dtype=np.float32).reshape(found[name]["height"], found[name]["width"])
        assert js.shape == py.shape and np.abs(js - py).max() <= 1e-6, name


def test_a_tiny_photo_gives_the_same_widths_before_and_after():
    """A crossed 7 in a 34x34 photo: its crop is enlarged, and both widths the strokes panel prints agree."""
    big = Image.new("L", (136, 136), 230)
    draw = ImageDraw.Draw(big)
    draw.line([(30, 26), (106, 26), (52, 112)], fill=40, width=12)
    draw.line([(44, 68), (92, 68)], fill=40, width=12)
    photo = big.resize((34, 34), Image.Resampling.BOX).convert("RGB")
    py = digits.preprocess(photo)
    assert max(py.crop.shape) < digits.ENLARGE_BELOW
    js = run_js([photo_record("tiny", photo)], "--steps")["tiny"]
    assert js["strokeInBox"] == pytest.approx(py.stroke_in_box) and js["strokedInBox"] == pytest.approx(py.stroked_in_box)
    assert mad(js["digit"], py.digit) <= MAX_MAD


def test_sample_photos_give_the_same_digits(synthetic_mads):
    samples = {k: v for k, v in synthetic_mads.items() if not k.startswith("hard_") and k != "felt_tip"}
    assert len(samples) == len(synthetic.SAMPLES)
    report("sample photos", samples)
    bad = {k: round(v, 4) for k, v in samples.items() if v > MAX_MAD}
    assert not bad, f"JavaScript and Python differ by more than {MAX_MAD}: {bad}"


def test_hard_synthetic_photos_give_the_same_digits(synthetic_mads):
    hard = {k: v for k, v in synthetic_mads.items() if k.startswith("hard_")}
    assert len(hard) >= 18  # of 20: a photo neither pipeline can read got the same message in both (compare)
    report("hard synthetic photos", hard)
    bad = {k: round(v, 4) for k, v in hard.items() if v > MAX_MAD}
    assert not bad, f"JavaScript and Python differ by more than {MAX_MAD}: {bad}"


def test_a_felt_tip_close_up_gives_the_same_digit(synthetic_mads):
    assert synthetic_mads["felt_tip"] <= MAX_MAD


def test_stroke_width_leaves_out_the_same_hairs():
    """stroke_width's hair filter, exactly alike: a felt-tip stroke's ink, and random blobs with specks and lines."""
    rng = np.random.default_rng(7)
    masks = {"felt_tip": synthetic.felt_tip_ink()}
    for k in range(12):
        mask = np.zeros((int(rng.integers(40, 160)), int(rng.integers(40, 160))), bool)
        yy, xx = np.mgrid[:mask.shape[0], :mask.shape[1]]
        for _ in range(3):  # discs of all sizes, some running off the edge
            cy, cx, r = rng.integers(0, mask.shape[0]), rng.integers(0, mask.shape[1]), rng.integers(2, 25)
            mask |= (yy - cy) ** 2 + (xx - cx) ** 2 <= r**2
        mask |= rng.random(mask.shape) < 0.02  # specks
        mask[int(rng.integers(mask.shape[0])), :] = True  # a thin line
        masks[f"random_{k}"] = mask
    found = port_on_arrays(masks, "out[k] = [L.strokeWidth(mask, 50), L.strokeWidth(mask, 90)];")
    assert found["felt_tip"][0] > 40  # the hairs left out: the stroke is 45 px wide
    for name, mask in masks.items():
        assert found[name] == [digits.stroke_width(mask, 50), digits.stroke_width(mask, 90)], name


@pytest.mark.parametrize("transparent", [False, True], ids=["white-canvas", "transparent-canvas"])
def test_drawing_pad_gives_the_same_digit(transparent):
    canvas = drawn_digit(transparent)
    alpha = np.asarray(canvas)[..., 3]
    if transparent:  # soft edges: partly transparent pixels, composited over white by both
        assert ((alpha > 0) & (alpha < 255)).any()
    found = compare({"pad": canvas})
    report("drawing pad" + (" (transparent)" if transparent else ""), found)
    assert found["pad"] <= MAX_MAD


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "RGBA-told-nothing"])
def test_zoom_box_past_the_edge(mode):
    """A small digit at the bottom of a 1000x749 photo: the zoom box ends a pixel below the photo
    (749 * 400 / 1000 rounds up), which PIL fills with black, or transparency for a file with alpha."""
    _, _, sample = synthetic.sample_photos(SAMPLES)[1]
    photo = Image.new("RGB", (1000, 749), (235, 235, 230))
    photo.paste(sample.resize((160, 160)).crop((20, 20, 140, 140)), (700, 640))
    if mode != "RGB":
        photo = photo.convert("RGBA")
    if mode == "RGBA-told-nothing":  # the port guesses from the pixels: one not quite opaque
        photo.putpixel((0, 0), (235, 235, 230, 254))
    py = digits.preprocess(photo)
    assert py.zoom is not None and py.zoom[3] > photo.height
    js = run_js([photo_record(mode, photo, tell_alpha=mode != "RGBA-told-nothing")])[mode]
    assert js["zoom"] == list(py.zoom)
    assert mad(js["digit"], py.digit) <= MAX_MAD / 10


def test_intermediate_steps_match_on_a_sample():
    """Step by step, on one photo, the images agree too (not just the end result)."""
    name, _, image = synthetic.sample_photos(SAMPLES)[0]
    js = run_js([photo_record(name, image)], "--steps")[name]
    py = digits.preprocess(image)
    assert js["window"] == py.window and js["darkInk"] == py.dark_ink
    assert js["strokeInBox"] == pytest.approx(py.stroke_in_box) and js["strokedInBox"] == pytest.approx(py.stroked_in_box)
    assert js["zoom"] == (list(py.zoom) if py.zoom else None)
    np.testing.assert_allclose(js["weights"], py.weights, atol=1e-6)
    names = {"digitMask": "digit_mask"}
    for step in ("gray", "ink", "flat", "mask", "digitMask", "crop", "stroked", "fitted"):
        attribute = names.get(step, step)
        encoded = js["steps"][step]
        values = np.frombuffer(base64.b64decode(encoded["b64"]), dtype=encoded["dtype"])
        values = values.reshape(encoded["height"], encoded["width"]).astype(float)
        expected = np.asarray(getattr(py, attribute), dtype=float)
        assert values.shape == expected.shape, step
        assert np.abs(values - expected).max() <= 1e-5, step


# ---------------------------------------------------------------------------
# The same messages


def test_bad_photos_give_the_same_messages():
    white = Image.new("RGB", (200, 200), (255, 255, 255))
    specks = Image.new("RGB", (300, 300), (255, 255, 255))
    draw = ImageDraw.Draw(specks)
    rng = np.random.default_rng(1)
    for x, y in rng.integers(20, 280, (40, 2)):
        draw.rectangle((int(x), int(y), int(x) + 1, int(y) + 1), fill=(0, 0, 0))
    tiny = Image.new("RGB", (10, 40), (255, 255, 255))
    photos = {"blank": white, "specks": specks, "tiny": tiny}
    expected = {key: python_error(image) for key, image in photos.items()}
    assert expected["blank"].startswith("no digit found: the image is blank or the ink is too faint (contrast ")
    assert expected["specks"] == "no digit found: only small specks of ink"
    assert expected["tiny"] == "the image is only 10x40 pixels; a photo of a digit needs at least 16x16"
    results = run_js([photo_record(key, image) for key, image in photos.items()])
    for key in photos:
        assert results[key]["digit"] is None
        assert results[key]["errorName"] == "DigitImageError"
        assert results[key]["error"] == expected[key], key


def test_file_checks_give_the_same_messages(tmp_path):
    big = tmp_path / "huge.jpg"
    with open(big, "wb") as file:  # sparse: no 40 MB written
        file.truncate(digits.MAX_BYTES + 1)
    expected = {
        "empty": python_error(b""),
        "too-large": python_error(big),
        "too-many-pixels": python_error(png_header(8000, 7000)),
        "too-small": python_error(png_bytes(Image.new("RGB", (12, 300), "white"))),
        "not-an-image": python_error(b"this is not an image, just some text"),
    }
    assert expected["empty"] == "the upload is empty (0 bytes)"
    assert expected["too-many-pixels"].startswith("the upload is 8000x7000 pixels, more than the 50 megapixels")
    checks = [
        {"id": "empty", "call": "checkFile", "args": [0]},
        {"id": "too-large", "call": "checkFile", "args": [digits.MAX_BYTES + 1, str(big)]},
        {"id": "too-many-pixels", "call": "checkSize", "args": [8000, 7000]},
        {"id": "too-small", "call": "checkSize", "args": [12, 300]},
        {"id": "not-an-image", "call": "notAnImage", "args": []},
        {"id": "fine-file", "call": "checkFile", "args": [digits.MAX_BYTES]},
        {"id": "fine-size", "call": "checkSize", "args": [7000, 7000]},
    ]
    results = run_js(checks)
    for key, message in expected.items():
        assert results[key]["errorName"] == "DigitImageError", key
        if key == "not-an-image":  # the browser decodes the file, not PIL
            message = message.replace("PIL", "the browser")
        assert results[key]["error"] == message, key
    assert results["fine-file"]["error"] is None and results["fine-size"]["error"] is None


# ---------------------------------------------------------------------------
# Real handwriting (only with REAL_DIGITS_PATH)


#: Names the folder of real handwriting: labsupport.handwriting.REAL_DIGITS_ENV (not imported
#: unless set: labsupport.handwriting loads the networks' libraries).
REAL_DIGITS_ENV = "REAL_DIGITS_PATH"


def test_real_photos_give_the_same_digits():
    folder = os.environ.get(REAL_DIGITS_ENV)
    if not folder or not Path(folder).is_dir():
        pytest.skip(f"set {REAL_DIGITS_ENV} to a folder of real photos of handwritten digits to run this check")
    from labsupport import handwriting

    assert handwriting.REAL_DIGITS_ENV == REAL_DIGITS_ENV
    labelled_files = handwriting.labelled_files
    found, disagreements, refused = {}, [], 0
    with NodePipeline() as node:
        for path, _ in labelled_files(folder):  # one photo in memory at a time
            key = path.name
            try:
                image = digits.open_image(path)  # decoded, EXIF rotation applied
            except digits.DigitImageError:
                continue  # the browser decodes files itself: nothing to compare
            js = node.run(photo_record(key, image))
            try:
                expected = python_digit(image)
            except digits.DigitImageError as e:
                if js["error"] != str(e):
                    disagreements.append((key, str(e), js["error"]))
                refused += 1
                continue
            if js["error"] is not None:
                disagreements.append((key, None, js["error"]))
                continue
            found[key] = mad(js["digit"], expected)
    values = np.array(list(found.values()))
    report("real photos", found)
    print("MAD percentiles 50/90/99/100:", np.round(np.percentile(values, [50, 90, 99, 100]), 4),
          f"over {MAX_MAD}: {int((values > MAX_MAD).sum())}; refused by both: {refused}; "
          f"errors in Python only or JS only: {disagreements}")
    assert not disagreements
    assert values.max() <= MAX_MAD, "some real photos differ: see the list above"
