"""labsupport.plots: the course's figures."""

import dataclasses
import shutil
import subprocess

import numpy as np
import pytest

from labsupport import baseline, digits, inference, models, plots, synthetic
from labsupport.timing import Timing


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
    assert fig.axes[0].get_xlabel() == "class (digit)"
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
    assert vec.axes[0].get_xlabel() == "unit"
    logits = plots.layer_output("logits", np.random.rand(10))
    assert logits.axes[0].get_xlabel() == "class (digit)"
    with pytest.raises(ValueError):
        plots.layer_output("odd", np.zeros((2, 2, 2, 2)))


def test_figure_displays_as_png_with_alt_text():
    fig = plots.image_row([np.eye(3)], ['a "quoted" <title>'])
    assert fig._repr_png_().startswith(b"\x89PNG")
    html = fig._repr_html_()
    assert html.startswith('<img src="data:image/png;base64,')
    assert 'alt="a &quot;quoted&quot; &lt;title&gt;"' in html


def test_model_diagram_of_every_course_model():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    for name in models.MODELS:
        image = plots.model_diagram(models.build(name))
        assert image._repr_png_().startswith(b"\x89PNG"), name
        assert f"layers of the model '{name}'" in image.alt and 'alt="Block diagram' in image._repr_html_()


def test_model_diagram_without_graphviz_lists_the_layers(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    note = plots.model_diagram(models.cnn())
    assert isinstance(note, plots.TextNote)
    assert "Graphviz's 'dot' program is not installed" in note.text and "apt-get install graphviz" in note.text
    lines = note.text.splitlines()
    assert len(lines) == 2 + len(models.cnn().layers)
    assert lines[2].split() == ["conv1", "Conv2D", "->", "(26,", "26,", "32)"]
    assert lines[-1].split() == ["softmax", "Activation", "->", "(10,)"]


def test_model_diagram_when_dot_fails(monkeypatch):
    import pydot

    def crash(*args, **kwargs):
        raise subprocess.CalledProcessError(1, "dot", "Trapezoid-table overflow")

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(pydot.Dot, "create", crash)
    note = plots.model_diagram(models.dense_net())
    assert isinstance(note, plots.TextNote)
    assert "Graphviz could not draw it (CalledProcessError" in note.text
    assert "hidden" in note.text and "(512,)" in note.text


def test_text_note_shows_as_preformatted_text():
    note = plots.TextNote("a <b> & c")
    assert repr(note) == "a <b> & c"
    assert note._repr_html_() == "<pre class='labsupport-note'>a &lt;b&gt; &amp; c</pre>"


def test_speed_bars_figure():
    fig = plots.speed_bars([Timing("CPU", 100, 2.0)])
    assert "CPU in float32 50 images per second" in fig.alt_text()
    fig = plots.speed_bars([Timing("CPU", 100, 2.0), Timing("GPU", 100, 0.1, "mixed_float16")])
    assert len(fig.axes[0].patches) == 2 and "GPU in mixed_float16 1,000 images per second" in fig.alt_text()
    # every bar is labelled with its precision, so two precisions on one GPU are two bars
    three = [Timing("CPU", 100, 2.0), Timing("GPU", 100, 0.2), Timing("GPU", 100, 0.1, "mixed_float16")]
    labels = [tick.get_text() for tick in plots.speed_bars(three).axes[0].get_xticklabels()]
    assert labels == ["CPU\nfloat32", "GPU\nfloat32", "GPU\nmixed_float16"]


def test_pipeline_and_probability_figures():
    photo = synthetic.render_photo(2, np.random.default_rng(0), size=160)
    steps = digits.preprocess(photo)
    fig = plots.pipeline_steps(steps, old=baseline.original_pipeline(photo), title="two")
    assert len(fig.axes) == 9 and "centred 28x28" in fig.alt_text() and "old pipeline" in fig.alt_text()
    assert len(plots.pipeline_steps(steps).axes) == 8  # without the old pipeline's result
    assert f"window {steps.window} px" in fig.alt_text() and "px in 20x20" in fig.alt_text()
    assert "grayscale, closer" not in fig.alt_text()
    closer = dataclasses.replace(steps, zoom=(0, 0, 80, 80))
    assert "grayscale, closer" in plots.pipeline_steps(closer).alt_text()
    probs = {"dense": np.eye(10)[2], "cnn": np.eye(10)[[2]]}
    fig = plots.model_probabilities(probs, title="two")
    assert len(fig.axes) == 2 and "dense says 2 (100%)" in fig.alt_text()
    assert "the networks say a 2 (100%)" in fig.alt_text()


def test_probability_figure_says_when_the_networks_are_unsure():
    probs = {"dense": np.eye(10)[2] * 0.9 + 0.01, "cnn": np.eye(10)[7] * 0.9 + 0.01}
    fig = plots.model_probabilities(probs, title="x")
    assert "the networks are unsure: 2 (46%) or 7 (46%)" in fig.alt_text()
    assert fig._suptitle.get_color() == "#b00020"
    given = inference.Verdict(4, 0.5, 9, 0.3, False, "made up")
    assert "unsure: 4 (50%) or 9 (30%); made up" in plots.model_probabilities(probs, verdict=given).alt_text()


def test_accuracy_table_shows_each_pipeline_and_kind():
    rows = [("old", "all", 4, {"dense": 0.25, "cnn": 0.5}), ("new", "photo", 2, {"dense": 1.0, "cnn": 0.875})]
    table = plots.accuracy_table(rows, caption="on four images")
    assert table.header == ["pipeline", "images", "dense", "cnn"]
    assert table.rows == [["old recipe", "4", "25.0%", "50.0%"], ["new pipeline, photo", "2", "100.0%", "87.5%"]]
    html_text = table._repr_html_()
    assert "<caption>on four images</caption>" in html_text and "<td>87.5%</td>" in html_text
    assert repr(table).splitlines()[0] == "on four images"
    assert repr(table).splitlines()[2].split() == ["old", "recipe", "4", "25.0%", "50.0%"]


def test_flag_table_gives_each_flag_a_row():
    table = plots.flag_table({(0.15, 30.0): {"dense": 0.99, "cnn": 1.0}, (0.45, 60.0): {"dense": 0.12, "cnn": 0.436}})
    assert table.header == ["flag length (of the height)", "angle from the stem", "dense", "cnn"]
    assert table.rows == [["15%", "30°", "99%", "100%"], ["45%", "60°", "12%", "44%"]]


def test_signed_images_are_red_positive_and_centred_on_zero():
    fig = plots.image_row([np.array([[-1.0, 0.0], [0.5, 2.0]])], ["signed"], cmaps="signed")
    image = fig.axes[0].get_images()[0]
    assert image.get_cmap().name == plots.SIGNED_CMAP == "RdBu_r"
    assert image.get_clim() == (-2.0, 2.0)
    red, blue = image.cmap(image.norm(2.0)), image.cmap(image.norm(-2.0))
    assert red[0] > red[2] and blue[2] > blue[0]  # positive is red, negative blue


def test_kernels_draws_each_filter_signed():
    weights = np.random.default_rng(0).normal(size=(3, 3, 1, 5))
    fig = plots.kernels(weights, titles=[f"k{i}" for i in range(5)], ncols=3)
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert len(shown) == 5 and [ax.get_title() for ax in shown] == [f"k{i}" for i in range(5)]
    first = shown[0].get_images()[0]
    np.testing.assert_allclose(first.get_array(), weights[:, :, 0, 0])
    lim = np.abs(weights[:, :, 0, 0]).max()
    np.testing.assert_allclose(first.get_clim(), (-lim, lim))
    assert "5 filters of 3x3" in fig.alt_text()
    assert len([ax for ax in plots.kernels(weights[:, :, 0, :2]).axes if ax.get_images()]) == 2
    with pytest.raises(ValueError, match="one input channel"):
        plots.kernels(np.zeros((3, 3, 2, 4)))
    with pytest.raises(ValueError, match="one title per filter"):
        plots.kernels(weights, titles=["a"])


def test_shift_curves_one_line_per_network():
    fig = plots.shift_curves([0, 1, 2], {"dense": [0.9, 0.7, 0.4], "cnn": [0.99, 0.98, 0.9]}, title="t")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["dense", "cnn"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.9, 0.7, 0.4])
    assert "dense from 0.900 to 0.400" in fig.alt_text()
    with pytest.raises(ValueError, match="3 shifts"):
        plots.shift_curves([0, 1, 2], {"dense": [0.9]})


def test_confusion_matrix_heatmap_colours_the_errors_and_says_the_worst():
    y_true = np.repeat(np.arange(10), 20)
    y_pred = y_true.copy()
    y_pred[:5] = 6        # five 0s taken for 6
    y_pred[100:102] = 9   # two 5s taken for 9
    matrix = inference.confusion_matrix(y_true, y_pred)
    fig = plots.confusion_matrix(matrix, title="CNN")
    assert isinstance(fig, plots.CourseFigure)
    ax = fig.axes[0]
    assert ax.get_title() == "CNN" and ax.get_ylabel() == "true class (digit)"
    texts = [t.get_text() for t in ax.texts]
    assert "5" in texts and "2" in texts and "15" in texts and "20" in texts  # errors and correct counts
    alt = fig.alt_text()
    assert "7 of 200 images wrong" in alt and "0 taken for 6 5 times, 5 taken for 9 2 times" in alt
    assert "confusions" not in plots.confusion_matrix(inference.confusion_matrix(y_true, y_true)).alt_text()
