"""Checks of the built HTML (run by .ci/run after the quick-profile build).

Skipped when the book has not been built, unless REQUIRE_BUILD=1.
"""

import os
import re

import pytest

from tools.toc import book_dir, chapters, toc_files

HTML = book_dir() / "_build" / "html"

pytestmark = pytest.mark.skipif(
    os.environ.get("REQUIRE_BUILD") != "1",
    reason="checks the built site: run with REQUIRE_BUILD=1 after jupyter-book build book/",
)


@pytest.mark.parametrize("name", toc_files())
def test_page_exists(name):
    assert (HTML / f"{name}.html").is_file(), f"{name}.html is missing from {HTML}"


@pytest.mark.parametrize("name", chapters())
def test_chapter_has_executed_outputs(name):
    page = (HTML / f"{name}.html").read_text()
    assert "labsupport-banner" in page, "profile/hardware banner missing"
    assert re.search(r"Profile:.*<b>(quick|full)</b>", page)
    # executed figures: PNG files the build wrote from the outputs (tools/sphinxext.py figures_to_files),
    # each with its alt text; none left inline as a data URI
    figures = re.findall(r'<img src="_images/fig-[0-9a-f]+\.png"[^>]*? alt="([^"]*)"', page)
    assert figures, "no executed figure on the page"
    assert all(alt.strip() for alt in figures)
    assert "data:image/png;base64" not in page
    assert "Traceback" not in page and "output error" not in page
