"""Launch and download buttons of the built chapter pages point at files that exist."""

import os
import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest

from tools.toc import ROOT, book_dir, chapters, load_config

HTML = book_dir() / "_build" / "html"

pytestmark = pytest.mark.skipif(
    os.environ.get("REQUIRE_BUILD") != "1",
    reason="checks the built site: run with REQUIRE_BUILD=1 after jupyter-book build book/",
)


def links(page: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def launch_link(name: str, host: str) -> str:
    """The one link of a chapter page to ``host`` (Colab or Binder)."""
    page = (HTML / f"{name}.html").read_text()
    found = [h for h in links(page) if h.startswith(host)]
    assert len(found) == 1, found
    return found[0]


def repo_parts():
    url = load_config()["repository"]["url"].rstrip("/")
    org, repo = url.split("/")[-2:]
    return org, repo, load_config()["repository"]["branch"]


@pytest.mark.parametrize("name", chapters())
def test_colab_opens_the_generated_notebook(name):
    org, repo, branch = repo_parts()
    colab = launch_link(name, "https://colab.research.google.com/")
    m = re.fullmatch(rf"https://colab\.research\.google\.com/github/{org}/{repo}/blob/{branch}/(.+\.ipynb)", colab)
    assert m, colab
    assert m.group(1) == f"notebooks/{name}.ipynb"
    assert (ROOT / m.group(1)).is_file()


@pytest.mark.parametrize("name", chapters())
def test_binder_opens_the_generated_notebook(name):
    org, repo, branch = repo_parts()
    url = urlparse(launch_link(name, "https://mybinder.org/"))
    assert url.path == f"/v2/gh/{org}/{repo}/{branch}"
    (urlpath,) = parse_qs(url.query)["urlpath"]
    assert urlpath.startswith("tree/")
    assert (ROOT / urlpath.removeprefix("tree/")).is_file()
    assert (ROOT / "binder" / "postBuild").is_file() and (ROOT / "binder" / "apt.txt").is_file()


@pytest.mark.parametrize("name", chapters())
def test_download_offers_the_executed_notebook(name):
    page = (HTML / f"{name}.html").read_text()
    downloads = [h for h in links(page) if h.endswith(".ipynb") and not h.startswith("http")]
    assert downloads, "no .ipynb download link"
    target = (HTML / downloads[0]).resolve()
    assert target.is_file()
    import nbformat

    nb = nbformat.read(target, as_version=4)
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "the download is not executed"
