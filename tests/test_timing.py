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
