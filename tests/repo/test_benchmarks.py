"""The benchmark scripts in tools/benchmarks: their pure helpers and their plumbing.

No assertion here depends on how fast anything runs: the timing helpers are
driven by fake work and a fake clock.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from labsupport import augment, data, digits, models, profile, synthetic
from tools.benchmarks import own_digits, speed, tiny_photos
from tools.benchmarks.cpu_feeding import CpuAugmentedBatches

from fakes import TINY, separable_arrays

ROOT = Path(__file__).resolve().parents[2]


# --- speed.py: summaries, interleaving, the ceiling ------------------------------


def test_summarize_gives_median_and_range():
    s = speed.summarize([3.0, 1.0, 10.0, 2.0, 4.0])
    assert (s.median, s.low, s.high, s.n) == (3.0, 1.0, 10.0, 5)
    assert speed.summarize([1, 2, 3, 10]).median == 2.5  # an outlier does not move it
    assert s.format() == "3.00 [1.00-10.00]" and s.format(1) == "3.0 [1.0-10.0]"
    with pytest.raises(ValueError, match="no measurements"):
        speed.summarize([])


class FakeWork:
    """Callables that record their turn and advance a fake clock by a fixed duration each."""

    def __init__(self, durations: dict[str, float]) -> None:
        self.now = 0.0
        self.calls: list[str] = []
        self.durations = durations

    def clock(self) -> float:
        return self.now

    def run(self, name: str):
        def work() -> None:
            self.calls.append(name)
            self.now += self.durations[name]

        return work


def test_interleaved_takes_turns_after_the_warmup():
    work = FakeWork({"A": 1.0, "B": 3.0})
    runs = {"A": work.run("A"), "B": work.run("B")}
    seconds = speed.interleaved(runs, repeats=3, warmup=1, clock=work.clock)
    assert work.calls == ["A", "B"] + ["A", "B"] * 3
    assert seconds == {"A": [1.0, 1.0, 1.0], "B": [3.0, 3.0, 3.0]}  # warm-up rounds are not timed


def test_interleaved_times_each_round_separately():
    work = FakeWork({"A": 1.0, "B": 2.0, "C": 0.5})
    slow = iter([0.0, 5.0, 0.0])  # the machine is busy during the second round
    runs = {name: work.run(name) for name in "ABC"}

    def busy_a() -> None:
        runs["A"]()
        work.now += next(slow)

    seconds = speed.interleaved({**runs, "A": busy_a}, repeats=3, warmup=0, clock=work.clock)
    assert work.calls == list("ABC") * 3
    assert seconds["A"] == [1.0, 6.0, 1.0] and seconds["B"] == [2.0] * 3
    assert speed.summarize(seconds["A"]).median == 1.0
    with pytest.raises(ValueError, match="at least 1"):
        speed.interleaved(runs, repeats=0)


def test_paired_ratios():
    assert speed.paired_ratios([2.0, 3.0], [1.0, 2.0]) == [2.0, 1.5]
    with pytest.raises(ValueError, match="as many"):
        speed.paired_ratios([1.0], [1.0, 2.0])


def test_ceiling_is_the_faster_source_by_its_best_run():
    measured = {"Keras matmul": [100.0, 120.0, 110.0], "NumPy matmul": [90.0, 130.0, 95.0]}
    assert speed.pick_ceiling(measured) == ("NumPy matmul", 130.0)
    measured["Keras matmul"].append(150.0)
    assert speed.pick_ceiling(measured) == ("Keras matmul", 150.0)
    with pytest.raises(ValueError):
        speed.pick_ceiling({})


def test_ceiling_sources_are_named_and_measured_in_turns():
    names = list(speed.ceiling_sources())
    assert len(names) == 2 and names[0].startswith("Keras ") and names[1].startswith("NumPy matmul (")
    calls = []
    fake = {"a": lambda: calls.append("a") or 1.0, "b": lambda: calls.append("b") or 2.0}
    assert speed.measure_ceiling(fake, runs=2) == {"a": [1.0, 1.0], "b": [2.0, 2.0]}
    assert calls == ["a", "b", "a", "b"]


def test_numpy_matmul_speed_is_positive():
    assert speed.numpy_matmul_flops_per_second(n=64, repeats=2) > 0
    assert isinstance(speed.blas_name(), str)


def test_speed_arguments():
    args = speed.parse_args([])
    assert (args.images, args.repeats, args.no_accuracy) == (speed.DEFAULT_IMAGES, speed.DEFAULT_REPEATS, False)
    assert speed.DEFAULT_REPEATS >= 5
    args = speed.parse_args(["--images", "500", "--repeats", "5", "--no-accuracy"])
    assert (args.images, args.repeats, args.no_accuracy) == (500, 5, True)
    with pytest.raises(SystemExit):
        speed.parse_args(["--repeats", "0"])


def test_speed_report_takes_every_ratio_from_medians(monkeypatch, capsys):
    """main() with fake measurements whose means and medians disagree: the report must use medians.

    Times per model give images/s and the ceiling share from their medians;
    the speedup is the median of the round-by-round ratios (not the ratio of
    the two medians, which is 1.5 here).
    """
    from labsupport import timing

    monkeypatch.setattr(speed, "chapter_times", lambda: [("01_intro", 2.0), ("02_dense", 3.5)])
    monkeypatch.setattr(data, "load_mnist", lambda *a, **k: None)
    monkeypatch.setattr(speed, "time_models", lambda arrays, profile, images, repeats: {
        "dense": (1000, speed.summarize([1.0, 2.0, 9.0])),
        "cnn": (1000, speed.summarize([2.0, 4.0, 40.0])),
    })
    monkeypatch.setattr(speed, "model_accuracies", lambda arrays, profile: {"dense": 0.97, "cnn": 0.99})
    monkeypatch.setattr(speed, "time_feedings", lambda arrays, profile, images, repeats: (
        1000, {"ours": [1.0, 2.0, 4.0], "original": [3.0, 6.0, 2.0]}))
    # medians 2 and 3 (ratio 1.5); round by round 3, 3, 0.5: the speedup is their median, 3
    monkeypatch.setattr(speed, "ceiling_sources", lambda: {"Keras fake": None, "NumPy fake": None})
    monkeypatch.setattr(speed, "measure_ceiling", lambda sources: {"Keras fake": [1e9, 2e9],
                                                                   "NumPy fake": [3e9, 1e9]})

    assert speed.main(["--repeats", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "median [min-max] of 3 interleaved samples" in out[1]
    assert any(line.split() == ["all", "chapters", "5.5", "s"] for line in out)
    dense = next(line for line in out if line.split()[:1] == ["dense"])
    assert dense.split() == ["dense", "1000", "2.00", "[1.00-9.00]", "500", "0.9700"]
    sides = {line.split()[0]: line.split()[-2:] for line in out if line.lstrip().startswith(("ours (", "original ("))}
    assert sides == {"ours": ["2.00", "[1.00-4.00]"], "original": ["3.00", "[2.00-6.00]"]}
    assert "   ceiling: NumPy fake, 3.0 GFLOP/s (its best run)" in out
    cnn_flops = timing.training_flops_per_image(models.build("cnn")) * 1000 / 4.0
    share = next(line for line in out if line.split()[:1] == ["cnn"] and "ceiling" in line)
    assert share.split()[3] == f"{100 * cnn_flops / 3e9:.1f}"
    assert out[-1] == "augmented-epoch speedup vs original feeding: 3.00x"


def test_fast_epochs_are_repeated_until_a_sample_is_long_enough():
    assert speed.epochs_per_sample(0.1, min_seconds=1.5) == 15
    assert speed.epochs_per_sample(2.0, min_seconds=1.5) == 1
    assert speed.epochs_per_sample(0.0) == speed.MAX_EPOCHS_PER_SAMPLE
    assert speed.epochs_per_sample(1e-6) == speed.MAX_EPOCHS_PER_SAMPLE


@pytest.mark.parametrize("how", [["tools/benchmarks/speed.py"], ["-m", "tools.benchmarks.speed"]])
def test_speed_runs_as_a_file_or_a_module(how):
    result = subprocess.run([sys.executable, *how, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--images" in result.stdout and "--repeats" in result.stdout


# --- cpu_feeding.py ---------------------------------------------------------------


def test_cpu_feeding_reads_the_course_ranges(monkeypatch):
    x = data.image_inputs(synthetic_digits(5))
    y = np.arange(5)
    batches = CpuAugmentedBatches(x, y, batch_size=2, seed=0)
    assert len(batches) == 3 and batches.ranges == augment.RANGES
    images, labels = batches[2]
    assert images.shape == (1, 28, 28, 1) and images.dtype == np.float32 and list(labels) == [4]
    assert not np.allclose(batches[0][0], x[:2], atol=1e-3)  # warped

    for key in augment.RANGES:
        monkeypatch.setitem(augment.RANGES, key, 0.0)
    still = CpuAugmentedBatches(x, y, batch_size=5, seed=0)
    np.testing.assert_allclose(still[0][0], x, atol=1e-5)  # no range, no change
    with pytest.raises(ValueError, match="unknown augmentation"):
        CpuAugmentedBatches(x, y, ranges={"twist": 1.0})


def synthetic_digits(n: int) -> np.ndarray:
    """uint8 images with an off-centre bright block (any warp moves it)."""
    x = np.zeros((n, 28, 28), np.uint8)
    x[:, 6:14, 9:20] = 255
    return x


# --- own_digits.py ----------------------------------------------------------------


def test_labelled_files(tmp_path):
    for name in ["7_b.JPG", "3_a.png", "12_two_digits.png", "x_no_label.png", "5.png", "4_notes.txt", "0_c.jpeg"]:
        (tmp_path / name).write_bytes(b"")
    found = own_digits.labelled_files(tmp_path)
    assert [(p.name, label) for p, label in found] == [("0_c.jpeg", 0), ("3_a.png", 3), ("7_b.JPG", 7)]


def test_labelled_files_errors(tmp_path):
    with pytest.raises(digits.DigitImageError, match="no such folder"):
        own_digits.labelled_files(tmp_path / "missing")
    (tmp_path / "photo.png").write_bytes(b"")
    with pytest.raises(digits.DigitImageError, match="no images named like"):
        own_digits.labelled_files(tmp_path)


def test_evaluate_takes_files_and_their_kinds():
    files = [(Path("3_a.png"), 3), (Path("8_b.png"), 8)]

    def fails_on_b(path: Path) -> np.ndarray:
        if path.name.startswith("8"):
            raise digits.DigitImageError("no ink")
        return np.zeros((28, 28), np.uint8)

    networks = {"dense": models.dense_net(8)}
    results = own_digits.evaluate(files, networks, {"picky": fails_on_b}, kinds={"8_b.png": "drawn"})
    assert [(s.name, s.label, s.kind) for s in results.samples] == [("3_a.png", 3, ""), ("8_b.png", 8, "drawn")]
    assert results.failures == {"picky": ["", "no ink"]}
    assert results.probabilities["picky"]["dense"].shape == (2, 10)
    assert not results.correct("picky", "dense")[1]  # an unread photo is never right


def handmade_results(names: list[str], kinds: tuple[str, str] = ("", "")) -> own_digits.Results:
    samples = [own_digits.Sample("3_a.png", 3, Path("3_a.png"), kinds[0]),
               own_digits.Sample("7_b.png", 7, Path("7_b.png"), kinds[1])]
    said = {"old": np.eye(10)[[3, 1]] * 0.9 + 0.01, "new": np.eye(10)[[3, 7]] * 0.9 + 0.01}
    if "dense" in names:
        dense_new = np.eye(10)[[3, 2]] * 0.5 + 0.05  # dense gets the 7 wrong: 2 at 55%
    return own_digits.Results(
        samples,
        {p: {n: (dense_new if (n, p) == ("dense", "new") else said[p]) for n in names} for p in ("old", "new")},
        {"old": ["", "could not find a digit"], "new": ["", ""]},
    )


def test_report_lists_every_model_the_failures_and_the_headline():
    lines = own_digits.report(handmade_results(["dense", "augmented_cnn"]))
    assert lines[0].split() == ["file", "label", "old", "dense", "old", "augmented_cnn", "new", "dense",
                                "new", "augmented_cnn"]
    assert lines[1].split() == ["3_a.png", "3", "3", "3", "3", "3"]
    assert lines[2].split() == ["7_b.png", "7", "err*", "err*", "2*", "7"]
    assert lines[3] == "old pipeline could not read 7_b.png: could not find a digit"
    assert lines[5].startswith("new pipeline: 1 images some network got wrong")
    assert lines[6] == "  7_b.png (a 7): dense 2 (55%)*, augmented_cnn 7 (91%)"
    assert lines[-4].split() == ["top-1", "accuracy", "dense", "augmented_cnn"]
    assert lines[-3].split() == ["old", "pipeline", "0.500", "0.500"]
    assert lines[-2].split() == ["new", "pipeline", "0.500", "1.000"]
    assert lines[-1] == "new-pipeline augmented-CNN accuracy: 1.000"


def test_report_gives_the_accuracy_of_each_kind():
    lines = own_digits.report(handmade_results(["dense", "augmented_cnn"], kinds=("photo", "drawn")))
    assert "  7_b.png (a 7, drawn): dense 2 (55%)*, augmented_cnn 7 (91%)" in lines
    assert lines[-6].split() == ["new", "pipeline", "0.500", "1.000"]
    assert lines[-5].split() == ["old", "pipeline,", "drawn", "(1)", "0.000", "0.000"]
    assert lines[-4].split() == ["old", "pipeline,", "photo", "(1)", "1.000", "1.000"]
    assert lines[-3].split() == ["new", "pipeline,", "drawn", "(1)", "0.000", "1.000"]
    assert lines[-2].split() == ["new", "pipeline,", "photo", "(1)", "1.000", "1.000"]
    assert lines[-1] == "new-pipeline augmented-CNN accuracy: 1.000"


def test_report_without_the_augmented_cnn_has_no_headline():
    lines = own_digits.report(handmade_results(["cnn"]))
    assert lines[-1].split() == ["new", "pipeline", "1.000"]
    assert "new pipeline: 0 images some network got wrong" in lines[-5]


def test_main_usage_errors(tmp_path, capsys):
    assert own_digits.main([]) == 2
    assert own_digits.main(["a", "b"]) == 2
    assert own_digits.main([str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().out



def tiny_dense(units: int = 16) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(784,), name="pixels"),
            layers.Dense(units, activation="relu", name="hidden"),
            layers.Dense(models.N_CLASSES, activation="softmax", name="output"),
        ],
        name="tiny_dense",
    )


def test_main_on_photos_with_a_tiny_registry(tmp_path, monkeypatch, capsys):
    """The whole script: photos in a folder, the registry's one model trained into an empty cache."""
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(7)
    for label in (2, 5, 8):
        synthetic.render_photo(label, rng, size=160).save(folder / f"{label}_photo.jpg")
    (folder / "9_not_an_image.png").write_bytes(b"not a png")

    rng = np.random.default_rng(1)
    labels = (np.arange(120) % 10).astype(np.uint8)
    fake = data.Mnist(data.Part(rng.integers(0, 256, (120, 28, 28), dtype=np.uint8), labels),
                      data.Part(rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), labels[:30]))
    monkeypatch.setattr(data, "load_mnist", lambda *a, **k: fake)  # what get_models trains on
    monkeypatch.setattr(models, "MODELS", {})
    models.register(models.ModelSpec("tiny_dense", tiny_dense, inputs="dense", epochs={"tiny": 1}))
    monkeypatch.setitem(profile.PROFILES, "tiny", TINY)
    monkeypatch.setenv(profile.PROFILE_ENV, "tiny")
    monkeypatch.setenv("LABSUPPORT_CACHE", str(tmp_path / "cache"))

    assert own_digits.main([str(folder)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == f"4 images in {folder}; tiny profile"
    assert any("training it now" in line for line in out)
    assert list((tmp_path / "cache").glob("tiny_dense-tiny-*.keras"))
    assert any(line.startswith("9_not_an_image.png") and line.split()[2:] == ["err*", "err*"] for line in out)
    assert any(line.startswith("old pipeline could not read 9_not_an_image.png") for line in out)
    assert any(line.startswith("new pipeline could not read 9_not_an_image.png") for line in out)
    table = out.index(next(line for line in out if line.startswith("top-1 accuracy")))
    assert out[table].split() == ["top-1", "accuracy", "tiny_dense"]
    assert out[table + 1].startswith("old pipeline") and out[table + 2].startswith("new pipeline")
    assert 0.0 <= float(out[table + 2].split()[-1]) <= 0.75  # the unreadable file counts as wrong
    # then the figures over seeds (here the book's one seed): the same accuracy, and the verdict
    assert out[table + 4] == "new pipeline over 1 training seed (42): top-1 accuracy, mean [lowest-highest]"
    assert out[table + 6].split() == ["all", "(4)", out[table + 2].split()[-1]]
    assert out[-1] == "sure but wrong, seed 42: " + out[-1].split(": ", 1)[1]  # no augmented CNN: no headline
    assert any(line.split()[:2] == ["all", "(4)"] and len(line.split()) == 5 for line in out[table + 8:])


def test_parse_seeds_and_bad_seeds_are_usage_errors(tmp_path):
    assert own_digits.parse_seeds("42,1,2") == [42, 1, 2] and own_digits.parse_seeds("7") == [7]
    for bad in ("", "1,1", "a,2"):
        with pytest.raises(argparse.ArgumentTypeError):
            own_digits.parse_seeds(bad)
    (tmp_path / "3_a.png").write_bytes(b"")
    assert own_digits.main([str(tmp_path), "--seeds", "1,x"]) == 2


def test_remembered_pipeline_runs_once_per_file():
    calls = []

    def run(path: Path) -> np.ndarray:
        calls.append(path)
        if path.name.startswith("8"):
            raise digits.DigitImageError("no ink")
        return np.full((28, 28), len(calls), np.uint8)

    once = own_digits.remembered(run)
    for _ in range(2):
        assert once(Path("3_a.png"))[0, 0] == 1
        with pytest.raises(digits.DigitImageError, match="no ink"):
            once(Path("8_b.png"))
    assert calls == [Path("3_a.png"), Path("8_b.png")]


def seeded_results(dense: list[int], augmented: list[int]) -> own_digits.Results:
    """Four images (labels 3 7 1 5): photo and drawn from a tuned source, photo and drawn from a held-out one."""
    samples = [own_digits.Sample("3_a.png", 3, Path("3_a.png"), "photo", origin="me/tuned"),
               own_digits.Sample("7_b.png", 7, Path("7_b.png"), "drawn", origin="me/tuned"),
               own_digits.Sample("1_c.png", 1, Path("1_c.png"), "photo", origin="you/new"),
               own_digits.Sample("5_d.png", 5, Path("5_d.png"), "drawn", origin="you/new")]
    said = {"dense": np.eye(10)[dense] * 0.9 + 0.01, "augmented_cnn": np.eye(10)[augmented] * 0.9 + 0.01}
    return own_digits.Results(samples, {"new": said}, {"new": [""] * 4})


def test_seed_report_gives_mean_and_range_tuned_and_held_out_and_the_verdict():
    by_seed = {42: seeded_results([3, 7, 1, 2], [3, 7, 1, 2]),  # both networks sure that the 5 is a 2
               1: seeded_results([3, 7, 4, 5], [3, 7, 1, 5])}   # they disagree on the 1: unsure
    lines = own_digits.seed_report(by_seed, tuned={"me/tuned"})
    start = lines.index("new pipeline over 2 training seeds (42, 1): top-1 accuracy, mean [lowest-highest]")
    assert lines[start + 1].split() == ["images", "dense", "augmented_cnn"]
    assert [" ".join(line.split()[:-4]) for line in lines[start + 2 : start + 12]] == [
        "all (4)", "drawn (2)", "photo (2)", "tuned sources (2)", "held-out sources (2)",
        "tuned, drawn (1)", "held-out, drawn (1)", "tuned, photo (1)", "held-out, photo (1)", ""]
    assert lines[start + 2].split()[2:] == ["0.750", "[0.750-0.750]", "0.875", "[0.750-1.000]"]
    assert lines[start + 5].split()[3:] == ["1.000", "[1.000-1.000]", "1.000", "[1.000-1.000]"]
    assert lines[start + 6].split()[3:] == ["0.500", "[0.500-0.500]", "0.750", "[0.500-1.000]"]
    verdict = lines.index(next(line for line in lines if line.startswith("verdict of the 2 networks")))
    assert "0.80" in lines[verdict]
    assert lines[verdict + 1].split() == ["images", "sure", "is", "right", "share", "unsure", "sure", "but", "wrong"]
    # all: seed 42 sure on 4, right on 3; seed 1 sure on 3 (right), unsure on 1
    assert lines[verdict + 2].split() == ["all", "(4)", "0.8750", "[0.7500-1.0000]", "0.125", "[0.000-0.250]",
                                          "0.5", "[0.0-1.0]"]
    tuned = next(line for line in lines[verdict:] if line.startswith("tuned sources"))
    assert tuned.split()[3:] == ["1.0000", "[1.0000-1.0000]", "0.000", "[0.000-0.000]", "0.0", "[0.0-0.0]"]
    assert "sure but wrong, seed 42: 5_d.png (2 at 91%)" in lines
    assert "sure but wrong, seed 1: none" in lines
    assert lines[-1] == "new-pipeline augmented-CNN accuracy: 0.875"  # the mean over the seeds


def test_seed_report_without_sources_or_kinds_has_one_row():
    results = seeded_results([3, 7, 1, 5], [3, 7, 1, 5])
    plain = own_digits.Results([own_digits.Sample(s.name, s.label, s.source) for s in results.samples],
                               results.probabilities, results.failures)
    lines = own_digits.seed_report({42: plain})
    assert lines[1] == "new pipeline over 1 training seed (42): top-1 accuracy, mean [lowest-highest]"
    assert lines[3].split() == ["all", "(4)", "1.000", "1.000"] and lines[4] == ""
    assert own_digits.mean_range([]) == "-" and own_digits.mean_range([0.5, float("nan")]) == "0.500"


def test_main_trains_and_caches_each_seed(tmp_path, monkeypatch, capsys):
    """--seeds: the registry's model trained once per seed through the cache, the figures over both."""
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(7)
    for label in (2, 5):
        synthetic.render_photo(label, rng, size=160).save(folder / f"{label}_photo.jpg")
    (folder / "MANIFEST.tsv").write_text("file\tlabel\tkind\tsource_repo\n2_photo.jpg\t2\tphoto\tsau400/"
                                         "ece5831-2024-assignments\n5_photo.jpg\t5\tdrawn\tsomeone/else\n")
    fake = separable_arrays()
    monkeypatch.setattr(data, "load_mnist", lambda *a, **k: fake)
    monkeypatch.setattr(models, "MODELS", {})
    models.register(models.ModelSpec("tiny_dense", tiny_dense, inputs="dense", epochs={"tiny": 1}))
    monkeypatch.setitem(profile.PROFILES, "tiny", TINY)
    monkeypatch.setenv(profile.PROFILE_ENV, "tiny")
    monkeypatch.setenv("LABSUPPORT_CACHE", str(tmp_path / "cache"))

    assert own_digits.main([str(folder), "--seeds", "42,3"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[1].startswith("training seeds: 42, 3 (the book's is 42)")
    assert len(list((tmp_path / "cache").glob("tiny_dense-tiny-*.keras"))) == 2  # one per seed
    assert sum("training it now" in line for line in out) == 2
    assert "new pipeline over 2 training seeds (42, 3): top-1 accuracy, mean [lowest-highest]" in out
    names = [" ".join(line.split()[:2]) for line in out]
    for group in ("all (2)", "drawn (1)", "photo (1)"):
        assert names.count(group) == 2, group  # accuracy and verdict
    assert names.count("tuned sources") == 2 and names.count("held-out sources") == 2
    assert sum(line.startswith("sure but wrong, seed ") for line in out) == 2

    assert own_digits.main([str(folder), "--seeds", "3,42"]) == 0  # both now from the cache
    assert "training it now" not in capsys.readouterr().out


# --- live_page.py: which download is which part ----------------------------------


def test_live_page_classifies_downloads_by_part():
    from tools.benchmarks import live_page

    base = "http://127.0.0.1:8000/"
    resources = [
        {"name": base + "_static/vendor/tf-core.es2017.min.js", "size": 100},
        {"name": base + "_static/vendor/fontawesome/css/all.min.css", "size": 7},  # the theme's, not the runtime
        {"name": base + "models/web/cnn/weights.bin", "size": 50},
        {"name": base + "models/web/manifest.json", "size": 5},
        {"name": base + "_static/live/samples/2_coloured_paper.png", "size": 20},
        {"name": base + "_static/live/loader.js?v=1", "size": 3},
        {"name": base + "_static/styles/theme.css", "size": 1000},
    ]
    parts = live_page.classify(resources, ["vendor/tf-core.es2017.min.js"])
    assert parts == {"runtime": 100, "networks": 55, "sample photo": 20, "course scripts": 3}


def test_live_page_counts_every_byte_of_the_page():
    from tools.benchmarks import live_page

    base = "http://127.0.0.1:8000/"
    resources = [
        {"name": base + "_static/vendor/tf-core.es2017.min.js", "size": 100},
        {"name": base + "_static/vendor/tfjs-backend-wasm-simd.wasm", "size": 40},  # not listed, still runtime
        {"name": base + "models/web/dense/weights.bin", "size": 50},
        {"name": base + "_static/styles/theme.css", "size": 1000},
        {"name": "data:image/png;base64,AAAA", "size": 0},
        {"name": "blob:" + base + "x", "size": 9},  # made in the page: nothing over the wire
    ]
    parts = live_page.weigh(300, resources, ["vendor/tf-core.es2017.min.js"])
    assert parts == {"runtime": 140, "networks": 50, "sample photo": 0, "course scripts": 0,
                     live_page.PAGE: 1300}


def test_live_page_reads_the_runtime_list_at_any_depth():
    from tools.benchmarks import live_page

    listed = {"scripts": [{"src": "vendor/a.js", "bytes": 1}, {"src": "vendor/b.js"}],
              "backends": {"wasm": {"files": [{"path": "vendor/c.wasm"}]}}, "licence": "vendor/LICENSE.txt"}
    assert live_page.runtime_paths(listed) == ["vendor/a.js", "vendor/b.js", "vendor/c.wasm"]


def test_live_pages_are_found_in_the_built_site_in_book_order(tmp_path):
    from tools.benchmarks import live_page

    (tmp_path / "06_digit.html").write_text('<div class="live-app" data-live-app="own-digit"></div>')
    (tmp_path / "03_cnn.html").write_text('<div data-live-app="layers" data-model="cnn"></div>')
    (tmp_path / "04_saving.html").write_text("<p>no live part</p>")
    (tmp_path / "zz_extra.html").write_text('<div data-live-app="x"></div>')
    order = ["intro", "03_cnn", "04_saving", "06_digit"]
    assert live_page.live_pages(tmp_path, order) == ["03_cnn", "06_digit", "zz_extra"]


def test_live_page_table_checks_the_targets():
    from tools.benchmarks import live_page

    light = {"runtime": 200_000, "networks": 1_000_000, "sample photo": 0, "course scripts": 50_000,
             live_page.PAGE: 250_000}
    heavy = {**light, "networks": 3_000_000}
    results = {"03_cnn": [(light, 0.9), (light, 1.1), (light, 5.0)], "06_digit": [(heavy, 1.4), (heavy, 2.0)]}
    lines = live_page.table(results)
    assert lines[1].split()[:8] == ["03_cnn", "1.50", "[1.50-1.50]", "yes", "1.10", "[0.90-5.00]", "yes", "0.20,"]
    assert lines[2].split()[:8] == ["06_digit", "3.50", "[3.50-3.50]", "NO", "1.70", "[1.40-2.00]", "NO", "0.20,"]
    assert live_page.verdict(results) == ("live pages: heaviest 3.50 MB (06_digit), "
                                          "slowest first result 1.70 s (06_digit)")
    with pytest.raises(SystemExit):
        live_page.parse_args(["--runs", "0"])


# --- tools/browser.py: the server that compresses as GitHub Pages does --------------


def test_accepts_gzip():
    from tools.browser import accepts_gzip

    assert accepts_gzip("gzip, deflate, br") and accepts_gzip("br;q=1.0, gzip;q=0.8") and accepts_gzip("*")
    assert not accepts_gzip(None) and not accepts_gzip("") and not accepts_gzip("br, deflate")
    assert not accepts_gzip("gzip;q=0") and not accepts_gzip("gzip;q=0.0, br")


def test_the_compressing_server_gzips_text_and_sends_binaries_as_they_are(tmp_path):
    import gzip
    import urllib.request

    from tools.browser import serve

    text = "<p>" + "a live page " * 500 + "</p>"
    files = {"page.html": text.encode(), "style.css": b"p{color:red}" * 100, "app.js": b"let a=1;" * 200,
             "models/manifest.json": b'{"models": []}' * 50, "models/weights.bin": bytes(range(256)) * 20,
             "figure.png": b"\x89PNG" + bytes(3000), "runtime.wasm": b"\0asm" + bytes(2000)}
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "index.html").write_bytes(files["page.html"])

    def get(base, name, encoding="gzip, deflate"):
        request = urllib.request.Request(base + name, headers={"Accept-Encoding": encoding} if encoding else {})
        with urllib.request.urlopen(request) as response:
            return response.headers, response.read()

    with serve(tmp_path, compress=True) as base:
        for name in ("page.html", "style.css", "app.js", "models/manifest.json"):
            headers, body = get(base, name)
            assert headers["Content-Encoding"] == "gzip", name
            assert int(headers["Content-Length"]) == len(body) < len(files[name])
            assert gzip.decompress(body) == files[name]
        headers, body = get(base, "page.html?v=3")  # a query string (as Sphinx adds) changes nothing
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == files["page.html"]
        headers, body = get(base, "")  # the folder's index.html
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == files["page.html"]
        for name in ("models/weights.bin", "figure.png", "runtime.wasm"):
            headers, body = get(base, name)
            assert headers["Content-Encoding"] is None and body == files[name], name
        for encoding in (None, "br", "gzip;q=0"):  # a browser that does not take gzip gets the file as it is
            headers, body = get(base, "app.js", encoding)
            assert headers["Content-Encoding"] is None and body == files["app.js"]
        with pytest.raises(urllib.error.HTTPError, match="404"):
            get(base, "missing.js")
    with serve(tmp_path) as base:  # the plain server: never compressed
        headers, body = get(base, "page.html")
        assert headers["Content-Encoding"] is None and body == files["page.html"]


# --- lighthouse.py: the report's figures and the table ------------------------------


def lighthouse_report(performance=0.42, lcp=24_700.0, tbt=2_300.0, weight=4_500_000, access=0.99):
    return {
        "categories": {"performance": {"score": performance}, "accessibility": {"score": access}},
        "audits": {"largest-contentful-paint": {"numericValue": lcp}, "total-blocking-time": {"numericValue": tbt},
                   "total-byte-weight": {"numericValue": weight}, "first-contentful-paint": {"numericValue": 900.0}},
    }


def test_lighthouse_summarizes_a_report():
    from tools.benchmarks import lighthouse

    audit = lighthouse.summarize("06_your_digit", lighthouse_report())
    assert audit == lighthouse.Audit("06_your_digit", 42, 24.7, 2.3, 4_500_000, 99, 0.9)
    failed = {**lighthouse_report(), "runtimeError": {"code": "NO_FCP", "message": "The page did not paint"}}
    with pytest.raises(ValueError, match="could not measure 06_your_digit: NO_FCP The page did not paint"):
        lighthouse.summarize("06_your_digit", failed)
    unscored = lighthouse_report(performance=None)
    unscored["runWarnings"] = ["The page loaded too slowly"]
    with pytest.raises(ValueError, match="too slowly"):
        lighthouse.summarize("06_your_digit", unscored)


def test_lighthouse_runs_in_mobile_mode_with_the_pinned_package():
    import json as json_

    from tools.benchmarks import lighthouse

    line = lighthouse.command("http://127.0.0.1:1/03_cnn.html", Path("/tmp/r.json"))
    assert line[:3] == ["node", str(lighthouse.LIGHTHOUSE), "http://127.0.0.1:1/03_cnn.html"]
    assert "--form-factor=mobile" in line and "--throttling-method=simulate" in line
    assert "--output=json" in line and "--output-path=/tmp/r.json" in line
    assert not any(flag.startswith("--preset") for flag in line)  # desktop would be --preset=desktop
    package = json_.loads((ROOT / "web" / "package.json").read_text())
    pinned = package["devDependencies"]["lighthouse"]
    assert pinned[0].isdigit(), "pin an exact version (npm install --save-exact)"


def test_lighthouse_table_gives_medians_and_spread():
    from tools.benchmarks import lighthouse

    audits = [lighthouse.Audit("03_cnn", 36, 22.5, 0.98, 4_000_000, 100),
              lighthouse.Audit("01_dense", 91, 2.9, 0.12, 1_100_000, 99),
              lighthouse.Audit("03_cnn", 40, 20.1, 1.20, 4_000_000, 100),
              lighthouse.Audit("01_dense", 93, 2.7, 0.10, 1_100_000, None),
              lighthouse.Audit("03_cnn", 30, 25.0, 0.50, 4_100_000, 100)]
    lines = lighthouse.table(audits)
    assert lines[0].split()[:2] == ["page", "performance"]
    assert lines[1].split() == ["03_cnn", "36", "[30-40]", "22.5", "[20.1-25.0]", "0.98", "[0.50-1.20]",
                                "4.00", "[4.00-4.10]", "100", "[100-100]"]
    assert lines[2].split() == ["01_dense", "92", "[91-93]", "2.8", "[2.7-2.9]", "0.11", "[0.10-0.12]",
                                "1.10", "[1.10-1.10]", "99"]
    assert lighthouse.lowest(audits) == ("03_cnn", 36)
    assert lighthouse.spread([2.0]) == "2.0"
    with pytest.raises(SystemExit):
        lighthouse.parse_args(["--runs", "0"])


def test_lighthouse_without_a_built_page_is_a_usage_error(monkeypatch, tmp_path, capsys):
    from tools.benchmarks import lighthouse

    monkeypatch.setattr(lighthouse, "book_dir", lambda: tmp_path)
    assert lighthouse.main(["--page", "03_cnn"]) == 2
    assert "build the book first" in capsys.readouterr().out


@pytest.mark.parametrize("how", [["tools/benchmarks/lighthouse.py"], ["-m", "tools.benchmarks.live_page"]])
def test_browser_benchmarks_run_as_a_file_or_a_module(how):
    result = subprocess.run([sys.executable, *how, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--runs" in result.stdout and "--page" in result.stdout


# --- live_training.py ---------------------------------------------------------------


def test_live_training_takes_the_first_evaluation_at_the_target_after_training_began():
    from tools.benchmarks.live_training import first_at_or_above

    tests = [{"epoch": 0, "accuracy": 0.96}, {"epoch": 1, "accuracy": 0.93}, {"epoch": 2, "accuracy": 0.95},
             {"epoch": 3, "accuracy": 0.97}]
    assert first_at_or_above(tests, 0.95)["epoch"] == 2  # not the untrained evaluation (epoch 0), however lucky
    assert first_at_or_above(tests, 0.99) is None


@pytest.mark.parametrize("how", [["tools/benchmarks/live_training.py"], ["-m", "tools.benchmarks.live_training"]])
def test_live_training_runs_as_a_file_or_a_module(how):
    result = subprocess.run([sys.executable, *how, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--runs" in result.stdout and "--target" in result.stdout


def test_live_latency_quantile_is_numpys_and_it_times_every_shipped_backend(tmp_path):
    import json

    from tools.benchmarks import live_latency

    values = [5.0, 1.0, 4.0, 2.0, 30.0]
    for q in (0.0, 0.25, 0.5, 0.9, 1.0):
        assert live_latency.quantile(values, q) == pytest.approx(float(np.quantile(values, q)))
    vendor = tmp_path / "_static" / "vendor"
    vendor.mkdir(parents=True)
    (vendor / "runtime.json").write_text(json.dumps({"scripts": [], "backends": {"wasm": {}, "webgl": {}}}))
    assert live_latency.backends_shipped(tmp_path) == ["cpu", "wasm", "webgl"]


# --- pipeline_speed.py: the drawings, the node plumbing, the table -----------------


def test_pipeline_speed_draws_like_the_pad():
    from tools.benchmarks import pipeline_speed

    pen = np.asarray(pipeline_speed.pen_drawing(pipeline_speed.PEN_DIGITS["pen 7"]))
    assert pen.shape == (pipeline_speed.PAD, pipeline_speed.PAD, 3)
    assert (pen[0, 0] == 255).all() and pen.min() == 0  # black ink on white paper
    assert 0 < (pen < 128).mean() < 0.2
    digit = np.zeros((28, 28), np.uint8)
    digit[4:24, 12:16] = 255  # a 1
    drawn = np.asarray(pipeline_speed.mnist_drawing(digit))
    assert drawn.shape == (280, 280, 3) and drawn[0, 0, 0] == 255 and drawn[140, 140, 0] == 0
    assert len(np.unique(drawn)) > 2  # smooth edges, as the browser scales the pad's digits


@pytest.mark.skipif(shutil.which("node") is None, reason="node (Node.js) is not on PATH")
def test_pipeline_speed_times_every_step_of_the_port():
    from tools.benchmarks import pipeline_speed

    drawings = [{"kind": "pen", "name": name, **pipeline_speed.rgba(pipeline_speed.pen_drawing(strokes))}
                for name, strokes in pipeline_speed.PEN_DIGITS.items()]
    port = pipeline_speed.PORT
    got = pipeline_speed.time_in_node(drawings, [port, port], repeats=1, warmup=0)
    assert got["differ"] == []  # the same port twice: the same digits
    for results in got["results"]:
        assert set(results) == {"pen"} and len(results["pen"]["total"]) == len(drawings)
        assert {"photoToWork", "removeBackground", "removeLines", "selectDigit", "centerByMass"} <= set(
            results["pen"]["steps"])


def test_pipeline_speed_table_gives_each_steps_median():
    from tools.benchmarks import pipeline_speed

    results = {"mnist": {"steps": {"a": [1.0, 3.0, 2.0], "b": [10.0, 10.0, 40.0]}, "total": [12.0, 13.0, 40.0]},
               "pen": {"steps": {"a": [5.0]}, "total": [6.0]}}
    lines = pipeline_speed.table(results)
    assert lines[0].split() == ["step", "(median", "ms)", "mnist", "pen"]
    assert lines[1].split() == ["a", "2.00", "5.00"] and lines[2].split() == ["b", "10.00", "-"]
    assert lines[3].split() == ["sum", "of", "the", "steps", "13.00", "5.00"]  # the median of the sums
    assert lines[4].split() == ["preprocess", "13.00", "6.00"]
    assert pipeline_speed.overall(results) == 12.5
    with pytest.raises(SystemExit):
        pipeline_speed.parse_args(["--repeats", "0"])


@pytest.mark.parametrize("how", [["tools/benchmarks/pipeline_speed.py"], ["-m", "tools.benchmarks.pipeline_speed"]])
def test_pipeline_speed_runs_as_a_file_or_a_module(how):
    result = subprocess.run([sys.executable, *how, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--repeats" in result.stdout and "--baseline" in result.stdout


# --- tiny_photos.py ----------------------------------------------------------------


def test_tiny_photo_is_the_digit_black_on_white():
    digit = np.zeros((28, 28), np.uint8)
    digit[4:24, 12:16] = 255  # a 1
    photo = tiny_photos.tiny_photo(digit)
    assert photo.size == (28, 28) and np.array_equal(np.asarray(photo), 255 - digit)
    bigger = np.asarray(tiny_photos.tiny_photo(digit, 56))
    assert bigger.shape == (56, 56) and bigger[28, 28] < 50 and bigger[28, 4] > 200


def test_tiny_photos_are_read_or_refused():
    """A 28x28 photo of a digit goes through the pipeline; a blank one gets a message, not a crash."""
    digit = np.zeros((28, 28), np.uint8)
    digit[4:24, 12:16] = 255
    read, ok = tiny_photos.read_photos([tiny_photos.tiny_photo(digit), tiny_photos.tiny_photo(np.zeros_like(digit))])
    assert ok.tolist() == [True, False]
    assert read.shape == (2, 28, 28) and read[0].max() == 255 and read[1].max() == 0


def test_tiny_photos_refuses_bad_arguments(capsys):
    assert tiny_photos.main(["--n", "0"]) == 2
    assert tiny_photos.main(["--side", "20"]) == 2
    assert tiny_photos.main(["--seeds", "1,1"]) == 2
    assert "at least 28" in capsys.readouterr().out
