"""How the live pages load (web/site/live/loader.js), in headless Chromium: light and fast on a phone.

* nothing of a live part is fetched before the page has painted its text;
* each file is fetched once (the backend's preload is the file the backend then uses);
* a part that names its networks (``networks`` in ``LabLive.register``) fetches only those;
* a photo's pipeline runs in a Web Worker, with the same result and the same errors;
* the figures are image files, loaded lazily, and the theme's fontawesome.js is not loaded.

Needs the quick build (book/_build/html), Chromium, chromedriver and Selenium; skipped without
them unless REQUIRE_BUILD=1 (as in .ci/run).
"""

from __future__ import annotations

import os

import pytest

import browser
from tools.toc import book_dir

HTML = book_dir() / "_build" / "html"
OWN_DIGIT = "06_your_digit"
LAYERS = "03_cnn"

pytestmark = pytest.mark.skipif(
    os.environ.get("REQUIRE_BUILD") != "1",
    reason="checks the built site in Chromium: run with REQUIRE_BUILD=1 after jupyter-book build book/",
)

#: Waits until the page's live parts have started; returns the paint and resource timings.
_STARTED = """
const done = arguments[arguments.length - 1];
const wait = () => window.LabLive && LabLive.ready ? LabLive.startNow().then((r) => done({
  started: r.map((x) => x !== null),
  paint: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
  resources: performance.getEntriesByType('resource').map((e) => ({name: e.name, start: e.startTime,
                                                                   end: e.responseEnd})),
})) : setTimeout(wait, 50);
wait();
"""


@pytest.fixture(scope="module")
def site():
    with browser.serve(HTML, compress=True) as base, browser.chromium() as driver:
        driver.set_script_timeout(120)
        yield driver, base


def opened(driver, base: str, page: str) -> dict:
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.get(base + f"{page}.html")
    timings = driver.execute_async_script(_STARTED)
    assert timings["started"] and all(timings["started"]), f"{page}: a live part did not start"
    return timings


def paths(timings: dict, base: str) -> list[str]:
    return [r["name"].removeprefix(base).split("?")[0] for r in timings["resources"]]


@pytest.mark.parametrize("page", [OWN_DIGIT, LAYERS])
def test_live_parts_fetch_after_the_first_paint_and_each_file_once(site, page):
    driver, base = site
    timings = opened(driver, base, page)
    live = [r for r in timings["resources"] if "/models/web/" in r["name"] or "/_static/vendor/tf" in r["name"]
            or r["name"].endswith("runtime.json")]
    assert live, "the page fetched no runtime and no networks"
    assert timings["paint"] is not None
    assert min(r["start"] for r in live) >= timings["paint"], "live files were fetched before the first paint"
    fetched = paths(timings, base)
    twice = sorted({p for p in fetched if fetched.count(p) > 1 and (p.startswith("models/") or "vendor/" in p)})
    assert twice == [], f"fetched twice: {twice}"


def test_a_part_fetches_only_the_networks_it_names(site):
    driver, base = site
    fetched = paths(opened(driver, base, LAYERS), base)
    networks = {p.split("/")[2] for p in fetched if p.startswith("models/web/") and p.count("/") == 3}
    assert networks == {"cnn"}  # the layer explorer shows the CNN: the other networks stay on the server
    fetched = paths(opened(driver, base, OWN_DIGIT), base)
    networks = {p.split("/")[2] for p in fetched if p.startswith("models/web/") and p.count("/") == 3}
    assert networks == {"dense", "cnn", "augmented_cnn"}  # the own-digit page shows all three


def test_a_photo_is_prepared_off_the_main_thread_with_the_same_result(site):
    driver, base = site
    fetched = paths(opened(driver, base, OWN_DIGIT), base)
    assert "_static/live/digits-worker.js" in fetched  # the sample photo went through the worker
    result = driver.execute_async_script("""
const done = arguments[arguments.length - 1];
(async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 60; canvas.height = 60;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = 'white'; ctx.fillRect(0, 0, 60, 60);
  ctx.strokeStyle = 'black'; ctx.lineWidth = 6;
  ctx.beginPath(); ctx.moveTo(30, 10); ctx.lineTo(30, 50); ctx.stroke();
  const photo = LabLive.widgets.pixelsOf(canvas);
  const here = LabDigits.preprocess(photo);
  const there = await LabLive.util.preprocessOffThread(photo);
  let error = null;
  try { await LabLive.util.preprocessOffThread({width: 3, height: 3, data: new Uint8ClampedArray(36)}); }
  catch (e) { error = [e instanceof LabDigits.DigitImageError, e.message]; }
  let expected = null;
  try { LabDigits.preprocess({width: 3, height: 3, data: new Uint8ClampedArray(36)}); }
  catch (e) { expected = e.message; }
  done({same: JSON.stringify(Array.from(here.digit)) === JSON.stringify(Array.from(there.digit)),
        ink: Array.from(there.digit).some((v) => v > 0), error, expected});
})().catch((e) => done({failed: String(e)}));
""")
    assert result.get("failed") is None, result
    assert result["same"] and result["ink"]
    assert result["error"] == [True, result["expected"]]  # the same DigitImageError, with its message


def test_figures_are_lazy_files_and_fontawesome_js_is_not_loaded(site):
    driver, base = site
    driver.get(base + f"{LAYERS}.html")
    figures = driver.execute_script(
        "return Array.from(document.querySelectorAll('.cell_output img, .output img')).map(i => "
        "[i.getAttribute('src'), i.loading, i.getAttribute('width'), i.getAttribute('alt')])")
    assert figures, "no figure in the chapter's outputs"
    for src, loading, width, alt in figures:
        assert not src.startswith("data:") and src.startswith("_images/fig-"), src[:60]
        assert loading == "lazy" and width and alt
    scripts = driver.execute_script("return Array.from(document.scripts).map(s => s.src)")
    assert not any("fontawesome.js" in s for s in scripts)
    icon = driver.execute_script(
        "const i = document.querySelector('.fa-magnifying-glass'); return i && getComputedStyle(i, '::before').fontFamily")
    assert icon and "Font Awesome" in icon  # the theme's stylesheet draws the icons


def test_a_part_far_down_the_page_starts_when_the_reader_nears_it(site):
    """The layer explorer sits far down chapter 3: on a phone, nothing of it loads until the reader
    scrolls towards it; then it starts by itself (no LabLive.startNow())."""
    driver, base = site
    driver.set_window_size(412, 800)
    try:
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.get(base + f"{LAYERS}.html")
        top = driver.execute_script(
            "return document.querySelector('[data-live-app]').getBoundingClientRect().top / innerHeight")
        assert top > 3, f"the layer explorer is {top:.1f} screens down: too near the top for this check"
        driver.execute_async_script("setTimeout(arguments[0], 3000)")  # painted, idle: still nothing loaded
        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => n.includes('/models/web/') || n.includes('/_static/vendor/tf'))")
        assert fetched == [], fetched
        assert driver.execute_script("return Object.keys(LabLive.apps).length") == 0
        started = driver.execute_async_script(
            "const done = arguments[0];"
            "document.querySelector('[data-live-app]').scrollIntoView();"
            "LabLive.ready.then(r => done(r.map(x => x !== null)));")
        assert started == [True]
        assert "layers" in driver.execute_script("return Object.keys(LabLive.apps)")
    finally:
        driver.set_window_size(1280, 1024)


def test_the_slimmer_theme_still_draws_its_icons_and_runs_its_scripts(site):
    """tools/slimtheme.py: the purged stylesheet, subset icon fonts and deferred scripts still give
    the theme's icons (with a glyph), its search dialog and its theme switcher, without errors."""
    driver, base = site
    driver.get(base + "intro.html")
    driver.execute_async_script("document.fonts.ready.then(arguments[0])")
    icons = driver.execute_script("""
return [...new Set([...document.querySelectorAll('i[class*="fa-"]')].map(i => i.className))].map(name => {
  const i = document.querySelector(`i[class="${name}"]`);
  const style = getComputedStyle(i, '::before');
  const glyph = style.content.replace(/"/g, '');
  const family = style.fontFamily.includes('Brands') ? 'Font Awesome 6 Brands' : 'Font Awesome 6 Free';
  return [name, glyph.codePointAt(0) || 0, document.fonts.check(`900 16px "${family}"`, glyph)
          || document.fonts.check(`400 16px "${family}"`, glyph)];
});""")
    assert len(icons) >= 5, icons
    for name, codepoint, loaded in icons:
        assert codepoint >= 0xE000 and loaded, (name, hex(codepoint))  # a private-use glyph the font has
    deferred = driver.execute_script(
        "return [...document.head.querySelectorAll('script[src]')].filter(s => !s.defer && !s.async).map(s => s.src)")
    assert all("documentation_options.js" in s for s in deferred), deferred
    mode = driver.execute_script(
        "document.querySelector('.theme-switch-button').click(); return document.documentElement.dataset.mode")
    assert mode in ("light", "dark", "auto")
    opened = driver.execute_script(
        "document.querySelector('.search-button__button, button.search-button').click();"
        "return document.querySelector('#pst-search-dialog').open")
    assert opened
    assert browser.console_errors(driver, base) == []


@pytest.mark.parametrize("decompression", [True, False])
def test_compressed_copies_of_the_binaries_where_the_browser_can_decompress(site, decompression):
    """Static hosts send .wasm and weights.bin uncompressed: the page fetches the build's gzip copies
    where the browser has DecompressionStream, the files themselves where it has not, never both."""
    driver, base = site
    script = None
    if not decompression:
        script = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                        {"source": "delete window.DecompressionStream;"})["identifier"]
    try:
        fetched = paths(opened(driver, base, OWN_DIGIT), base)
    finally:
        if script:
            driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script})
    binaries = sorted(p for p in fetched if p.endswith((".wasm", ".wasm.gz", ".bin", ".bin.gz")))
    plain = ["_static/vendor/tfjs-backend-wasm-simd.wasm", *(f"models/web/{n}/weights.bin"
                                                            for n in ("augmented_cnn", "cnn", "dense"))]
    assert binaries == sorted(p + ".gz" for p in plain) if decompression else sorted(plain)
    backend = driver.execute_script("return LabLive.apps['own-digit'] && document.querySelector('.live-status').textContent")
    assert "WebAssembly (SIMD)" in backend
