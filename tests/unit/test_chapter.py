"""labsupport.chapter: chapter start-up and the profile banner."""

import keras
import numpy as np
import pytest

from labsupport import chapter
from labsupport.profile import PROFILES


def test_banner_names_profile_and_hardware():
    html = chapter.banner_html(PROFILES["quick"], {"hardware": "CPU only: Test <CPU>", "backend": "Keras 3"})
    assert "<b>quick</b>" in html and "Test &lt;CPU&gt;" in html and "Keras 3" in html
    assert "labsupport-banner" in html and "lower than the full course" in html


def test_full_banner_says_original_settings():
    html = chapter.banner_html(PROFILES["full"], {"hardware": "NVIDIA H200", "backend": "Keras 3"})
    assert "<b>full</b>" in html and "original course" in html


@pytest.fixture
def no_display(monkeypatch):
    """setup_chapter's banner, captured instead of displayed."""
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", shown.append)
    return shown


def test_setup_chapter_returns_the_profile_seeds_and_shows_the_banner(no_display):
    try:
        profile = chapter.setup_chapter("quick")
        first = np.random.rand(2)
        chapter.setup_chapter("quick")
        assert profile is PROFILES["quick"]
        np.testing.assert_array_equal(np.random.rand(2), first)  # seeded again
        assert len(no_display) == 2
        banner = no_display[0].data
        assert "<b>quick</b>" in banner and "precision" in banner
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_setup_chapter_rejects_an_unknown_profile(no_display):
    with pytest.raises(ValueError, match="unknown profile"):
        chapter.setup_chapter("fast")
    assert no_display == []
