"""labsupport.timing: measuring training speed."""

import keras
import numpy as np
import pytest

from labsupport import models, timing


def small_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_time_training_on_the_cpu():
    x = np.random.rand(256, 8).astype(np.float32)
    y = np.arange(256) % 10
    t = timing.time_training(small_model, x, y, device="CPU", batch_size=32, warmup_batches=2)
    assert t.device == "CPU" and t.images == 256
    assert t.seconds > 0 and t.images_per_second == pytest.approx(256 / t.seconds)


def policy_recorder():
    """Data, a model builder that records the global dtype policy it was called under, and the record."""
    x = np.random.rand(64, 8).astype(np.float32)
    y = np.arange(64) % 10
    seen = []

    def build():
        seen.append(keras.mixed_precision.global_policy().name)
        return small_model()

    return x, y, build, seen


def test_time_training_builds_under_the_device_policy_and_restores_the_global_one():
    x, y, build, seen = policy_recorder()

    assert timing.time_training(build, x, y, device="CPU", batch_size=32, warmup_batches=1).precision == "float32"
    t = timing.time_training(build, x, y, device="CPU", batch_size=32, warmup_batches=1, precision="mixed_float16")
    assert t.precision == "mixed_float16"
    assert seen == ["float32", "mixed_float16"]
    assert keras.mixed_precision.global_policy().name == "float32"  # restored


def test_work_runs_on_the_cpu():
    with timing.on_device("CPU"):
        out = keras.ops.convert_to_numpy(keras.ops.ones((2, 2)) * 3)
    np.testing.assert_array_equal(out, np.full((2, 2), 3.0))


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
    assert table[0].split() == ["device", "precision", "images", "seconds", "images/s", "speedup"]
    assert table[2].split() == ["GPU", "float32", "1000", "0.50", "2000", "20.0x"]
    mixed = timing.format_table([ts[0], timing.Timing("GPU", 1000, 0.5, "mixed_float16")]).splitlines()
    assert mixed[2].split() == ["GPU", "mixed_float16", "1000", "0.50", "2000", "20.0x"]
    with pytest.raises(ValueError, match="CPU timing"):
        timing.speedups(ts[1:])


def test_one_row_per_timing_even_for_two_precisions_on_one_device():
    cpu = timing.Timing("CPU", 1000, 10.0)
    fp32 = timing.Timing("GPU", 1000, 2.0, "float32")
    mixed = timing.Timing("GPU", 1000, 0.5, "mixed_float16")
    assert timing.relative_speeds([cpu, fp32, mixed]) == [1.0, 5.0, 20.0]
    rows = [line.split() for line in timing.format_table([cpu, fp32, mixed]).splitlines()[1:]]
    assert [(r[1], r[-1]) for r in rows] == [("float32", "1.0x"), ("float32", "5.0x"), ("mixed_float16", "20.0x")]


def test_time_training_reports_the_median_of_its_epochs(monkeypatch):
    x = np.random.rand(64, 8).astype(np.float32)
    y = np.arange(64) % 10
    ticks = iter([0.0, 1.0, 10.0, 13.0, 20.0, 22.0])  # epochs of 1, 3 and 2 seconds
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(ticks))
    t = timing.time_training(small_model, x, y, device="CPU", batch_size=32, warmup_batches=1, repeats=3)
    assert t.seconds == 2.0 and t.images == 64
    with pytest.raises(ValueError, match="repeats"):
        timing.time_training(small_model, x, y, repeats=0)


def test_forward_flops_of_the_course_models():
    # dense: 784*512 + 512*10 multiply-adds
    assert timing.forward_flops(models.dense_net()) == 2 * (784 * 512 + 512 * 10)
    conv = 2 * (26 * 26 * 9 * 1 * 32 + 24 * 24 * 9 * 32 * 32 + 10 * 10 * 9 * 32 * 64 + 8 * 8 * 9 * 64 * 64)
    dense = 2 * (1024 * 512 + 512 * 10)
    assert timing.forward_flops(models.cnn()) == conv + dense
    assert timing.training_flops_per_image(models.cnn()) == 3 * (conv + dense)


def test_matmul_speed_is_positive():
    assert timing.matmul_flops_per_second(n=128, repeats=2) > 1e6


def test_the_cpu_is_timed_in_float32_even_when_the_book_uses_mixed_precision():
    # a chapter on a tensor-core GPU sets mixed_float16 globally; the CPU baseline must not inherit it
    x, y, build, seen = policy_recorder()

    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        t = timing.time_training(build, x, y, device="CPU", batch_size=32, warmup_batches=1)
        assert keras.mixed_precision.global_policy().name == "mixed_float16"  # the book's policy is back
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert seen == ["float32"] and t.precision == "float32"
    assert "float32" in timing.format_table([t]).splitlines()[1]
