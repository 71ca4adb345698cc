"""Open built pages in headless Chromium and list what a reader would find wrong.

Used by tests/site/test_browser.py; kept separate so that a test can run the
same checks on a page broken on purpose.
"""

from __future__ import annotations

import functools
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

from tools.browser import BENIGN, browser_available, chromium, serve  # noqa: F401 (used by the site tests)


def _local(url: str, base: str) -> bool:
    return url.startswith(base)


def console_errors(driver, base: str) -> list[str]:
    """JavaScript errors from the console; failed loads of outside URLs are ignored (no network here)."""
    problems = []
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        message = entry["message"]
        if any(text in message for text in BENIGN):
            continue
        source = message.split(" ", 1)[0]
        if "Failed to load resource" in message or "net::ERR_" in message:
            if source.startswith("http") and not _local(source, base):
                continue  # a CDN or analytics host that a closed network cannot reach
        problems.append(f"console: {message}")
    return problems


def outside_requests(driver, base: str) -> list[str]:
    """Every URL the page has requested that is not on the local server (nor a data:/blob: URL)."""
    urls = driver.execute_script(
        "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]"
    )
    return [u for u in urls if not _local(u, base) and not u.startswith(("data:", "blob:"))]


def check_page(driver, base: str, name: str, screenshot_dir: Path | None = None) -> list[str]:
    """Load one chapter page and return every problem found (empty list: all good)."""
    url = urljoin(base, f"{name}.html")
    driver.get(url)
    problems = []
    title = driver.title
    h1 = driver.execute_script("const h = document.querySelector('main h1, article h1'); return h ? h.textContent : ''")
    h1 = h1.replace("#", "").strip()
    if not h1:
        problems.append("no chapter heading (h1)")
    elif h1 not in title:
        problems.append(f"title {title!r} does not name the chapter {h1!r}")
    driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    load_all_images(driver)  # the figures load lazily (tools/sphinxext.py figures_to_files)
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.currentSrc || i.src, i.complete, i.naturalWidth, "
        "i.getAttribute('alt'), !!i.closest('.cell_output, .output')])"
    )
    for src, complete, width, alt, _ in images:
        short = src if not src.startswith("data:") else src[:40] + "..."
        if not complete or not width:
            problems.append(f"image did not load: {short}")
        if alt is None or not alt.strip():
            problems.append(f"image without alt text: {short}")
    if not any(in_output for *_, in_output in images):
        problems.append("no executed output figure")
    hrefs = driver.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    if not any("colab.research.google.com" in h for h in hrefs):
        problems.append("no Colab launch button")
    if not any("mybinder.org" in h for h in hrefs):
        problems.append("no Binder launch button")
    if not any(h.endswith(".ipynb") and _local(h, base) for h in hrefs):
        problems.append("no .ipynb download button")
    if not driver.execute_script("return !!document.querySelector('.labsupport-banner')"):
        problems.append("no profile/hardware banner")
    problems += broken_links(hrefs, base)
    problems += console_errors(driver, base)
    if screenshot_dir is not None:
        save_screenshot(driver, screenshot_dir / f"{name}.png")
    return problems


def load_all_images(driver, timeout: float = 20) -> None:
    """Have every image of the page loaded (lazy ones too, wherever the page is scrolled), then return."""
    driver.set_script_timeout(timeout + 5)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const images = Array.from(document.images);"
        "images.forEach((i) => { i.loading = 'eager'; });"
        "const loaded = (i) => i.complete ? Promise.resolve() : new Promise((r) => {"
        "  i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); });"
        "Promise.race([Promise.all(images.map(loaded)), new Promise((r) => setTimeout(r, arguments[0] * 1000))])"
        "  .then(() => done());",
        timeout,
    )


@functools.lru_cache(maxsize=None)
def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def broken_links(hrefs: list[str], base: str) -> list[str]:
    """Local links (same server) that do not answer 200."""
    problems = []
    for href in sorted(set(hrefs)):
        target, _ = urldefrag(href)
        if not _local(target, base) or not urlparse(target).path:
            continue
        if _status(target) != 200:
            problems.append(f"broken link: {href}")
    return problems


def overflowing(driver, selector: str) -> list[str]:
    """The elements inside ``selector`` that reach past the page's right edge (a phone's screen), by class."""
    return driver.execute_script(
        "return Array.from(document.querySelector(arguments[0]).querySelectorAll('*'))"
        ".filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".map(e => (e.className && e.className.baseVal !== undefined ? e.className.baseVal : e.className) || e.tagName)",
        selector)


def save_screenshot(driver, path: Path) -> None:
    """A full-page PNG screenshot (the whole scroll height, not just the window)."""
    import base64

    path.parent.mkdir(parents=True, exist_ok=True)
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    width, height = int(size["width"]), min(int(size["height"]), 30000)
    # make the window as tall as the page, so sticky headers stay at the top
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        driver.execute_script("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
        load_all_images(driver)  # lazy figures: all in view now, wait for them
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))


def search_hits(driver, base: str, query: str) -> int:
    """Number of results the site's search page lists for a query."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(urljoin(base, f"search.html?q={query}"))
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "const s = document.querySelector('#search-results'); "
            "return s && (s.querySelectorAll('li').length > 0 || /found|did not match/i.test(s.textContent))"
        )
    )
    return driver.execute_script("return document.querySelectorAll('#search-results li').length")
