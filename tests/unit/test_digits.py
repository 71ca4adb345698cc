"""labsupport.digits: the photo-to-MNIST pipeline and its handling of bad input."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from labsupport import digits, synthetic


def png_bytes(image: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def drawn_digit(size=200, dark_ink=True, offset=(0, 0)) -> np.ndarray:
    """A clean '1'-like bar on paper, as a grayscale array in [0, 1]."""
    paper, ink = (1.0, 0.1) if dark_ink else (0.1, 0.95)
    a = np.full((size, size), paper, np.float32)
    r0, c0 = size // 4 + offset[0], size // 2 - 6 + offset[1]
    a[r0 : r0 + size // 2, c0 : c0 + 12] = ink
    return a


def to_image(a: np.ndarray) -> Image.Image:
    return Image.fromarray(np.round(a * 255).astype(np.uint8))


@pytest.fixture
def photo():
    return synthetic.render_photo(7, np.random.default_rng(0), size=240, offset=(0.15, -0.1))


# --- every step -----------------------------------------------------------


def test_open_image_from_path_bytes_and_pil(tmp_path, photo):
    path = tmp_path / "p.png"
    photo.save(path)
    for source in (path, str(path), path.read_bytes(), photo):
        assert digits.open_image(source).size == (240, 240)


def test_open_image_from_an_array():
    gray = np.full((30, 40), 200, np.uint8)
    assert digits.open_image(gray).size == (40, 30)
    assert digits.open_image(np.zeros((30, 40, 3), np.uint8)).mode == "RGB"
    for bad in (np.zeros((2, 3, 4, 5), np.uint8), np.zeros((0, 0), np.uint8)):
        with pytest.raises(digits.DigitImageError, match="expected an image array"):
            digits.open_image(bad)


def test_exif_orientation_is_applied():
    tall = Image.new("L", (40, 80), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when shown
    data = png_bytes(tall.convert("RGB"), "JPEG", exif=exif)
    assert digits.open_image(data).size == (80, 40)


def test_grayscale_of_modes():
    rgb = Image.new("RGB", (20, 20), (255, 0, 0))
    assert digits.to_grayscale(rgb).shape == (20, 20)
    rgba = Image.new("RGBA", (20, 20), (0, 0, 0, 0))  # fully transparent: white paper
    np.testing.assert_allclose(digits.to_grayscale(rgba), 1.0)
    la = Image.new("LA", (20, 20), (0, 255))
    np.testing.assert_allclose(digits.to_grayscale(la), 0.0)
    palette = Image.new("P", (20, 20), 0)
    palette.putpalette([10, 10, 10] + [255] * 765)
    assert digits.to_grayscale(palette).max() < 0.1
    sixteen = Image.fromarray(np.array([[0, 1000], [2000, 4000]] * 10, dtype=np.uint16).repeat(10, 1))
    g = digits.to_grayscale(sixteen)
    assert g.min() == 0.0 and g.max() == 1.0
    cmyk = Image.new("CMYK", (20, 20), (0, 0, 0, 255))  # black
    assert digits.to_grayscale(cmyk).max() < 0.1
    for a in (digits.to_grayscale(rgb), digits.to_grayscale(cmyk)):
        assert a.dtype == np.float32 and 0 <= a.min() <= a.max() <= 1


def test_downscale_caps_the_longer_side():
    g = np.ones((1200, 900), np.float32)
    assert digits.downscale(g, 400).shape == (400, 300)
    small = np.ones((100, 50), np.float32)
    assert digits.downscale(small, 400) is small


@pytest.mark.parametrize("dark", [True, False])
def test_ink_polarity_is_detected_and_normalised(dark):
    g = drawn_digit(dark_ink=dark)
    assert digits.ink_is_dark(g) == dark
    ink = digits.ink_image(g)
    assert ink[100, 100] > ink[5, 5]  # the stroke is bright, the paper dark


def test_background_removal_flattens_a_gradient():
    g = drawn_digit()
    gradient = np.linspace(0.5, 1.0, g.shape[1])[None, :]
    lit = g * gradient  # strong light from the right
    flat = digits.remove_background(digits.ink_image(lit))
    paper = flat[np.abs(g - 1.0) < 1e-6]
    stroke = flat[g < 0.5]
    assert paper.max() < 0.2 and stroke.mean() > 0.7


def test_otsu_separates_two_groups():
    values = np.concatenate([np.full(500, 0.1), np.full(100, 0.8)])
    assert 0.1 < digits.otsu_threshold(values) < 0.8


def test_mask_selection_drops_specks_and_border_marks():
    mask = np.zeros((100, 100), bool)
    mask[30:70, 45:52] = True  # the digit
    mask[10, 10] = True  # a speck
    mask[:, 0:3] = True  # the edge of the page
    kept = digits.select_digit(mask)
    assert kept[50, 48] and not kept[10, 10] and not kept[50, 1]
    assert digits.bounding_box(kept) == (30, 70, 45, 52)


def test_fit_box_keeps_aspect_ratio_and_thickens_thin_strokes():
    flat = np.zeros((200, 200), np.float32)
    flat[20:180, 99:101] = 1.0  # tall, 2 px wide: a thin pen on a big photo
    mask = flat > 0
    fitted = digits.fit_box(flat, mask)
    assert fitted.shape[0] == 20 and fitted.shape[1] < 20
    assert (fitted > 0.5).sum(axis=1).mean() >= 1.5  # about MNIST's stroke width
    assert fitted.max() == pytest.approx(1.0)


def test_center_by_mass_puts_the_mass_in_the_middle():
    digit = np.zeros((20, 12), np.float32)
    digit[:, :4] = 1.0  # all mass on the left
    field = digits.center_by_mass(digit)
    assert field.shape == (28, 28) and field.dtype == np.uint8
    from scipy import ndimage

    cy, cx = ndimage.center_of_mass(field.astype(float))
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1


def test_whole_pipeline_gives_mnist_convention(photo):
    steps = digits.preprocess(png_bytes(photo))
    d = steps.digit
    assert d.shape == (28, 28) and d.dtype == np.uint8
    assert d.max() == 255 and d[0].max() == 0 and d[:, 0].max() == 0  # ink 255 on a black border
    rows, cols = np.nonzero(d)
    assert rows.max() - rows.min() <= 20 and cols.max() - cols.min() <= 20  # fits 20x20
    assert steps.dark_ink


def test_off_centre_digit_is_centred():
    a = drawn_digit(offset=(-40, 60))
    d = digits.preprocess(to_image(a)).digit
    from scipy import ndimage

    cy, cx = ndimage.center_of_mass(d.astype(float))
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1


def test_light_ink_on_dark_board():
    d = digits.preprocess(to_image(drawn_digit(dark_ink=False))).digit
    assert d.max() == 255 and d[0, 0] == 0


# --- bad input -------------------------------------------------------------


def test_not_an_image():
    with pytest.raises(digits.DigitImageError, match="not an image file"):
        digits.preprocess(b"%PDF-1.4 this is a pdf, not a photo")


def test_empty_file(tmp_path):
    (tmp_path / "e.png").write_bytes(b"")
    with pytest.raises(digits.DigitImageError, match="empty"):
        digits.preprocess(tmp_path / "e.png")
    with pytest.raises(digits.DigitImageError, match="empty"):
        digits.preprocess(b"")


def test_missing_file(tmp_path):
    with pytest.raises(digits.DigitImageError, match="no such file"):
        digits.preprocess(tmp_path / "nope.jpg")


def test_truncated_file(photo):
    data = png_bytes(photo, "JPEG", quality=90)
    with pytest.raises(digits.DigitImageError, match="damaged or truncated"):
        digits.preprocess(data[: len(data) // 2])


def test_one_pixel_image():
    with pytest.raises(digits.DigitImageError, match="only 1x1 pixels"):
        digits.preprocess(png_bytes(Image.new("L", (1, 1))))


@pytest.mark.parametrize("make", [
    lambda: Image.new("L", (10, 40), 255),
    lambda: np.full((40, 10), 255, np.uint8),
], ids=["pil", "array"])
def test_too_small_images_are_refused_whatever_the_source(make):
    with pytest.raises(digits.DigitImageError, match=r"the image is only 10x40 pixels.*at least 16x16"):
        digits.open_image(make())


def test_too_small_file_is_named_in_the_message(tmp_path):
    path = tmp_path / "tiny.png"
    Image.new("L", (8, 8)).save(path)
    with pytest.raises(digits.DigitImageError, match=r"tiny\.png is only 8x8 pixels"):
        digits.open_image(path)


def test_too_many_bytes_are_refused_before_reading(tmp_path, monkeypatch, photo):
    path = tmp_path / "big.png"
    photo.save(path)
    data = path.read_bytes()
    monkeypatch.setattr(digits, "MAX_BYTES", len(data) - 1)
    with pytest.raises(digits.DigitImageError, match=r"big\.png is over"):
        digits.open_image(path)
    with pytest.raises(digits.DigitImageError, match="the upload is over"):
        digits.open_image(data)
    monkeypatch.setattr(digits, "MAX_BYTES", len(data))
    assert digits.open_image(data).size == (240, 240)  # exactly the limit is fine


def test_decompression_bomb_is_refused_before_decoding():
    # a tiny file that claims to be 20000 x 20000 pixels
    huge = Image.new("1", (20000, 20000))
    data = png_bytes(huge)
    assert len(data) < 200_000
    with pytest.raises(digits.DigitImageError, match="megapixels"):
        digits.preprocess(data)


def test_pixel_limit_applies_to_every_source(monkeypatch, photo, tmp_path):
    monkeypatch.setattr(digits, "MAX_PIXELS", 240 * 240 - 1)
    path = tmp_path / "p.png"
    photo.save(path)
    for source, name in ((photo, "the image"), (np.asarray(photo), "the image"),
                         (path.read_bytes(), "the upload"), (path, str(path))):
        with pytest.raises(digits.DigitImageError, match=re.escape(name) + " is 240x240 pixels, more than"):
            digits.open_image(source)


def test_blank_page():
    with pytest.raises(digits.DigitImageError, match="no digit found|blank"):
        digits.preprocess(png_bytes(Image.new("RGB", (300, 300), (240, 240, 235))))


def test_noise_only_page():
    rng = np.random.default_rng(0)
    noise = np.clip(0.9 + rng.normal(0, 0.02, (300, 300)), 0, 1)
    with pytest.raises(digits.DigitImageError, match="no digit found"):
        digits.preprocess(to_image(noise))


def test_rgba_transparent_png_with_a_digit():
    a = drawn_digit()
    rgba = np.zeros(a.shape + (4,), np.uint8)
    rgba[..., 3] = np.where(a < 0.5, 255, 0)  # ink opaque, paper transparent
    d = digits.preprocess(png_bytes(Image.fromarray(rgba, "RGBA"))).digit
    assert d.max() == 255


def test_sixteen_bit_and_cmyk_with_a_digit():
    a = drawn_digit()
    sixteen = Image.fromarray(np.round(a * 65535).astype(np.uint16))
    assert digits.preprocess(sixteen).digit.max() == 255
    cmyk = to_image(a).convert("CMYK")
    assert digits.preprocess(png_bytes(cmyk, "JPEG")).digit.max() == 255
