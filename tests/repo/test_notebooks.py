"""The generated Colab/Binder notebooks (tools.notebooks)."""

import dataclasses
import json
import os
from pathlib import Path

import nbformat
import pytest

from labsupport import models
from tools import notebooks
from tools.toc import ROOT, book_dir, chapters, load_config

#: Chapters that train or use a model whose registry entry wants a GPU, and those that do not.
GPU_CHAPTERS = ["03_cnn", "04_saving_models", "05_augmentation", "06_your_digit", "07_cpu_vs_gpu"]
CPU_CHAPTERS = ["01_dense_networks", "02_convolution"]


def test_committed_notebooks_match_the_sources():
    drift = notebooks.generate(check=True)
    assert drift == [], f"out of date: {drift}; run python -m tools.notebooks"


def test_one_notebook_per_chapter():
    made = sorted(p.stem for p in (ROOT / notebooks.NOTEBOOK_DIR).glob("*.ipynb"))
    assert made == sorted(chapters())


def test_drift_is_detected(tmp_path):
    # a copy of the repository's sources with one chapter edited
    for name in ("_config.yml", "_toc.yml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "book").mkdir()
    for name in chapters():
        (tmp_path / "book" / f"{name}.md").write_text((ROOT / "book" / f"{name}.md").read_text())
    notebooks.generate(tmp_path)
    assert notebooks.generate(tmp_path, check=True) == []
    first = tmp_path / "book" / f"{chapters()[0]}.md"
    first.write_text(first.read_text() + "\n```{code-cell} ipython3\nprint('new')\n```\n")
    assert notebooks.generate(tmp_path, check=True) == [tmp_path / "notebooks" / f"{chapters()[0]}.ipynb"]


def test_setup_cell_installs_from_the_configured_repository_and_branch():
    cfg = load_config()
    for name in chapters():
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert nb.cells[0] is code[0] and "colab-setup" in code[0].metadata["tags"]
        src = code[0].source
        assert "import labsupport" in src and "except ImportError" in src
        url = f"git+{cfg['repository']['url']}.git@{cfg['repository']['branch']}"
        assert url in src
        assert all(not c.get("outputs") for c in code)
        # Colab fetches the trained networks from the site named in _config.yml
        site = cfg["html"]["baseurl"].rstrip("/") + "/"
        assert f'os.environ.setdefault("LABSUPPORT_SITE_URL", "{site}")' in src


def test_every_chapter_has_a_gpu_expectation():
    assert sorted(GPU_CHAPTERS + CPU_CHAPTERS) == chapters()


@pytest.mark.parametrize("name, wants_gpu", [(n, True) for n in GPU_CHAPTERS] + [(n, False) for n in CPU_CHAPTERS])
def test_gpu_is_requested_for_chapters_using_a_gpu_model(name, wants_gpu):
    """From the chapter source (via the registry) and in the committed notebook."""
    made = notebooks.make_notebook(book_dir() / f"{name}.md", load_config())
    assert notebooks.needs_gpu(made) is wants_gpu, (name, sorted(notebooks.models_used(made)))
    meta = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())["metadata"]
    assert (meta.get("accelerator") == "GPU") is wants_gpu, name
    assert (meta["colab"].get("gpuType") == "T4") is wants_gpu, name


def code_notebook(*sources):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_models_used_are_the_registry_keys_named_in_code():
    nb = code_notebook(
        "%matplotlib inline\n!pip list\nmodel = models.build('cnn')",
        'net = cache.get_model("dense", profile)\nprint("augmented_cnn")',
    )
    nb.cells.append(nbformat.v4.new_markdown_cell('models.build("cnn") in prose does not count'))
    assert notebooks.models_used(nb) == {"cnn", "dense", "augmented_cnn"}
    assert notebooks.models_used(code_notebook("x = 'not a model'\nname = 'cnn_small'")) == set()


def test_get_models_uses_every_registered_model():
    assert notebooks.models_used(code_notebook("nets = cache.get_models(profile)")) == set(models.MODELS)


def test_needs_gpu_follows_the_registry(monkeypatch):
    nb = code_notebook('cache.get_model("dense", profile)')
    assert notebooks.needs_gpu(nb) is False
    spec = models.ModelSpec("big", models.cnn, inputs="image", epochs={"quick": 1}, wants_gpu=True)
    monkeypatch.setitem(models.MODELS, "big", spec)
    assert notebooks.needs_gpu(code_notebook('train.train_named("big", profile)')) is True
    monkeypatch.setitem(models.MODELS, "dense", dataclasses.replace(models.spec("dense"), wants_gpu=True))
    assert notebooks.needs_gpu(nb) is True


def have_mnist() -> bool:
    path = os.environ.get("MNIST_PATH")
    return bool(path and Path(path).is_file()) or (Path.home() / ".keras/datasets/mnist.npz").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not have_mnist(), reason="needs MNIST (set MNIST_PATH)")
def test_a_generated_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    """What a Colab user runs: a generated notebook, in a fresh kernel, quick profile."""
    import nbclient

    monkeypatch.setenv("LABSUPPORT_PROFILE", "quick")
    monkeypatch.setenv("LABSUPPORT_SITE_URL", "")  # no course site: nothing to fetch
    printed = run_chapter_notebook("02_convolution", tmp_path, tmp_path / "cache", monkeypatch)  # empty
    assert "training it now" in printed  # the dense model came from an empty cache
    assert "shifted test images: accuracy" in printed


def run_chapter_notebook(chapter: str, workdir: Path, model_cache: Path, monkeypatch) -> str:
    """Execute a generated notebook in a fresh kernel; returns everything it printed."""
    import nbclient

    monkeypatch.setenv("LABSUPPORT_CACHE", str(model_cache))  # the kernel inherits the environment
    nb = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.slow
@pytest.mark.skipif(not have_mnist(), reason="needs MNIST (set MNIST_PATH)")
def test_a_generated_notebook_fetches_the_sites_network_instead_of_training(tmp_path, monkeypatch):
    """Colab with an empty model cache: the network comes from the course site, verified; a
    corrupted file there is refused and the network is trained instead."""
    from labsupport import cache, data, published, train
    from labsupport.profile import get_profile

    from fakes import serve

    monkeypatch.setenv("LABSUPPORT_PROFILE", "quick")
    profile, mnist = get_profile("quick"), data.load_mnist()
    build_cache, site = tmp_path / "build-cache", tmp_path / "site"
    model, history = train.train_named("dense", profile, mnist)  # what the site's build trained
    cache.save(model, "dense", profile, history, build_cache)
    published.export(cache.published_entries(profile, mnist, build_cache), site)
    with serve(site) as url:
        monkeypatch.setenv("LABSUPPORT_SITE_URL", url)
        printed = run_chapter_notebook("02_convolution", tmp_path, tmp_path / "reader-1", monkeypatch)
        assert "downloaded the trained 'dense' model (quick profile)" in printed
        assert "sha256 verified" in printed and "training it now" not in printed
        (file,) = (site / "models").glob("dense-*.keras")
        file.write_bytes(file.read_bytes()[:-1] + b"!")  # one byte changed
        printed = run_chapter_notebook("02_convolution", tmp_path, tmp_path / "reader-2", monkeypatch)
        assert "checksum mismatch" in printed and "training it now" in printed


def test_live_parts_of_the_site_become_a_pointer_in_the_notebook():
    from tools.notebooks import without_live_blocks

    markdown = (
        "Before.\n\n```{raw} html\n<div class=\"live-app\" data-live-app=\"layers\">\n<noscript>x</noscript>\n</div>\n```\n\n"
        "After.\n\n```{raw} html\n<p>not live</p>\n```\n"
    )
    out = without_live_blocks(markdown, "https://example.org/03_cnn.html")
    assert "data-live-app" not in out and "[course site](https://example.org/03_cnn.html)" in out
    assert out.startswith("Before.") and "After." in out and "<p>not live</p>" in out
