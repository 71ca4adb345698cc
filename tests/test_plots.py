import numpy as np
import pytest

from labsupport import plots


def test_accuracy_curves():
    fig = plots.accuracy_curves({"accuracy": [0.8, 0.9, 0.95], "val_accuracy": [0.85, 0.9, 0.89]}, "Dense")
    assert isinstance(fig, plots.CourseFigure)
    assert len(fig.axes[0].lines) == 3  # two curves and the best-epoch marker
    assert "best validation accuracy 0.9000 at epoch 2" in fig.alt_text()


def test_misclassified_is_seeded_and_labelled():
    y_true = np.arange(100) % 10
    y_pred = y_true.copy()
    y_pred[::7] = (y_pred[::7] + 1) % 10
    images = np.zeros((100, 28, 28))
    a = plots.choose_misclassified(y_true, y_pred, n=5, seed=3)
    assert np.array_equal(a, plots.choose_misclassified(y_true, y_pred, n=5, seed=3))
    assert all(y_true[i] != y_pred[i] for i in a) and len(a) == 5
    fig = plots.misclassified(images, y_true, y_pred, n=5, seed=3)
    assert len(fig.axes) == 5
    assert fig.axes[0].get_title() == f"#{a[0]}\ntrue {y_true[a[0]]}, said {y_pred[a[0]]}"


def test_misclassified_with_no_errors():
    y = np.arange(10)
    fig = plots.misclassified(np.zeros((10, 28, 28)), y, y)
    assert "no misclassified" in fig.texts[0].get_text()


def test_probabilities_marks_the_most_likely_class():
    p = np.full(10, 0.02)
    p[7] = 0.82
    fig = plots.probabilities(p)
    assert len(fig.axes[0].patches) == 10
    assert "7" in fig.axes[0].get_title() and "most likely 7" in fig.alt_text()
    with pytest.raises(ValueError, match="10 probabilities"):
        plots.probabilities(np.ones(3))


def test_image_row_and_grid():
    fig = plots.image_row([np.eye(3), -np.eye(3)], ["a", "b"], cmaps=["gray", "RdBu"])
    assert len(fig.axes) == 2 and fig.alt_text() == "a; b"
    with pytest.raises(ValueError, match="one title per image"):
        plots.image_row([np.eye(3)], ["a", "b"])
    grid = plots.image_grid(np.zeros((10, 5, 5)), ncols=4)
    assert len(grid.axes) == 12


def test_layer_output_maps_and_vectors():
    maps = plots.layer_output("conv1", np.random.rand(26, 26, 32))
    assert "conv1: 32 feature maps of 26x26" in maps.alt_text()
    vec = plots.layer_output("dense5", np.random.rand(512))
    assert "512 values" in vec.alt_text()
    with pytest.raises(ValueError):
        plots.layer_output("odd", np.zeros((2, 2, 2, 2)))


def test_figure_displays_as_png_with_alt_text():
    fig = plots.image_row([np.eye(3)], ['a "quoted" <title>'])
    assert fig._repr_png_().startswith(b"\x89PNG")
    html = fig._repr_html_()
    assert html.startswith('<img src="data:image/png;base64,')
    assert 'alt="a &quot;quoted&quot; &lt;title&gt;"' in html


def test_model_diagram_of_every_course_model():
    import shutil

    from labsupport import models

    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    for build in models.BUILDERS.values():
        image = plots.model_diagram(build())
        assert image.data.startswith(b"\x89PNG")
