"""What is installed: labsupport only; and the module lists people read stay complete."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata

import pytest

from tools.toc import ROOT

PACKAGE = ROOT / "labsupport"


def modules() -> list[str]:
    """labsupport's modules: every ``labsupport/*.py`` but ``__init__``."""
    return sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_pyproject_ships_labsupport_only():
    config = pyproject()
    assert config["project"]["name"] == "labsupport"
    assert config["tool"]["setuptools"]["packages"] == ["labsupport"]


def test_build_backend_is_setuptools_77_or_newer():
    # `license = "MIT"` (an SPDX expression) needs setuptools 77
    config = pyproject()
    assert config["build-system"]["build-backend"] == "setuptools.build_meta"
    assert "setuptools>=77" in config["build-system"]["requires"]


def setuptools_version() -> tuple[int, ...]:
    try:
        version = metadata.version("setuptools")
    except metadata.PackageNotFoundError:
        return ()
    return tuple(int(part) for part in re.findall(r"\d+", version)[:2])


def test_the_wheel_holds_labsupport_only(tmp_path):
    if setuptools_version() < (77,):
        pytest.skip(f"needs setuptools>=77 in this environment to build without isolation "
                    f"(found {'.'.join(map(str, setuptools_version())) or 'none'})")
    # a copy of what the build sees, tools/ included: it must stay out of the wheel
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("labsupport", "tools"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    dist = tmp_path / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = dist.glob("labsupport-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/")[0] for name in names}
    dist_info = {t for t in top if t.endswith(".dist-info")}
    assert len(dist_info) == 1 and top - dist_info == {"labsupport"}, sorted(top)
    assert {f"labsupport/{m}.py" for m in modules()} <= set(names)


def section(text: str, heading: str) -> str:
    """The text under a ``## heading`` of a Markdown file, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def test_readme_layout_names_every_module():
    """Each labsupport/*.py (but __init__) is named, as ``name.py``, in the README's Layout section."""
    layout = section((ROOT / "README.md").read_text(), "Layout")
    missing = [m for m in modules() if not re.search(rf"\b{re.escape(m)}\.py\b", layout)]
    assert missing == [], f"README's Layout section does not name labsupport module(s) {missing}"


def test_readme_profile_table_gives_the_registrys_epoch_budgets():
    """The README's table of profiles says each model's epoch budget as labsupport.models has it."""
    from labsupport import models

    table = section((ROOT / "README.md").read_text(), "Profiles: how long the build trains")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \|([^|]*)\|", table, re.M)}
    epochs = {name: models.spec(name).epochs for name in ("dense", "cnn", "augmented_cnn")}
    assert f"dense net up to {epochs['dense']['full']} epochs" in rows["full"]
    assert f"CNN {epochs['cnn']['full']} epochs" in rows["full"]
    assert f"augmented CNN up to {epochs['augmented_cnn']['full']}" in rows["full"]
    assert f"dense net up to {epochs['dense']['quick']}" in rows["quick"]
    assert epochs["cnn"]["quick"] == epochs["augmented_cnn"]["quick"]
    assert f"CNNs {epochs['cnn']['quick']})" in rows["quick"]


def test_package_docstring_lists_every_module():
    doc = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text()))
    listed = re.search(r"^Modules\n-+\n(.*)", doc, re.M | re.S)
    assert listed, "labsupport/__init__.py's docstring has no 'Modules' list"
    names = [line.split()[0] for line in listed.group(1).splitlines() if line.strip() and not line[0].isspace()]
    assert sorted(names) == modules(), "the docstring's module list and labsupport/*.py differ"
    assert len(names) == len(set(names))
