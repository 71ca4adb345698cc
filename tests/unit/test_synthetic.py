"""labsupport.synthetic: synthetic digit photos."""

import numpy as np
import pytest
from PIL import Image

from labsupport import synthetic


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


def test_make_set_is_reproducible_from_its_seed():
    a, b = synthetic.make_set(1, seed=4), synthetic.make_set(1, seed=4)
    assert [label for label, _ in a] == list(range(10))
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for (_, x), (_, y) in zip(a, b))


def test_samples_read_from_folder_or_made(tmp_path):
    made = synthetic.sample_photos()
    assert [n for n, _, _ in made] == [f"{label}_{what}.png" for label, what, _ in synthetic.SAMPLES]
    assert [label for _, label, _ in made] == [label for label, _, _ in synthetic.SAMPLES]
    assert [n for n, _, _ in synthetic.sample_photos(tmp_path / "no-such-folder")] == [n for n, _, _ in made]
    # a folder that holds a sample: that file is read instead of made
    name = made[0][0]
    Image.new("RGB", (32, 32), (1, 2, 3)).save(tmp_path / name)
    from_disk = synthetic.sample_photos(tmp_path)
    assert from_disk[0][2].size == (32, 32) and from_disk[0][2].getpixel((0, 0)) == (1, 2, 3)
    assert from_disk[1][2].size == made[1][2].size == (480, 480)  # the others are still made
