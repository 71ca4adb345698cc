"""Synthetic photos, the own-digit figures, the upload widget and the benchmark script."""

import importlib.util

import numpy as np
import pytest
from PIL import Image

from labsupport import cache, digits, models, plots, synthetic, ui
from layout import ROOT


def test_synthetic_photos_are_reproducible_and_varied():
    a = synthetic.render_photo(3, np.random.default_rng(5), size=120)
    b = synthetic.render_photo(3, np.random.default_rng(5), size=120)
    c = synthetic.render_photo(3, np.random.default_rng(6), size=120)
    assert a.size == (120, 120) and a.mode == "RGB"
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))
    labels = [label for label, _ in synthetic.make_set(2, seed=1)]
    assert sorted(labels) == sorted(list(range(10)) * 2)
    with pytest.raises(ValueError, match="0-9"):
        synthetic.digit_strokes(12, np.random.default_rng(0))


def test_committed_samples_match_the_generator():
    """assets/samples/ is what assets/make_sample_photos.py makes (pixels, within JPEG noise)."""
    made = synthetic.sample_photos()  # generated in memory
    for name, label, image in made:
        path = ROOT / "assets" / "samples" / name
        assert path.is_file(), f"{path} missing: run python assets/make_sample_photos.py"
        committed = np.asarray(Image.open(path).convert("RGB"), dtype=float)
        assert committed.shape == np.asarray(image).shape
        assert np.abs(committed - np.asarray(image, dtype=float)).mean() < 1.0, name
    on_disk = sorted(p.name for p in (ROOT / "assets" / "samples").iterdir())
    assert on_disk == sorted(name for name, _, _ in made)


def test_samples_read_from_folder_or_made():
    from_disk = synthetic.sample_photos(ROOT / "assets" / "samples")
    made = synthetic.sample_photos(ROOT / "no-such-folder")
    assert [n for n, _, _ in from_disk] == [n for n, _, _ in made]


def test_pipeline_and_probability_figures():
    photo = synthetic.render_photo(2, np.random.default_rng(0), size=160)
    steps = digits.preprocess(photo)
    fig = plots.pipeline_steps(steps, old=digits.original_pipeline(photo), title="two")
    assert len(fig.axes) == 8 and "centred 28x28" in fig.alt_text()
    probs = {"dense": np.eye(10)[2], "cnn": np.eye(10)[[2]]}
    fig = plots.model_probabilities(probs, title="two")
    assert len(fig.axes) == 2 and "dense says 2 (100%)" in fig.alt_text()


def test_predict_scales_for_each_model():
    nets = {"dense": models.dense_net(8), "cnn": models.cnn()}
    d = np.zeros((3, 28, 28), np.uint8)
    out = digits.predict(nets, d)
    assert out["dense"].shape == (3, 10) and out["cnn"].shape == (3, 10)
    assert digits.model_inputs(nets["cnn"], d).min() == -1.0


def test_upload_widget_calls_back_with_the_file(monkeypatch):
    monkeypatch.setattr(ui, "in_colab", lambda: False)
    got = []
    box = ui.upload_photos(lambda name, data: got.append((name, data)))
    button = box.children[0]
    import datetime

    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    button.value = ({"name": "7.png", "type": "image/png", "size": 3, "content": memoryview(b"abc"),
                     "last_modified": when},)
    assert got == [("7.png", b"abc")]


@pytest.fixture
def tiny_models(monkeypatch):
    """Untrained small models instead of the cache: the script's plumbing, not accuracy."""
    built = {"dense": models.dense_net(8), "cnn": models.cnn(), "augmented_cnn": models.augmented_cnn()}
    monkeypatch.setattr(cache, "get_model", lambda name, profile: built[name])


def load_benchmark():
    spec = importlib.util.spec_from_file_location("own_digits", ROOT / "benchmarks" / "own_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_report(tmp_path, capsys, tiny_models):
    for i, (label, image) in enumerate(synthetic.make_set(1, seed=3)[:4]):
        image.save(tmp_path / f"{label}_photo{i}.jpg")
    (tmp_path / "9_not_an_image.png").write_bytes(b"not a png")
    assert load_benchmark().main([str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("5 images in")
    assert any(line.startswith("9_not_an_image.png") and "err" in line for line in out)
    assert any("could not read 9_not_an_image.png" in line for line in out)
    assert out[-3].startswith("old pipeline") and out[-2].startswith("new pipeline")
    assert out[-1].startswith("new-pipeline augmented-CNN accuracy: ")
    float(out[-1].rsplit(" ", 1)[1])


def test_benchmark_usage_errors(tmp_path, capsys):
    bench = load_benchmark()
    assert bench.main([]) == 2
    assert bench.main([str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().out


def test_drawing_pad_and_its_image(capsys):
    got = []
    pad = ui.drawing_pad(got.append, size=56)
    canvas, buttons, output = pad.children
    assert canvas.width == 56
    classify = buttons.children[0]
    classify.click()  # nothing drawn yet (no browser synced the canvas)
    rgba = np.zeros((56, 56, 4), np.uint8)
    rgba[10:46, 25:31, :3] = 255
    gray = ui.drawing_to_gray(rgba)
    assert gray.shape == (56, 56) and gray.max() == 255
    with pytest.raises(ValueError, match="expected an"):
        ui.drawing_to_gray(np.zeros((5, 5)))
    # a drawing goes through the photo pipeline (white on black is detected)
    assert digits.preprocess(gray).digit.max() == 255
