import pytest

from labsupport import profile


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
    monkeypatch.setattr(profile, "gpu_names", lambda: gpus)
    assert profile.get_profile().name == expected
    assert profile.get_profile("auto").name == expected


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown profile 'fast'.*'full', 'quick'"):
        profile.get_profile("fast")


def test_full_profile_has_the_original_course_settings():
    full = profile.PROFILES["full"]
    assert (full.n_train, full.n_val, full.dense_epochs, full.cnn_epochs) == (None, None, 100, 20)
    assert (full.batch_size, full.patience) == (128, 5)


def test_quick_profile_is_smaller():
    quick, full = profile.PROFILES["quick"], profile.PROFILES["full"]
    assert quick.n_train < 50000 and quick.cnn_epochs < full.cnn_epochs


def test_banner_names_profile_and_hardware():
    html = profile.banner_html(profile.PROFILES["quick"], {"hardware": "CPU only: Test <CPU>", "backend": "Keras 3"})
    assert "<b>quick</b>" in html and "Test &lt;CPU&gt;" in html and "Keras 3" in html


def test_hardware_summary_on_this_machine():
    info = profile.hardware_summary()
    assert info["hardware"] and "Keras" in info["backend"]
