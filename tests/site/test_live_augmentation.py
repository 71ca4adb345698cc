"""Chapter 5's live part in headless Chromium: augmentation sliders and grid, and the shift pad.

The augmented versions must stay within the ranges the export gives
(labsupport.webexport.augmentation_settings: the augmented CNN's RandomAffine),
the page's warp must be the layer's (augment.affine_matrix and Keras's
affine_transform on the same parameters), and a shifted digit must be
inference.shift_images's, with Keras's probabilities. Needs the quick build;
skipped without it unless REQUIRE_BUILD=1 (as in .ci/run). Screenshots of the
part (light, dark, phone) go to book/_build/screenshots/.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

import browser
from test_accessibility import AXE, violations
from test_live import HTML, SCREENSHOTS, networks, open_live, pytestmark, site, web_manifest  # noqa: F401 (fixtures; skipped without a build)

PAGE = "05_augmentation"
APP = "LabLive.apps.augmentation"
ROOT = "[data-live-app=augmentation]"
#: The order of RandomAffine's parameters in augment.affine_matrix.
PARAMETERS = ("rotation", "shear", "shift_x", "shift_y", "zoom_x", "zoom_y")

@pytest.fixture(scope="module")
def page(site):
    driver, base = site
    open_live(driver, base, PAGE)
    return driver, base


def settings() -> dict:
    return web_manifest()["augmentation"]


def bounds(ranges: dict) -> dict:
    """Each drawn parameter's interval, as RandomAffine.transforms draws it (shifts in pixels of 28)."""
    return {
        "rotation": (-ranges["rotation"], ranges["rotation"]), "shear": (-ranges["shear"], ranges["shear"]),
        "shift_x": (-ranges["shift"] * 28, ranges["shift"] * 28), "shift_y": (-ranges["shift"] * 28, ranges["shift"] * 28),
        "zoom_x": (1 - ranges["zoom"], 1 + ranges["zoom"]), "zoom_y": (1 - ranges["zoom"], 1 + ranges["zoom"]),
    }


def test_the_part_starts_with_the_exported_settings(page):
    """Sliders up to the augmented CNN's ranges (RANGES, through the export), the pad up to the exported shift."""
    from labsupport import augment, webexport

    driver, base = page
    assert browser.console_errors(driver, base) == []
    assert browser.outside_requests(driver, base) == []
    status = driver.execute_script(f"return document.querySelector('{ROOT} .live-status').textContent").strip()
    assert status.startswith("Ready"), status
    exported = settings()
    assert exported["ranges"] == augment.RANGES  # the build's augmented CNN trained with the course's ranges
    sliders = driver.execute_script(
        f"return Object.fromEntries(['rotation', 'shift', 'shear', 'zoom'].map(k => {{"
        f"  const s = document.getElementById('live-augmentation-' + k); return [k, [Number(s.max), Number(s.value)]]; }}))"
    )
    assert sliders == {k: [v, v] for k, v in exported["ranges"].items()}
    pad = driver.execute_script("const s = document.getElementById('live-shift-dx'); return [Number(s.min), Number(s.max)]")
    assert pad == [-exported["shift_pad"]["max_pixels"], exported["shift_pad"]["max_pixels"]]
    assert exported["shift_pad"]["max_pixels"] == webexport.SHIFT_PAD_PIXELS
    shown = driver.execute_script(f"return document.querySelectorAll('{ROOT} .live-aug-grid canvas').length")
    assert shown == 1 + len(driver.execute_script(f"return {APP}.grid.versions"))


def roll(driver) -> dict:
    """Press "Roll again": new versions, each with new parameters."""
    before = driver.execute_script(f"return {APP}.grid.versions")
    driver.find_element("xpath", f"//*[@data-live-app='augmentation']//button[text()='Roll again']").click()
    grid = driver.execute_script(f"return {APP}.grid")
    assert all(new["parameters"] != old["parameters"] for new, old in zip(grid["versions"], before))
    return grid


def set_slider(driver, key: str, value: float) -> None:
    driver.execute_script(
        "const [key, value] = arguments; const s = document.getElementById('live-augmentation-' + key);"
        "s.value = value; s.dispatchEvent(new Event('input'));", key, value,
    )


def test_augmented_versions_stay_within_the_exported_ranges(page):
    from labsupport import augment

    driver, _ = page
    exported = settings()["ranges"]
    drawn = {name: [] for name in PARAMETERS}
    for _ in range(10):
        grid = roll(driver)
        assert grid["ranges"] == exported
        for version in grid["versions"]:
            p = version["parameters"]
            for name, (low, high) in bounds(exported).items():
                assert low <= p[name] <= high, (name, p[name])
                drawn[name].append(p[name])
            # the matrix the page warps with is augment.affine_matrix of the drawn parameters
            expected = np.asarray(augment.affine_matrix(*([p[k]] for k in PARAMETERS), 28, 28))[0]
            np.testing.assert_allclose(version["matrix"], expected, atol=1e-5)
    for name, (low, high) in bounds(exported).items():  # 150 draws fill their interval (random, not stuck)
        values = np.array(drawn[name])
        assert values.min() < low + 0.2 * (high - low) and values.max() > high - 0.2 * (high - low), name
    # a lowered slider narrows the draws; no value beyond the exported range is taken
    try:
        set_slider(driver, "rotation", exported["rotation"] / 4)
        set_slider(driver, "zoom", 10 * exported["zoom"])  # the slider stops at its maximum
        grid = driver.execute_script(f"return {APP}.grid")
        assert grid["ranges"]["rotation"] == pytest.approx(exported["rotation"] / 4)
        assert grid["ranges"]["zoom"] == exported["zoom"]
        assert max(abs(v["parameters"]["rotation"]) for v in grid["versions"]) <= exported["rotation"] / 4
        # the sliders scale the same draws: no rotation leaves the other parameters as they were
        set_slider(driver, "rotation", 0)
        unrotated = driver.execute_script(f"return {APP}.grid.versions")
        for before, after in zip(grid["versions"], unrotated):
            assert after["parameters"] == {**before["parameters"], "rotation": 0}
    finally:
        driver.find_element("xpath", "//button[text()='Back to the trained ranges']").click()
    assert driver.execute_script(f"return {APP}.ranges()") == exported
    shown = driver.execute_script(
        f"return Array.from(document.querySelectorAll('{ROOT} .live-aug-slider')).filter(r => r.querySelector('output'))"
        ".map(r => [r.querySelector('output').textContent, r.querySelector('.live-aug-trained').textContent])"
    )
    # each slider states the trained value (the shear's adds that it is tiny on purpose)
    assert len(shown) == 4 and all(trained.startswith(f"trained with {value}") for value, trained in shown), shown
    assert sum("tiny on purpose" in trained for _, trained in shown) == 1


def test_the_pages_warp_is_the_layers_on_the_same_parameters(page):
    """The JavaScript port against keras.ops.image.affine_transform (bilinear, fill -1) with augment.affine_matrix."""
    import keras

    from labsupport import augment, data

    driver, _ = page
    exported = settings()
    digit = np.array(web_manifest()["samples"][0]["pixels"], np.uint8).reshape(28, 28)
    cases = [v["parameters"] for v in roll(driver)["versions"]]
    cases += [  # beyond the ranges too: the same map, whatever the numbers
        {"rotation": 30.0, "shear": 12.0, "shift_x": 2.5, "shift_y": -4.25, "zoom_x": 0.8, "zoom_y": 1.2},
        {"rotation": -90.0, "shear": 0.0, "shift_x": 0.0, "shift_y": 0.0, "zoom_x": 1.0, "zoom_y": 1.0},
        {"rotation": 0.0, "shear": 0.0, "shift_x": -3.0, "shift_y": 2.0, "zoom_x": 1.0, "zoom_y": 1.0},
    ]
    x = data.model_inputs(digit[None], exported["input_format"])
    worst = 0.0
    for p in cases:
        in_page = driver.execute_script(f"return {APP}.transform(arguments[0], arguments[1])", digit.reshape(-1).tolist(), p)
        matrix = augment.affine_matrix(*([p[k]] for k in PARAMETERS), 28, 28)
        keras_image = np.asarray(keras.ops.image.affine_transform(
            x, matrix, interpolation=exported["interpolation"], fill_mode="constant", fill_value=exported["fill_value"]))
        difference = np.abs(np.array(in_page["data"]).reshape(28, 28) - keras_image[0, :, :, 0]).max()
        worst = max(worst, difference)
        assert difference <= 1e-4, (p, difference)
    print(f"{len(cases)} warps: max |page - Keras| {worst:.1e} (inputs in [-1, 1])")
    # a whole-pixel shift only moves the digit: the fill is the background, nothing is blurred
    moved = np.array(driver.execute_script(f"return {APP}.transform(arguments[0], arguments[1])", digit.reshape(-1).tolist(),
                                           cases[-1])["data"]).reshape(28, 28)
    expected = np.full((28, 28), exported["fill_value"], np.float32)
    expected[:26, 3:] = x[0, 2:, :25, 0]
    np.testing.assert_allclose(moved, expected, atol=1e-6)


def test_a_shifted_digit_is_the_chapters_and_gets_keras_probabilities(page, networks):  # noqa: F811
    from labsupport import inference, webexport

    driver, _ = page
    limit = settings()["shift_pad"]["max_pixels"]
    digit = np.array(web_manifest()["samples"][0]["pixels"], np.uint8).reshape(1, 28, 28)
    shifts = [(0, 0), (3, 0), (-limit, 0), (0, 4), (0, -limit), (2, -3), (limit, limit), (-1, 5)]
    same_weights = {
        name: webexport.dequantized(model, webexport.encodings_of(HTML / "models" / "web" / name / webexport.MODEL_JSON))
        for name, model in networks.items()
    }
    worst = 0.0
    for dx, dy in shifts:
        shown = driver.execute_script(f"return {APP}.setShift(arguments[0], arguments[1])", dx, dy)
        assert (shown["dx"], shown["dy"]) == (dx, dy)
        expected = inference.shift_images(inference.shift_images(digit, dx, axis=2), dy, axis=1)
        np.testing.assert_array_equal(np.array(shown["digit"], np.uint8).reshape(1, 28, 28), expected)
        keras_same = inference.predict(same_weights, expected)
        keras_float = inference.predict(networks, expected)
        assert set(shown["probabilities"]) == set(networks)
        for name, p in shown["probabilities"].items():
            worst = max(worst, float(np.abs(np.array(p) - keras_same[name][0]).max()))
            np.testing.assert_allclose(p, keras_same[name][0], atol=1e-4)
            np.testing.assert_allclose(p, keras_float[name][0], atol=1e-2)
    print(f"{len(shifts)} shifts: max |page - Keras| {worst:.1e} (the same weights)")
    # one axis at a time: the port of shift_images on its own, both directions, and past the edge
    for pixels in (1, -2, 27, -28, 40):
        for axis in (1, 2):
            shifted = driver.execute_script(f"return {APP}.shiftImages(arguments[0], arguments[1], arguments[2])",
                                            digit.reshape(-1).tolist(), pixels, axis)
            np.testing.assert_array_equal(np.array(shifted, np.uint8).reshape(1, 28, 28),
                                          inference.shift_images(digit, pixels, axis))
    shown = driver.execute_script(f"return {APP}.setShift(99, -99)")
    assert (shown["dx"], shown["dy"]) == (limit, -limit)
    driver.execute_script(f"{APP}.setShift(0, 0)")


def test_arrow_keys_and_dragging_move_the_digit(page):
    driver, _ = page
    limit = settings()["shift_pad"]["max_pixels"]
    pad = driver.find_element("css selector", f"{ROOT} .live-shift-pad")
    driver.execute_script(f"{APP}.setShift(0, 0)")
    pad.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_LEFT, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    last = driver.execute_script(f"return {APP}.last")
    assert (last["dx"], last["dy"]) == (2, 2)
    assert driver.execute_script("return document.activeElement.classList.contains('live-shift-pad')")
    assert "2 px right and 2 px down" in driver.execute_script(f"return document.querySelector('{ROOT} .live-shift-where').textContent")
    pad.send_keys(*[Keys.ARROW_UP] * (limit + 5))
    assert driver.execute_script(f"return {APP}.last.dy") == -limit
    pad.send_keys(Keys.HOME)
    assert driver.execute_script(f"return [{APP}.last.dx, {APP}.last.dy]") == [0, 0]
    assert driver.execute_script("return document.getElementById('live-shift-dx').value") == "0"
    scrolled = driver.execute_script("return scrollY")
    pad.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.HOME)  # the keys move the digit, not the page
    assert driver.execute_script("return scrollY") == scrolled
    # drag: 4 image pixels to the left, 2 up
    cell = pad.size["width"] / 28
    ActionChains(driver, duration=10).click_and_hold(pad).move_by_offset(int(-4 * cell), int(-2 * cell)).release().perform()
    assert driver.execute_script(f"return [{APP}.last.dx, {APP}.last.dy]") == [-4, -2]
    # the range inputs move it too, and say so
    driver.execute_script("const s = document.getElementById('live-shift-dy'); s.value = 5; s.dispatchEvent(new Event('input'))")
    assert driver.execute_script(f"return [{APP}.last.dx, {APP}.last.dy]") == [-4, 5]
    driver.find_element("xpath", "//button[text()='Back to the centre']").click()
    assert driver.execute_script(f"return [{APP}.last.dx, {APP}.last.dy]") == [0, 0]


def test_no_serious_accessibility_violation_in_the_live_part(page):
    driver, _ = page
    assert AXE.is_file(), f"{AXE} is missing: run 'npm ci --prefix web'"
    found = violations(driver)
    assert found == [], "\n".join(found)


def _shot(driver, name: str) -> None:
    """The whole live part, also where it is taller than the window."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    box = driver.execute_script(
        f"const r = document.querySelector('{ROOT}').getBoundingClientRect();"
        "return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}"
    )
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True, "clip": {**box, "scale": 1}})
    (SCREENSHOTS / f"live-{PAGE}{name}.png").write_bytes(base64.b64decode(shot["data"]))


def test_the_part_in_the_light_and_dark_themes_and_on_a_phone(site):
    driver, base = site
    open_live(driver, base, PAGE)
    driver.execute_script(f"{APP}.setShift(2, -1)")
    _shot(driver, "")
    driver.execute_script("localStorage.setItem('theme', 'dark'); localStorage.setItem('mode', 'dark');")
    try:
        open_live(driver, base, PAGE)
        assert driver.execute_script("return document.documentElement.dataset.theme") == "dark"
        colour = driver.execute_script(f"return getComputedStyle(document.querySelector('{ROOT} .live-aug-slider label')).color")
        background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert colour != background
        driver.execute_script(f"{APP}.setShift(2, -1)")
        _shot(driver, "-dark")
    finally:
        driver.execute_script("localStorage.clear()")
    driver.set_window_size(390, 844)
    try:
        open_live(driver, base, PAGE)
        overflow = browser.overflowing(driver, ROOT)
        assert overflow == [], overflow
        _shot(driver, "-phone")
    finally:
        driver.set_window_size(1280, 900)


def test_without_javascript_the_page_says_so_and_keeps_its_figures():
    import re

    text = (HTML / f"{PAGE}.html").read_text()
    live = re.search(r'<div class="live-app" data-live-app="augmentation"[^>]*>(.*?)</div>', text, re.S)
    assert live and "<noscript>" in live.group(1) and "need JavaScript" in live.group(1)
    before = text[: live.start()]
    assert len(re.findall(r'<div class="cell_output[^"]*">.*?<img ', before, re.S)) >= 2  # the grid and the shift curves


def test_a_manifest_without_the_settings_is_said_not_a_page_stuck_loading(site, tmp_path):
    """An older build's manifest (no augmentation settings): the status says so; the static figures stay."""
    import json
    import shutil

    driver, _ = site
    copy = tmp_path / "html"
    shutil.copytree(HTML, copy)
    manifest = copy / "models" / "web" / "manifest.json"
    document = json.loads(manifest.read_text())
    del document["augmentation"]
    manifest.write_text(json.dumps(document))
    with browser.serve(copy) as base:
        driver.get(base + f"{PAGE}.html")
        driver.execute_async_script(
            "const done = arguments[0]; const wait = () => window.LabLive && LabLive.ready ? "
            "LabLive.startNow().then(done) : setTimeout(wait, 50); wait();"
        )
        status = driver.find_element("css selector", f"{ROOT} .live-status")
        assert "live-error" in status.get_attribute("class") and "no augmentation settings" in status.text, status.text
        assert driver.execute_script("return document.querySelectorAll('.cell_output img').length") >= 2
