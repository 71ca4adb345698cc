"""The live pages in headless Chromium: the build's networks and the photo pipeline, in the page.

Needs the quick build (book/_build/html, with the runtime from
web/node_modules), Chromium, chromedriver, Selenium and MNIST (MNIST_PATH);
skipped without them unless REQUIRE_BUILD=1 (as in .ci/run). Screenshots of
both live pages go to book/_build/screenshots/.
"""

from __future__ import annotations

import base64
import io
import json
import os

import numpy as np
import pytest
from PIL import Image, ImageDraw

import browser
from tools import sphinxext
from tools.toc import book_dir

BOOK = book_dir()
HTML = BOOK / "_build" / "html"
SCREENSHOTS = BOOK / "_build" / "screenshots"
OWN_DIGIT = "06_your_digit"
LAYERS = "03_cnn"
#: The networks the own-digit page runs.
NETWORKS = ("dense", "cnn", "augmented_cnn")

pytestmark = pytest.mark.skipif(
    os.environ.get("REQUIRE_BUILD") != "1",
    reason="checks the built site in Chromium: run with REQUIRE_BUILD=1 after jupyter-book build book/",
)


@pytest.fixture(scope="module")
def site():
    with browser.serve(HTML) as base, browser.chromium() as driver:
        driver.set_script_timeout(120)
        yield driver, base


@pytest.fixture(scope="module")
def networks() -> dict:
    """The site's published Keras networks (the .keras files the browser ones were exported from), by name."""
    from labsupport import modelfile, published

    entries = published.read_manifest((HTML / "models" / "manifest.json").read_text())
    return {e.name: modelfile.load_model_file(HTML / "models" / e.file) for e in entries if e.name in NETWORKS}


def open_live(driver, base: str, page: str, query: str = "") -> None:
    """Open a live page and wait until its live part has started (runtime and networks loaded).

    ``query`` e.g. ``"?backend=wasm"``: the TensorFlow.js backend the page must use (loader.js).
    """
    driver.get(base + f"{page}.html{query}")
    started = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const wait = () => window.LabLive && window.LabLive.ready ? "
        "  window.LabLive.startNow().then(r => done(r.map(x => x !== null))) : setTimeout(wait, 50);"
        "wait();"
    )
    assert started and all(started), "the live part did not start (see the page's status line)"


def web_manifest() -> dict:
    return json.loads((HTML / "models" / "web" / "manifest.json").read_text())


def test_runtime_and_networks_load_without_errors_or_outside_requests(site):
    driver, base = site
    for page in (OWN_DIGIT, LAYERS):
        open_live(driver, base, page)
        assert browser.console_errors(driver, base) == [], page
        assert browser.outside_requests(driver, base) == [], page
        status = driver.execute_script("return document.querySelector('.live-status').textContent").strip()
        assert status.startswith("Ready"), status


def test_pages_without_a_live_part_load_no_runtime(site):
    driver, base = site
    assert "data-live-app" not in (BOOK / "04_saving_models.md").read_text()  # chapter 1 has a live part now
    driver.get(base + "04_saving_models.html")
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    runtime = json.loads((HTML / "_static" / "vendor" / "runtime.json").read_text())["scripts"]
    live = [f"/_static/{s['src']}" for s in runtime] + ["/_static/live/", "/models/web/"]
    assert not any(part in url for url in loaded for part in live), loaded


#: Every TensorFlow.js backend the site ships (tools/sphinxext.py BACKENDS) and the CPU one.
BACKENDS = ["cpu", *sphinxext.BACKENDS]


def test_the_page_chooses_the_fastest_backend_and_says_which(site):
    """WebAssembly where the browser has it (loader.js BACKEND_ORDER: measured by tools/benchmarks/live_latency.py)."""
    driver, base = site
    open_live(driver, base, OWN_DIGIT)
    backend = driver.execute_async_script("const done = arguments[0]; LabLive.load('runtime').then(a => done(a.backend));")
    assert backend == "wasm"
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    # the status names the package's version and the backend as every part does: with SIMD where its binary ran
    runtime = json.loads((HTML / "_static" / "vendor" / "runtime.json").read_text())
    version = next(s["version"] for s in runtime["scripts"] if s["package"] == "@tensorflow/tfjs-core")
    simd = "(SIMD)" if any(url.endswith(("-simd.wasm", "-simd.wasm.gz")) for url in loaded) else "(without SIMD)"
    status = driver.execute_script("return document.querySelector('.live-status').textContent")
    assert f"on TensorFlow.js {version}, WebAssembly {simd}." in status, status
    assert not any("webgl" in url for url in loaded), "the page fetched a backend it does not use"
    assert not any("threaded" in url for url in loaded)


@pytest.mark.parametrize("backend", BACKENDS)
def test_browser_probabilities_equal_keras_on_200_test_images(site, networks, backend):
    """Against Keras with the weights the browser has (1e-4), and with the float32 weights (1e-2), on each backend."""
    from labsupport import data, inference, webexport

    driver, base = site
    if backend == "webgl" and not driver.execute_script("return !!document.createElement('canvas').getContext('webgl2')"):
        pytest.skip("this headless Chromium has no WebGL")
    if backend == "webgpu":  # shipped for chapter 7's timing; the site fetches it only where the browser has an adapter
        driver.get(base)
        if not driver.execute_async_script("const done = arguments[0]; if (!navigator.gpu) return done(false);"
                                           "navigator.gpu.requestAdapter().then(a => done(!!a), () => done(false));"):
            pytest.skip("this headless Chromium has no WebGPU adapter")
    open_live(driver, base, OWN_DIGIT, f"?backend={backend}")
    used = driver.execute_async_script("const done = arguments[0]; LabLive.load('runtime').then(a => done(a.backend));")
    assert used == backend
    x, _ = data.load_mnist()[1]
    x = x[:200]
    for entry in web_manifest()["models"]:
        name = entry["name"]
        in_browser = np.array(driver.execute_async_script(
            "const [name, digits, done] = arguments; LabLive.predict(name, digits, 200).then(done);",
            name, x.reshape(-1).tolist(),
        ))
        model = networks[name]
        encodings = webexport.encodings_of(HTML / "models" / "web" / name / webexport.MODEL_JSON)
        same_weights = inference.predict({name: webexport.dequantized(model, encodings)}, x)[name]
        keras_float = inference.predict({name: model}, x)[name]
        print(f"{backend} {name}: max |browser - Keras| {np.abs(in_browser - same_weights).max():.2e} (same weights), "
              f"{np.abs(in_browser - keras_float).max():.2e} (float32 weights); "
              f"kernels in 8 bits: {sorted(k for k, v in encodings.items() if v == 'uint8')}")
        assert in_browser.shape == (200, 10)
        np.testing.assert_allclose(in_browser, same_weights, atol=1e-4)
        np.testing.assert_allclose(in_browser, keras_float, atol=1e-2)
        assert (in_browser.argmax(1) == keras_float.argmax(1)).all()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def open_in_page(driver, data: bytes, name: str) -> dict:
    """Give the own-digit page a file, as the photo picker does; returns what it shows."""
    return driver.execute_async_script(
        "const [data, name, done] = arguments;"
        "const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));"
        "const blob = new Blob([bytes]); blob.name = name;"
        "LabLive.apps['own-digit'].openPhoto(blob).then(r => done({result: r, "
        "  message: document.querySelector('[data-live-app=own-digit] .live-message').textContent}));",
        base64.b64encode(data).decode(), name,
    )


def test_javascript_pipeline_matches_python_on_synthetic_photos(site, networks):
    """Sample photos and a set of synthetic test photos: the same 28x28 digit (MAD <= 0.02), the same prediction."""
    from labsupport import digits, inference, synthetic

    driver, base = site
    open_live(driver, base, OWN_DIGIT)
    photos = [(name, image) for name, _, image in synthetic.sample_photos()]
    photos += [(f"hard {i} ({label})", image) for i, (label, image) in enumerate(synthetic.make_hard_set(1))]
    worst = 0.0
    for name, image in photos:
        png = _png(image)
        shown = open_in_page(driver, png, name)
        assert shown["result"], f"{name}: {shown['message']}"
        js = np.array(shown["result"]["digit"], np.float64).reshape(28, 28) / 255
        steps = digits.preprocess(png)
        mad = float(np.abs(js - steps.digit / 255).mean())
        worst = max(worst, mad)
        assert mad <= 0.02, f"{name}: mean absolute difference {mad:.4f}"
        python = {m: int(p[0].argmax()) for m, p in inference.predict(networks, steps.digit).items()}
        in_page = {m: int(np.argmax(p)) for m, p in shown["result"]["probabilities"].items()}
        assert in_page == python, name
    print(f"{len(photos)} photos: worst mean absolute difference {worst:.4f}")


def draw_stroke(driver, canvas, points) -> None:
    """Drag the mouse along points (fractions of the canvas) with pointer events."""
    from selenium.webdriver.common.action_chains import ActionChains

    # on screen first, as a reader's pointer is (pointer moves do not scroll)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    driver.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    width = canvas.size["width"]
    height = canvas.size["height"]
    actions = ActionChains(driver, duration=10)
    (x0, y0), *rest = points
    actions.move_to_element_with_offset(canvas, int((x0 - 0.5) * width), int((y0 - 0.5) * height)).click_and_hold()
    for x, y in rest:
        actions.move_to_element_with_offset(canvas, int((x - 0.5) * width), int((y - 0.5) * height))
    actions.release().perform()


#: A 7: the top bar, then the long stroke down.
SEVEN = [(0.3, 0.25), (0.5, 0.25), (0.7, 0.25), (0.62, 0.45), (0.55, 0.6), (0.5, 0.8)]


def test_a_stroke_on_the_pad_gives_a_prediction(site):
    driver, base = site
    open_live(driver, base, OWN_DIGIT)
    last = draw_a_seven(driver)  # the finished stroke's answer: one given mid-stroke reads half a 7
    assert set(last["probabilities"]) == set(NETWORKS)
    for p in last["probabilities"].values():
        assert abs(sum(p) - 1) < 1e-3
    verdict = driver.execute_script("return document.querySelector('.live-verdict').textContent")
    assert verdict.startswith("The networks on your drawing:"), verdict
    assert last["verdict"]["label"] == 7, verdict
    print(f"drawn 7 -> {verdict}")
    browser.save_screenshot(driver, SCREENSHOTS / f"live-{OWN_DIGIT}.png")


def draw_a_seven(driver) -> dict:
    """Draw SEVEN on the own-digit pad and wait for the verdict on the finished stroke (``own.last``)."""
    pad = driver.find_element("css selector", "[data-live-app=own-digit] .live-pad")
    draw_stroke(driver, pad, SEVEN)
    return driver.execute_async_script(
        "const done = arguments[0]; const own = () => LabLive.apps['own-digit'].last; "
        "const wait = () => (own() && own().name === 'your drawing' && own().final) ? done(own()) : setTimeout(wait, 50); wait();"
    )


def test_the_pads_pipeline_runs_off_the_main_thread(site):
    """While the pen moves, the page's own thread never runs the photo pipeline (it runs in a worker)."""
    driver, base = site
    open_live(driver, base, OWN_DIGIT)
    driver.execute_script(
        "window.onMainThread = 0; const run = LabDigits.preprocess;"
        "LabDigits.preprocess = (photo) => { window.onMainThread++; return run(photo); };"
    )
    assert draw_a_seven(driver)["verdict"]["label"] == 7
    assert driver.execute_script("return window.onMainThread") == 0


def test_a_stroke_is_announced_once_and_clear_empties_the_results(site):
    """Predictions follow the pen, but a screen reader hears the verdict once, when the stroke ends."""
    driver, base = site
    open_live(driver, base, OWN_DIGIT)
    driver.execute_script(
        "window.announced = 0; const live = document.querySelector('[data-live-app=own-digit] .live-visually-hidden[aria-live]');"
        "new MutationObserver(() => window.announced++).observe(live, {childList: true, characterData: true, subtree: true});"
    )
    draw_a_seven(driver)
    assert driver.execute_script("return window.announced") == 1
    driver.find_element("xpath", "//button[text()='Clear the pad']").click()
    shown = driver.execute_script(
        "const app = document.querySelector('[data-live-app=own-digit]');"
        "return [app.querySelector('.live-verdict').textContent, app.querySelector('.live-pad').dataset.empty]"
    )
    assert shown == ["", "true"]


def test_the_same_photo_can_be_chosen_twice(site, tmp_path):
    """The file input and the sample menu are reset after use, so choosing the same one again works."""
    from labsupport import synthetic

    driver, base = site
    open_live(driver, base, OWN_DIGIT)
    name, _, image = synthetic.sample_photos()[1]
    path = tmp_path / name
    image.save(path)
    picker = driver.find_element("id", "live-photo")
    for _ in range(2):
        driver.execute_script("LabLive.apps['own-digit'].last = null")
        picker.send_keys(str(path))
        last = driver.execute_async_script(
            "const done = arguments[0]; const wait = () => LabLive.apps['own-digit'].last ? done(LabLive.apps['own-digit'].last) : setTimeout(wait, 50); wait();"
        )
        assert last["name"] == f"your photo ({name})"


def test_bad_files_get_the_pythons_messages(site):
    from labsupport import digits

    driver, base = site
    open_live(driver, base, OWN_DIGIT)
    blank = _png(Image.new("RGB", (200, 200), "white"))
    tiny = _png(Image.new("RGB", (8, 8), "white"))
    specks = Image.new("RGB", (400, 400), "white")
    ImageDraw.Draw(specks).point([(40, 50), (300, 120), (200, 330)], fill="black")
    cases = {"blank page": blank, "tiny image": tiny, "specks": _png(specks)}
    for what, data in cases.items():
        with pytest.raises(digits.DigitImageError) as python:
            digits.preprocess(data)
        shown = open_in_page(driver, data, what)
        assert shown["result"] is None
        assert shown["message"] == str(python.value), what
    shown = open_in_page(driver, b"this is a text file, not a photo", "notes.txt")
    assert shown["result"] is None and "is not an image file" in shown["message"], shown["message"]
    shown = open_in_page(driver, b"", "empty.png")
    assert shown["message"] == "the upload is empty (0 bytes)", shown["message"]
    huge = driver.execute_async_script(
        "const done = arguments[0]; LabLive.apps['own-digit'].openPhoto(new Blob([new Uint8Array(41000000)]))"
        ".then(() => done(document.querySelector('[data-live-app=own-digit] .live-message').textContent));"
    )
    assert huge == f"the upload is over {digits.MAX_BYTES // 1_000_000} MB; use a smaller photo", huge


#: Seconds the page may take over one damaged photo: generous, so that only a hang fails.
DAMAGED_PHOTO_SECONDS = 20


def test_damaged_sample_photos_end_in_a_message_or_a_digit(site):
    """30 seeded damaged copies of the sample photos (PNG and JPEG) given to openPhoto, as the photo picker does.

    Each ends, in time, in a digit or one of the course's messages (never "Something went wrong"), and
    nothing reaches the console as an uncaught error. The Python side: tests/unit/test_digits.py.
    """
    import damage

    driver, base = site
    open_live(driver, base, OWN_DIGIT)
    browser.console_errors(driver, base)  # empties the log
    driver.execute_script(
        "window.uncaught = [];"
        "addEventListener('error', e => uncaught.push(String(e.message)));"
        "addEventListener('unhandledrejection', e => uncaught.push(String(e.reason)));"
    )
    ended, slow = {"digit": 0, "message": 0}, []
    for what, data in damage.damaged_files(damage.sample_files(), 30, seed=19):
        shown = driver.execute_async_script(
            "const [data, name, done] = arguments; const start = performance.now();"
            "const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));"
            "const blob = new Blob([bytes]); blob.name = name;"
            "LabLive.apps['own-digit'].openPhoto(blob).then(r => done({digit: r ? r.digit.length : 0, "
            "  seconds: (performance.now() - start) / 1000,"
            "  message: document.querySelector('[data-live-app=own-digit] .live-message').textContent}));",
            base64.b64encode(data).decode(), what,
        )
        if shown["digit"]:
            assert shown["digit"] == 28 * 28, what
            ended["digit"] += 1
        else:
            message = shown["message"]
            assert message and not message.startswith("Something went wrong"), (what, message)
            ended["message"] += 1
        if shown["seconds"] > DAMAGED_PHOTO_SECONDS:
            slow.append(f"{what}: {shown['seconds']:.0f} s")
    assert driver.execute_script("return window.uncaught") == []
    assert [e for e in browser.console_errors(driver, base) if "Uncaught" in e] == []
    assert not slow, slow
    assert ended["digit"] > 0 and ended["message"] > 0, ended
    print(ended)


def test_the_layer_explorer_renders_every_layer_for_a_drawn_digit(site):
    driver, base = site
    open_live(driver, base, LAYERS)
    layers = next(m["layers"] for m in web_manifest()["models"] if m["name"] == "cnn")
    pad = driver.find_element("css selector", "[data-live-app=layers] .live-pad")
    draw_stroke(driver, pad, SEVEN)
    explored = driver.execute_async_script(
        "const done = arguments[0]; const wait = () => (LabLive.apps.layers.explored && LabLive.apps.layers.explored.title === 'your drawing') ? "
        "done(LabLive.apps.layers.explored) : setTimeout(wait, 50); wait();"
    )
    assert explored["layers"] == layers
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-live-app=layers] .live-layer')).map(s => "
        "[s.dataset.layer, s.querySelectorAll('canvas').length, s.querySelectorAll('.live-bar-row').length])"
    )
    assert [name for name, *_ in shown] == ["input", *layers]
    for name, canvases, bars in shown:
        assert canvases or bars, f"layer {name} shows nothing"
    conv1 = next(c for name, c, _ in shown if name == "conv1")
    assert conv1 == 32
    browser.save_screenshot(driver, SCREENSHOTS / f"live-{LAYERS}.png")


def test_live_pages_in_the_dark_theme_and_on_a_phone(site):
    driver, base = site
    driver.get(base + f"{OWN_DIGIT}.html")
    driver.execute_script("localStorage.setItem('theme', 'dark'); localStorage.setItem('mode', 'dark');")
    try:
        open_live(driver, base, OWN_DIGIT)
        assert driver.execute_script("return document.documentElement.dataset.theme") == "dark"
        colour = driver.execute_script(
            "return getComputedStyle(document.querySelector('.live-network-title')).color")
        background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert colour != background
        browser.save_screenshot(driver, SCREENSHOTS / f"live-{OWN_DIGIT}-dark.png")
    finally:
        driver.execute_script("localStorage.clear()")
    driver.set_window_size(390, 844)
    try:
        open_live(driver, base, OWN_DIGIT)
        overflow = browser.overflowing(driver, "[data-live-app=own-digit]")
        assert overflow == [], overflow
        # the verdict is in sight right below the inputs, not after the step images
        order = driver.execute_script(
            "const app = document.querySelector('[data-live-app=own-digit]');"
            "return [app.querySelector('.live-verdict'), app.querySelector('.live-steps')]"
            ".map(e => e.getBoundingClientRect().top)"
        )
        assert order[0] < order[1]
        driver.execute_script("document.querySelector('[data-live-app=own-digit]').scrollIntoView()")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"live-{OWN_DIGIT}-phone.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        driver.set_window_size(1280, 900)


def test_without_javascript_the_pages_say_so_and_keep_their_figures():
    import re

    for page in (OWN_DIGIT, LAYERS):
        text = (HTML / f"{page}.html").read_text()
        live = re.search(r'<div class="live-app" data-live-app="[^"]+"[^>]*>(.*?)</div>', text, re.S)
        assert live and "<noscript>" in live.group(1) and "needs JavaScript" in live.group(1)
        after = text[live.end():]
        assert re.search(r'<div class="cell_output[^"]*">.*?<img ', after, re.S), f"{page}: no static figure after the live part"


def _broken_copy(tmp_path, remove: str):
    """A copy of the site without ``remove``, or with it damaged (``"damage:PATH"``: a gzip file cut
    in half, its second half garbage)."""
    import shutil

    copy = tmp_path / "html"
    shutil.copytree(HTML, copy)
    if remove.startswith("damage:"):
        path = copy / remove.removeprefix("damage:")
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] + bytes(range(256)) * (len(data) // 512))
    else:
        (copy / remove).unlink()
    return copy


@pytest.mark.parametrize("remove, says, without_decompression", [
    # the page fetches the weights' gzip copy where the browser decompresses, the file itself elsewhere
    ("models/web/dense/weights.bin.gz", "the dense network could not be loaded (HTTP 404 for weights.bin.gz)", False),
    ("damage:models/web/dense/weights.bin.gz", "the dense network could not be loaded (dense/weights.bin.gz is damaged", False),
    ("models/web/dense/weights.bin", "the dense network could not be loaded (HTTP 404 for weights.bin)", True),
    ("_static/vendor/runtime.json", "could not load the runtime list", False),
])
def test_a_missing_file_is_said_not_a_page_stuck_loading(site, tmp_path, remove, says, without_decompression):
    driver, _ = site
    script = None
    if without_decompression:  # an older browser: no DecompressionStream
        script = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                        {"source": "delete window.DecompressionStream;"})["identifier"]
    with browser.serve(_broken_copy(tmp_path, remove)) as base:
        try:
            driver.get(base + f"{OWN_DIGIT}.html")
        finally:
            if script:
                driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script})
        driver.execute_async_script(
            "const done = arguments[0]; const wait = () => window.LabLive && LabLive.ready ? "
            "LabLive.startNow().then(done) : setTimeout(wait, 50); wait();"
        )
        status = driver.execute_script("return document.querySelector('.live-status')")
        text = status.text
        assert "live-error" in status.get_attribute("class") and says in text, text
        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        assert driver.execute_script("return document.querySelectorAll('.cell_output img').length") > 0


def test_the_layer_explorer_opens_on_the_chapters_test_image(site):
    import re

    driver, base = site
    open_live(driver, base, LAYERS)
    chapter = (BOOK / f"{LAYERS}.md").read_text()
    index = re.search(r"^index = (\d+)", chapter, re.M).group(1)
    assert f"test image {index} " in driver.execute_script("return LabLive.apps.layers.explored.title")


@pytest.mark.skipif(not os.environ.get("REAL_DIGITS_PATH"), reason="set REAL_DIGITS_PATH to a folder of real photos")
def test_real_photos_give_pythons_digits_and_verdicts_in_the_page(site, networks):
    """Photos of real handwriting, decoded by the browser: the same 28x28 digit and verdict as in Python."""
    from pathlib import Path

    from labsupport import digits, inference
    from labsupport.handwriting import labelled_files

    driver, base = site
    open_live(driver, base, OWN_DIGIT)
    compared, undecodable, worst = 0, [], 0.0
    for path, _ in labelled_files(Path(os.environ["REAL_DIGITS_PATH"])):
        data = path.read_bytes()
        shown = open_in_page(driver, data, path.name)
        try:
            steps = digits.preprocess(data)
        except digits.DigitImageError as problem:
            assert shown["result"] is None and shown["message"] == str(problem), path.name
            continue
        if shown["result"] is None:
            assert "is not an image file the browser can read" in shown["message"], (path.name, shown["message"])
            undecodable.append(path.name)  # e.g. a TIFF named .png: PIL reads it, browsers do not
            continue
        js = np.array(shown["result"]["digit"], np.float64).reshape(28, 28) / 255
        mad = float(np.abs(js - steps.digit / 255).mean())
        worst = max(worst, mad)
        assert mad <= 0.02, f"{path.name}: mean absolute difference {mad:.4f}"
        python = inference.verdict({m: p[0] for m, p in inference.predict(networks, steps.digit).items()})
        assert shown["result"]["verdict"]["label"] == python.label, path.name
        compared += 1
    print(f"{compared} real photos compared (worst mean absolute difference {worst:.4f}); "
          f"not decodable by the browser: {undecodable}")
    assert compared > 0 and len(undecodable) <= 0.05 * (compared + len(undecodable))
