"""What each layer of a network computes for one image."""

from __future__ import annotations

import keras
import numpy as np

from . import plots


def layer_outputs(model: keras.Model, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The output of every layer of ``model`` for the samples ``x``.

    Builds one sub-model from the model's input to all its layers' outputs,
    so the image goes through the network once. Layers behave as at
    prediction time (dropout and augmentation off).

    Parameters
    ----------
    model : keras.Model
        A model that starts with ``keras.Input`` (all models in :mod:`labsupport.models` do).
    x : ndarray
        A batch of inputs, e.g. shape (1, 28, 28, 1).

    Returns
    -------
    list of (str, ndarray)
        Layer name and its output, batch axis kept.
    """
    probe = keras.Model(model.inputs, [layer.output for layer in model.layers])
    outputs = probe.predict(x, verbose=0)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [(layer.name, np.asarray(out)) for layer, out in zip(model.layers, outputs)]


def layer_slider(outputs: list[tuple[str, np.ndarray]], index: int = 0):
    """An ipywidgets slider that shows one layer's output at a time (live kernel only).

    Parameters
    ----------
    outputs : list of (str, ndarray)
        From :func:`layer_outputs`, for a single image.
    index : int
        Index into ``outputs`` of the layer shown first.

    Returns
    -------
    ipywidgets.interactive
    """
    import ipywidgets as widgets
    from IPython.display import display

    names = [name for name, _ in outputs]

    def show(layer: int) -> None:
        name, out = outputs[layer]
        display(plots.layer_output(name, out[0]))

    slider = widgets.IntSlider(
        min=0, max=len(outputs) - 1, value=index, description="layer",
        layout=widgets.Layout(width="600px"),
    )
    label = widgets.Label()
    slider.observe(lambda change: setattr(label, "value", names[change["new"]]), names="value")
    label.value = names[index]
    return widgets.VBox([widgets.HBox([slider, label]), widgets.interactive_output(show, {"layer": slider})])
