"""assets/samples/ holds exactly what tools/make_sample_photos.py makes."""

import numpy as np
from PIL import Image

from labsupport import synthetic
from tools import make_sample_photos
from tools.toc import ROOT


def test_samples_dir_is_in_assets():
    assert make_sample_photos.SAMPLES_DIR == ROOT / "assets" / "samples"


def test_committed_samples_match_the_generator():
    """assets/samples/ is what tools/make_sample_photos.py makes (pixels, within JPEG noise)."""
    made = synthetic.sample_photos()  # generated in memory
    for name, label, image in made:
        path = make_sample_photos.SAMPLES_DIR / name
        assert path.is_file(), f"{path} missing: run python -m tools.make_sample_photos"
        committed = np.asarray(Image.open(path).convert("RGB"), dtype=float)
        assert committed.shape == np.asarray(image).shape
        assert np.abs(committed - np.asarray(image, dtype=float)).mean() < 1.0, name
    on_disk = sorted(p.name for p in make_sample_photos.SAMPLES_DIR.iterdir())
    assert on_disk == sorted(name for name, _, _ in made)


def test_samples_are_read_from_the_repository():
    from_disk = synthetic.sample_photos(make_sample_photos.SAMPLES_DIR)
    made = synthetic.sample_photos()
    assert [n for n, _, _ in from_disk] == [n for n, _, _ in made]


def test_write_samples_writes_the_committed_files(tmp_path):
    written = make_sample_photos.write_samples(tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(p.name for p in make_sample_photos.SAMPLES_DIR.iterdir())
    for path in written:
        fresh = np.asarray(Image.open(path).convert("RGB"), dtype=float)
        committed = np.asarray(Image.open(make_sample_photos.SAMPLES_DIR / path.name).convert("RGB"), dtype=float)
        assert np.abs(fresh - committed).mean() < 1.0, path.name


def test_write_set_names_files_by_label(tmp_path):
    written = make_sample_photos.write_set(tmp_path, per_digit=1, seed=3)
    assert [p.name for p in written] == [f"{label}_synthetic_{i:04d}.jpg" for i, label in enumerate(range(10))]
    assert all(Image.open(p).size == (480, 480) for p in written)


def test_write_set_makes_the_hard_set_too(tmp_path):
    written = make_sample_photos.write_set(tmp_path, per_digit=1, seed=3, hard=True)
    assert [p.name for p in written] == [f"{label}_hard_{i:04d}.jpg" for i, label in enumerate(range(10))]
    first = np.asarray(Image.open(written[0]).convert("RGB"), dtype=float)
    made = np.asarray(synthetic.make_hard_set(1, seed=3)[0][1], dtype=float)
    assert np.abs(first - made).mean() < 2.0  # the same photo, within JPEG noise
