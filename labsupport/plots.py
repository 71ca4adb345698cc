"""Figures of the course. Every function returns a :class:`CourseFigure`,
except :func:`model_diagram`, which returns Graphviz's picture of a model as a
:class:`Diagram` (or, without Graphviz, a :class:`TextNote` listing the layers).

Figures are built without ``pyplot``, so nothing is shown twice in a notebook
and nothing piles up in memory: a chapter shows a figure by making it the
last expression of a cell. A :class:`CourseFigure` shows itself as a PNG image
with alternative text (for screen readers and the built site) taken from its
titles.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from . import inference
from .digits import Steps
from .inference import Verdict
from .profile import SEED
from .timing import Timing


class CourseFigure(Figure):
    """A matplotlib figure that displays itself in notebooks as an image with alt text.

    Parameters
    ----------
    *args
        Passed to :class:`matplotlib.figure.Figure`.
    alt : str, optional
        Alternative text. Defaults to the figure's and its axes' titles.
    **kwargs
        Passed to :class:`matplotlib.figure.Figure`.
    """

    def __init__(self, *args, alt: str = "", **kwargs) -> None:
        kwargs.setdefault("layout", "constrained")
        super().__init__(*args, **kwargs)
        self.alt = alt

    def alt_text(self) -> str:
        """The alternative text: the one given, or the titles in the figure."""
        if self.alt:
            return self.alt
        parts = [self._suptitle.get_text()] if self._suptitle is not None else []
        parts += [ax.get_title().replace("\n", " ") for ax in self.axes if ax.get_title()]
        return "; ".join(p for p in parts if p)[:300] or "figure"

    def png_bytes(self, dpi: int = 100) -> bytes:
        """The figure rendered as PNG."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=dpi, facecolor="white")
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png_bytes()

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png_bytes()).decode("ascii")
        return (
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt_text(), quote=True)}" '
            'style="max-width:100%;height:auto;background:white" />'
        )

DIGITS = np.arange(10)

#: Colour map for signed values (filters, edge maps): red positive, blue
#: negative, white zero. Functions take ``"signed"`` to mean it, centred on 0.
SIGNED_CMAP = "RdBu_r"


def _show(ax, img: np.ndarray, cmap: str | None):
    """``imshow`` with the course's conventions; ``cmap="signed"`` centres :data:`SIGNED_CMAP` on zero."""
    if cmap == "signed":
        lim = float(np.abs(img).max()) or 1.0
        return ax.imshow(img, cmap=SIGNED_CMAP, vmin=-lim, vmax=lim)
    return ax.imshow(img, cmap=cmap)


def accuracy_curves(history: dict[str, Sequence[float]], title: str = "") -> CourseFigure:
    """Training and validation accuracy per epoch.

    Parameters
    ----------
    history : dict
        Needs ``accuracy`` and ``val_accuracy`` (as from :func:`labsupport.train.fit`).
    title : str

    Returns
    -------
    CourseFigure
    """
    fig = CourseFigure(figsize=(6, 3.6))
    ax = fig.add_subplot()
    epochs = np.arange(1, len(history["accuracy"]) + 1)
    ax.plot(epochs, history["accuracy"], "o-", label="training accuracy")
    ax.plot(epochs, history["val_accuracy"], "s-", label="validation accuracy")
    best = int(np.argmax(history["val_accuracy"]))
    ax.axvline(best + 1, color="gray", ls=":", label=f"best epoch ({best + 1})")
    ax.set(xlabel="epoch", ylabel="accuracy", title=title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.alt = (
        f"Line chart{' (' + title + ')' if title else ''}: training and validation accuracy over "
        f"{len(epochs)} epochs; best validation accuracy {history['val_accuracy'][best]:.4f} at epoch {best + 1}"
    )
    return fig


def choose_misclassified(
    y_true: np.ndarray, y_pred: np.ndarray, n: int = 10, seed: int = SEED
) -> np.ndarray:
    """Indices of up to ``n`` misclassified samples, chosen at random with a seed (sorted)."""
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(wrong, size=min(n, wrong.size), replace=False))


def misclassified(
    images: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n: int = 10,
    seed: int = SEED,
) -> CourseFigure:
    """A row of misclassified samples with their index, true and predicted labels.

    Parameters
    ----------
    images : ndarray, shape (N, 28, 28)
        The raw test images.
    y_true, y_pred : ndarray, shape (N,)
    n : int
        How many to show (fewer if fewer are wrong).
    seed : int
        Seed of the random choice.

    Returns
    -------
    CourseFigure
    """
    idx = choose_misclassified(y_true, y_pred, n, seed)
    fig = CourseFigure(figsize=(1.6 * max(len(idx), 1), 2.2))
    if idx.size == 0:
        fig.text(0.5, 0.5, "no misclassified samples", ha="center", va="center")
        return fig
    axes = fig.subplots(1, len(idx), squeeze=False)[0]
    for ax, i in zip(axes, idx):
        ax.imshow(np.asarray(images[i]).reshape(28, 28), cmap="gray_r")
        ax.set_title(f"#{i}\ntrue {y_true[i]}, said {y_pred[i]}", fontsize=9)
        ax.axis("off")
    fig.alt = f"{len(idx)} misclassified test images: " + ", ".join(
        f"#{i} true {y_true[i]} predicted {y_pred[i]}" for i in idx
    )
    return fig


def probabilities(probs: np.ndarray, title: str = "", ax=None) -> CourseFigure:
    """Bar chart of the ten class probabilities for one sample.

    Parameters
    ----------
    probs : array-like, shape (10,) or (1, 10)
    title : str
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    CourseFigure
    """
    probs = np.asarray(probs, dtype=float).reshape(-1)
    if probs.shape != (10,):
        raise ValueError(f"expected 10 probabilities, got shape {probs.shape}")
    if ax is None:
        fig = CourseFigure(figsize=(4, 2.6))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    best = int(probs.argmax())
    colors = ["#4c8bf5" if d != best else "#e8710a" for d in DIGITS]
    ax.bar(DIGITS, probs, color=colors)
    ax.set(xticks=DIGITS, ylim=(0, 1), xlabel="class (digit)", ylabel="probability")
    ax.set_title(title or f"prediction: {best} ({probs[best]:.0%})", fontsize=10)
    if isinstance(fig, CourseFigure):
        fig.alt = f"Bar chart of the ten class probabilities{' (' + title + ')' if title else ''}: most likely {best} ({probs[best]:.0%})"
    return fig


def image_row(
    images: Sequence[np.ndarray],
    titles: Sequence[str],
    cmaps: Sequence[str] | str = "gray",
    colorbar: bool = False,
    size: float = 2.2,
) -> CourseFigure:
    """Images side by side, each with a title (kernels, edge maps, steps of a pipeline).

    Parameters
    ----------
    images : sequence of 2-D arrays
    titles : sequence of str
    cmaps : str or sequence of str
        One colormap for all, or one per image; ``"signed"`` for values of
        both signs (red positive, blue negative, centred on zero).
    colorbar : bool
        Add a colour bar under each image.
    size : float
        Width of each panel in inches.

    Returns
    -------
    CourseFigure
    """
    if len(images) != len(titles):
        raise ValueError("need one title per image")
    if isinstance(cmaps, str):
        cmaps = [cmaps] * len(images)
    fig = CourseFigure(figsize=(size * len(images), size * (1.25 if colorbar else 1.05)))
    axes = fig.subplots(1, len(images), squeeze=False)[0]
    for ax, img, title, cmap in zip(axes, images, titles, cmaps):
        im = _show(ax, np.asarray(img), cmap)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        if colorbar:
            fig.colorbar(im, ax=ax, orientation="horizontal", shrink=0.8)
    return fig


def image_grid(images: np.ndarray, ncols: int = 8, titles: Sequence[str] | None = None, cmap: str = "gray") -> CourseFigure:
    """A grid of small images (augmented digits, feature maps).

    Parameters
    ----------
    images : ndarray, shape (n, h, w)
    ncols : int
    titles : sequence of str, optional
    cmap : str

    Returns
    -------
    CourseFigure
    """
    images = np.asarray(images)
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = CourseFigure(figsize=(1.1 * ncols, 1.1 * nrows + (0.25 * nrows if titles else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for k, ax in enumerate(axes):
        ax.axis("off")
        if k < n:
            ax.imshow(images[k], cmap=cmap)
            if titles:
                ax.set_title(titles[k], fontsize=8)
    return fig


def kernels(weights: np.ndarray, titles: Sequence[str] | None = None, ncols: int = 8, size: float = 1.0) -> CourseFigure:
    """Small filters as images, in the signed colour map (red positive, blue negative).

    Parameters
    ----------
    weights : ndarray, shape (kh, kw, n) or (kh, kw, 1, n)
        ``n`` filters of one input channel, e.g. a first convolutional layer's
        kernel (``layer.get_weights()[0]``).
    titles : sequence of str, optional
    ncols : int
    size : float
        Width of each panel in inches.

    Returns
    -------
    CourseFigure
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 4:
        if weights.shape[2] != 1:
            raise ValueError(f"expected filters of one input channel, got shape {weights.shape}")
        weights = weights[:, :, 0, :]
    if weights.ndim != 3:
        raise ValueError(f"expected filters of shape (kh, kw, n), got {weights.shape}")
    n = weights.shape[-1]
    if titles is not None and len(titles) != n:
        raise ValueError("need one title per filter")
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = CourseFigure(figsize=(size * ncols, size * nrows + (0.25 * nrows if titles else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for k, ax in enumerate(axes):
        ax.axis("off")
        if k < n:
            _show(ax, weights[:, :, k], "signed")
            if titles:
                ax.set_title(titles[k], fontsize=8)
    kh, kw = weights.shape[:2]
    fig.alt = f"{n} filters of {kh}x{kw} weights, red positive, blue negative"
    return fig


def shift_curves(shifts: Sequence[int], accuracies: dict[str, Sequence[float]], title: str = "") -> CourseFigure:
    """Accuracy against how far the test digits were shifted, one line per network.

    Parameters
    ----------
    shifts : sequence of int
        Shifts in pixels.
    accuracies : dict
        Network name to one accuracy per shift (as from
        :func:`labsupport.inference.accuracy_under_shift`).
    title : str

    Returns
    -------
    CourseFigure
    """
    fig = CourseFigure(figsize=(6, 3.6))
    ax = fig.add_subplot()
    for (name, acc), marker in zip(accuracies.items(), "os^dv<>"):
        if len(acc) != len(shifts):
            raise ValueError(f"{name}: {len(acc)} accuracies for {len(shifts)} shifts")
        ax.plot(shifts, acc, marker=marker, label=name)
    ax.set(xlabel="shift to the right (pixels)", ylabel="test accuracy", title=title, ylim=(0, 1.02))
    ax.set_xticks(list(shifts))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.alt = f"Line chart{' (' + title + ')' if title else ''}: test accuracy against shift in pixels; " + "; ".join(
        f"{name} from {acc[0]:.3f} to {acc[-1]:.3f}" for name, acc in accuracies.items()
    )
    return fig


def layer_output(name: str, output: np.ndarray, max_maps: int = 64) -> CourseFigure:
    """What one layer computes for one image.

    A convolutional output (h, w, channels) is drawn as a grid of feature
    maps; a vector (units,) as a bar strip.

    Parameters
    ----------
    name : str
        Layer name, used in the title.
    output : ndarray, shape (h, w, c) or (units,)
        The layer's output for a single image (batch axis removed).
    max_maps : int
        Draw at most this many feature maps.

    Returns
    -------
    CourseFigure
    """
    output = np.asarray(output)
    if output.ndim == 3:
        h, w, c = output.shape
        maps = np.moveaxis(output[..., :max_maps], -1, 0)
        fig = image_grid(maps, ncols=16 if len(maps) > 32 else 8, cmap="viridis")
        shown = f"{len(maps)} of {c}" if c > len(maps) else f"{c}"
        fig.suptitle(f"{name}: {shown} feature maps of {h}x{w}", fontsize=10)
        return fig
    if output.ndim == 1:
        fig = CourseFigure(figsize=(9, 1.8))
        ax = fig.add_subplot()
        if output.size <= 10:
            ax.bar(np.arange(output.size), output, color="#4c8bf5")
            ax.set_xticks(np.arange(output.size))
        else:
            ax.imshow(output[np.newaxis, :], aspect="auto", cmap="viridis")
            ax.set_yticks([])
        xlabel = "class (digit)" if output.size == 10 else "unit"  # logits, softmax: one value per digit
        ax.set(xlabel=xlabel, title=f"{name}: {output.size} values")
        return fig
    raise ValueError(f"cannot draw a layer output of shape {output.shape}")


class TextNote:
    """Plain text that shows itself as a preformatted block (a figure that could not be drawn)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre class='labsupport-note'>{html.escape(self.text)}</pre>"


class Diagram:
    """A PNG picture with alternative text, shown as an ``<img>`` in notebooks and the site."""

    def __init__(self, png: bytes, alt: str) -> None:
        self.png, self.alt = png, alt

    def _repr_png_(self) -> bytes:
        return self.png

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt, quote=True)}" '
                'style="max-width:100%;height:auto;background:white" />')


def model_diagram(model, dpi: int = 60):
    """A block diagram of a Keras model with each layer's output shape.

    Needs ``pydot`` and Graphviz's ``dot`` program. Without them the book
    still builds: the result is then a :class:`TextNote` that says how to get
    the diagram and lists the layers instead.

    Returns
    -------
    Diagram or TextNote
    """
    import shutil

    if shutil.which("dot") is None:
        return _diagram_missing(
            model, "Graphviz's 'dot' program is not installed "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)"
        )
    import keras

    try:
        graph = keras.utils.model_to_dot(model, show_shapes=True, show_layer_names=True, dpi=dpi)
        # Keras asks for orthogonal edges, which makes some Graphviz versions abort
        # ("Trapezoid-table overflow") on a long chain of layers; a plain chain
        # looks the same with ordinary splines.
        graph.set("splines", "spline")
        alt = (f"Block diagram of the {len(model.layers)} layers of the model '{model.name}', top to bottom, "
               "with each layer's output shape: " + ", ".join(layer.name for layer in model.layers))
        return Diagram(graph.create(prog="dot", format="png"), alt)
    except Exception as e:  # pydot missing, dot crashing: the page must still build
        return _diagram_missing(model, f"Graphviz could not draw it ({type(e).__name__}: {e})")


def _diagram_missing(model, why: str) -> TextNote:
    lines = [f"[model diagram not drawn: {why}]", ""]
    for layer in model.layers:
        lines.append(f"{layer.name:<12} {type(layer).__name__:<20} -> {tuple(layer.output.shape[1:])}")
    return TextNote("\n".join(lines))


def speed_bars(timings: Sequence[Timing]) -> CourseFigure:
    """Bar chart of training speed (images per second), one bar per timing, labelled with device and precision.

    Parameters
    ----------
    timings : sequence of Timing
        From :func:`labsupport.timing.time_training`: one per device, or
        several for one device in different precisions.

    Returns
    -------
    CourseFigure
    """
    fig = CourseFigure(figsize=(4.5, 2.8))
    ax = fig.add_subplot()
    names = [f"{t.device}\n{t.precision}" for t in timings]
    speeds = [t.images_per_second for t in timings]
    colours = {"CPU": "#4c8bf5", "GPU": "#e8710a"}
    bars = ax.bar(range(len(timings)), speeds, color=[colours.get(t.device, "#777777") for t in timings])
    ax.set_xticks(range(len(timings)), names)
    ax.bar_label(bars, labels=[f"{s:,.0f}" for s in speeds])
    ax.set(ylabel="images per second", title="CNN training speed")
    ax.margins(y=0.15)
    fig.alt = "Bar chart of CNN training speed: " + ", ".join(
        f"{t.device} in {t.precision} {s:,.0f} images per second" for t, s in zip(timings, speeds)
    )
    return fig


def pipeline_steps(steps: Steps, old: np.ndarray | None = None, title: str = "") -> CourseFigure:
    """Every step of :func:`labsupport.digits.preprocess` for one photo, left to right.

    Parameters
    ----------
    steps : Steps
        From :func:`labsupport.digits.preprocess`.
    old : ndarray, optional
        The original recipe's 28x28 result (:func:`labsupport.baseline.original_pipeline`),
        drawn last for comparison.
    title : str

    Returns
    -------
    CourseFigure
    """
    weights = steps.weights if steps.weights is not None else np.full(3, np.nan)
    colours = " ".join(f"{c}{w:+.2f}".replace("+", "") for c, w in zip("RGB", weights))
    panels = [
        (steps.photo, "photo", None),
        (steps.gray, ("grayscale, closer" if steps.zoom else "grayscale") + f"\n{colours}", "gray"),
        (steps.ink, "ink bright", "gray"),
        (steps.flat, f"background removed\nwindow {steps.window} px", "gray"),
        (np.where(steps.digit_mask, 1.0, 0.35 * steps.mask), "digit\n(dropped: grey)", "gray"),
        (steps.stroked, f"strokes {steps.stroke_in_box:.1f} -> {steps.stroked_in_box:.1f}\npx in 20x20", "gray"),
        (steps.fitted, f"fit {steps.fitted.shape[0]}x{steps.fitted.shape[1]}", "gray"),
        (steps.digit, "centred 28x28", "gray"),
    ]
    if old is not None:
        panels.append((old, "old pipeline", "gray"))
    fig = CourseFigure(figsize=(1.6 * len(panels), 2.2))
    axes = fig.subplots(1, len(panels))
    for ax, (img, name, cmap) in zip(axes, panels):
        ax.imshow(img, cmap=cmap)
        ax.set_title(name, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.alt = (f"{title}: " if title else "") + "preprocessing steps from the photo to a centred 28x28 digit: " + \
        ", ".join(name.replace("\n", " ") for _, name, _ in panels)
    return fig


def model_probabilities(probs: dict[str, np.ndarray], title: str = "", verdict: Verdict | None = None) -> CourseFigure:
    """One probability bar chart per model, side by side, for a single image, with the verdict.

    Parameters
    ----------
    probs : dict
        Model name to 10 probabilities (or an array of shape (1, 10)).
    title : str
    verdict : Verdict, optional
        What the networks say together (:func:`labsupport.inference.verdict`
        of ``probs`` by default): a sure answer, or "unsure" with the top two
        classes, written under the title (in red when unsure).

    Returns
    -------
    CourseFigure
    """
    if verdict is None:
        verdict = inference.verdict(probs)
    fig = CourseFigure(figsize=(3.2 * len(probs), 3.0))
    axes = np.atleast_1d(fig.subplots(1, len(probs)))
    said = []
    for ax, (name, p) in zip(axes, probs.items()):
        p = np.asarray(p).reshape(-1)
        probabilities(p, title=f"{name}: {int(p.argmax())} ({p.max():.0%})", ax=ax)
        said.append(f"{name} says {int(p.argmax())} ({p.max():.0%})")
    said_together = f"the networks say {verdict}" if verdict.sure else f"the networks are {verdict}"
    heading = f"{title}\n{said_together}" if title else said_together
    fig.suptitle(heading, fontsize=10, color="black" if verdict.sure else "#b00020")
    heading = heading.replace("\n", ": ")
    fig.alt = heading + "; class probabilities of each model; " + "; ".join(said)
    return fig


class Table:
    """An HTML table with a caption (plain text outside a notebook).

    Parameters
    ----------
    header : sequence of str
    rows : sequence of sequences
        Cells, already formatted as text.
    caption : str
    """

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]], caption: str = "") -> None:
        self.header, self.rows, self.caption = list(header), [list(r) for r in rows], caption

    def __repr__(self) -> str:
        widths = [max(len(str(c)) for c in column) for column in zip(self.header, *self.rows)]
        lines = [self.caption] if self.caption else []
        for row in [self.header] + self.rows:
            cells = (str(c).rjust(w) if k else str(c).ljust(w) for k, (c, w) in enumerate(zip(row, widths)))
            lines.append("  ".join(cells))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in self.rows
        )
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f"<table class='labsupport-table'>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def accuracy_table(
    rows: Sequence[tuple[str, str, int, dict[str, float]]], caption: str = ""
) -> Table:
    """The accuracy of each network with each pipeline (and for each kind of image), as a table.

    Parameters
    ----------
    rows : sequence
        ``(pipeline, kind, images, {model: accuracy})``, as from
        :func:`labsupport.handwriting.accuracy_rows`.
    caption : str

    Returns
    -------
    Table
    """
    models = list(rows[0][3]) if rows else []
    names = {"old": "old recipe", "new": "new pipeline"}
    return Table(
        ["pipeline", "images", *models],
        [[names.get(p, p) + ("" if kind == "all" else f", {kind}"), str(n), *(f"{acc[m]:.1%}" for m in models)]
         for p, kind, n, acc in rows],
        caption,
    )


def confusion_matrix(matrix: np.ndarray, title: str = "") -> CourseFigure:
    """Heatmap of a confusion matrix (seaborn), coloured by the errors.

    The diagonal (the correct answers) is left white with its counts in
    grey, so that the colour scale shows the off-diagonal cells, the errors
    (empty where there are none): row = true class, column = the class the
    network said.

    Parameters
    ----------
    matrix : ndarray of int, shape (10, 10)
        From :func:`labsupport.inference.confusion_matrix`.
    title : str

    Returns
    -------
    CourseFigure
    """
    import seaborn as sns  # only this figure needs it
    from matplotlib.ticker import MaxNLocator

    matrix = np.asarray(matrix)
    n = len(matrix)
    errors = matrix * (1 - np.eye(n, dtype=matrix.dtype))
    fig = CourseFigure(figsize=(6.4, 5.2))
    ax = fig.add_subplot()
    sns.heatmap(
        errors, mask=np.eye(n, dtype=bool), annot=np.where(errors > 0, errors.astype(str), ""), fmt="",
        cmap="Reds", vmin=0,
        vmax=max(int(errors.max()), 1), linewidths=0.5, linecolor="#dddddd", square=True,
        cbar_kws={"label": "images (errors only)", "ticks": MaxNLocator(integer=True)}, ax=ax,
    )
    for k in range(n):
        ax.text(k + 0.5, k + 0.5, str(int(matrix[k, k])), ha="center", va="center", fontsize=7, color="#777777")
    ax.set(xlabel="predicted class (digit)", ylabel="true class (digit)", title=title or "Confusion matrix")
    ax.tick_params(axis="y", rotation=0)
    order = np.argsort(errors, axis=None)[::-1][:3]
    top = [(int(i // n), int(i % n)) for i in order if errors.flat[i] > 0]
    confusions = ", ".join(f"{t} taken for {p} {int(errors[t, p])} times" for t, p in top)
    fig.alt = (
        f"Heatmap of the confusion matrix{' (' + title + ')' if title else ''}: true class in rows, predicted "
        f"class in columns; {int(errors.sum())} of {int(matrix.sum())} images wrong"
        + (f"; most frequent confusions: {confusions}" if confusions else "")
    )
    return fig


def flag_table(readings: Mapping[tuple[float, float], Mapping[str, float]], caption: str = "") -> Table:
    """The share of 1s each network reads as 1 for each flag, as a table.

    Parameters
    ----------
    readings : mapping
        ``(length, turn)`` to ``{model: share}``, as from
        :func:`labsupport.handwriting.flag_readings`.
    caption : str

    Returns
    -------
    Table
    """
    models = list(next(iter(readings.values()))) if readings else []
    return Table(
        ["flag length (of the height)", "angle from the stem", *models],
        [[f"{length:.0%}", f"{turn:.0f}°", *(f"{shares[m]:.0%}" for m in models)]
         for (length, turn), shares in readings.items()],
        caption,
    )
