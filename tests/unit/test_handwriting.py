"""labsupport.handwriting: the networks measured on folders of handwriting and on the hard synthetic set."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from labsupport import digits, handwriting, models


def test_labelled_files(tmp_path):
    for name in ["7_b.JPG", "3_a.png", "12_two_digits.png", "x_no_label.png", "5.png", "4_notes.txt", "0_c.jpeg"]:
        (tmp_path / name).write_bytes(b"")
    found = handwriting.labelled_files(tmp_path)
    assert [(p.name, label) for p, label in found] == [("0_c.jpeg", 0), ("3_a.png", 3), ("7_b.JPG", 7)]


def test_labelled_files_errors(tmp_path):
    with pytest.raises(digits.DigitImageError, match="no such folder"):
        handwriting.labelled_files(tmp_path / "missing")
    (tmp_path / "photo.png").write_bytes(b"")
    with pytest.raises(digits.DigitImageError, match="no images named like"):
        handwriting.labelled_files(tmp_path)


def test_kinds_come_from_the_manifest(tmp_path):
    for name in ["3_a.png", "7_b.jpg", "1_c.png"]:
        (tmp_path / name).write_bytes(b"")
    assert handwriting.read_kinds(tmp_path) == {}
    (tmp_path / "MANIFEST.tsv").write_text("file\tlabel\tkind\n3_a.png\t3\tphoto\n7_b.jpg\t7\tdrawn\n")
    assert handwriting.read_kinds(tmp_path) == {"3_a.png": "photo", "7_b.jpg": "drawn"}
    samples = handwriting.folder_samples(tmp_path)
    assert [(s.name, s.label, s.kind) for s in samples] == [("1_c.png", 1, ""), ("3_a.png", 3, "photo"),
                                                           ("7_b.jpg", 7, "drawn")]
    assert samples[1].source == tmp_path / "3_a.png"
    (tmp_path / "MANIFEST.tsv").write_text("file\tlabel\n3_a.png\t3\n")  # no kind column
    assert handwriting.read_kinds(tmp_path) == {}


def test_origins_come_from_the_manifest_and_split_tuned_from_held_out(tmp_path):
    for name in ["3_a.png", "7_b.jpg", "1_c.png"]:
        (tmp_path / name).write_bytes(b"")
    assert handwriting.read_origins(tmp_path) == {}
    (tmp_path / "MANIFEST.tsv").write_text(
        "file\tlabel\tkind\tsource_repo\n3_a.png\t3\tphoto\tsau400/ece5831-2024-assignments\n"
        "7_b.jpg\t7\tdrawn\tsomeone/new-repo\n")
    samples = handwriting.folder_samples(tmp_path)
    assert [(s.name, s.kind, s.origin) for s in samples] == [
        ("1_c.png", "", ""), ("3_a.png", "photo", "sau400/ece5831-2024-assignments"),
        ("7_b.jpg", "drawn", "someone/new-repo")]
    assert "sau400/ece5831-2024-assignments" in handwriting.TUNED_SOURCES and len(handwriting.TUNED_SOURCES) == 18
    # an image of unknown origin is neither tuned nor held out
    assert handwriting.tuned_mask(samples).tolist() == [False, True, False]
    assert handwriting.held_out_mask(samples).tolist() == [False, False, True]
    assert handwriting.held_out_mask(samples, tuned=set()).tolist() == [False, True, True]


def test_real_digits_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(handwriting.REAL_DIGITS_ENV, raising=False)
    assert handwriting.real_digits_folder() is None
    monkeypatch.setenv(handwriting.REAL_DIGITS_ENV, str(tmp_path))
    assert handwriting.real_digits_folder() is None  # no labelled images there
    (tmp_path / "4_x.png").write_bytes(b"")
    assert handwriting.real_digits_folder() == tmp_path


def test_synthetic_samples_name_their_troubles():
    samples = handwriting.synthetic_samples(1, seed=5, size=96)
    assert [s.label for s in samples] == list(range(10))
    assert all(s.kind == "synthetic" and s.note and s.source.size == (96, 96) for s in samples)
    assert samples[0].name == "0_hard_000"


def fake_results() -> handwriting.Results:
    """Four images, two kinds; dense wrong on the third, the new pipeline could not read the fourth."""
    samples = [handwriting.Sample("3_a.png", 3, Path("3_a.png"), "photo"),
               handwriting.Sample("7_b.png", 7, Path("7_b.png"), "photo"),
               handwriting.Sample("1_c.png", 1, Path("1_c.png"), "drawn"),
               handwriting.Sample("5_d.png", 5, Path("5_d.png"), "drawn")]
    eye = np.eye(10)
    good = eye[[3, 7, 1, 5]]
    dense = eye[[3, 7, 4, 5]] * 0.6 + 0.04
    return handwriting.Results(
        samples,
        {"new": {"dense": dense, "cnn": good}},
        {"new": ["", "", "", "no digit found"]},
    )


def test_results_accuracy_by_kind_and_failures():
    r = fake_results()
    assert r.models == ["dense", "cnn"] and r.pipelines == ["new"] and r.kinds == ["drawn", "photo"]
    assert r.accuracy("new", "cnn") == 0.75  # the unread image counts as wrong
    assert r.accuracy("new", "dense") == 0.5
    assert r.accuracy("new", "dense", "photo") == 1.0 and r.accuracy("new", "dense", "drawn") == 0.0
    assert np.isnan(r.accuracy("new", "dense", "chalk"))
    assert r.count("drawn") == 2 and r.count() == 4
    assert r.failed("new") == [2, 3]
    assert r.said("new", 2) == {"dense": (4, pytest.approx(0.64)), "cnn": (1, 1.0)}
    verdicts = r.verdicts("new")
    assert verdicts[0].sure and not verdicts[2].sure and "disagree" in verdicts[2].reason


def test_subset_keeps_the_chosen_images():
    r = fake_results()
    drawn = r.subset(r.selected("drawn"))
    assert [s.name for s in drawn.samples] == ["1_c.png", "5_d.png"]
    assert drawn.failures == {"new": ["", "no digit found"]}
    assert drawn.accuracy("new", "dense") == r.accuracy("new", "dense", "drawn") == 0.0
    assert drawn.probabilities["new"]["cnn"].shape == (2, 10)
    assert [s.name for s in r.subset([3, 0]).samples] == ["5_d.png", "3_a.png"]


def test_verdict_counts_sure_right_and_unsure():
    r = fake_results()  # sure and right on the first two; the networks disagree on the third; the fourth unread
    counts = handwriting.verdict_counts(r)
    assert counts == handwriting.VerdictCounts(images=4, read=3, sure=2, sure_right=2)
    assert counts.sure_right_share == 1.0 and counts.unsure_share == pytest.approx(1 / 3)
    assert handwriting.sure_but_wrong(r) == []
    both_wrong = handwriting.Results(r.samples[:1], {"new": {"dense": np.eye(10)[[8]], "cnn": np.eye(10)[[8]]}},
                                     {"new": [""]})
    [(sample, verdict)] = handwriting.sure_but_wrong(both_wrong)
    assert sample.name == "3_a.png" and verdict.label == 8 and verdict.sure
    assert handwriting.verdict_counts(both_wrong).sure_right_share == 0.0
    empty = handwriting.verdict_counts(r.subset(np.zeros(4, bool)))
    assert np.isnan(empty.sure_right_share) and np.isnan(empty.unsure_share)


def test_accuracy_rows_give_all_and_each_kind():
    rows = handwriting.accuracy_rows(fake_results())
    assert [(p, k, n) for p, k, n, _ in rows] == [("new", "all", 4), ("new", "drawn", 2), ("new", "photo", 2)]
    assert rows[1][3] == {"dense": 0.0, "cnn": 0.5}


def test_evaluate_runs_every_pipeline_and_network():
    samples = [handwriting.Sample("3_a.png", 3, Path("3_a.png")), handwriting.Sample("8_b.png", 8, Path("8_b.png"))]

    def fails_on_b(path: Path) -> np.ndarray:
        if path.name.startswith("8"):
            raise digits.DigitImageError("no ink")
        return np.zeros((28, 28), np.uint8)

    networks = {"dense": models.dense_net(8), "cnn": models.cnn()}
    pipelines = {"plain": lambda path: np.zeros((28, 28), np.uint8), "picky": fails_on_b}
    results = handwriting.evaluate(samples, networks, pipelines)
    assert results.models == ["dense", "cnn"] and results.pipelines == ["plain", "picky"]
    assert results.failures == {"plain": ["", ""], "picky": ["", "no ink"]}
    for pipeline in ("plain", "picky"):
        for name in networks:
            assert results.probabilities[pipeline][name].shape == (2, 10)
    assert not results.correct("picky", "dense")[1]  # an unread image is never right
    assert results.kinds == []


def test_flag_readings_give_each_networks_share_of_ones_for_each_flag(monkeypatch):
    ones = np.zeros((4, 28, 28), np.uint8)
    ones[:, 4:24, 13:15] = 255
    flags = []

    def flag_and_base(one, rng, length, turn, base):
        flags.append((length, turn, base))
        return one

    def predict(networks, images):  # "dense" says 1 for every image, "cnn" for the first only
        said = {"dense": np.tile(np.eye(10)[1], (len(images), 1)), "cnn": np.tile(np.eye(10)[7], (len(images), 1))}
        said["cnn"][0] = np.eye(10)[1]
        return said

    monkeypatch.setattr("labsupport.styles.flag_and_base", flag_and_base)
    monkeypatch.setattr(handwriting.inference, "predict", predict)
    found = handwriting.flag_readings({"dense": None, "cnn": None}, ones, lengths=(0.1, 0.4), turns=(30,))
    assert found == {(0.1, 30.0): {"dense": 1.0, "cnn": 0.25}, (0.4, 30.0): {"dense": 1.0, "cnn": 0.25}}
    assert sorted(set(flags)) == [(0.1, 30, False), (0.4, 30, False)] and len(flags) == 8


def test_worst_failures_are_the_least_confident_about_the_right_class():
    samples = [handwriting.Sample(f"s{label}", label, None, "photo") for label in (1, 2, 3)]
    probs = np.full((3, 10), 0.01)
    probs[0, 1] = 0.9  # right
    probs[1, 5] = 0.9  # wrong: the right class 2 has 0.01
    probs[2, 3] = 0.3  # the right class has 0.3, another wins
    probs[2, 7] = 0.6
    results = handwriting.Results(samples, {"new": {"m": probs}}, {"new": ["", "", ""]})
    assert results.failed("new") == [1, 2]
    assert results.worst("new", n=2) == [1, 2] and results.worst("new", n=1) == [1]


def test_ink_statistics_of_a_drawn_stroke():
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 12:15] = 255  # a vertical bar 3 px wide
    st = digits.ink_statistics(np.stack([image, image]))
    assert st["stroke_width"] == pytest.approx(3, abs=1)
    assert st["ink_share"] == pytest.approx(60 / 784)
    assert st["ink_value"] == 255


def _styled_results() -> handwriting.Results:
    """Four 1s (two serif), one 7: the cnn is wrong on one serif 1, the dense net on the 7."""
    samples = [handwriting.Sample("a", 1, None, note="serif 1, small"), handwriting.Sample("b", 1, None, note="serif 1"),
               handwriting.Sample("c", 1, None), handwriting.Sample("d", 1, None, note="blur"),
               handwriting.Sample("e", 7, None)]
    dense = np.eye(10)[[1, 1, 1, 1, 2]]
    cnn = np.eye(10)[[2, 1, 1, 1, 7]]
    return handwriting.Results(samples, {"new": {"dense": dense, "cnn": cnn}}, {"new": [""] * 5})


def test_style_rows_put_each_rare_style_beside_the_same_digit_written_as_in_mnist():
    rows = handwriting.style_rows(_styled_results())
    assert rows == [
        ("new", "serif 1", 2, {"dense": 1.0, "cnn": 0.5}),
        ("new", "1 written as in MNIST", 2, {"dense": 1.0, "cnn": 1.0}),
        ("new", "7 written as in MNIST", 1, {"dense": 0.0, "cnn": 1.0}),
    ]


def test_digit_accuracy_counts_images_every_network_got_right():
    assert handwriting.digit_accuracy(_styled_results()) == {1: 0.75, 7: 0.0}


def test_source_rows_put_the_tuned_sources_beside_the_held_out_ones():
    results = _styled_results()
    origins = ["writer/a", "writer/b", "writer/a", "writer/c", ""]  # the last one's origin is unknown
    results = handwriting.Results([dataclasses.replace(s, origin=o) for s, o in zip(results.samples, origins)],
                                  results.probabilities, results.failures)
    rows = handwriting.source_rows(results, tuned={"writer/a"})
    assert rows == [
        ("new", "tuned sources", 2, {"dense": 1.0, "cnn": 0.5}),
        ("new", "held-out sources", 2, {"dense": 1.0, "cnn": 1.0}),
    ]
    assert handwriting.source_rows(results, tuned={"writer/a", "writer/b", "writer/c"})[1:] == []
    assert handwriting.source_rows(_styled_results()) == []  # origins not known: no rows
