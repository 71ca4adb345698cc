"""Chapter 7's live part in headless Chromium: the course's CNN trained and timed on every backend.

Needs the quick build (book/_build/html, with the runtime from web/node_modules),
Chromium, chromedriver and Selenium; skipped without them unless REQUIRE_BUILD=1.
The timing runs with small settings (batches of 4, samples of one step) to keep
the test short on a 2-core machine; the page's own settings come from the manifest.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import pytest

import browser
from test_live import HTML, SCREENSHOTS, open_live, pytestmark, site, web_manifest  # noqa: F401 (fixtures)

PAGE = "07_cpu_vs_gpu"
SHOTS = Path("/tmp/shots")
#: Short settings for the test (they replace the manifest's training settings in the page).
SHORT = {"batch_size": 4, "warmup_batches": 1, "steps_per_sample": 1, "seconds": 0, "minSamples": 2}


def run_timing(driver, **options) -> list[dict]:
    return driver.execute_async_script(
        "const [options, done] = arguments; LabLive.apps.backends.run(options)"
        ".then(r => done(r.map(x => ({backend: x.backend, unavailable: !!x.unavailable, error: x.error || null, imagesPerSecond: x.imagesPerSecond,"
        "  loss: x.loss, samples: x.samples}))))"
        ".catch(e => done({error: String(e)}));",
        options,
    )


@pytest.fixture(scope="module")
def timed(site):
    """The page opened and timed once on every backend it lists, with SHORT settings."""
    driver, base = site
    driver.command_executor._client_config.timeout = 600  # a timing run takes a while
    driver.set_script_timeout(600)
    open_live(driver, base, PAGE)
    return run_timing(driver, training=SHORT)


def test_the_page_loads_tensorflow_only_when_the_reader_asks(site):
    driver, base = site
    open_live(driver, base, PAGE)
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    runtime = json.loads((HTML / "_static" / "vendor" / "runtime.json").read_text())
    files = [s["src"] for s in runtime["scripts"]] + [
        f["src"] for b in runtime["backends"].values() for f in b["scripts"] + b["binaries"]]
    assert not any(url.endswith("/_static/" + f) for url in loaded for f in files), loaded
    assert not any("/models/web/data/" in url for url in loaded), loaded
    assert driver.execute_script("return typeof window.tf") == "undefined"
    button = driver.find_element("xpath", "//button[text()='Time my device']")
    assert button.is_enabled()


def test_every_backend_gets_a_speed_and_the_loss_is_finite(site, timed):
    driver, base = site
    runtime = json.loads((HTML / "_static" / "vendor" / "runtime.json").read_text())
    assert isinstance(timed, list), timed
    assert [r["backend"] for r in timed] == ["cpu", *runtime["backends"]]
    for r in timed:
        assert not r["unavailable"], f"{r['backend']} did not run in this Chromium: {r['error']}"
        assert r["imagesPerSecond"] > 0 and len(r["samples"]) >= SHORT["minSamples"], r
        assert math.isfinite(r["loss"]), r
    bars = driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-live-app=backends] .live-speed-row')).map(r => "
        "[r.dataset.backend, r.querySelector('.live-bar').style.width, r.textContent])")
    assert [b[0] for b in bars] == [r["backend"] for r in timed]
    assert max(float(width.rstrip("%")) for _, width, _ in bars) == 100
    assert all("images/s" in text for *_, text in bars)
    assert browser.outside_requests(driver, base) == []
    assert browser.console_errors(driver, base) == []
    print({r["backend"]: round(r["imagesPerSecond"], 1) for r in timed})


def test_the_page_says_its_recipe_and_the_hardware(site, timed):
    driver, _ = site
    training = web_manifest()["training"]
    about = driver.execute_script("return document.querySelector('[data-live-app=backends] .live-timing-about').textContent")
    assert f"{training['optimizer']['name']} (learning rate {training['optimizer']['learning_rate']})" in about, about
    assert f"batches of {SHORT['batch_size']} (the build trains in batches of {training['batch_size']}" in about, about
    assert "MNIST training subset" in about or "test digits" in about
    machine = driver.execute_script("return document.querySelector('[data-live-app=backends] .live-timing-hardware').textContent")
    cores = driver.execute_script("return navigator.hardwareConcurrency")
    assert machine.startswith(f"Your browser reports {cores} logical processor cores"), machine
    assert "WebGL renderer:" in machine, machine


def test_the_webassembly_weight_gradient_equals_the_cpu_backends(site, timed):
    """The page gives WebAssembly the 2D convolution's weight gradient through its 3D one: the same numbers.

    Stride 1 only, as the course's CNN: TensorFlow.js 4.22's 3D kernel is wrong for larger strides
    (checked while writing this), so the page refuses them with a clear error.
    """
    driver, _ = site
    gradients = driver.execute_async_script(
        "const done = arguments[0]; const tf = window.tf; (async () => {"
        "  const x = tf.randomUniform([3, 9, 8, 2], -1, 1, 'float32', 1), w = tf.randomUniform([3, 3, 2, 5], -1, 1, 'float32', 2);"
        "  const dy = tf.randomUniform([3 * 9 * 8 * 5], -1, 1, 'float32', 3);"
        "  const values = {xs: await x.data(), ws: await w.data(), dys: await dy.data()};"
        "  const out = {};"
        "  for (const [backend, pad] of [['cpu', 'valid'], ['wasm', 'valid'], ['cpu', 'same'], ['wasm', 'same']]) {"
        "    await tf.setBackend(backend);"
        "    const xb = tf.tensor4d(values.xs, [3, 9, 8, 2]), wb = tf.tensor4d(values.ws, [3, 3, 2, 5]);"
        "    const shape = pad === 'valid' ? [3, 7, 6, 5] : [3, 9, 8, 5];"
        "    const dyb = tf.tensor4d(values.dys.slice(0, shape.reduce((a, b) => a * b)), shape);"
        "    const g = tf.grad((v) => tf.sum(tf.mul(tf.conv2d(xb, v, 1, pad), dyb)))(wb);"
        "    out[backend + pad] = Array.from(await g.data());"
        "  }"
        "  await tf.setBackend((await LabLive.load('runtime')).backend); done(out);"
        "})().catch(e => done(String(e)));"
    )
    assert isinstance(gradients, dict), gradients
    for pad in ("valid", "same"):
        cpu, wasm = gradients["cpu" + pad], gradients["wasm" + pad]
        assert len(cpu) == 3 * 3 * 2 * 5
        assert max(abs(a - b) for a, b in zip(cpu, wasm)) < 1e-4, pad
    refused = driver.execute_async_script(
        "const done = arguments[0]; const tf = window.tf; (async () => { await tf.setBackend('wasm');"
        "  try { tf.grad((v) => tf.sum(tf.conv2d(tf.ones([1, 6, 6, 1]), v, 2, 'valid')))(tf.ones([3, 3, 1, 1])); return 'computed'; }"
        "  catch (e) { return e.message; } finally { await tf.setBackend((await LabLive.load('runtime')).backend); }"
        "})().then(done);"
    )
    assert "supports stride 1" in refused, refused


def test_no_serious_accessibility_violation_with_the_bars_shown(site, timed):
    from test_accessibility import AXE, violations

    if not AXE.is_file():
        pytest.skip("axe-core is not installed (npm ci --prefix web)")
    driver, _ = site
    assert driver.execute_script("return document.querySelectorAll('.live-speed-row').length") > 0
    assert violations(driver) == []


def test_backends_page_in_light_and_dark_and_on_a_phone(site, timed):
    driver, base = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("document.querySelector('[data-live-app=backends]').scrollIntoView()")
    (SHOTS / "backends-light.png").write_bytes(base64.b64decode(driver.get_screenshot_as_base64()))
    driver.execute_script("localStorage.setItem('theme', 'dark'); localStorage.setItem('mode', 'dark');")
    try:
        open_live(driver, base, PAGE)
        assert driver.execute_script("return document.documentElement.dataset.theme") == "dark"
        run_timing(driver, training=SHORT, backends=["wasm"])
        colour = driver.execute_script("return getComputedStyle(document.querySelector('.live-speed-label')).color")
        background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert colour != background
        driver.execute_script("document.querySelector('[data-live-app=backends]').scrollIntoView()")
        (SHOTS / "backends-dark.png").write_bytes(base64.b64decode(driver.get_screenshot_as_base64()))
    finally:
        driver.execute_script("localStorage.clear()")
    driver.set_window_size(390, 844)
    try:
        open_live(driver, base, PAGE)
        run_timing(driver, training=SHORT, backends=["wasm"])
        overflow = driver.execute_script(
            "const app = document.querySelector('[data-live-app=backends]');"
            "return Array.from(app.querySelectorAll('*')).filter(e => e.getBoundingClientRect().right > "
            "document.documentElement.clientWidth + 1).map(e => e.className)"
        )
        assert overflow == [], overflow
        driver.execute_script("document.querySelector('[data-live-app=backends]').scrollIntoView()")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        (SHOTS / "backends-phone.png").write_bytes(base64.b64decode(shot["data"]))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"live-{PAGE}-phone.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        driver.set_window_size(1280, 900)


def test_without_javascript_the_page_says_so_and_keeps_the_builds_table():
    import re

    text = (HTML / f"{PAGE}.html").read_text()
    live = re.search(r'<div class="live-app" data-live-app="backends"[^>]*>(.*?)</div>', text, re.S)
    assert live and "<noscript>" in live.group(1) and "needs JavaScript" in live.group(1)
    before = text[:live.start()]
    assert re.search(r'<div class="cell_output[^"]*">.*?<img ', before, re.S), "the build's bars are not before the live part"
