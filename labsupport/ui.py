"""Interactive pieces for a live notebook: uploading a photo, drawing a digit.

In Google Colab, :func:`upload_photos` uses Colab's own upload dialog; in
Jupyter (and Binder) an ipywidgets ``FileUpload`` button. Neither does
anything in a static web page, so chapters tag these cells to be hidden there
and show pre-computed examples instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def in_colab() -> bool:
    """Whether the code runs in Google Colab."""
    try:
        import google.colab  # noqa: F401
    except ImportError:
        return False
    return True


def upload_photos(on_photo: Callable[[str, bytes], None]):
    """Let the student upload photos, and call ``on_photo(name, data)`` for each.

    Returns
    -------
    ipywidgets.Widget or None
        The upload button and its output area (in Jupyter); None in Colab,
        where the upload dialog has already run.
    """
    if in_colab():
        from google.colab import files

        for name, data in files.upload().items():
            on_photo(name, data)
        return None
    import ipywidgets as widgets

    button = widgets.FileUpload(accept="image/*", multiple=False, description="Upload a photo")
    output = widgets.Output()

    def changed(change) -> None:
        output.clear_output()
        with output:
            for item in change["new"]:
                on_photo(item["name"], bytes(item["content"]))

    button.observe(changed, names="value")
    return widgets.VBox([button, output])


def drawing_pad(on_drawing: Callable[[np.ndarray], None], size: int = 280):
    """A canvas to draw a digit with the mouse, with *Classify* and *Clear* buttons.

    ``on_drawing`` receives the drawing as a grayscale array (white ink on
    black, values 0-255) of ``size`` x ``size`` pixels; pass it through
    :func:`labsupport.digits.preprocess` like a photo.

    Needs ``ipycanvas`` (in Colab, run
    ``google.colab.output.enable_custom_widget_manager()`` first).

    Returns
    -------
    ipywidgets.Widget
    """
    import ipywidgets as widgets
    from ipycanvas import Canvas

    canvas = Canvas(width=size, height=size, sync_image_data=True)
    canvas.layout.border = "1px solid #888"
    canvas.fill_style, canvas.stroke_style = "black", "white"
    canvas.line_width = max(2, size // 14)
    canvas.line_cap = "round"
    canvas.fill_rect(0, 0, size, size)
    last: list[tuple[float, float] | None] = [None]

    def down(x, y):
        last[0] = (x, y)

    def move(x, y):
        if last[0] is not None:
            canvas.stroke_line(*last[0], x, y)
            last[0] = (x, y)

    def up(x, y):
        last[0] = None

    canvas.on_mouse_down(down)
    canvas.on_mouse_move(move)
    canvas.on_mouse_up(up)
    canvas.on_mouse_out(up)
    classify = widgets.Button(description="Classify", button_style="primary")
    clear = widgets.Button(description="Clear")
    output = widgets.Output()

    def on_classify(_):
        output.clear_output()
        with output:
            image = canvas.get_image_data()
            if image is None:
                print("draw a digit first")
                return
            on_drawing(drawing_to_gray(image))

    def on_clear(_):
        canvas.fill_rect(0, 0, size, size)
        output.clear_output()

    classify.on_click(on_classify)
    clear.on_click(on_clear)
    return widgets.VBox([canvas, widgets.HBox([classify, clear]), output])


def drawing_to_gray(rgba: np.ndarray) -> np.ndarray:
    """A canvas's RGBA pixels (h, w, 4) as a grayscale uint8 image."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] not in (3, 4):
        raise ValueError(f"expected an (h, w, 3|4) image, got shape {rgba.shape}")
    return np.round(rgba[..., :3].astype(np.float32).mean(axis=2)).astype(np.uint8)
