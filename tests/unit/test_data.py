"""labsupport.data: loading, verifying, scaling and splitting MNIST."""

import hashlib

import numpy as np
import pytest

from labsupport import data
from labsupport.profile import Profile


def test_read_small_file_without_hash_check(tiny_npz, tiny_arrays):
    (x_train, y_train), (x_test, y_test) = data.read_npz(tiny_npz, verify_hashes=False)
    np.testing.assert_array_equal(x_train, tiny_arrays[0][0])
    np.testing.assert_array_equal(y_test, tiny_arrays[1][1])


def test_load_mnist_reads_the_file_named_by_the_environment(monkeypatch, tiny_npz, tiny_arrays):
    monkeypatch.setenv(data.MNIST_ENV, str(tiny_npz))
    (x_train, _), _ = data.load_mnist(verify_hashes=False)
    np.testing.assert_array_equal(x_train, tiny_arrays[0][0])


def test_small_file_fails_the_hash_check_with_a_clear_message(tiny_npz):
    with pytest.raises(data.MnistError, match=r"tiny\.npz.*x_train has shape \(120, 28, 28\)"):
        data.read_npz(tiny_npz)


def test_wrong_hash_is_reported(tmp_path, monkeypatch, tiny_arrays):
    # right shapes, wrong content: pretend the tiny arrays are the real size
    monkeypatch.setattr(data, "MNIST_SHAPES", {k: v.shape for k, v in zip(
        ["x_train", "y_train", "x_test", "y_test"],
        [tiny_arrays[0][0], tiny_arrays[0][1], tiny_arrays[1][0], tiny_arrays[1][1]])})
    path = tmp_path / "fake.npz"
    np.savez(path, x_train=tiny_arrays[0][0], y_train=tiny_arrays[0][1],
             x_test=tiny_arrays[1][0], y_test=tiny_arrays[1][1])
    with pytest.raises(data.MnistError, match=r"fake\.npz: x_train is not MNIST's \(sha256"):
        data.read_npz(path)


def test_known_hash_is_accepted(monkeypatch, tiny_arrays):
    arrays = dict(zip(["x_train", "y_train", "x_test", "y_test"],
                      [tiny_arrays[0][0], tiny_arrays[0][1], tiny_arrays[1][0], tiny_arrays[1][1]]))
    monkeypatch.setattr(data, "MNIST_SHAPES", {k: v.shape for k, v in arrays.items()})
    monkeypatch.setattr(data, "MNIST_SHA256", {
        k: hashlib.sha256(v.tobytes()).hexdigest() for k, v in arrays.items()})
    data.check_arrays(arrays, "memory")  # no error


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.pop("y_test"), r"missing array\(s\) \['y_test'\]"),
        (lambda a: a.update(x_train=a["x_train"].astype(np.float32)), "dtypes float32/uint8, expected uint8"),
        (lambda a: a.update(x_train=a["x_train"][:, :27]), r"x_train has shape \(120, 27, 28\)"),
        (lambda a: a.update(y_train=a["y_train"][:-1]), r"y_train has shape \(119,\), expected \(120,\)"),
        (lambda a: a.update(y_test=a["y_test"] + 10), "labels above 9"),
    ],
)
def test_wrong_arrays_are_named(tmp_path, tiny_arrays, change, message):
    arrays = dict(zip(["x_train", "y_train", "x_test", "y_test"],
                      [tiny_arrays[0][0], tiny_arrays[0][1], tiny_arrays[1][0], tiny_arrays[1][1]]))
    change(arrays)
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(data.MnistError, match=message):
        data.read_npz(path, verify_hashes=False)


def test_not_an_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("this is not a zip archive")
    with pytest.raises(data.MnistError, match=r"mnist\.npz: not a readable \.npz archive"):
        data.read_npz(path)


def test_plain_npy_is_not_an_npz(tmp_path):
    path = tmp_path / "mnist.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(data.MnistError, match="not an .npz archive"):
        data.read_npz(path)


def test_missing_file_says_how_to_provide_one(tmp_path, monkeypatch):
    monkeypatch.setenv(data.MNIST_ENV, str(tmp_path / "nowhere.npz"))
    with pytest.raises(data.MnistError, match=r"nowhere\.npz: no such file.*MNIST_PATH"):
        data.load_mnist()


def test_offline_without_file_gives_clear_error(monkeypatch, tmp_path):
    import keras

    monkeypatch.delenv(data.MNIST_ENV, raising=False)

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(data.MnistError, match=r"could not be downloaded \(network is unreachable\).*MNIST_PATH"):
        data.load_mnist()


def test_dense_inputs_flat_and_in_unit_range():
    x = np.array([[[0, 255], [128, 64]]], dtype=np.uint8).repeat(14, 1).repeat(14, 2)
    out = data.dense_inputs(x)
    assert out.shape == (1, 784) and out.dtype == np.float32
    assert out.min() == 0.0 and out.max() == 1.0


def test_image_inputs_have_a_channel_and_range_minus_one_to_one():
    x = np.zeros((3, 28, 28), np.uint8)
    x[:, 0, 0] = 255
    out = data.image_inputs(x)
    assert out.shape == (3, 28, 28, 1) and out.dtype == np.float32
    assert out.min() == -1.0 and out.max() == 1.0


def test_split_sizes_and_disjointness():
    x = np.arange(600)
    y = np.arange(600) % 10
    x_tr, x_val, y_tr, y_val = data.train_val_split(x, y)
    assert len(x_val) == 100 and len(x_tr) == 500
    assert set(x_tr).isdisjoint(x_val) and set(x_tr) | set(x_val) == set(range(600))
    np.testing.assert_array_equal(y_tr, x_tr % 10)  # labels travel with their samples


def test_split_is_seeded():
    x, y = np.arange(60), np.arange(60)
    a = data.train_val_split(x, y, seed=1)
    b = data.train_val_split(x, y, seed=1)
    c = data.train_val_split(x, y, seed=2)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_split_rejects_bad_arguments():
    with pytest.raises(ValueError, match="differ in length"):
        data.train_val_split(np.arange(5), np.arange(4))
    with pytest.raises(ValueError, match="val_fraction"):
        data.train_val_split(np.arange(5), np.arange(5), val_fraction=1.5)


def test_make_splits_applies_the_profile(tiny_arrays):
    profile = Profile("t", n_train=50, n_val=7)
    s = data.make_splits(tiny_arrays, "image", profile)
    assert s.x_train.shape == (50, 28, 28, 1) and s.y_train.shape == (50,)
    assert s.x_val.shape == (7, 28, 28, 1)
    assert s.x_test.shape == (30, 28, 28, 1)  # the test set is never cut
    assert "train" in s.describe()
    with pytest.raises(ValueError, match=r"input format must be one of \['dense', 'image'\], got 'rnn'"):
        data.make_splits(tiny_arrays, "rnn", profile)


def test_make_splits_adds_extra_images_to_the_capped_training_part_only(tiny_arrays):
    profile = Profile("t", n_train=50, n_val=7)
    seen = []

    def extra(images, labels):  # e.g. styles.styled_copies: new digits made from some of the training part
        seen.append((images.copy(), labels.copy()))
        return 255 - images[labels == 3], labels[labels == 3]

    plain = data.make_splits(tiny_arrays, "image", profile)
    s = data.make_splits(tiny_arrays, "image", profile, extra=extra)
    (images, labels), = seen
    assert images.dtype == np.uint8 and len(images) == 50  # MNIST's digits, after the cap
    assert np.array_equal(data.image_inputs(images), plain.x_train)
    n_more = int((labels == 3).sum())
    assert n_more > 0 and s.x_train.shape == (50 + n_more, 28, 28, 1)
    assert np.array_equal(s.x_train[:50], plain.x_train) and np.array_equal(s.y_train[50:], [3] * n_more)
    assert np.array_equal(s.x_train[50:], data.image_inputs(255 - images[labels == 3]))
    # validation and test stay MNIST's
    assert np.array_equal(s.x_val, plain.x_val) and np.array_equal(s.y_val, plain.y_val)
    assert np.array_equal(s.x_test, plain.x_test)


def test_make_splits_in_the_dense_format_and_from_a_loaded_file(tiny_npz):
    s = data.make_splits(data.read_npz(tiny_npz, verify_hashes=False), "dense", Profile("t", None, None))
    assert s.x_train.shape == (100, 784) and s.x_val.shape == (20, 784) and s.x_test.shape == (30, 784)
    assert s.x_train.min() >= 0.0 and s.x_train.max() <= 1.0


def test_loaded_mnist_unpacks_like_keras_and_has_names(tiny_npz, tiny_arrays):
    mnist = data.read_npz(tiny_npz, verify_hashes=False)
    assert isinstance(mnist, data.Mnist) and isinstance(mnist.train, data.Part)
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train is mnist.train.x and y_train is mnist.train.y
    assert x_test is mnist.test.x and y_test is mnist.test.y
    np.testing.assert_array_equal(mnist.test.x, tiny_arrays[1][0])


def test_model_inputs_for_each_input_format():
    x = np.zeros((2, 28, 28), np.uint8)
    assert set(data.INPUT_FORMATS) == {"dense", "image"}
    np.testing.assert_array_equal(data.model_inputs(x, "dense"), data.dense_inputs(x))
    np.testing.assert_array_equal(data.model_inputs(x, "image"), data.image_inputs(x))
    with pytest.raises(ValueError, match="input format must be one of"):
        data.model_inputs(x, "cnn")  # the old name of the image format


@pytest.mark.realdata
def test_real_file_matches_published_hashes(real_mnist_path):
    (x_train, y_train), (x_test, y_test) = data.load_mnist(real_mnist_path)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert list(y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(y_test[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_truncated_archive(tmp_path, tiny_npz):
    cut = tmp_path / "cut.npz"
    cut.write_bytes(tiny_npz.read_bytes()[: tiny_npz.stat().st_size // 2])
    with pytest.raises(data.MnistError, match=r"cut\.npz: (not a readable|truncated or corrupt)"):
        data.read_npz(cut, verify_hashes=False)


@pytest.mark.parametrize("n", [60000, 120, 7, 1])
def test_training_split_size_is_what_the_split_keeps(n):
    x = np.arange(n)
    assert len(data.train_val_split(x, x)[0]) == data.training_split_size(n)
    assert data.training_split_size(60000) == 50000
