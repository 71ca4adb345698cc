"""labsupport.ui: the upload and drawing widgets."""

import datetime

import numpy as np
import pytest

from labsupport import digits, ui


def test_not_in_colab_here():
    assert ui.in_colab() is False


def test_upload_widget_calls_back_with_the_file(monkeypatch):
    monkeypatch.setattr(ui, "in_colab", lambda: False)
    got = []
    box = ui.upload_photos(lambda name, data: got.append((name, data)))
    button = box.children[0]
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    button.value = ({"name": "7.png", "type": "image/png", "size": 3, "content": memoryview(b"abc"),
                     "last_modified": when},)
    assert got == [("7.png", b"abc")]


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
