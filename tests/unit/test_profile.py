"""labsupport.profile: the profiles, how one is chosen, and the seed."""

import keras
import numpy as np
import pytest

from labsupport import hardware, profile


def test_explicit_names(monkeypatch):
    monkeypatch.delenv(profile.PROFILE_ENV, raising=False)
    assert profile.get_profile("quick").name == "quick"
    assert profile.get_profile(" FULL ").name == "full"


def test_environment_variable_chooses(monkeypatch):
    monkeypatch.setenv(profile.PROFILE_ENV, "full")
    assert profile.get_profile().name == "full"
    monkeypatch.setenv(profile.PROFILE_ENV, "quick")
    assert profile.get_profile().name == "quick"


@pytest.mark.parametrize("gpus, expected", [([], "quick"), (["NVIDIA H200"], "full")])
def test_auto_follows_the_gpu(monkeypatch, gpus, expected):
    monkeypatch.delenv(profile.PROFILE_ENV, raising=False)
    monkeypatch.setattr(hardware, "gpu_names", lambda: gpus)
    assert profile.get_profile().name == expected
    assert profile.get_profile("auto").name == expected


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown profile 'fast'.*'full', 'quick'"):
        profile.get_profile("fast")


def test_full_profile_has_the_original_course_settings():
    full = profile.PROFILES["full"]
    assert (full.n_train, full.n_val) == (None, None)
    assert (full.batch_size, full.patience) == (128, 5)


def test_quick_profile_is_smaller():
    quick = profile.PROFILES["quick"]
    assert quick.n_train < 50000 and quick.n_val < 10000


def test_profiles_are_keyed_by_their_names():
    assert all(p.name == key for key, p in profile.PROFILES.items())


def test_a_profile_holds_settings_only():
    # epoch budgets live in the model registry, not in the profile
    assert set(profile.PROFILES["quick"].as_dict()) == {"name", "n_train", "n_val", "batch_size", "patience"}


def test_seed_everything_resets_the_generators():
    profile.seed_everything()
    a = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.uniform((3,))))
    profile.seed_everything()
    b = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.uniform((3,))))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    profile.seed_everything(profile.SEED + 1)
    assert not np.array_equal(np.random.rand(3), a[0])
