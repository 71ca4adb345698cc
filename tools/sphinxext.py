"""Sphinx extension of the course site.

1. Each chapter's Colab and Binder buttons open its generated notebook.
2. Inline scripts that another extension added twice are kept once.
3. The execution cache is kept per profile and per version of labsupport.
4. The trained networks go into the site (``models/``, with a manifest), so
   that Colab and Binder fetch them instead of training them again.

Launch buttons
--------------

sphinx-book-theme points launch buttons at the page's source. For a MyST
``.md`` chapter that is a file Colab cannot open (and Binder opens only with
jupytext). This extension runs after the theme has built the buttons and
swaps the source path in the Colab and Binder URLs for the chapter's
generated notebook, ``notebooks/<page>.ipynb`` (see
:mod:`tools.notebooks`). Pages without a generated notebook keep the
theme's links. The theme's own download menu already offers the executed
``.ipynb``.

Duplicate scripts
-----------------
sphinx-thebe 0.3.1 adds its configuration script once per read pass, and a
Jupyter Book build can make two, so pages declared ``const THEBE_JS_URL``
twice: a JavaScript error on every page (found by tests/site/test_browser.py).

Execution cache
---------------
With ``execute_notebooks: cache``, jupyter-cache re-executes a chapter only
when its code changed. It does not know that a chapter's outputs also depend
on ``labsupport`` and on the profile, so this extension points MyST-NB at a
cache folder named after both (``_build/.jupyter_cache/<profile>-<hash>``): a
change to labsupport, or another profile, executes every chapter again; an
unchanged book executes nothing.

Published networks
------------------
When the HTML build has finished, every registered network of the current
profile that is in the model cache is copied to ``<site>/models/`` with
``manifest.json`` (name, profile, cache key, SHA-256, test accuracy), by
:func:`labsupport.published.export`. The generated notebooks point
``labsupport`` at the site (``html.baseurl`` in ``_config.yml``).

Enabled in ``_config.yml`` under ``sphinx: local_extensions`` (which puts the
repository root on Sphinx's path, so ``tools`` need not be installed).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tools.notebooks import NOTEBOOK_DIR

#: Button icons that identify the theme's launch buttons.
_ICONS = {"colab": "logo_colab.png", "binder": "logo_binder.svg"}


def repository_root(app) -> Path:
    """The repository root: the book folder minus ``path_to_docs``."""
    src = Path(app.srcdir).resolve()
    docs = app.config.html_theme_options.get("path_to_docs", "").strip("/")
    for _ in Path(docs).parts if docs else ():
        src = src.parent
    return src


def rewrite_url(url: str, source_rel: str, notebook_rel: str) -> str:
    """Replace the source path in a launch URL by the notebook's path."""
    if source_rel not in url:
        raise ValueError(f"launch URL {url!r} does not name {source_rel!r}")
    return url.replace(source_rel, notebook_rel)


def point_buttons_at_notebooks(app, pagename, templatename, context, doctree) -> None:
    root = repository_root(app)
    notebook_rel = f"{NOTEBOOK_DIR}/{pagename}.ipynb"
    if not (root / notebook_rel).is_file():
        return
    docs = app.config.html_theme_options.get("path_to_docs", "").strip("/")
    suffix = Path(context.get("sourcename", pagename + ".md")).suffix
    if suffix == ".txt":  # Sphinx names copied sources like "page.md.txt"
        suffix = Path(Path(context["sourcename"]).stem).suffix
    source_rel = f"{docs + '/' if docs else ''}{pagename}{suffix}"
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            icon = button.get("icon", "")
            if icon.endswith(_ICONS["colab"]) or icon.endswith(_ICONS["binder"]):
                button["url"] = rewrite_url(button["url"], source_rel, notebook_rel)


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of several identical script entries of a page."""
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # an inline script may be registered with filename None or "": same script
        filename = getattr(script, "filename", script) or ""
        attributes = getattr(script, "attributes", {})
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    if "script_files" in context:
        context["script_files"][:] = unique


def execution_cache_key(profile_name: str | None = None) -> str:
    """``<profile>-<hash>``: the profile, a hash of labsupport's source files and of the
    real-handwriting folder the own-digit chapter measures on (``REAL_DIGITS_PATH``, if set)."""
    import os

    import labsupport
    from labsupport.handwriting import REAL_DIGITS_ENV
    from labsupport.profile import get_profile

    package = Path(labsupport.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    digits = os.environ.get(REAL_DIGITS_ENV, "")
    if digits and Path(digits).is_dir():  # which files, not their pixels: a listing is enough
        for path in sorted(Path(digits).iterdir()):
            digest.update(f"{path.name}:{path.stat().st_size}".encode())
    return f"{get_profile(profile_name).name}-{digest.hexdigest()[:12]}"


def use_keyed_execution_cache(app, config) -> None:
    if config.nb_execution_mode != "cache" or config.nb_execution_cache_path:
        return
    key = execution_cache_key()
    config.nb_execution_cache_path = str(Path(app.outdir).parent / ".jupyter_cache" / key)


def publish_networks(app, exception) -> None:
    """Copy the profile's trained networks and their manifest into the built site."""
    if exception is not None or app.builder.format != "html":
        return
    from labsupport import cache, published
    from labsupport.profile import get_profile

    entries = cache.published_entries(get_profile())
    manifest = published.export(entries, app.outdir)
    names = ", ".join(name for name, *_ in entries) or "none (the model cache is empty)"
    print(f"published networks: {names} -> {Path(manifest).parent}")


def setup(app):
    app.connect("config-inited", use_keyed_execution_cache)
    app.connect("build-finished", publish_networks)
    # sphinx-book-theme adds the launch buttons at priority 501; run after it
    app.connect("html-page-context", point_buttons_at_notebooks, priority=510)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
