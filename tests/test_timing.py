import keras
import numpy as np
import pytest

from labsupport import models, timing


def small_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4), keras.layers.Dense(10, activation="softmax")])
    return models.compile_classifier(model)


def test_time_training_on_the_cpu():
    x = np.random.rand(256, 8).astype(np.float32)
    y = np.arange(256) % 10
    t = timing.time_training(small_model, x, y, device="CPU", batch_size=32, warmup_batches=2)
    assert t.device == "CPU" and t.images == 256
    assert t.seconds > 0 and t.images_per_second == pytest.approx(256 / t.seconds)


def test_cpu_is_always_available():
    assert timing.available_devices()[0] == "CPU"


def test_unknown_or_missing_device(monkeypatch):
    with pytest.raises(ValueError, match="'CPU' or 'GPU'"):
        with timing.on_device("TPU"):
            pass
    monkeypatch.setattr(timing, "available_devices", lambda: ["CPU"])
    with pytest.raises(ValueError, match="no GPU"):
        with timing.on_device("GPU"):
            pass


def test_speedups_and_table():
    ts = [timing.Timing("CPU", 1000, 10.0), timing.Timing("GPU", 1000, 0.5)]
    assert timing.speedups(ts) == {"CPU": 1.0, "GPU": 20.0}
    table = timing.format_table(ts).splitlines()
    assert table[0].split() == ["device", "images", "seconds", "images/s", "speedup"]
    assert table[2].split() == ["GPU", "1000", "0.50", "2000", "20.0x"]
    with pytest.raises(ValueError, match="CPU timing"):
        timing.speedups(ts[1:])


def test_speed_bars_figure():
    from labsupport import plots

    fig = plots.speed_bars([timing.Timing("CPU", 100, 2.0)])
    assert "CPU 50 images per second" in fig.alt_text()


def test_forward_flops_of_the_course_models():
    # dense: 784*512 + 512*10 multiply-adds
    assert timing.forward_flops(models.dense_net()) == 2 * (784 * 512 + 512 * 10)
    conv = 2 * (26 * 26 * 9 * 1 * 32 + 24 * 24 * 9 * 32 * 32 + 10 * 10 * 9 * 32 * 64 + 8 * 8 * 9 * 64 * 64)
    dense = 2 * (1024 * 512 + 512 * 10)
    assert timing.forward_flops(models.cnn()) == conv + dense
    assert timing.training_flops_per_image(models.cnn()) == 3 * (conv + dense)


def test_matmul_speed_is_positive():
    assert timing.matmul_flops_per_second(n=128, repeats=2) > 1e6


def test_cpu_augmented_batches():
    x = -np.ones((10, 28, 28, 1), np.float32)
    x[:, 8:20, 12:16] = 1.0
    y = np.arange(10)
    batches = timing.CpuAugmentedBatches(x, y, batch_size=4, seed=0)
    assert len(batches) == 3
    bx, by = batches[2]
    assert bx.shape == (2, 28, 28, 1) and list(by) == [8, 9]
    bx, _ = batches[0]
    assert -1.0 - 1e-6 <= bx.min() and bx.max() <= 1.0 + 1e-6
    assert not np.allclose(bx, x[:4])  # transformed
    assert (bx > 0).sum() > 0.6 * (x[:4] > 0).sum()  # the digit is still there
