"""Generate the Colab/Binder notebooks from the chapters' MyST sources.

Colab cannot open a MyST ``.md`` file, so every chapter also exists as a plain
``.ipynb`` in ``notebooks/``, committed to the repository:

- the same cells as the chapter, without outputs;
- a first cell that installs ``labsupport`` (from the repository and
  branch in ``_config.yml``) only when it is not importable, i.e. in Colab;
- Colab metadata asking for a GPU for chapters that use a model whose entry
  in :data:`labsupport.models.MODELS` says it wants one.

Run ``python -m tools.notebooks`` after editing a chapter;
``python -m tools.notebooks --check`` (and the test suite) fails when a
committed notebook differs from what the sources give.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import jupytext
import nbformat

from tools.toc import ROOT, book_dir, chapters, load_config

#: Folder of the generated notebooks, relative to the repository root.
NOTEBOOK_DIR = "notebooks"

#: Calls that use every registered model (no name in the code).
_ALL_MODELS_CALLS = {"get_models"}


def install_url(config: dict) -> str:
    """The pip requirement that installs labsupport from the book's repository and branch."""
    repo = config["repository"]
    return f"labsupport @ git+{repo['url'].rstrip('/')}.git@{repo.get('branch', 'main')}"


def site_url(config: dict) -> str:
    """The published site's address (``html.baseurl``), ending in ``/``."""
    url = str(config["html"]["baseurl"]).strip()
    return url if url.endswith("/") else url + "/"


def setup_cell_source(config: dict) -> str:
    """Code of the first cell of every generated notebook."""
    return f'''# Setup for Colab and Binder: install the course library if it is missing, and
# fetch trained networks from the course site instead of training them again.
import os

os.environ.setdefault("LABSUPPORT_SITE_URL", "{site_url(config)}")
try:
    import labsupport
except ImportError:
    import subprocess
    import sys

    subprocess.check_call(
        [sys.executable, "-m", "pip", "install", "-q", "{install_url(config)}"]
    )'''


def models_used(notebook: nbformat.NotebookNode) -> set[str]:
    """The registered models a chapter's code names.

    Chapters name models by their registry key (``models.build("cnn")``,
    ``cache.get_model("cnn", profile)``, ``train.train_named("cnn", ...)``):
    every string constant in the code that is a key of
    :data:`labsupport.models.MODELS` counts, and a call of
    ``cache.get_models`` counts as all of them.
    """
    from labsupport.models import MODELS

    used: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in MODELS:
                used.add(node.value)
            elif isinstance(node, ast.Attribute) and node.attr in _ALL_MODELS_CALLS:
                used.update(MODELS)
    return used


def needs_gpu(notebook: nbformat.NotebookNode) -> bool:
    """Whether a chapter uses a model that wants a GPU (Colab then asks for a GPU runtime)."""
    from labsupport.models import MODELS

    return any(MODELS[name].wants_gpu for name in models_used(notebook))


#: A raw HTML block that holds a live part of the site (see tools/sphinxext.py).
LIVE_BLOCK = re.compile(r"```\{raw\} html\n(?=[^`]*data-live-app)[^`]*?```", re.S)


def without_live_blocks(markdown: str, page_url: str) -> str:
    """Markdown with each live part of the site replaced by a pointer to it.

    The live parts run in the site's pages (JavaScript); a notebook shows
    the raw HTML as text, so it says where the live version is instead.
    """
    note = (f"*On the [course site]({page_url}) this place holds a live version that runs in the browser; "
            "in this notebook, the Python cells below do the same.*")
    return LIVE_BLOCK.sub(note, markdown)


def make_notebook(source: Path, config: dict) -> nbformat.NotebookNode:
    """The Colab/Binder notebook of one chapter.

    Parameters
    ----------
    source : Path
        The chapter's MyST markdown file.
    config : dict
        The book's configuration (for the repository URL and branch).

    Returns
    -------
    nbformat.NotebookNode
    """
    nb = jupytext.read(source, fmt="md:myst")
    setup = nbformat.v4.new_code_cell(setup_cell_source(config), metadata={"tags": ["colab-setup"]})
    cells = [setup] + nb.cells  # first of all: run it before anything else
    page_url = site_url(config) + source.stem + ".html"
    for cell in cells:
        if cell.cell_type == "markdown":
            cell.source = without_live_blocks(cell.source, page_url)
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:03d}"  # stable ids: no drift between runs
        if cell.cell_type == "code":
            cell["outputs"], cell["execution_count"] = [], None
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"name": source.with_suffix(".ipynb").name, "provenance": [], "toc_visible": True},
    }
    if needs_gpu(nb):
        metadata["accelerator"] = "GPU"
        metadata["colab"]["gpuType"] = "T4"
    out = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    out.nbformat, out.nbformat_minor = 4, 5
    nbformat.validate(out)
    return out


def render(notebook: nbformat.NotebookNode) -> str:
    """The notebook as the text written to disk."""
    return nbformat.writes(notebook) + "\n"


def generate(root: Path = ROOT, check: bool = False) -> list[Path]:
    """Write (or, with ``check``, compare) every chapter's notebook.

    Returns
    -------
    list of Path
        With ``check``: the notebooks that are missing or out of date.
        Otherwise: the notebooks written.
    """
    config = load_config(root)
    out_dir = root / NOTEBOOK_DIR
    touched = []
    expected = set()
    for name in chapters(root):
        target = out_dir / f"{name}.ipynb"
        expected.add(target.name)
        text = render(make_notebook(book_dir(root, config) / f"{name}.md", config))
        if check:
            if not target.is_file() or target.read_text() != text:
                touched.append(target)
        else:
            out_dir.mkdir(exist_ok=True)
            target.write_text(text)
            touched.append(target)
    stale = [p for p in out_dir.glob("*.ipynb") if p.name not in expected] if out_dir.is_dir() else []
    if check:
        touched += stale
    else:
        for path in stale:
            path.unlink()
    return touched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed notebook is out of date")
    args = parser.parse_args(argv)
    paths = generate(check=args.check)
    if args.check:
        for path in paths:
            print(f"out of date: {path.relative_to(ROOT)}  (run: python -m tools.notebooks)")
        return 1 if paths else 0
    for path in paths:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
