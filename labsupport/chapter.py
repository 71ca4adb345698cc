"""Chapter start-up: seed, choose the speed settings, show the profile banner.

Every chapter's first cell is::

    from labsupport.chapter import setup_chapter
    profile = setup_chapter()
"""

from __future__ import annotations

import html

from . import hardware, performance
from .profile import Profile, get_profile, seed_everything


def banner_html(profile: Profile, machine: dict[str, str]) -> str:
    """HTML for the banner at the top of each chapter.

    Parameters
    ----------
    profile : Profile
        The active profile.
    machine : dict
        ``{"hardware": ..., "backend": ...}``, as from
        :func:`labsupport.hardware.hardware_summary`.

    Returns
    -------
    str
        A small self-contained HTML block.
    """
    what = (
        "small training subset, few epochs: figures are lower than the full course's"
        if profile.name == "quick"
        else "the original course's settings"
    )
    rows = [
        ("Profile", f"<b>{html.escape(profile.name)}</b> ({html.escape(what)})"),
        ("Hardware", html.escape(machine["hardware"])),
        ("Software", html.escape(machine["backend"])),
    ]
    cells = "".join(
        f"<div><span style='opacity:.7'>{k}:</span> {v}</div>" for k, v in rows
    )
    return (
        "<div class='labsupport-banner' style='border-left:4px solid #4c8bf5;"
        "padding:.4em .8em;margin:.5em 0;font-size:.9em'>"
        f"{cells}</div>"
    )


def setup_chapter(profile_name: str | None = None) -> Profile:
    """Start a chapter: seed everything, set up the hardware, show the banner.

    Seeds with :func:`labsupport.profile.seed_everything`, applies
    :func:`labsupport.performance.configure` (mixed precision on tensor-core
    GPUs), and displays the banner that says which profile and hardware
    produced the page's numbers.

    Parameters
    ----------
    profile_name : str, optional
        Overrides ``LABSUPPORT_PROFILE``.

    Returns
    -------
    Profile
    """
    profile = get_profile(profile_name)
    seed_everything()
    machine = hardware.hardware_summary()
    machine["backend"] += f"; precision {performance.configure()['precision']}"
    banner = banner_html(profile, machine)
    try:
        from IPython.display import HTML, display

        display(HTML(banner))
    except ImportError:  # plain Python: print a one-line summary instead
        print(f"profile {profile.name}; {machine}")
    return profile
