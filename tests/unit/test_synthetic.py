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


def test_tight_shapes_have_small_loops_for_0_4_6_8_and_9_only():
    def same(a, b):
        return len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))

    for label in range(10):
        plain = synthetic.digit_strokes(label, np.random.default_rng(0))
        tight = synthetic.digit_strokes(label, np.random.default_rng(0), tight=True)
        assert same(plain, tight) == (label not in synthetic.TIGHT_LOOPS), label
    # a 4 both tight and in its other shape is the tight one
    both = synthetic.digit_strokes(4, np.random.default_rng(0), tight=True, variant=True)
    assert same(both, synthetic.digit_strokes(4, np.random.default_rng(0), tight=True))
    for label in synthetic.TIGHT_LOOPS:  # the loop, before slant and wobble: at most 0.25 of the digit across
        loop = np.array(synthetic.TIGHT_LOOPS[label][0][1])
        if label == 4:  # the triangle between the stem, the diagonal and the bar
            assert loop[3, 0] - loop[2, 0] > 0.4 and loop[1, 0] - loop[2, 0] < 0.2
        elif label == 8:  # the head
            assert np.ptp(loop[:13, 0]) <= 0.25
        else:
            assert np.ptp(loop[:, 0]) <= 0.25 if label == 0 else np.ptp(loop[-8:, 0]) <= 0.25


def test_thin_loops_photos_draw_the_tight_shapes():
    style = dict(light=0.0, offset=(0, 0), digit_size=0.5, pen=0.012, ruled=False, dark_paper=False, blur=0.5,
                 paper=(250, 250, 250), ink=(0, 0, 0), quality=95)
    plain = synthetic.render_photo(0, np.random.default_rng(1), size=200, **style)
    tight = synthetic.render_photo(0, np.random.default_rng(1), size=200, thin_loops=True, **style)
    # columns with more ink than a speck of dirt has
    width = [np.ptp(np.nonzero(ink_pixels(p, style["paper"]).sum(axis=0) > 10)[0]) for p in (plain, tight)]
    assert width[1] < 0.5 * width[0]  # a slim 0


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


def ink_box(photo: Image.Image, smallest: int = 40) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the dark ink, leaving out specks of dirt (blobs under ``smallest`` pixels)."""
    from scipy import ndimage

    ink = np.asarray(photo.convert("L"), dtype=float) < 140
    labels, n = ndimage.label(ink)
    sizes = ndimage.sum(ink, labels, index=np.arange(1, n + 1))
    digit = np.isin(labels, 1 + np.flatnonzero(sizes >= smallest))
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]


def test_digits_stay_inside_the_frame():
    """Over many seeds, offsets and sizes, no part of the digit is pushed out of the photo (issue 18, item 6)."""
    size, margin = 200, 0.02 * 200
    plain = dict(paper=(250, 250, 250), ink=(0, 0, 0), light=0.0, dark_paper=False, ruled=False, blur=0.3,
                 quality=95)
    cases = [dict() for _ in range(60)]  # the random offsets and sizes of make_set
    cases += [dict(offset=(dx, dy), digit_size=0.65) for dx in (-0.45, 0.45) for dy in (-0.45, 0.45)]
    cases += [dict(offset=(0.3, -0.3), digit_size=1.2, pen=0.09)]  # too large: shrunk to fit
    cases += [dict(variant=True, offset=(0.25, -0.25), digit_size=0.6)]
    for seed, extra in enumerate(cases):
        label = seed % 10 if "variant" not in extra else 7
        photo = synthetic.render_photo(label, np.random.default_rng(seed), size=size, **plain, **extra)
        top, bottom, left, right = ink_box(photo)
        assert min(top, left) >= margin and max(bottom, right) <= size - 1 - margin, (seed, label, extra)
        assert max(bottom - top, right - left) > 0.2 * size, (seed, label, extra)  # the digit was found


def test_place_in_frame_moves_the_digit_back_in_and_keeps_one_that_fits():
    strokes = synthetic.digit_strokes(7, np.random.default_rng(0))
    size, m = 300.0, synthetic.FRAME_MARGIN
    (x, y), h = synthetic.place_in_frame(strokes, (150.0, 150.0), 120.0, 0.05, size)
    assert (x, y, h) == (150.0, 150.0, 120.0)  # in the middle: left alone
    (x, y), h = synthetic.place_in_frame(strokes, (10.0, 290.0), 180.0, 0.05, size)
    points = np.vstack(strokes)
    assert h == 180.0
    assert x + (points[:, 0].min() - 0.5) * h >= m * size and y + (points[:, 1].max() - 0.5) * h <= (1 - m) * size
    _, h = synthetic.place_in_frame(strokes, (150.0, 150.0), 600.0, 0.05, size)  # too large: shrunk
    extent = (points.max(axis=0) - points.min(axis=0)).max() + 0.05
    assert h < 600.0 and extent * h <= (1 - 2 * m) * size
