"""The course's Sphinx extension (coursebook.sphinxext)."""

import pytest
from sphinx.builders.html._assets import _JavaScript

from coursebook import sphinxext


def test_launch_url_rewrite():
    url = "https://colab.research.google.com/github/o/r/blob/main/book/03_cnn.md"
    assert sphinxext.rewrite_url(url, "book/03_cnn.md", "notebooks/03_cnn.ipynb") == \
        "https://colab.research.google.com/github/o/r/blob/main/notebooks/03_cnn.ipynb"
    with pytest.raises(ValueError, match="does not name"):
        sphinxext.rewrite_url(url, "book/01_dense_networks.md", "x")


def test_duplicate_inline_scripts_are_dropped():
    scripts = [
        _JavaScript("_static/a.js"),
        _JavaScript(None, body="const X = 1"),
        _JavaScript("", body="const X = 1"),  # the same script registered again
        _JavaScript(None, body="const Y = 2"),
        _JavaScript("_static/a.js"),
    ]
    context = {"script_files": list(scripts)}
    sphinxext.drop_duplicate_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] == [scripts[0], scripts[1], scripts[3]]
