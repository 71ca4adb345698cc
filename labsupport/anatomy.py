"""A network layer by layer: output size, receptive field, parameters and FLOPs.

The receptive field of a unit is the patch of the input image that can
influence it. It follows from the layers' kernel sizes and strides by the
standard recursion, from the input (``r = 1`` pixel, ``j = 1`` pixel between
neighbouring units) forwards::

    r_out = r_in + (k - 1) * j_in        j_out = j_in * s

for a layer with kernel (or pooling window) ``k`` and stride ``s``; a dilated
kernel counts as ``d * (k - 1) + 1`` wide. Layers that act on each position
separately (batch normalization, activations, dropout, augmentation) change
neither. After ``Flatten``, a dense layer or global pooling every unit sees
the whole input. Padding moves the patch's centre but not its size. The
field is the *theoretical* one: it can be larger than the image, and
trained networks tend to weigh its centre much more than its edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras

#: Layers whose window slides over the image, with their kernel attribute.
_WINDOWED = {
    keras.layers.Conv2D: "kernel_size",
    keras.layers.DepthwiseConv2D: "kernel_size",
    keras.layers.MaxPooling2D: "pool_size",
    keras.layers.AveragePooling2D: "pool_size",
}

#: Layers after which every unit sees the whole input (a Dense layer only on flat inputs).
_GLOBAL = (
    keras.layers.Flatten,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalMaxPooling2D,
)


def _sees_everything(layer: keras.layers.Layer) -> bool:
    if isinstance(layer, keras.layers.Dense):
        return len(layer.input.shape) == 2  # on feature maps, a Dense acts at each position (a 1x1 window)
    return isinstance(layer, _GLOBAL)


@dataclass(frozen=True)
class LayerInfo:
    """One layer of a network, accounted for.

    Attributes
    ----------
    name : str
    kind : str
        The layer's class name (``"Conv2D"``, ...).
    output_shape : tuple of int
        One sample's output, without the batch axis.
    receptive_field : tuple of int or None
        Height and width in input pixels of the patch one output unit sees;
        ``None`` when every unit sees the whole input.
    jump : tuple of int or None
        Input pixels between neighbouring output units (the product of the
        strides so far); ``None`` with ``receptive_field``.
    parameters : int
        ``layer.count_params()``, non-trainable ones included.
    flops : int
        Floating-point operations of one forward pass for one sample,
        multiply-adds counting 2; only convolutions and dense layers are
        counted (0 for the others), as they do nearly all the work.
    """

    name: str
    kind: str
    output_shape: tuple[int, ...]
    receptive_field: tuple[int, int] | None
    jump: tuple[int, int] | None
    parameters: int
    flops: int


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _window(layer: keras.layers.Layer) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Effective kernel size and stride of a sliding-window layer, per axis; ``None`` for other layers."""
    for cls, attribute in _WINDOWED.items():
        if isinstance(layer, cls):
            size = _pair(getattr(layer, attribute))
            strides = _pair(layer.strides if layer.strides is not None else size)
            dilation = _pair(getattr(layer, "dilation_rate", 1))
            return tuple(d * (k - 1) + 1 for k, d in zip(size, dilation)), strides
    return None


def _spatial(layer: keras.layers.Layer) -> tuple[int, int, int]:
    """Height, width and channels of a 2-D layer's output, whatever its data format."""
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        _, c, h, w = layer.output.shape
    else:
        _, h, w, c = layer.output.shape
    return h, w, c


def _channels_in(layer: keras.layers.Layer) -> int:
    first = getattr(layer, "data_format", "channels_last") == "channels_first"
    return layer.input.shape[1] if first else layer.input.shape[-1]


def layer_flops(layer: keras.layers.Layer) -> int:
    """FLOPs of one forward pass of a built layer for one sample (multiply-adds count 2).

    Counts ``Conv2D`` (and ``DepthwiseConv2D``) and ``Dense``; every other
    layer counts 0. Bias additions are left out.

    Parameters
    ----------
    layer : keras.layers.Layer
        A layer of a built model (its input and output shapes are known).

    Returns
    -------
    int
    """
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        h, w, c_out = _spatial(layer)
        kh, kw = _pair(layer.kernel_size)
        return int(2 * h * w * kh * kw * c_out)
    if isinstance(layer, keras.layers.Conv2D):
        h, w, c_out = _spatial(layer)
        kh, kw = _pair(layer.kernel_size)
        return int(2 * h * w * kh * kw * (_channels_in(layer) // layer.groups) * c_out)
    if isinstance(layer, keras.layers.Dense):
        positions = math.prod(layer.input.shape[1:-1])  # a Dense on feature maps acts at each position
        return int(2 * positions * layer.input.shape[-1] * layer.units)
    return 0


def layer_table(model: keras.Model) -> list[LayerInfo]:
    """Every layer of a chain of layers (e.g. a ``keras.Sequential``), accounted for in order.

    Parameters
    ----------
    model : keras.Model
        Built, starting with ``keras.Input``, each layer feeding the next
        (all models in :mod:`labsupport.models` are).

    Returns
    -------
    list of LayerInfo
        ``sum(row.parameters)`` is ``model.count_params()`` and
        ``sum(row.flops)`` the FLOPs of one forward pass for one sample.

    Raises
    ------
    ValueError
        For a layer with a sliding window that this module does not know
        (e.g. 1-D or 3-D convolutions): its receptive field would be wrong.
    """
    field, jump = (1, 1), (1, 1)
    rows = []
    for layer in model.layers:
        window = _window(layer)
        if window is None and (hasattr(layer, "kernel_size") or hasattr(layer, "pool_size")):
            raise ValueError(f"cannot follow the receptive field through {layer.name} ({type(layer).__name__})")
        if _sees_everything(layer):
            field = jump = None
        elif window is not None and field is not None:
            (kh, kw), (sh, sw) = window
            field = (field[0] + (kh - 1) * jump[0], field[1] + (kw - 1) * jump[1])
            jump = (jump[0] * sh, jump[1] * sw)
        rows.append(
            LayerInfo(
                name=layer.name,
                kind=type(layer).__name__,
                output_shape=tuple(int(n) for n in layer.output.shape[1:]),
                receptive_field=field,
                jump=jump,
                parameters=int(layer.count_params()),
                flops=layer_flops(layer),
            )
        )
    return rows


def forward_flops(model: keras.Model) -> int:
    """FLOPs of one forward pass of ``model`` for one sample: :func:`layer_flops` summed over its layers."""
    return sum(layer_flops(layer) for layer in model.layers)


def format_table(rows: list[LayerInfo]) -> str:
    """A text table, one line per layer: output, receptive field, step, parameters and FLOPs.

    "field" is the receptive field in input pixels ("all": the whole input),
    "step" the input pixels between neighbouring units; FLOPs not counted
    (layers other than convolutions and dense layers) show as "-".
    """
    def pair(p: tuple[int, int]) -> str:
        return str(p[0]) if p[0] == p[1] else f"{p[0]}x{p[1]}"

    lines = [f"{'layer':<10}{'output':>10}{'field':>7}{'step':>6}{'parameters':>12}{'FLOPs':>12}"]
    for row in rows:
        shape = "x".join(str(n) for n in row.output_shape)
        field = "all" if row.receptive_field is None else pair(row.receptive_field)
        step = "" if row.jump is None else pair(row.jump)
        flops = f"{row.flops:,}" if row.flops else "-"
        lines.append(f"{row.name:<10}{shape:>10}{field:>7}{step:>6}{row.parameters:>12,}{flops:>12}")
    return "\n".join(lines)
