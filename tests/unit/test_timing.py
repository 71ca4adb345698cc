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
    t = timing.time_training(small_model, x, y, device="CPU", batch_size=32, warmup_batches=2, epochs=2)
    assert t.device == "CPU" and t.images == 4 * 32  # one sample: 4 steps of 32 images
    assert len(t.samples) == 2 * (256 // 32 // 4) and min(t.samples) <= t.seconds <= max(t.samples)
    assert t.seconds > 0 and t.images_per_second == pytest.approx(128 / t.seconds)


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

    assert timing.time_training(build, x, y, device="CPU", batch_size=16, warmup_batches=1).precision == "float32"
    t = timing.time_training(build, x, y, device="CPU", batch_size=16, warmup_batches=1, precision="mixed_float16")
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
    assert table[0].split()[:6] == ["device", "precision", "images", "seconds", "images/s", "speedup"]
    assert "spread of samples" in table[0]
    assert table[2].split() == ["GPU", "float32", "1000", "0.50", "2000", "20.0x", "-"]
    assert len(table) == 3  # single measurements: no line about a statistic
    mixed = timing.format_table([ts[0], timing.Timing("GPU", 1000, 0.5, "mixed_float16")]).splitlines()
    assert mixed[2].split() == ["GPU", "mixed_float16", "1000", "0.50", "2000", "20.0x", "-"]
    with pytest.raises(ValueError, match="CPU timing"):
        timing.speedups(ts[1:])


def test_the_table_prints_the_spread_of_the_samples_and_the_statistic():
    t = timing.Timing("CPU", 512, 0.3, samples=(0.3, 0.62, 0.29, 0.31), quantile=0.25)
    assert t.spread == (0.29, 0.62)
    lines = timing.format_table([t]).splitlines()
    assert lines[1].split()[-2:] == ["0.29-0.62", "(n=4)"]
    assert lines[-1] == "seconds: the 25th percentile of each row's samples; images: per sample"
    assert timing.Timing("CPU", 1, 2.0).spread == (2.0, 2.0)


def test_one_row_per_timing_even_for_two_precisions_on_one_device():
    cpu = timing.Timing("CPU", 1000, 10.0)
    fp32 = timing.Timing("GPU", 1000, 2.0, "float32")
    mixed = timing.Timing("GPU", 1000, 0.5, "mixed_float16")
    assert timing.relative_speeds([cpu, fp32, mixed]) == [1.0, 5.0, 20.0]
    rows = [line.split() for line in timing.format_table([cpu, fp32, mixed]).splitlines()[1:]]
    assert [(r[1], r[5]) for r in rows] == [("float32", "1.0x"), ("float32", "5.0x"), ("mixed_float16", "20.0x")]


class BimodalClock:
    """A fake ``time.perf_counter``: each call is one tick of :class:`timing.StepClock`.

    Ticks come per epoch: the epoch's start, then the end of each step. Steps
    of a "slow" epoch take exactly twice as long as those of a fast one, as
    on the course's 2-core build machines.
    """

    def __init__(self, steps_per_epoch: int, slow_epochs: list[bool], fast_step: float = 0.1) -> None:
        self.gaps = []
        for slow in slow_epochs:
            self.gaps.append(0.05)  # between epochs: not in any sample
            self.gaps += [fast_step * (2 if slow else 1)] * steps_per_epoch
        self.now = 0.0
        self.calls = 0

    def __call__(self) -> float:
        self.now += self.gaps[self.calls]
        self.calls += 1
        return self.now


def test_a_slow_spell_cannot_decide_the_figure(monkeypatch):
    # 64 images in batches of 8: 8 steps per epoch, samples of 2 steps (16 images).
    # Two of three epochs are slow, so the median of the samples (or of the
    # epochs) would be the slow speed; the stated statistic gives the fast one.
    x = np.random.rand(64, 8).astype(np.float32)
    y = np.arange(64) % 10
    clock = BimodalClock(steps_per_epoch=8, slow_epochs=[True, False, True])
    monkeypatch.setattr(timing.time, "perf_counter", clock)
    t = timing.time_training(small_model, x, y, batch_size=8, warmup_batches=1, epochs=3, steps_per_sample=2)
    assert clock.calls == 3 * (1 + 8)  # every step of every timed epoch was seen, nothing else
    assert t.images == 2 * 8 and len(t.samples) == 3 * 4
    assert sorted(t.samples) == pytest.approx([0.2] * 4 + [0.4] * 8)
    assert t.seconds == pytest.approx(0.2) and t.images_per_second == pytest.approx(80.0)  # the fast mode
    assert float(np.median(t.samples)) == pytest.approx(0.4)  # what a median would have said
    assert t.quantile == timing.QUANTILE and t.spread == pytest.approx((0.2, 0.4))
    with pytest.raises(ValueError, match="epochs"):
        timing.time_training(small_model, x, y, epochs=0)
    with pytest.raises(ValueError, match="fewer than one sample"):
        timing.time_training(small_model, x, y, batch_size=32, steps_per_sample=4)


def test_the_step_clock_counts_every_step_and_the_images_add_up():
    # 100 images in batches of 16: 6 full steps and a last one of 4 images
    x = np.random.rand(100, 8).astype(np.float32)
    y = np.arange(100) % 10
    model = small_model()
    clock = timing.StepClock(sync_every=2)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[clock])
    assert [len(epoch) for epoch in clock.ticks] == [1 + 7, 1 + 7]
    assert all(np.all(np.diff(epoch) >= 0) for epoch in clock.ticks)
    samples = timing.step_samples(clock.ticks, steps_per_sample=2, full_steps=100 // 16)
    assert len(samples) == 2 * 3  # the short last batch is in no sample
    ticks = [[0.0, 1.0, 2.0, 3.0, 4.5, 5.0, 6.0, 7.5]]
    assert timing.step_samples(ticks, steps_per_sample=3, full_steps=6) == [3.0, 3.0]
    with pytest.raises(ValueError, match="steps_per_sample"):
        timing.step_samples(ticks, steps_per_sample=0, full_steps=6)


def test_the_training_log_and_the_measurement_are_compared_like_with_like():
    # chapter 3's log: first epoch compiles, then one fast and one slow epoch
    history = {"seconds": [12.0, 10.0, 20.0], "train_seconds": [11.0, 9.0, 18.0]}
    assert timing.logged_speed(history, images=9000) == (1000.0, "train_seconds")
    # an older log without train_seconds: the whole epoch, validation included
    assert timing.logged_speed({"seconds": [12.0, 10.0]}, images=9000) == (900.0, "seconds")
    assert timing.logged_speed({"seconds": [10.0]}, images=9000) == (900.0, "seconds")  # one epoch: it counts
    assert timing.logged_speed({"accuracy": [0.9]}, images=9000) is None


def test_logged_speed_of_step_samples_is_the_statistic_time_training_reports():
    # a log with step samples: the same quantile as time_training, so a slow spell (the 2.0 s samples)
    # decides neither figure, and epoch times are not used
    samples = [1.0, 1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 1.0]
    history = {"step_samples": samples, "images_per_sample": 512, "train_seconds": [99.0, 99.0]}
    speed, source = timing.logged_speed(history, images=9000)
    assert source == "step_samples"
    assert speed == 512 / float(np.quantile(samples, timing.QUANTILE)) == 512.0
    assert timing.agreement(1100.0, 1000.0) == (True, pytest.approx(0.1))
    assert timing.agreement(800.0, 1000.0) == (True, pytest.approx(-0.2))
    assert timing.agreement(500.0, 1000.0) == (False, pytest.approx(-0.5))


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
        t = timing.time_training(build, x, y, device="CPU", batch_size=16, warmup_batches=1)
        assert keras.mixed_precision.global_policy().name == "mixed_float16"  # the book's policy is back
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert seen == ["float32"] and t.precision == "float32"
    assert "float32" in timing.format_table([t]).splitlines()[1]


def test_compare_with_log_says_whether_the_two_speeds_agree():
    here = timing.Timing("CPU", 512, 0.5, samples=(0.5, 0.5, 1.0), quantile=timing.QUANTILE)  # 1,024 images/s
    machine = "CPU only: test (2 cores)"

    def log(seconds_per_sample, hardware=machine):
        return {"step_samples": [seconds_per_sample] * 8, "images_per_sample": 512, "hardware": hardware}

    agree = timing.compare_with_log(here, log(0.55), 15000, machine, "chapter 3's log")
    assert "agree within 20%" in agree and "931 images/s" in agree and "1,024 images/s" in agree
    differ = timing.compare_with_log(here, log(1.0), 15000, machine)
    assert "differ by +100%" in differ and "do not agree" in differ
    assert "not from this machine" in timing.compare_with_log(here, log(0.5, "another"), 15000, machine)
    assert "older one" in timing.compare_with_log(here, {"train_seconds": [9.0, 9.0]}, 15000, machine)
    assert "No training log" in timing.compare_with_log(here, {}, 15000, machine)
