"""The book's files are where Jupyter Book 1 and a newcomer expect them."""

import re

from tools.toc import ROOT, book_dir, chapters, load_config, toc_files

BOOK = book_dir()


def test_book_folder_links_to_the_root_config_and_toc():
    # `jupyter-book build book/` looks inside book/; the real files stay at the root
    for name in ("_config.yml", "_toc.yml"):
        link = BOOK / name
        assert link.is_symlink(), f"book/{name} should be a link to ../{name}"
        assert link.resolve() == (ROOT / name).resolve()


def test_the_book_folder_is_book():
    assert BOOK == ROOT / "book"


def test_chapters_are_the_toc_without_the_intro():
    assert toc_files()[0] == "intro" and chapters() == toc_files()[1:]
    assert chapters() == sorted(chapters())  # NN_name: the file order is the reading order


def test_every_toc_entry_has_a_source():
    for name in toc_files():
        assert (BOOK / f"{name}.md").is_file(), f"{name} is in _toc.yml but book/{name}.md is missing"


def test_every_chapter_source_is_in_the_toc():
    sources = {p.stem for p in BOOK.glob("*.md")}
    assert sources == set(toc_files())


def test_chapters_are_executable_myst_notebooks_using_labsupport():
    for name in chapters():
        text = (BOOK / f"{name}.md").read_text()
        assert "format_name: myst" in text and "```{code-cell}" in text, name
        assert "setup_chapter()" in text, f"{name} does not show the profile banner"


def test_build_fails_on_cell_errors():
    cfg = load_config()
    assert cfg["execute"]["execute_notebooks"] in ("force", "cache")
    assert cfg["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert cfg["execute"]["timeout"] >= 3600  # full-profile training cells are long


def test_stack_is_pinned_to_jupyter_book_1():
    reqs = (ROOT / "requirements.txt").read_text()
    pin = re.search(r"^jupyter-book==(\d+)\.", reqs, re.M)
    assert pin and pin.group(1) == "1"
    for package in ("tensorflow", "keras", "numpy", "scipy", "matplotlib", "seaborn",
                    "pillow", "ipywidgets", "pytest", "pydot"):
        assert re.search(rf"^{package}==\S+", reqs, re.M), f"{package} is not pinned"


def test_no_mnist_data_in_the_repository():
    big = [p for p in ROOT.rglob("*.npz") if ".venv" not in p.parts and "_build" not in p.parts]
    assert big == []


def test_every_site_test_module_is_skipped_without_a_build():
    """The README's test command runs before any build: each tests/site module must skip itself then."""
    import ast

    for path in sorted((ROOT / "tests" / "site").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
        names |= {a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom) for a in node.names}
        assert "pytestmark" in names, f"{path.name} has no pytestmark (skipif REQUIRE_BUILD != '1')"
