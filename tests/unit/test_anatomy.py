"""labsupport.anatomy: a network layer by layer."""

import keras
import pytest
from keras import layers

from labsupport import anatomy, models, timing


def small_model() -> keras.Model:
    # 5x5 conv -> 3x3 pool with stride 2 -> dilated 3x3 conv with stride 2 -> flatten -> dense
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(4, 5, padding="same", name="c1"),
        layers.BatchNormalization(name="n1"),
        layers.MaxPooling2D(3, strides=2, name="p1"),
        layers.Conv2D(6, 3, strides=2, dilation_rate=1, name="c2"),
        layers.Conv2D(2, 3, dilation_rate=2, name="c3"),
        layers.Flatten(name="f"),
        layers.Dense(7, name="d"),
    ])


def test_receptive_fields_follow_the_recursion_on_a_small_model():
    rows = anatomy.layer_table(small_model())
    # r_out = r_in + (k - 1) * j_in, j_out = j_in * s; a dilated 3x3 kernel (d=2) is 5 wide
    # c1: 1 + 4*1 = 5, j 1; n1 same; p1: 5 + 2*1 = 7, j 2; c2: 7 + 2*2 = 11, j 4; c3: 11 + 4*4 = 27, j 4
    assert [r.receptive_field for r in rows] == [(5, 5), (5, 5), (7, 7), (11, 11), (27, 27), None, None]
    assert [r.jump for r in rows] == [(1, 1), (1, 1), (2, 2), (4, 4), (4, 4), None, None]
    assert [r.output_shape for r in rows] == [(32, 32, 4), (32, 32, 4), (15, 15, 4), (7, 7, 6), (3, 3, 2), (18,), (7,)]
    assert [r.kind for r in rows][:3] == ["Conv2D", "BatchNormalization", "MaxPooling2D"]


def test_the_course_cnn_sees_3_5_6_10_14_16_pixels():
    model = models.build("cnn")
    rows = anatomy.layer_table(model)
    fields = {r.name: r.receptive_field[0] for r in rows if r.name.startswith(("conv", "pool"))}
    assert fields == {"conv1": 3, "conv2": 5, "pool2": 6, "conv3": 10, "conv4": 14, "pool4": 16}
    assert all(r.receptive_field[0] == r.receptive_field[1] for r in rows if r.receptive_field)
    assert {r.name: r.jump[0] for r in rows if r.name == "pool4"} == {"pool4": 4}
    assert all(r.receptive_field is None for r in rows[rows.index(next(r for r in rows if r.name == "flatten")):])


@pytest.mark.parametrize("name", ["dense", "cnn", "augmented_cnn"])
def test_parameters_are_keras_count_params_per_layer(name):
    model = models.build(name)
    rows = anatomy.layer_table(model)
    assert [r.name for r in rows] == [layer.name for layer in model.layers]
    assert [r.parameters for r in rows] == [layer.count_params() for layer in model.layers]
    assert sum(r.parameters for r in rows) == model.count_params()


def test_flops_per_layer_add_up_to_the_forward_pass():
    model = models.build("cnn")
    rows = {r.name: r.flops for r in anatomy.layer_table(model)}
    assert rows["conv1"] == 2 * 26 * 26 * 9 * 1 * 32
    assert rows["conv4"] == 2 * 8 * 8 * 9 * 64 * 64
    assert rows["dense5"] == 2 * 1024 * 512
    assert rows["bn1"] == rows["pool2"] == rows["softmax"] == 0
    assert sum(rows.values()) == anatomy.forward_flops(model) == timing.forward_flops(model)


def test_flops_of_grouped_depthwise_and_per_position_dense_layers():
    model = keras.Sequential([
        keras.Input((8, 8, 4)),
        layers.Conv2D(6, 3, groups=2, name="grouped"),   # each filter sees 2 of the 4 channels
        layers.DepthwiseConv2D(3, name="depthwise"),     # one 3x3 filter per channel
        layers.Dense(5, name="per_position"),            # acts on each of the 4x4 positions
    ])
    rows = anatomy.layer_table(model)
    flops = {r.name: r.flops for r in rows}
    assert flops == {"grouped": 2 * 6 * 6 * 9 * 2 * 6, "depthwise": 2 * 4 * 4 * 9 * 6, "per_position": 2 * 16 * 6 * 5}
    assert [r.receptive_field for r in rows] == [(3, 3), (5, 5), (5, 5)]  # the per-position Dense is a 1x1 window


def test_channels_first_convolutions_count_the_same_flops():
    last = keras.Sequential([keras.Input((10, 10, 3)), layers.Conv2D(4, 3, name="c")])
    first = keras.Sequential([keras.Input((3, 10, 10)), layers.Conv2D(4, 3, data_format="channels_first", name="c")])
    assert anatomy.forward_flops(first) == anatomy.forward_flops(last) == 2 * 8 * 8 * 9 * 3 * 4


def test_an_unknown_sliding_window_is_refused():
    model = keras.Sequential([keras.Input((10, 1)), layers.Conv1D(2, 3, name="c")])
    with pytest.raises(ValueError, match="receptive field through c"):
        anatomy.layer_table(model)


def test_format_table_has_one_line_per_layer():
    rows = anatomy.layer_table(models.build("cnn"))
    text = anatomy.format_table(rows)
    lines = text.splitlines()
    assert len(lines) == len(rows) + 1 and lines[0].split()[:3] == ["layer", "output", "field"]
    pool4 = next(line for line in lines if line.startswith("pool4"))
    assert pool4.split() == ["pool4", "4x4x64", "16", "4", "0", "-"]
    assert next(line for line in lines if line.startswith("flatten")).split()[2] == "all"
    assert "389,376" in next(line for line in lines if line.startswith("conv1"))
