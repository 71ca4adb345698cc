"""The book's table of contents and configuration, read in one place.

Used by the notebook generator, the Sphinx extension and the tests.
"""

from __future__ import annotations

from pathlib import Path

import yaml

#: The repository root.
ROOT = Path(__file__).resolve().parents[1]


def load_config(root: Path = ROOT) -> dict:
    """The book's ``_config.yml``."""
    return yaml.safe_load((root / "_config.yml").read_text())


def toc_files(root: Path = ROOT) -> list[str]:
    """Every page of the table of contents, root (the intro) first, without suffix."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def chapters(root: Path = ROOT) -> list[str]:
    """The chapters in order: every page but the intro (which is no notebook)."""
    return toc_files(root)[1:]


def book_dir(root: Path = ROOT, config: dict | None = None) -> Path:
    """The folder of the chapter sources (``repository.path_to_book``)."""
    config = config if config is not None else load_config(root)
    return root / config["repository"]["path_to_book"]
