"""labsupport.styles: writing styles MNIST lacks, drawn onto its digits for training."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from labsupport import cache, models, styles
from labsupport.profile import get_profile


def _digit(lines, width=3) -> np.ndarray:
    """A 28x28 uint8 digit (ink 255) drawn as straight strokes in a 20x20 box, MNIST-like."""
    image = Image.new("L", (28, 28), 0)
    pen = ImageDraw.Draw(image)
    for line in lines:
        pen.line([(4 + 20 * x, 4 + 20 * y) for x, y in line], fill=255, width=width)
    return np.asarray(image, np.uint8)


BARE_ONE = _digit([[(0.5, 0.0), (0.5, 1.0)]])
SEVEN = _digit([[(0.1, 0.0), (0.9, 0.0), (0.4, 1.0)]])


def _ink_columns(image: np.ndarray, rows: slice) -> int:
    return int((image[rows] > 100).any(axis=0).sum())


def _flag_pixels(styled: np.ndarray, digit: np.ndarray) -> int:
    """Pixels the style inked near the digit's top (where a flag goes) that the digit did not have."""
    rows = np.flatnonzero((digit > 100).any(axis=1))
    top = slice(max(0, rows[0] - 2), rows[0] + 6)
    return int((styled[top].astype(int) - digit[top] > 60).sum())


def test_a_bare_one_gets_a_flag_and_mostly_a_base():
    rng = np.random.default_rng(0)
    results = [styles.flag_and_base(BARE_ONE, rng) for _ in range(20)]
    for r in results:
        assert r.shape == (28, 28) and r.dtype == np.uint8
        assert _flag_pixels(r, BARE_ONE) >= 2  # the flag: ink left of the stem near the top
    with_base = [r for r in results if _ink_columns(r, slice(np.flatnonzero((r > 100).any(axis=1))[-1] - 1, None)) >= 6]
    assert 8 <= len(with_base) <= 19  # three in four, by chance


def test_a_flag_of_a_given_length_and_angle():
    """length, turn and base fix the flag instead of drawing them: the same flag whatever the generator."""
    def flagged(length, turn, seed=0):
        return styles.flag_and_base(BARE_ONE, np.random.default_rng(seed), length=length, turn=turn, base=False)

    assert np.array_equal(flagged(0.3, 45), flagged(0.3, 45, seed=7))
    short, long = flagged(0.15, 45), flagged(0.45, 45)
    assert (long.astype(int) - BARE_ONE > 60).sum() > 2 * (short.astype(int) - BARE_ONE > 60).sum()
    # a flag further from the stem reaches further left, less far down
    steep, flat = (np.argwhere(flagged(0.45, t).astype(int) - BARE_ONE > 60) for t in (30, 60))
    assert flat[:, 1].min() < steep[:, 1].min() and flat[:, 0].max() < steep[:, 0].max()
    # no base: the last rows are as narrow as the stem's
    bottom = np.flatnonzero((long > 100).any(axis=1))[-1]
    assert _ink_columns(long, slice(bottom - 1, None)) <= 4


def test_the_random_flag_is_the_fixed_flag_of_the_numbers_it_draws():
    """Without length, turn and base, flag_and_base draws them in that order and nothing else changes."""
    for seed in range(5):
        rng, twin = np.random.default_rng(seed), np.random.default_rng(seed)
        turn, length, base = twin.uniform(*styles.FLAG_ANGLES), twin.uniform(*styles.FLAG_LENGTHS), twin.random() < 0.75
        drawn = styles.flag_and_base(BARE_ONE, rng)
        twin_after = np.random.default_rng(seed)
        twin_after.uniform(*styles.FLAG_ANGLES), twin_after.uniform(*styles.FLAG_LENGTHS), twin_after.random()
        fixed = styles.flag_and_base(BARE_ONE, twin_after, length=length, turn=turn, base=base)
        assert np.array_equal(drawn, fixed), seed
        assert rng.random() == twin_after.random()  # and the generators are in the same state after


def test_a_one_that_has_a_base_gets_no_second_one():
    based = _digit([[(0.5, 0.0), (0.5, 1.0)], [(0.2, 1.0), (0.8, 1.0)]])
    rng = np.random.default_rng(1)
    for _ in range(10):
        r = styles.flag_and_base(based, rng)
        rows = np.flatnonzero((r > 100).any(axis=1))
        # one base: below the stem's middle, only the last few rows are wide
        wide = [y for y in range(rows[0] + 8, rows[-1] + 1) if _ink_columns(r, slice(y, y + 1)) >= 6]
        assert len(wide) <= 5


def test_a_seven_gets_a_bar_across_its_stem():
    rng = np.random.default_rng(2)
    for _ in range(10):
        r = styles.crossed_seven(SEVEN, rng)
        rows = np.flatnonzero((r > 100).any(axis=1))
        top, bottom = rows[0], rows[-1]
        middle = range(top + (bottom - top) // 3, top + 3 * (bottom - top) // 4)
        # somewhere in the middle a row is much wider than the diagonal stem
        assert max(_ink_columns(r, slice(y, y + 1)) for y in middle) >= 6
    assert _ink_columns(SEVEN, slice(14, 15)) <= 4  # the bar is what made those rows wide


def test_styles_add_strokes_and_keep_the_digits_own_pixels():
    rng = np.random.default_rng(3)
    for style, digit in ((styles.crossed_seven, SEVEN), (styles.flag_and_base, BARE_ONE)):
        r = style(digit, rng)
        assert (r >= digit).all()  # nothing of the digit is lost, moved or dimmed
        assert (r > digit).sum() >= 8  # a stroke was added


def test_an_empty_image_is_returned_as_it_is():
    empty = np.zeros((28, 28), np.uint8)
    assert styles.flag_and_base(empty, np.random.default_rng(0)) is empty
    assert styles.crossed_seven(empty, np.random.default_rng(0)) is empty


def _ones_sevens_and_twos() -> tuple[np.ndarray, np.ndarray]:
    """40 each of a bare 1, a 7 and a Z-shaped 2, with their labels."""
    images = np.stack([BARE_ONE, SEVEN, _digit([[(0.2, 0.2), (0.8, 0.2), (0.2, 1.0), (0.8, 1.0)]])] * 40)
    return images, np.array([1, 7, 2] * 40)


def test_restyle_changes_a_share_of_the_ones_and_sevens_only():
    images, labels = _ones_sevens_and_twos()
    before = images.copy()
    out, out_labels = styles.restyle(images, labels, np.random.default_rng(4), share=0.5)
    assert np.array_equal(images, before)  # the input is left alone
    assert out_labels is labels
    changed = (out != images).any(axis=(1, 2))
    assert not changed[labels == 2].any()
    for digit in (1, 7):
        assert 10 <= changed[labels == digit].sum() <= 30
    same, _ = styles.restyle(images, labels, np.random.default_rng(4), share=0.5)
    assert np.array_equal(same, out)  # seeded
    none, _ = styles.restyle(images, labels, np.random.default_rng(4), share=0.0)
    assert np.array_equal(none, images)
    with pytest.raises(ValueError, match="share"):
        styles.restyle(images, labels, np.random.default_rng(4), share=1.5)


def test_styled_copies_are_the_restyled_ones_and_sevens_only():
    images, labels = _ones_sevens_and_twos()
    before = images.copy()
    copies, copy_labels = styles.styled_copies(images, labels, np.random.default_rng(4), share=0.5)
    assert np.array_equal(images, before)  # the originals are left alone
    restyled, _ = styles.restyle(images, labels, np.random.default_rng(4), share=0.5)
    changed = (restyled != images).any(axis=(1, 2))
    assert np.array_equal(copies, restyled[changed]) and np.array_equal(copy_labels, labels[changed])
    assert set(copy_labels) == {1, 7} and 20 <= len(copies) <= 60
    none, none_labels = styles.styled_copies(images, labels, np.random.default_rng(4), share=0.0)
    assert none.shape == (0, 28, 28) and none_labels.shape == (0,)


def test_only_styled_models_have_styles_in_their_cache_key(monkeypatch):
    profile = get_profile("quick")
    assert models.spec("augmented_cnn").styled and not models.spec("cnn").styled
    before = {name: cache.model_key(name, profile) for name in ("cnn", "augmented_cnn")}
    monkeypatch.setattr(styles, "SHARE", styles.SHARE / 2)
    assert cache.model_key("cnn", profile) == before["cnn"]
    assert cache.model_key("augmented_cnn", profile) != before["augmented_cnn"]


def test_a_slanted_one_gets_a_flag_that_leaves_its_stroke():
    slanted = _digit([[(0.75, 0.0), (0.25, 1.0)]])  # "/": top right, foot left
    rng = np.random.default_rng(5)
    for _ in range(10):
        r = styles.flag_and_base(slanted, rng)
        assert _flag_pixels(r, slanted) >= 2
        # and a slanted 1 gets no base: with the flag it would read as a Z or a 2
        assert _ink_columns(r, slice(22, 25)) <= _ink_columns(slanted, slice(22, 25)) + 1
