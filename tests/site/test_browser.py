"""Every page of the built site, opened in headless Chromium as a reader would.

Needs the quick build (book/_build/html), Chromium, chromedriver and Selenium;
skipped without them unless REQUIRE_BUILD=1 (as in .ci/run). Full-page
screenshots go to book/_build/screenshots/.
"""

import os
import re
import shutil

import pytest

import browser
from tools.toc import book_dir, chapters

BOOK = book_dir()
HTML = BOOK / "_build" / "html"

pytestmark = pytest.mark.skipif(
    os.environ.get("REQUIRE_BUILD") != "1",
    reason="checks the built site in Chromium: run with REQUIRE_BUILD=1 after jupyter-book build book/",
)
SCREENSHOTS = BOOK / "_build" / "screenshots"


@pytest.fixture(scope="module")
def site():
    with browser.serve(HTML) as base, browser.chromium() as driver:
        yield driver, base


@pytest.mark.parametrize("name", chapters())
def test_chapter_page_reads_well(site, name):
    driver, base = site
    problems = browser.check_page(driver, base, name, screenshot_dir=SCREENSHOTS)
    print(f"screenshot: {SCREENSHOTS / (name + '.png')}")
    assert problems == []


def test_intro_page_loads(site):
    driver, base = site
    driver.get(base + "intro.html")
    assert "Convolutional neural networks" in driver.title
    assert browser.broken_links(
        driver.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"), base
    ) == []
    assert browser.console_errors(driver, base) == []


def test_search_finds_convolution(site):
    driver, base = site
    assert browser.search_hits(driver, base, "convolution") > 0


def test_the_checks_catch_a_broken_page(site, tmp_path):
    """The same checks on a copy of a chapter with a broken image and a script error."""
    driver, _ = site
    name = chapters()[0]
    broken = tmp_path / "html"
    shutil.copytree(HTML, broken)
    page = (broken / f"{name}.html").read_text()
    # a figure: a file in _images/ (tools/sphinxext.py figures_to_files), or inline in an older build
    page = re.sub(r'<img src="(data:image/png;base64,|_images/)[^"]+"', '<img src="missing-figure.png"', page, count=1)
    page = page.replace("</body>", "<script>undefinedFunctionCall();</script></body>")
    (broken / f"{name}.html").write_text(page)
    with browser.serve(broken) as base:
        problems = browser.check_page(driver, base, name)
    assert any(p.startswith("image did not load") for p in problems), problems
    assert any("undefinedFunctionCall" in p for p in problems), problems


def test_figures_stay_readable_in_the_dark_theme(site):
    """In dark mode the course's figures keep their white background (black axes stay visible).

    (Model diagrams are Graphviz PNGs with a white background of their own.)
    """
    driver, base = site
    name = chapters()[0]
    driver.get(base + f"{name}.html")
    driver.execute_script("localStorage.setItem('theme', 'dark'); localStorage.setItem('mode', 'dark');")
    driver.get(base + f"{name}.html")
    assert driver.execute_script("return document.documentElement.dataset.theme") == "dark"
    backgrounds = driver.execute_script(
        "return Array.from(document.querySelectorAll('.cell_output img[src^=\"data:image/png\"], "
        ".cell_output img[src^=\"_images/fig-\"]'))"
        ".map(i => getComputedStyle(i).backgroundColor)"
    )
    assert backgrounds and set(backgrounds) == {"rgb(255, 255, 255)"}
    browser.save_screenshot(driver, SCREENSHOTS / f"{name}-dark.png")
    driver.execute_script("localStorage.clear()")
