"""labsupport's modules import each other without a circle, and never the site tooling.

Every import of a labsupport module counts, wherever it is in the file
(module level or inside a function), since a function-level import only hides
a circle until the function runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.toc import ROOT

PACKAGE = ROOT / "labsupport"


def module_names(package: Path) -> set[str]:
    """The package's modules by short name (``__init__`` for the package itself)."""
    return {path.stem for path in package.glob("*.py")}


def imported_modules(path: Path, package_name: str, modules: set[str]) -> set[str]:
    """The package's modules that one file imports, anywhere in it.

    ``from . import x``, ``from .x import y``, ``from package import x``,
    ``from package.x import y`` and ``import package.x`` all count as importing
    ``x``; importing a name that is not a module from the package itself
    counts as importing ``__init__``.
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package_name:
                    found.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or "").split(".")[0] != package_name:
                continue  # another package
            if node.level > 1:
                raise AssertionError(f"{path.name}: relative import above the package (level {node.level})")
            parts = (node.module or "").split(".")
            if node.level == 0:
                parts = parts[1:]  # drop the package name
            if parts and parts[0]:
                found.add(parts[0])  # from .x import y / from package.x import y
            else:  # from . import x / from package import x
                found.update(alias.name if alias.name in modules else "__init__" for alias in node.names)
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (self-imports left out)."""
    modules = module_names(package)
    graph = {}
    for path in package.glob("*.py"):
        graph[path.stem] = imported_modules(path, package.name, modules) - {path.stem}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports as ``[a, b, ..., a]``, or None when the graph has none."""
    state: dict[str, str] = {}  # "active" while on the current path, "done" after
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "active"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "active":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def assert_acyclic(package: Path) -> None:
    """Fail, naming the circle, when the package's modules import each other in one."""
    cycle = find_cycle(import_graph(package))
    assert cycle is None, f"{package.name} modules import each other in a circle: " + " -> ".join(cycle)


# --- the checks ------------------------------------------------------------


def test_labsupport_has_no_import_circle():
    assert_acyclic(PACKAGE)


def test_the_graph_sees_labsupports_real_imports():
    graph = import_graph(PACKAGE)
    assert set(graph) == module_names(PACKAGE)
    assert {"data", "models", "train"} <= graph["cache"]  # from . import data, models, train
    assert "profile" in graph["cache"]  # from .profile import SEED, Profile
    assert "hardware" in graph["profile"]  # inside get_profile: from .hardware import gpu_names
    assert graph["__init__"] == set()


def test_labsupport_never_imports_the_site_tooling():
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("tools", "coursebook")]
    assert offenders == [], "labsupport is installed without tools/: " + ", ".join(offenders)


# --- the checker can fail --------------------------------------------------


def test_a_circle_is_found_and_named():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None  # a diamond is no circle


@pytest.fixture
def fake_package(tmp_path):
    """A package whose modules import each other in a circle, one of them inside a function."""
    package = tmp_path / "fakepkg"
    package.mkdir()
    (package / "__init__.py").write_text('"""A fake package."""\n')
    (package / "alpha.py").write_text("from . import beta\n")
    (package / "beta.py").write_text("from .gamma import thing\nimport os\n")
    (package / "gamma.py").write_text(
        "import numpy\n\n\ndef thing():\n    import fakepkg.alpha\n    return fakepkg.alpha\n"
    )
    (package / "delta.py").write_text("from fakepkg import __doc__ as doc, gamma\nfrom fakepkg.beta import x\n")
    return package


def test_imports_of_every_form_are_collected(fake_package):
    graph = import_graph(fake_package)
    assert graph == {
        "__init__": set(),
        "alpha": {"beta"},
        "beta": {"gamma"},
        "gamma": {"alpha"},  # inside a function
        "delta": {"__init__", "gamma", "beta"},
    }


def test_a_circle_in_a_fake_package_fails_the_check(fake_package):
    with pytest.raises(AssertionError, match="fakepkg modules import each other in a circle: "
                       "alpha -> beta -> gamma -> alpha"):
        assert_acyclic(fake_package)
    (fake_package / "gamma.py").write_text("import numpy\n")  # the circle broken
    assert_acyclic(fake_package)
