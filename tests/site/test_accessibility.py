"""axe-core over every page of the built site: no serious or critical accessibility violation.

axe-core comes from the npm registry at the version pinned in
web/package-lock.json (tools/install.sh installs it into web/node_modules);
it is injected into each page by the test, never shipped with the site.
Live pages are checked after their live part has started, with its controls.
The theme's search and colour-mode buttons are the course's copies
(book/_templates, names that contain their visible text); they are checked to
work as the theme's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
from tools.toc import book_dir, chapters

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
HTML = book_dir() / "_build" / "html"
#: Impacts that fail the check.
FAILING = ("serious", "critical")

pytestmark = pytest.mark.skipif(
    os.environ.get("REQUIRE_BUILD") != "1",
    reason="checks the built site in Chromium: run with REQUIRE_BUILD=1 after jupyter-book build book/",
)


def pages() -> list[str]:
    """Every HTML page of the site (the chapters, the intro, search and index pages)."""
    return sorted(p.relative_to(HTML).as_posix() for p in HTML.glob("*.html"))


@pytest.fixture(scope="module")
def site():
    assert AXE.is_file(), f"{AXE} is missing: run 'npm ci --prefix web' (tools/install.sh does)"
    with browser.serve(HTML) as base, browser.chromium() as driver:
        driver.set_script_timeout(120)
        yield driver, base


def violations(driver) -> list[str]:
    """The serious and critical violations axe-core finds on the open page, one line per element."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    results = driver.execute_async_script(
        "const done = arguments[0];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => "
        "({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))));"
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {node}"
        for v in results if v["impact"] in FAILING for node in v["nodes"]
    ]


def test_axe_is_the_pinned_version(site):
    driver, base = site
    driver.get(base + "intro.html")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/axe-core"]["version"]
    assert driver.execute_script("return axe.version") == pinned, "web/node_modules is stale: run 'npm ci --prefix web'"


def test_the_theme_buttons_work_and_their_names_hold_their_text(site):
    driver, base = site
    driver.get(base + "intro.html")
    switch = driver.find_element(By.CSS_SELECTOR, ".theme-switch-button")
    assert switch.accessible_name == "Color mode"
    modes = []
    for _ in range(3):  # a full cycle: light, dark, system settings, back to the reader's mode
        switch.click()
        modes.append(driver.execute_script("return [document.documentElement.dataset.mode, "
                                           "[...arguments[0].querySelectorAll('.theme-switch')]"
                                           ".filter(e => e.getBoundingClientRect().width > 0).map(e => e.dataset.mode)]",
                                           switch))
    assert sorted(mode for mode, _ in modes) == ["auto", "dark", "light"]
    assert all(shown == [mode] for mode, shown in modes), modes  # one icon, the current mode's
    field = next(b for b in driver.find_elements(By.CSS_SELECTOR, ".search-button-field") if b.is_displayed())
    assert " ".join(field.text.split()) in " ".join(field.accessible_name.split())  # "Search Ctrl + K"
    is_open = "return document.getElementById('pst-search-dialog').open"
    field.click()
    assert driver.execute_script(is_open)
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert not driver.execute_script(is_open)


def test_there_are_pages_to_check():
    assert {f"{name}.html" for name in chapters()} <= set(pages())


@pytest.mark.parametrize("page", pages() if HTML.is_dir() else [])
def test_no_serious_accessibility_violation(site, page):
    driver, base = site
    driver.get(base + page)
    driver.execute_async_script(
        "const done = arguments[0];"
        "if (!document.querySelector('[data-live-app]')) { done(); return; }"
        "const wait = () => window.LabLive && LabLive.ready ? LabLive.startNow().then(() => done()) : setTimeout(wait, 50);"
        "wait();"
    )
    found = violations(driver)
    assert found == [], "\n".join(found)
