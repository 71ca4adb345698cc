"""Chapter 2's convolution playground in headless Chromium, against SciPy and matplotlib.

The page computes the response map in JavaScript (convolution.js,
``correlate2d``); here it must equal ``scipy.signal.correlate2d`` on the same
digit and filter, padded as Keras pads (padding 'valid', or 'same': zeros so
that the output has ceil(n / s) pixels, the odd one at the bottom and right),
then ``[::s, ::s]``; and a Keras Conv2D layer with that padding and stride. Its
colours must be matplotlib's for the chapter's signed colour map, and its
filters must be labsupport's and the build's CNN's. Needs the built site, as
tests/site/test_live.py.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from scipy.signal import correlate2d
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

import browser
from test_live import BOOK, HTML, SCREENSHOTS, SEVEN, draw_stroke, networks, open_live, pytestmark, site, web_manifest  # noqa: F401 (fixtures; skipped without a build)

PAGE = "02_convolution"
APP = "[data-live-app=convolution]"


def shown(driver) -> dict:
    """What the playground shows now (LabLive.apps.convolution.shown.state)."""
    return driver.execute_script("return LabLive.apps.convolution.shown.state")


def choose(driver, *, filter: str | None = None, padding: str | None = None, stride: int | None = None,
           digit: int | None = None) -> dict:
    """Set the playground's controls as a reader does (menus and radio buttons); returns what it then shows."""
    if digit is not None:
        Select(driver.find_element("id", "live-conv-digit")).select_by_value(str(digit))
    if filter is not None:
        Select(driver.find_element("id", "live-conv-filter")).select_by_value(filter)
    if padding is not None:
        driver.find_element("css selector", f"input[name=live-conv-padding][value={padding}]").click()
    if stride is not None:
        driver.find_element("css selector", f"input[name=live-conv-stride][value='{stride}']").click()
    return shown(driver)


def keras_padding(n: int, k: int, padding: str, stride: int) -> tuple[int, int]:
    """Zeros before and after along one axis, as TensorFlow pads for padding="same" (none for "valid")."""
    if padding == "valid":
        return 0, 0
    total = max((-(-n // stride) - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def scipy_map(image: np.ndarray, kernel: np.ndarray, padding: str, stride: int) -> np.ndarray:
    """SciPy's correlate2d ('valid') on the image padded as Keras pads it, then every stride-th row and column.

    At stride 1 with an odd filter this is the chapter's correlate2d(image, kernel, mode=padding).
    """
    rows = keras_padding(image.shape[0], kernel.shape[0], padding, stride)
    cols = keras_padding(image.shape[1], kernel.shape[1], padding, stride)
    return correlate2d(np.pad(image, (rows, cols)), kernel, mode="valid")[::stride, ::stride]


def keras_map(image: np.ndarray, kernel: np.ndarray, padding: str, stride: int) -> np.ndarray:
    """A Keras Conv2D layer (one filter, no bias) with the padding and stride, in float32."""
    import keras

    layer = keras.layers.Conv2D(1, kernel.shape, strides=stride, padding=padding, use_bias=False)
    layer.build((1, *image.shape, 1))
    layer.set_weights([kernel.reshape(*kernel.shape, 1, 1).astype(np.float32)])
    return np.asarray(layer(image.reshape(1, *image.shape, 1).astype(np.float32)))[0, :, :, 0]


def check_against_keras(got: np.ndarray, image: np.ndarray, kernel: np.ndarray, padding: str, stride: int) -> None:
    """The map equals Keras's up to float32 rounding (Keras computes in float32, the page in float64)."""
    expected = keras_map(image, kernel, padding, stride)
    assert got.shape == expected.shape, (padding, stride)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * max(1.0, np.abs(expected).max()))


def check_against_scipy(state: dict) -> np.ndarray:
    """The shown map equals SciPy's on the shown digit and filter, and the formula states its size."""
    image = np.array(state["image"], np.float64).reshape(28, 28)
    kernel = np.array(state["kernel"], np.float64)
    expected = scipy_map(image, kernel, state["padding"], state["stride"])
    output = state["output"]
    got = np.array(output["data"]).reshape(output["height"], output["width"])
    assert got.shape == expected.shape, (state["padding"], state["stride"])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)
    s = state["stride"]
    before, after = keras_padding(28, 3, state["padding"], s)
    o = (28 + before + after - 3) // s + 1
    formula = state["formula"]
    if before == after:  # the chapter's formula, with p on each side
        assert f"(28 + 2\u00B7{before} \u2212 3) / {s}\u230B + 1 = {o}," in formula, formula
    else:
        assert f"(28 + {before} + {after} \u2212 3) / {s}\u230B + 1 = {o}," in formula, formula
        assert "bottom and right" in formula, formula
    if state["padding"] == "same":
        assert f"\u2308n / s\u2309 = \u230828 / {s}\u2309 = {-(-28 // s)}," in formula, formula
        assert f"= {before + after} zero" in formula, formula
    assert formula.endswith(f"the response map is {got.shape[0]}x{got.shape[1]}."), formula
    assert state["limit"] == pytest.approx(np.abs(expected).max() or 1, rel=1e-12)
    return got


def test_the_playground_is_light_and_starts_on_the_chapters_digit(site):
    driver, base = site
    open_live(driver, base, PAGE)
    assert browser.console_errors(driver, base) == []
    assert browser.outside_requests(driver, base) == []
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    runtime = json.loads((HTML / "_static" / "vendor" / "runtime.json").read_text())["scripts"]
    heavy = [f"/_static/{s['src']}" for s in runtime] + ["/model.json", ".bin", ".wasm"]
    assert not any(part in url for url in loaded for part in heavy), loaded  # no TensorFlow.js, no networks
    status = driver.execute_script(f"return document.querySelector('{APP} .live-status').textContent").strip()
    assert status.startswith("Ready"), status
    chapter = (BOOK / f"{PAGE}.md").read_text()
    index = re.search(r'data-live-app="convolution" data-index="(\d+)"', chapter).group(1)
    assert f"starts with {index}" in " ".join(chapter.split())
    state = shown(driver)
    assert state["title"].startswith(f"test image {index} ")
    sample = next(s for s in web_manifest()["samples"] if str(s["index"]) == index)
    assert state["image"] == sample["pixels"]
    from labsupport import filters

    first_title, first = next(iter(filters.PRESETS.values()))
    assert np.array_equal(state["kernel"], first) and first_title == "horizontal Sobel"
    # the chapter's figure: test image 3675 with the horizontal Sobel filter, mode="same"
    assert (state["padding"], state["stride"]) == ("same", 1)
    check_against_scipy(state)


def test_the_filters_are_labsupports_and_the_cnns_first_layer(networks):
    from labsupport import filters

    settings = web_manifest()["convolution"]
    assert [(p["name"], p["title"]) for p in settings["presets"]] == [(k, t) for k, (t, _) in filters.PRESETS.items()]
    for preset in settings["presets"]:
        assert np.array_equal(preset["kernel"], filters.PRESETS[preset["name"]][1])
    learned = np.array(settings["learned"]["kernels"], np.float32)
    assert np.array_equal(learned, filters.learned_filters(networks["cnn"], "conv1"))
    assert len(learned) == networks["cnn"].get_layer("conv1").filters


#: Filters tried: hand-made ones and learned ones (values of the menu).
FILTERS = ["preset:horizontal_sobel", "preset:vertical_sobel", "preset:blur", "preset:sharpen", "preset:identity",
           "learned:0", "learned:17", "learned:31"]


def test_the_response_map_equals_scipys_and_keras_for_every_filter_padding_and_stride(site):
    driver, base = site
    open_live(driver, base, PAGE)
    samples = web_manifest()["samples"]
    compared = 0
    by_keras = 0
    for digit in (0, 3):  # test image 3675, then the first 2 of the test set
        choose(driver, digit=digit)
        for value in FILTERS:
            for padding in ("valid", "same"):
                for stride in (1, 2):
                    state = choose(driver, filter=value, padding=padding, stride=stride)
                    assert state["image"] == samples[digit]["pixels"]
                    kind, key = value.split(":")
                    settings = web_manifest()["convolution"]
                    kernel = (next(p["kernel"] for p in settings["presets"] if p["name"] == key) if kind == "preset"
                              else settings["learned"]["kernels"][int(key)])
                    assert state["kernel"] == kernel
                    got = check_against_scipy(state)
                    compared += 1
                    if (padding, stride) == ("same", 2) or value in ("preset:horizontal_sobel", "learned:17"):
                        image = np.array(state["image"], np.float64).reshape(28, 28)
                        check_against_keras(got, image, np.array(kernel, np.float64), padding, stride)
                        by_keras += 1
    print(f"{compared} maps equal SciPy's, {by_keras} of them (every 'same' at stride 2) Keras's Conv2D too")


def test_same_padding_at_stride_2_is_keras_not_scipy_sliced():
    """Keras pads 28 pixels at stride 2 with one zero after, not one on each side: a different map."""
    image = np.arange(28 * 28, dtype=np.float64).reshape(28, 28) % 17
    kernel = np.array([[1, 2, 0], [0, -1, 3], [2, 0, 1]], np.float64)
    assert keras_padding(28, 3, "same", 2) == (0, 1)
    assert keras_padding(28, 3, "same", 1) == (1, 1)
    np.testing.assert_allclose(scipy_map(image, kernel, "same", 2), keras_map(image, kernel, "same", 2), atol=1e-3)
    assert not np.allclose(scipy_map(image, kernel, "same", 2), correlate2d(image, kernel, mode="same")[::2, ::2])
    np.testing.assert_array_equal(scipy_map(image, kernel, "same", 1), correlate2d(image, kernel, mode="same"))


def test_the_pure_function_is_scipys_on_other_sizes_and_refuses_what_it_cannot_do(site):
    """LabLive.apps.convolution.correlate2d on its own: other image and filter sizes, strides up to 3, as SciPy and Keras."""
    driver, base = site
    open_live(driver, base, PAGE)
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (9, 12)).astype(float)
    for k in (1, 2, 3, 5):
        kernel = rng.normal(size=(k, k))
        for padding in ("valid", "same"):
            for stride in (1, 2, 3):
                got = driver.execute_script(
                    "const [data, kernel, padding, stride] = arguments;"
                    "const r = LabLive.apps.convolution.correlate2d({width: 12, height: 9, data}, kernel, {padding, stride});"
                    "return [r.height, r.width, Array.from(r.data)]",
                    image.reshape(-1).tolist(), kernel.tolist(), padding, stride)
                expected = scipy_map(image, kernel, padding, stride)
                assert tuple(got[:2]) == expected.shape
                np.testing.assert_allclose(np.reshape(got[2], expected.shape), expected, rtol=1e-12, atol=1e-9)
                check_against_keras(np.reshape(got[2], expected.shape), image, kernel, padding, stride)
                if k % 2:  # the chapter's formula with p = (k - 1) / 2 gives "same"'s size too (odd k)
                    o = driver.execute_script("return LabLive.apps.convolution.outputSize(...arguments)", 12, k, (k - 1) // 2 if padding == "same" else 0, stride)
                    assert o == expected.shape[1]
                zeros = driver.execute_script("return LabLive.apps.convolution.paddingOf(...arguments)", padding, k, 9, stride)
                assert tuple(zeros) == keras_padding(9, k, padding, stride)
    refusals = driver.execute_script(
        "const f = LabLive.apps.convolution.correlate2d;"
        "return [[[[1]], {padding: 'full'}], [[[1]], {stride: 0}],"
        "        [[[1, 2, 3], [4, 5, 6], [7, 8, 9]], {padding: 'valid'}]].map(([k, o]) => {"
        "  try { f({width: 2, height: 2, data: [1, 2, 3, 4]}, k, o); return null; } catch (e) { return e.message; } });"
    )
    assert refusals == [
        'padding must be "valid" or "same", not "full"',
        "the stride must be a whole number of 1 or more, not 0",
        "a 3x3 filter does not fit a 2x2 image",
    ]


def test_typed_weights_are_used_and_a_bad_one_gets_a_message(site):
    driver, base = site
    open_live(driver, base, PAGE)
    choose(driver, padding="valid", stride=2)
    fields = driver.find_elements("css selector", f"{APP} .live-conv-weight")
    assert len(fields) == 9 and all(f.accessible_name.startswith("weight, row ") for f in fields)
    diagonal = [2, 1, 0, 1, 0, -1, 0, -1, -2]  # the chapter's "Things to try" filter
    for field, weight in zip(fields, diagonal):
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(str(weight))
    state = shown(driver)
    assert state["kernel"] == [diagonal[0:3], diagonal[3:6], diagonal[6:9]]
    assert driver.execute_script("return document.getElementById('live-conv-filter').value") == "own"
    check_against_scipy(state)
    # arrow keys in a field step the weight by 0.1
    fields[4].send_keys(Keys.ARROW_UP)
    state = shown(driver)
    assert state["kernel"][1][1] == pytest.approx(0.1)
    check_against_scipy(state)
    before = state["output"]
    fields[0].send_keys(Keys.CONTROL, "a")
    fields[0].send_keys("two")
    message = driver.execute_script(f"return document.querySelector('{APP} .live-message').textContent")
    assert message.startswith('The weight in row 1, column 1 ("two") is not a number'), message
    assert fields[0].get_attribute("aria-invalid") is not None
    assert shown(driver)["output"] == before  # the last good map stays
    fields[0].send_keys(Keys.CONTROL, "a")
    fields[0].send_keys("1e307")  # 255 * 1e307 overflows: said, and the last good map stays
    message = driver.execute_script(f"return document.querySelector('{APP} .live-message').textContent")
    assert "too large" in message, message
    state = shown(driver)  # typed key by key: the last good filter had 1e30 there
    assert state["kernel"][0][0] == 1e30
    check_against_scipy(state)
    fields[0].send_keys(Keys.CONTROL, "a")
    fields[0].send_keys("-1")
    assert driver.execute_script(f"return document.querySelector('{APP} .live-message').textContent") == ""
    assert shown(driver)["kernel"][0][0] == -1
    # a learned filter's fields show its weights rounded; editing one keeps the others exact
    learned = choose(driver, filter="learned:3")["kernel"]
    assert fields[8].get_attribute("value") == f"{learned[2][2]:.3g}"
    fields[4].send_keys(Keys.CONTROL, "a")
    fields[4].send_keys("0.5")
    learned[1][1] = 0.5
    state = shown(driver)
    assert state["kernel"] == learned
    check_against_scipy(state)


def test_the_map_is_drawn_in_the_chapters_signed_colour_map(site):
    import matplotlib
    from matplotlib.colors import Normalize

    from labsupport import plots

    driver, base = site
    open_live(driver, base, PAGE)
    cmap = matplotlib.colormaps[plots.SIGNED_CMAP]
    for value in ("preset:horizontal_sobel", "learned:5"):
        state = choose(driver, filter=value, padding="same", stride=1)
        got = check_against_scipy(state)
        painted = np.array(driver.execute_script(
            "const c = document.querySelector(arguments[0] + ' .live-conv-map canvas');"
            "return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)", APP,
        ), np.uint8).reshape(*got.shape, 4)
        limit = state["limit"]
        expected = cmap(Normalize(-limit, limit)(got), bytes=True)
        assert np.array_equal(painted[..., :3], expected[..., :3]), value
    labels = driver.execute_script(f"return [...document.querySelectorAll('{APP} .live-conv-bar-labels span')].map(s => s.textContent)")
    assert labels[1] == "0" and labels[0] == "-" + labels[2]  # symmetric around 0


def test_arrow_keys_move_through_the_map_and_show_the_window_and_its_products(site):
    driver, base = site
    open_live(driver, base, PAGE)
    for padding, stride in (("same", 1), ("valid", 2), ("same", 2)):
        state = choose(driver, filter="learned:3", padding=padding, stride=stride)
        got = check_against_scipy(state)
        image = np.array(state["image"], np.float64).reshape(28, 28)
        before, after = keras_padding(28, 3, padding, stride)
        padded = np.pad(image, (before, after))
        kernel = np.array(state["kernel"])
        driver.execute_script(f"document.querySelector('{APP} .live-conv-map').focus()")
        for key, times in ((Keys.ARROW_LEFT, 40), (Keys.ARROW_UP, 40), (Keys.ARROW_DOWN, 5), (Keys.ARROW_RIGHT, 7)):
            ActionChains(driver).send_keys(key * times).perform()
        selected = driver.execute_script("return LabLive.apps.convolution.shown.selected")
        assert (selected["row"], selected["col"]) == (5, 7)  # from anywhere: the corner, then 5 down, 7 right
        top, left = 5 * stride, 7 * stride
        window = padded[top:top + 3, left:left + 3]
        assert (selected["top"], selected["left"]) == (top, left)
        assert selected["window"] == window.reshape(-1).tolist()
        np.testing.assert_allclose(selected["products"], (window * kernel).reshape(-1), rtol=1e-15)
        assert selected["value"] == got[5, 7]
        np.testing.assert_allclose(selected["sum"], got[5, 7], rtol=1e-12, atol=1e-9)
        table = driver.execute_script(
            f"return [...document.querySelectorAll('{APP} .live-conv-matrix')[0].querySelectorAll('td')].map(t => t.textContent)")
        assert table == [str(int(v)) for v in window.reshape(-1)]
        box = driver.execute_script(f"const s = document.querySelector('{APP} .live-conv-window').style; return [s.left, s.top]")
        side = 28 + before + after
        assert [float(v.rstrip("%")) for v in box] == pytest.approx([100 * left / side, 100 * top / side], abs=1e-3)
        heard = driver.execute_script(f"return document.querySelector('{APP} > .live-visually-hidden[aria-live]').textContent")
        assert heard.startswith("row 6, column 8:"), heard
        # and past the far corner it stays on the map
        ActionChains(driver).send_keys(Keys.ARROW_DOWN * 40 + Keys.ARROW_RIGHT * 40).perform()
        selected = driver.execute_script("return LabLive.apps.convolution.shown.selected")
        assert (selected["row"], selected["col"]) == (got.shape[0] - 1, got.shape[1] - 1)


def test_pointing_at_a_pixel_selects_it(site):
    driver, base = site
    open_live(driver, base, PAGE)
    state = choose(driver, filter="preset:vertical_sobel", padding="valid", stride=1)
    size = state["output"]["width"]
    frame = driver.find_element("css selector", f"{APP} .live-conv-map canvas")
    width = frame.size["width"]
    row, col = 10, 20
    ActionChains(driver).move_to_element_with_offset(
        frame, int((col + 0.5) / size * width - width / 2), int((row + 0.5) / size * width - width / 2)).perform()
    selected = driver.execute_script("return LabLive.apps.convolution.shown.selected")
    assert (selected["row"], selected["col"]) == (row, col)


def test_a_drawn_digit_is_filtered_too(site):
    driver, base = site
    open_live(driver, base, PAGE)
    pad = driver.find_element("css selector", f"{APP} .live-pad")
    draw_stroke(driver, pad, SEVEN)
    state = driver.execute_async_script(
        "const done = arguments[0]; const wait = () => LabLive.apps.convolution.shown.state.title === 'your drawing' ? "
        "done(LabLive.apps.convolution.shown.state) : setTimeout(wait, 50); wait();"
    )
    assert max(state["image"]) > 100  # ink
    check_against_scipy(state)
    check_against_scipy(choose(driver, filter="learned:0", padding="valid", stride=2))
    driver.find_element("css selector", f"{APP} .live-button").click()  # clear: back to the test digit
    assert shown(driver)["title"].startswith("test image ")


def test_without_javascript_the_page_says_so_and_keeps_its_figures():
    text = (HTML / f"{PAGE}.html").read_text()
    live = re.search(r'<div class="live-app" data-live-app="convolution"[^>]*>(.*?)</div>', text, re.S)
    assert live and "<noscript>" in live.group(1) and "needs JavaScript" in live.group(1)
    assert re.search(r'<div class="cell_output[^"]*">.*?<img ', text[live.end():], re.S), "no static figure after the live part"


def screenshot_of(driver, selector: str, path) -> None:
    """A PNG of one element, whole (beyond the window if it is taller)."""
    box = driver.execute_script(
        "window.scrollTo({top: 0, left: 0, behavior: 'instant'}); const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return [r.left + scrollX, r.top + scrollY, r.width, r.height]", selector)
    clip = dict(zip(("x", "y", "width", "height"), box), scale=1)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def test_the_playground_in_the_dark_theme_and_on_a_phone(site):
    driver, base = site
    driver.get(base + f"{PAGE}.html")
    open_live(driver, base, PAGE)
    screenshot_of(driver, APP, SCREENSHOTS / f"live-{PAGE}.png")
    driver.execute_script("localStorage.setItem('theme', 'dark'); localStorage.setItem('mode', 'dark');")
    try:
        open_live(driver, base, PAGE)
        assert driver.execute_script("return document.documentElement.dataset.theme") == "dark"
        colour, background = driver.execute_script(
            f"return [getComputedStyle(document.querySelector('{APP} .live-conv-weight')).color,"
            f" getComputedStyle(document.querySelector('{APP} .live-conv-weight')).backgroundColor]")
        assert colour != background
        screenshot_of(driver, APP, SCREENSHOTS / f"live-{PAGE}-dark.png")
    finally:
        driver.execute_script("localStorage.clear()")
    driver.set_window_size(390, 844)
    try:
        open_live(driver, base, PAGE)
        overflow = browser.overflowing(driver, APP)
        assert overflow == [], overflow
        screenshot_of(driver, APP, SCREENSHOTS / f"live-{PAGE}-phone.png")
    finally:
        driver.set_window_size(1280, 900)
