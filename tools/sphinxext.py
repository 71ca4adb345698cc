"""Sphinx extension of the course site.

1. Each chapter's Colab and Binder buttons open its generated notebook.
2. Inline scripts that another extension added twice are kept once.
3. The execution cache is kept per profile and per version of labsupport.
4. The trained networks go into the site (``models/``, with a manifest), so
   that Colab and Binder fetch them instead of training them again, and in
   TensorFlow.js's format (``models/web/``) for the live pages.
5. The live pages get their scripts, and the site the pinned JavaScript
   runtime from ``web/node_modules`` with its licence.
6. Figures that a chapter's output holds inline (PNG data URIs, as
   labsupport's figures show themselves with their alt text) become image
   files in ``_images/`` that the browser loads lazily
   (:func:`figures_to_files`): a page's text arrives and paints first.
7. When the build has finished, the theme is slimmed for phones
   (:func:`tools.slimtheme.slim_site`): its stylesheet without the rules
   that match nothing on the site, its icon fonts with only the icons the
   site draws, and its scripts deferred.

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

The same hook exports the networks for the browser
(:func:`labsupport.webexport.publish`: ``models/web/<name>/model.json`` and
weights, ``models/web/manifest.json``).

Live pages
----------
A page whose body holds an element with ``data-live-app="KIND"`` (a raw HTML
block in the chapter) gets the shared ``_static/live/loader.js``,
``widgets.js`` and ``live.css`` and the scripts of each part it holds
(:data:`LIVE_PARTS`, from ``web/site/live/``); no other page loads anything
more. The scripts
load the runtime only when a live part nears the screen: TensorFlow.js (core, CPU backend,
layers; :data:`RUNTIME`, and the one faster backend the page chooses of
:data:`BACKENDS`: WebAssembly or WebGL; WebGPU only for chapter 7's timing, where the
browser has an adapter), copied from ``web/node_modules`` (installed by
``tools/install.sh`` with ``npm ci``, versions pinned in
``web/package-lock.json``) into ``_static/vendor/`` with a licence file and
``runtime.json``, the list the pages load in order. Without it (no npm on the
machine) the build still succeeds and the live parts say that they are not
available in this build.

Enabled in ``_config.yml`` under ``sphinx: local_extensions`` (which puts the
repository root on Sphinx's path, so ``tools`` need not be installed).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tools.notebooks import NOTEBOOK_DIR

#: The runtime the live pages load, in order: (npm package, file in it).
RUNTIME = [
    ("@tensorflow/tfjs-core", "dist/tf-core.es2017.min.js"),
    ("@tensorflow/tfjs-backend-cpu", "dist/tf-backend-cpu.es2017.min.js"),
    ("@tensorflow/tfjs-layers", "dist/tf-layers.es2017.min.js"),
]
#: The faster backends, each fetched only by a page that uses it (after :data:`RUNTIME`):
#: name -> (npm package, its script, the binaries it loads). WebAssembly ships its SIMD binary and
#: the plain one for browsers without SIMD; not the threaded one (threads need cross-origin
#: isolation headers, which static hosts such as GitHub Pages cannot send). WebGPU is for chapter 7's
#: timing only (not in the pages' ``BACKEND_ORDER``): ``loader.js`` fetches it only where the browser
#: gives a WebGPU adapter.
BACKENDS = {
    "wasm": ("@tensorflow/tfjs-backend-wasm", "dist/tf-backend-wasm.es2017.min.js",
             ["dist/tfjs-backend-wasm-simd.wasm", "dist/tfjs-backend-wasm.wasm"]),
    "webgl": ("@tensorflow/tfjs-backend-webgl", "dist/tf-backend-webgl.es2017.min.js", []),
    "webgpu": ("@tensorflow/tfjs-backend-webgpu", "dist/tf-backend-webgpu.es2017.min.js", []),
}
#: Licences of code compiled into the backends' binaries (in ``web/licenses/``), by package.
COMPILED_IN = {"@tensorflow/tfjs-backend-wasm": [("XNNPACK", "XNNPACK-BSD-3-Clause.txt")]}
#: The course's own scripts and styles that every page with a live part gets (``web/site/live/``):
#: the shared loader (runtime, networks, the page's API) and the shared widgets.
LIVE_SCRIPTS = ["live/loader.js", "live/widgets.js"]
LIVE_STYLES = ["live/live.css"]
#: Each live part's own scripts (after LIVE_SCRIPTS), by its kind: ``<div data-live-app="KIND">``.
LIVE_PARTS = {
    "own-digit": ["live/digits.js", "live/own-digit.js"],
    "layers": ["live/digits.js", "live/layers.js"],
    "convolution": ["live/digits.js", "live/convolution.js"],
    "augmentation": ["live/augmentation.js"],
    "train-dense": ["live/digits.js", "live/train-dense.js"],
    "backends": ["live/backends.js"],
}
#: The marker of a page with a live part.
LIVE_MARKER = "data-live-app"
#: A live page's inline head script: ``<html class="live-js">`` says, before the first paint, that the
#: live parts will start (the loader itself is deferred), so that live.css can keep their place.
LIVE_MARK = 'document.documentElement.classList.add("live-js");'


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
    """Copy the profile's trained networks and their manifest into the built site, also for the browser."""
    if exception is not None or app.builder.format != "html":
        return
    from labsupport import cache, data, modelfile, published, webexport
    from labsupport.profile import get_profile

    profile = get_profile()
    arrays = data.load_mnist()
    entries = cache.published_entries(profile, arrays)
    manifest = published.export(entries, app.outdir)
    names = ", ".join(name for name, *_ in entries) or "none (the model cache is empty)"
    print(f"published networks: {names} -> {Path(manifest).parent}")
    networks = {name: modelfile.load_model_file(path) for name, _, _, path, _ in entries}
    accuracies = {name: accuracy for name, _, _, _, accuracy in entries}
    histories = {name: cache.history_of(path) for name, _, _, path, _ in entries}  # the build's learning curves
    web = webexport.publish(networks, profile.name, app.outdir, arrays[1], accuracies, batch_size=profile.batch_size,
                            train=arrays[0], histories=histories)
    print(f"networks for the browser -> {web.parent}")


def runtime_files(root: Path) -> list[tuple[Path, str, str]]:
    """``(file, package, version)`` of each :data:`RUNTIME` script in ``web/node_modules``.

    Raises
    ------
    FileNotFoundError
        If the runtime is not installed (``npm ci --prefix web``).
    """
    import json

    found = []
    for package, name in RUNTIME:
        folder = root / "web" / "node_modules" / package
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run 'npm ci --prefix web' (tools/install.sh does)")
        version = json.loads((folder / "package.json").read_text())["version"]
        found.append((path, package, version))
    return found


def backend_files(root: Path) -> dict[str, tuple[Path, list[Path], str, str]]:
    """``name -> (script, binaries, package, version)`` of each of :data:`BACKENDS` in ``web/node_modules``.

    Raises
    ------
    FileNotFoundError
        If one is not installed (``npm ci --prefix web``).
    """
    import json

    found = {}
    for name, (package, script, binaries) in BACKENDS.items():
        folder = root / "web" / "node_modules" / package
        paths = [folder / script, *(folder / b for b in binaries)]
        for path in paths:
            if not path.is_file():
                raise FileNotFoundError(f"{path} is missing: run 'npm ci --prefix web' (tools/install.sh does)")
        version = json.loads((folder / "package.json").read_text())["version"]
        found[name] = (paths[0], paths[1:], package, version)
    return found


#: Dependencies of the runtime packages that are not in the browser bundles (types, Node only).
NOT_BUNDLED = ("@types/", "@webgpu/", "node-fetch")


def _licence_of(folder: Path) -> str:
    """A package's licence: its LICENSE file, or the licence section of its README."""
    import re

    for name in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8")
    readme = folder / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    match = re.search(r"^LICENSE.*$(?s:.*)", text, flags=re.M | re.I)
    return match.group(0) if match else ""


def licence_text(scripts: list[tuple[Path, str, str]], root: Path) -> str:
    """The runtime's licences: each script's licence comment and the Apache License 2.0, then
    the licences of the packages bundled into the scripts (e.g. seedrandom, MIT)."""
    import json
    import re

    modules = root / "web" / "node_modules"
    parts = ["The JavaScript runtime of the live pages, shipped with this site.", ""]
    bundled = {}
    for path, package, version in scripts:
        text = path.read_text(encoding="utf-8")
        notices = re.findall(r"/\*\*\s*\n\s*\*\s*@license.*?\*/", text, flags=re.S)
        parts.append(f"== {package} {version} ({path.name}): Apache License 2.0\n" + "\n".join(dict.fromkeys(notices)))
        dependencies = json.loads((modules / package / "package.json").read_text()).get("dependencies") or {}
        bundled.update({d: None for d in dependencies if not d.startswith(NOT_BUNDLED)})
    for _, package, version in scripts:
        for name, file in COMPILED_IN.get(package, []):
            text = (root / "web" / "licenses" / file).read_text(encoding="utf-8")
            parts.append(f"== {name} (compiled into the WebAssembly binaries of {package} {version})\n" + text)
    parts.append("== Apache License 2.0\n" + (root / "web" / "licenses" / "Apache-2.0.txt").read_text(encoding="utf-8"))
    shipped = {package for _, package, _ in scripts}
    for package in bundled:
        if package in shipped:  # e.g. the CPU backend's kernels in the WebGL bundle: its licence is above
            continue
        folder = modules / package
        if folder.is_dir():
            version = json.loads((folder / "package.json").read_text())["version"]
            parts.append(f"== {package} {version} (bundled in the scripts above)\n" + _licence_of(folder))
    return "\n\n".join(parts)


def _gzip_entry(path: Path) -> dict:
    """A gzip copy beside a shipped binary, as runtime.json lists it: static hosts send ``.wasm``
    uncompressed, and the loader fetches and decompresses the copy where the browser can."""
    from labsupport.webexport import gzip_copy

    copy = gzip_copy(path, "vendor/")
    return {"src": copy["path"], "bytes": copy["bytes"]}


def ship_runtime(app, exception) -> None:
    """Copy the pinned runtime, its licence and ``runtime.json`` into ``_static/vendor/``."""
    import json
    import shutil

    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    root = repository_root(app)
    vendor = Path(app.outdir) / "_static" / "vendor"
    try:
        scripts = runtime_files(root)
        backends = backend_files(root)
    except FileNotFoundError as e:
        logging.getLogger(__name__).warning(f"live pages without their runtime: {e}")
        (vendor / "runtime.json").unlink(missing_ok=True)  # not an earlier build's list: the pages say it is missing
        return
    vendor.mkdir(parents=True, exist_ok=True)
    listed = []
    for path, package, version in scripts:
        shutil.copyfile(path, vendor / path.name)
        listed.append({"src": f"vendor/{path.name}", "package": package, "version": version,
                       "bytes": path.stat().st_size})
    # each backend separately, with its bytes: a page fetches the one it will use (loader.js)
    offered = {}
    for name, (script, binaries, package, version) in backends.items():
        for path in (script, *binaries):
            shutil.copyfile(path, vendor / path.name)
        offered[name] = {"package": package, "version": version,
                         "scripts": [{"src": f"vendor/{script.name}", "bytes": script.stat().st_size}],
                         "binaries": [{"src": f"vendor/{b.name}", "bytes": b.stat().st_size,
                                       "gzip": _gzip_entry(vendor / b.name)} for b in binaries]}
    shipped = scripts + [(script, package, version) for script, _, package, version in backends.values()]
    (vendor / "LICENSE.txt").write_text(licence_text(shipped, root), encoding="utf-8")
    (vendor / "runtime.json").write_text(json.dumps(
        {"scripts": listed, "backends": offered, "licence": "vendor/LICENSE.txt"}, indent=1))
    print(f"runtime for the live pages: {', '.join(f'{p} {v}' for _, p, v in shipped)} -> {vendor}")


def ship_sample_photos(app, exception) -> None:
    """The course's sample photos (``assets/samples``) for the own-digit page, with an index."""
    import json
    import shutil

    if exception is not None or app.builder.format != "html":
        return
    source = repository_root(app) / "assets" / "samples"
    target = Path(app.outdir) / "_static" / "live" / "samples"
    target.mkdir(parents=True, exist_ok=True)
    photos = sorted(p.name for p in source.glob("*.png"))
    for name in photos:
        shutil.copyfile(source / name, target / name)
    (target / "index.json").write_text(json.dumps({"photos": photos}))


def add_live_static_path(app, config) -> None:
    """Put ``web/site`` (the live pages' scripts) among the static folders."""
    site = repository_root(app) / "web" / "site"
    if site.is_dir():
        config.html_static_path.append(str(site))


def live_scripts(body: str) -> list[str]:
    """The scripts a page's live parts need, in order: the shared ones, then each part's (once each).

    A part of a kind that :data:`LIVE_PARTS` does not know is an error: its page would say
    nothing but "unknown live part".
    """
    import re

    kinds = re.findall(LIVE_MARKER + r'="([^"]*)"', body)
    unknown = sorted(set(kinds) - set(LIVE_PARTS))
    if unknown:
        raise ValueError(f"unknown live part(s) {unknown}: add them to tools/sphinxext.py LIVE_PARTS")
    scripts = LIVE_SCRIPTS + [script for kind in kinds for script in LIVE_PARTS[kind]]
    return list(dict.fromkeys(scripts)) if kinds else []


def add_live_scripts(app, pagename, templatename, context, doctree) -> None:
    """Give the live scripts and styles to the pages that have a live part, and only to them."""
    scripts = live_scripts(context.get("body", ""))
    if not scripts:
        return
    # inline, so it runs before the first paint: live.css keeps a part's place from then on
    app.add_js_file(None, body=LIVE_MARK)
    for script in scripts:
        app.add_js_file(script, loading_method="defer")
    for style in LIVE_STYLES:
        app.add_css_file(style)


#: Inline PNG figures (``<img src="data:image/png;base64,...">``, as labsupport's figures show
#: themselves, with their alt text) and the folder they become files in.
_INLINE_PNG = r'<img src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"'
FIGURES_DIR = "_images"


def compact_png(data: bytes) -> bytes:
    """The same picture in fewer bytes, where Pillow finds them: lossless.

    matplotlib writes RGBA even for an opaque figure; an opaque picture is
    written as RGB, and every picture with zlib's best settings (Pillow's
    ``optimize``). Returns ``data`` itself if that is not smaller or Pillow
    cannot read it.
    """
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.mode == "RGBA" and image.getextrema()[3] == (255, 255):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)
    except (OSError, ValueError, SyntaxError):
        return data
    return out.getvalue() if out.tell() < len(data) else data


def figures_to_files(body: str, folder: Path, prefix: str = "") -> str:
    """Each inline PNG figure of a page written to ``folder`` and the page pointing at the file.

    The page's HTML then holds a small ``<img src="{prefix}_images/fig-<hash>.png" loading="lazy"
    decoding="async" width=.. height=..>`` instead of the picture's bytes, so the text paints
    first and the browser fetches each figure when the reader nears it (the size attributes keep
    its place meanwhile). The alt text and every other attribute stay. The file is named by its
    content: the same figure on two pages is one file; it holds the same pixels in fewer bytes
    (:func:`compact_png`).
    """
    import base64
    import re
    import struct

    def replace(match) -> str:
        data = base64.b64decode(re.sub(r"\s", "", match.group(1)))
        name = f"fig-{hashlib.sha256(data).hexdigest()[:16]}.png"
        path = folder / name
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(compact_png(data))
        size = ""
        if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            size = f' width="{width}" height="{height}"'
        return f'<img src="{prefix}{FIGURES_DIR}/{name}" loading="lazy" decoding="async"{size}'

    return re.sub(_INLINE_PNG, replace, body)


def lazy_figures(app, pagename, templatename, context, doctree) -> None:
    """The page's inline figures as image files (:func:`figures_to_files`)."""
    if app.builder.format != "html" or "data:image/png;base64," not in context.get("body", ""):
        return
    prefix = "../" * pagename.count("/")
    context["body"] = figures_to_files(context["body"], Path(app.outdir) / FIGURES_DIR, prefix)


def slim_theme(app, exception) -> None:
    """The theme's CSS purged, icon fonts subset and scripts deferred (:mod:`tools.slimtheme`)."""
    if exception is not None or app.builder.format != "html":
        return
    from tools.slimtheme import slim_site

    sizes = slim_site(app.outdir)
    print("slimmer theme: " + ", ".join(f"{Path(name).name} {a / 1e3:.0f} -> {b / 1e3:.0f} kB"
                                        for name, (a, b) in sizes.items()))


def setup(app):
    app.connect("config-inited", use_keyed_execution_cache)
    app.connect("config-inited", add_live_static_path)
    app.connect("build-finished", publish_networks)
    app.connect("build-finished", ship_runtime)
    app.connect("build-finished", ship_sample_photos)
    app.connect("build-finished", slim_theme, priority=900)  # after every file is in place
    app.connect("html-page-context", add_live_scripts)
    app.connect("html-page-context", lazy_figures)
    # sphinx-book-theme adds the launch buttons at priority 501; run after it
    app.connect("html-page-context", point_buttons_at_notebooks, priority=510)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
