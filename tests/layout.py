"""Facts about the repository layout shared by the tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"


def toc_files() -> list[str]:
    """Every page of the table of contents (root first), as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def chapter_files() -> list[str]:
    """The chapters (every page but the intro)."""
    return toc_files()[1:]


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())
