"""The generated Colab/Binder notebooks (coursebook.notebooks)."""

import json
import os
from pathlib import Path

import nbformat
import pytest

from coursebook import notebooks
from layout import ROOT, chapter_files, config


def test_committed_notebooks_match_the_sources():
    drift = notebooks.generate(check=True)
    assert drift == [], f"out of date: {drift}; run python -m coursebook.notebooks"


def test_one_notebook_per_chapter():
    made = sorted(p.stem for p in (ROOT / notebooks.NOTEBOOK_DIR).glob("*.ipynb"))
    assert made == sorted(chapter_files())


def test_drift_is_detected(tmp_path):
    # a copy of the repository's sources with one chapter edited
    for name in ("_config.yml", "_toc.yml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "book").mkdir()
    for name in chapter_files():
        (tmp_path / "book" / f"{name}.md").write_text((ROOT / "book" / f"{name}.md").read_text())
    notebooks.generate(tmp_path)
    assert notebooks.generate(tmp_path, check=True) == []
    first = tmp_path / "book" / f"{chapter_files()[0]}.md"
    first.write_text(first.read_text() + "\n```{code-cell} ipython3\nprint('new')\n```\n")
    assert notebooks.generate(tmp_path, check=True) == [tmp_path / "notebooks" / f"{chapter_files()[0]}.ipynb"]


def test_setup_cell_installs_from_the_configured_repository_and_branch():
    cfg = config()
    for name in chapter_files():
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert nb.cells[0] is code[0] and "colab-setup" in code[0].metadata["tags"]
        src = code[0].source
        assert "import labsupport" in src and "except ImportError" in src
        url = f"git+{cfg['repository']['url']}.git@{cfg['repository']['branch']}"
        assert url in src
        assert all(not c.get("outputs") for c in code)


def test_gpu_is_requested_exactly_for_cnn_chapters():
    for name in chapter_files():
        meta = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())["metadata"]
        source = (ROOT / "book" / f"{name}.md").read_text()
        trains_cnn = "models.cnn()\n" in source or "models.augmented_cnn()" in source or \
            'get_model("cnn"' in source or "models.cnn())" in source
        assert (meta.get("accelerator") == "GPU") == trains_cnn, name


def have_mnist() -> bool:
    path = os.environ.get("MNIST_PATH")
    return bool(path and Path(path).is_file()) or (Path.home() / ".keras/datasets/mnist.npz").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not have_mnist(), reason="needs MNIST (set MNIST_PATH)")
def test_a_generated_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    """What a Colab user runs: a generated notebook, in a fresh kernel, quick profile."""
    import nbclient

    monkeypatch.setenv("LABSUPPORT_PROFILE", "quick")
    monkeypatch.setenv("LABSUPPORT_CACHE", str(tmp_path / "cache"))  # empty: trains what it needs
    nb = nbformat.read(ROOT / "notebooks" / "02_convolution.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "training it now" in printed  # the dense model came from an empty cache
    assert "shifted test images: accuracy" in printed
