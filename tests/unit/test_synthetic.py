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


def test_hard_set_is_reproducible_and_has_its_troubles():
    a = synthetic.hard_photos(2, seed=3, size=96)
    b = synthetic.make_hard_set(2, seed=3, size=96)
    assert [label for label, _, _ in a] == [label for label, _ in b] == list(range(10)) * 2
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for (_, x, _), (_, y) in zip(a, b))
    assert all(photo.size == (96, 96) and photo.mode == "RGB" for _, photo, _ in a)
    c = synthetic.make_hard_set(2, seed=4, size=96)
    assert not np.array_equal(np.asarray(b[0][1]), np.asarray(c[0][1]))
    for label, _, style in a:
        named = synthetic.troubles(label, style)
        assert 2 <= len(named) <= 3 and set(named[:2]) <= set(synthetic.HARD_TROUBLES)
        assert not style["dark_paper"]


def test_troubles_name_the_other_shapes():
    assert synthetic.troubles(4, {"blur": 2.0, "variant": True}) == ["blur", "closed-top 4"]
    assert synthetic.troubles(1, {"fade": 0.5, "digit_size": 0.1, "variant": True}) == ["ballpoint", "small", "serif 1"]
    assert synthetic.troubles(3, {"breaks": 0.1, "variant": True}) == ["thin_broken"]  # a 3 has no other shape


def test_variants_change_the_strokes_of_1_4_and_7_only():
    for label in range(10):
        plain = synthetic.digit_strokes(label, np.random.default_rng(0))
        other = synthetic.digit_strokes(label, np.random.default_rng(0), variant=True)
        same = len(plain) == len(other) and all(np.array_equal(p, o) for p, o in zip(plain, other))
        assert same == (label not in synthetic.VARIANTS), label
    closed_four = synthetic.digit_strokes(4, np.random.default_rng(0), variant=True)
    assert len(closed_four) == 1  # one stroke: down, across, and the diagonal back to the top


def ink_pixels(photo: Image.Image, paper: tuple[int, int, int]) -> np.ndarray:
    a = np.asarray(photo, dtype=float)
    return np.abs(a - np.array(paper)).sum(axis=2) > 150


def test_breaks_and_fading_take_ink_away():
    style = dict(paper=(250, 250, 250), ink=(0, 0, 0), light=0.0, offset=(0, 0), digit_size=0.6, pen=0.05,
                 ruled=False, dark_paper=False, blur=0.5, quality=95)
    plain = ink_pixels(synthetic.render_photo(1, np.random.default_rng(2), size=160, **style), style["paper"]).sum()
    broken = ink_pixels(synthetic.render_photo(1, np.random.default_rng(2), size=160, breaks=0.3, **style),
                        style["paper"]).sum()
    faded = ink_pixels(synthetic.render_photo(1, np.random.default_rng(2), size=160, fade=0.9, **style),
                       style["paper"]).sum()
    assert broken < 0.9 * plain and faded < 0.9 * plain, (plain, broken, faded)
