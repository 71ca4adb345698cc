"""Chapter 7's live part in headless Chromium: the course's CNN trained and timed on every backend.

Needs the quick build (book/_build/html, with the runtime from web/node_modules),
Chromium, chromedriver and Selenium; skipped without them unless REQUIRE_BUILD=1.
The timing runs with small settings (batches of 4, samples of one step) to keep
the test short on a 2-core machine; the page's own settings come from the manifest
(``training.browser_timing``). Headless Chromium here has no WebGPU adapter: WebGPU's
row must then say so, and its script must not be fetched (also with a fake
``navigator.gpu`` whose ``requestAdapter()`` gives null).
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
SHORT = {"batch_size": 4, "warmup_batches": 1, "steps_per_sample": 1, "seconds_per_backend": 0, "min_samples": 2}


def run_timing(driver, **options) -> list[dict]:
    return driver.execute_async_script(
        "const [options, done] = arguments; LabLive.apps.backends.run(options)"
        ".then(r => done(r.map(x => ({backend: x.backend, unavailable: !!x.unavailable, reason: x.reason || null, error: x.error || null,"
        "  imagesPerSecond: x.imagesPerSecond,"
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


def test_the_timing_button_keeps_the_keyboards_focus_while_it_runs(site):
    """A button that disabled itself would drop a keyboard reader's focus to the page's body."""
    driver, base = site
    open_live(driver, base, PAGE)
    got = driver.execute_async_script(
        "const done = arguments[0];"
        "const b = [...document.querySelectorAll('[data-live-app=backends] button')].find(b => b.textContent === 'Time my device');"
        "b.focus(); b.click();"
        "requestAnimationFrame(() => requestAnimationFrame(() => done([LabLive.apps.backends.running,"
        "  document.activeElement === b, b.getAttribute('aria-disabled')])));")
    assert got == [True, True, "true"]
    driver.get("about:blank")  # leaves the timing behind


def runtime_list() -> dict:
    return json.loads((HTML / "_static" / "vendor" / "runtime.json").read_text())


def requested(driver) -> list[str]:
    return driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")


def webgpu_script() -> str:
    """The WebGPU backend's script in the built site (it must be shipped: tools/sphinxext.py BACKENDS)."""
    offered = runtime_list()["backends"]
    assert "webgpu" in offered, "this build does not ship the WebGPU backend"
    [script] = offered["webgpu"]["scripts"]
    assert (HTML / "_static" / script["src"]).stat().st_size == script["bytes"] > 0
    return script["src"]


def has_webgpu_adapter(driver) -> bool:
    return driver.execute_async_script(
        "const done = arguments[0]; if (!navigator.gpu) return done(false);"
        "navigator.gpu.requestAdapter().then(a => done(!!a), () => done(false));")


def test_every_backend_gets_a_speed_or_says_why_not_and_the_loss_is_finite(site, timed):
    driver, base = site
    runtime = runtime_list()
    assert isinstance(timed, list), timed
    # the CPU, the pages' own order, then WebGPU (shipped, but not in the other pages' order)
    assert [r["backend"] for r in timed] == ["cpu", *runtime["backends"]]
    assert timed[-1]["backend"] == "webgpu"
    adapter = has_webgpu_adapter(driver)
    for r in timed:
        if r["backend"] == "webgpu" and not adapter:
            assert r["unavailable"] and r["reason"] in ("this browser has no WebGPU", "WebGPU gives no graphics adapter here"), r
            continue
        assert not r["unavailable"], f"{r['backend']} did not run in this Chromium: {r['error']}"
        assert r["imagesPerSecond"] > 0 and len(r["samples"]) >= SHORT["min_samples"], r
        assert math.isfinite(r["loss"]), r
    rows = driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-live-app=backends] .live-speed-row')).map(r => "
        "[r.dataset.backend, r.querySelector('.live-bar') ? r.querySelector('.live-bar').style.width : null, r.textContent])")
    assert [row[0] for row in rows] == [r["backend"] for r in timed]
    bars = [row for row, r in zip(rows, timed) if not r["unavailable"]]
    assert max(float(width.rstrip("%")) for _, width, _ in bars) == 100
    assert all("images/s" in text for *_, text in bars)
    for (_, width, text), r in zip(rows, timed):
        if r["unavailable"]:
            assert width is None and f"not available in this browser: {r['reason']}" in text, text
    if not adapter:  # no adapter: the WebGPU backend's script was never fetched
        assert not any(url.endswith("/_static/" + webgpu_script()) for url in requested(driver))
    progress = driver.execute_script("return document.querySelector('[data-live-app=backends] .live-timing-progress').textContent")
    assert progress.startswith(f"Done: {sum(not r['unavailable'] for r in timed)} backends timed"), progress
    assert browser.outside_requests(driver, base) == []
    assert browser.console_errors(driver, base) == []
    print({r["backend"]: round(r["imagesPerSecond"], 1) if not r["unavailable"] else r["reason"] for r in timed})


def test_the_page_says_its_recipe_and_the_hardware(site, timed):
    driver, _ = site
    training = web_manifest()["training"]
    about = driver.execute_script("return document.querySelector('[data-live-app=backends] .live-timing-about').textContent")
    assert f"{training['optimizer']['name']} (learning rate {training['optimizer']['learning_rate']})" in about, about
    assert f"batches of {SHORT['batch_size']} (the build trains in batches of {training['batch_size']}" in about, about
    browser_timing = training["browser_timing"]  # the page's own batch, from the manifest, said before the run
    assert driver.execute_script("return LabLive.apps.backends.plan.batch_size") == browser_timing["batch_size"]
    data = driver.execute_script("return document.querySelector('[data-live-app=backends] .live-timing-data').textContent")
    assert f"It trains in batches of {browser_timing['batch_size']} images ({browser_timing['why']})." in data, data
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
        run_timing(driver, training=SHORT, backends=["wasm", "webgpu"])
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
        run_timing(driver, training=SHORT, backends=["wasm", "webgpu"])
        overflow = browser.overflowing(driver, "[data-live-app=backends]")
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


# the tests below open the page afresh (the ones above read the page that `timed` timed)

#: Browsers without a WebGPU adapter, faked before the page's scripts run: navigator.gpu whose
#: requestAdapter() resolves null (counting the calls), and no navigator.gpu at all.
NO_ADAPTER = {
    "null adapter": ("Object.defineProperty(navigator, 'gpu', {configurable: true, value: {"
                     "  requestAdapter: () => { window.adapterAsked = (window.adapterAsked || 0) + 1; return Promise.resolve(null); },"
                     "  getPreferredCanvasFormat: () => 'bgra8unorm'}});",
                     "WebGPU gives no graphics adapter here", "WebGPU without a graphics adapter"),
    "no navigator.gpu": ("Object.defineProperty(Object.getPrototypeOf(navigator), 'gpu', {configurable: true, get: () => undefined});",
                         "this browser has no WebGPU", "no WebGPU in this browser"),
}


@pytest.mark.parametrize("case", NO_ADAPTER)
def test_a_browser_without_a_webgpu_adapter_fetches_nothing_and_says_not_available(site, case):
    driver, base = site
    source, reason, said = NO_ADAPTER[case]
    script = webgpu_script()
    fake = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})
    try:
        open_live(driver, base, PAGE)
        machine = driver.execute_script("return document.querySelector('[data-live-app=backends] .live-timing-hardware').textContent")
        assert said in machine, machine
        result = run_timing(driver, training=SHORT, backends=["webgpu"])
        assert result == [{"backend": "webgpu", "unavailable": True, "reason": reason,
                           "error": None, "imagesPerSecond": None, "loss": None, "samples": None}], result
        row = driver.execute_script("return document.querySelector('[data-live-app=backends] .live-speed-row[data-backend=webgpu]').textContent")
        assert row.startswith("WebGPU") and f"not available in this browser: {reason}" in row, row
        # the loader itself asks for an adapter before it fetches anything, whoever calls it
        loaded = driver.execute_async_script(
            "const done = arguments[0]; LabLive.load('runtime').then(app => LabLive.util.loadBackend(app.tf, app.runtime, 'webgpu'))"
            ".then(ok => done([ok, window.adapterAsked || 0, !!navigator.gpu]), e => done(String(e)));")
        assert loaded == ([False, 2, True] if case == "null adapter" else [False, 0, False]), loaded  # page, then loader
        assert not any(url.endswith("/_static/" + script) for url in requested(driver)), requested(driver)
        assert driver.execute_script("return tf.engine().registryFactory.webgpu === undefined")
        assert browser.console_errors(driver, base) == []
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": fake["identifier"]})


def test_the_webgpu_backend_has_every_kernel_the_cnns_training_step_uses(site):
    """Where a browser has an adapter, WebGPU trains the CNN: each kernel of a training step (recorded on
    the CPU backend) is one the shipped WebGPU backend registers. Here the script is loaded by hand
    (the page never fetches it without an adapter; its kernels register without one)."""
    driver, base = site
    open_live(driver, base, PAGE)
    found = driver.execute_async_script(
        "const [src, done] = arguments; (async () => {"
        "  const app = await LabLive.load('runtime'); const tf = app.tf; await tf.setBackend('cpu');"
        "  const entry = app.manifest.models.find(m => m.name === 'cnn');"
        "  const json = entry.files.find(f => f.path.endsWith('.json'));"
        "  const topology = (await LabLive.util.fetchJson(new URL(json.path, LabLive.util.MODELS), 'cnn')).modelTopology;"
        "  const model = await tf.models.modelFromJSON(topology); model.layers.forEach(l => { l.trainable = true; });"
        "  model.compile({optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy'});"
        "  const x = tf.randomUniform([4, 28, 28, 1], -1, 1), y = tf.tensor1d([1, 2, 3, 4]);"
        "  await model.trainOnBatch(x, y);"
        "  const info = await tf.profile(() => model.trainOnBatch(x, y));"
        "  await new Promise((resolve, reject) => { const s = document.createElement('script'); s.src = new URL(src, LabLive.util.STATIC);"
        "    s.onload = resolve; s.onerror = reject; document.head.append(s); });"
        "  const webgpu = tf.getKernelsForBackend('webgpu').map(k => k.kernelName);"
        "  await tf.setBackend(app.backend);"
        "  return {used: [...new Set(info.kernelNames.filter(k => !k.endsWith('__op')))], webgpu};"  # not ops' scopes (fusedConv2d__op)
        "})().then(done, e => done(String(e)));",
        webgpu_script(),
    )
    assert isinstance(found, dict), found
    assert len(found["used"]) > 10 and "Conv2DBackpropFilter" in found["used"], found["used"]
    assert sorted(set(found["used"]) - set(found["webgpu"])) == []


def test_with_a_webgpu_adapter_the_page_fetches_the_backend_and_says_if_it_did_not_start(site):
    """The other side of the check: a (fake) adapter, so the loader fetches WebGPU's script; the fake
    gives no device, so TensorFlow.js cannot start the backend, and its row says so."""
    driver, base = site
    script = webgpu_script()
    fake = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "const adapter = {features: new Set(), limits: {}, requestDevice: () => Promise.reject(new Error('a fake adapter'))};"
        "Object.defineProperty(navigator, 'gpu', {configurable: true, value: {"
        "  requestAdapter: () => Promise.resolve(adapter), getPreferredCanvasFormat: () => 'bgra8unorm'}});")})
    try:
        open_live(driver, base, PAGE)
        machine = driver.execute_script("return document.querySelector('[data-live-app=backends] .live-timing-hardware').textContent")
        assert "WebGPU adapter: an adapter that gives no name" in machine, machine
        result = run_timing(driver, training=SHORT, backends=["webgpu"])
        assert [(r["backend"], r["unavailable"], r["reason"]) for r in result] == [("webgpu", True, "it did not start")], result
        assert any(url.endswith("/_static/" + script) for url in requested(driver)), requested(driver)
        assert browser.outside_requests(driver, base) == []
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": fake["identifier"]})
