"""The course's Sphinx extension (tools.sphinxext), and its copies of theme templates (book/_templates)."""

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from sphinx.builders.html._assets import _JavaScript

from tools import sphinxext
from tools.toc import book_dir, load_config


def test_launch_url_rewrite():
    url = "https://colab.research.google.com/github/o/r/blob/main/book/03_cnn.md"
    assert sphinxext.rewrite_url(url, "book/03_cnn.md", "notebooks/03_cnn.ipynb") == \
        "https://colab.research.google.com/github/o/r/blob/main/notebooks/03_cnn.ipynb"
    with pytest.raises(ValueError, match="does not name"):
        sphinxext.rewrite_url(url, "book/01_dense_networks.md", "x")


def test_duplicate_inline_scripts_are_dropped():
    scripts = [
        _JavaScript("_static/a.js"),
        _JavaScript(None, body="const X = 1"),
        _JavaScript("", body="const X = 1"),  # the same script registered again
        _JavaScript(None, body="const Y = 2"),
        _JavaScript("_static/a.js"),
    ]
    context = {"script_files": list(scripts)}
    sphinxext.drop_duplicate_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] == [scripts[0], scripts[1], scripts[3]]


def test_execution_cache_is_keyed_by_profile_and_labsupport():
    quick, full = sphinxext.execution_cache_key("quick"), sphinxext.execution_cache_key("full")
    assert re.fullmatch(r"quick-[0-9a-f]{12}", quick) and re.fullmatch(r"full-[0-9a-f]{12}", full)
    assert quick.split("-")[1] == full.split("-")[1]  # the same labsupport
    assert sphinxext.execution_cache_key("quick") == quick  # stable


def test_execution_cache_key_follows_the_real_handwriting_folder(tmp_path, monkeypatch):
    from labsupport.handwriting import REAL_DIGITS_ENV

    monkeypatch.delenv(REAL_DIGITS_ENV, raising=False)
    without = sphinxext.execution_cache_key("quick")
    (tmp_path / "3_a.png").write_bytes(b"x")
    monkeypatch.setenv(REAL_DIGITS_ENV, str(tmp_path))
    with_one = sphinxext.execution_cache_key("quick")
    (tmp_path / "4_b.png").write_bytes(b"y")
    assert len({without, with_one, sphinxext.execution_cache_key("quick")}) == 3


def test_launch_buttons_point_at_the_generated_notebook(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "03_cnn.ipynb").write_text("{}")
    app = SimpleNamespace(srcdir=str(tmp_path / "book"),
                          config=SimpleNamespace(html_theme_options={"path_to_docs": "book"}))
    colab = "https://colab.research.google.com/github/o/r/blob/main/book/03_cnn.md"
    binder = "https://mybinder.org/v2/gh/o/r/main?urlpath=tree/book/03_cnn.md"
    other = "https://example.org/book/03_cnn.md"
    context = {"sourcename": "03_cnn.md.txt", "header_buttons": [{"label": "launch-buttons", "buttons": [
        {"icon": "_static/images/logo_colab.png", "url": colab},
        {"icon": "_static/images/logo_binder.svg", "url": binder},
        {"icon": "other.svg", "url": other},
    ]}]}
    sphinxext.point_buttons_at_notebooks(app, "03_cnn", "page.html", context, None)
    urls = [b["url"] for b in context["header_buttons"][0]["buttons"]]
    assert urls == [colab.replace("book/03_cnn.md", "notebooks/03_cnn.ipynb"),
                    binder.replace("book/03_cnn.md", "notebooks/03_cnn.ipynb"), other]
    # a page without a generated notebook keeps the theme's links
    context = {"sourcename": "intro.md", "header_buttons": [{"label": "launch-buttons", "buttons": [
        {"icon": "_static/images/logo_colab.png", "url": colab.replace("03_cnn", "intro")}]}]}
    sphinxext.point_buttons_at_notebooks(app, "intro", "page.html", context, None)
    assert context["header_buttons"][0]["buttons"][0]["url"].endswith("book/intro.md")


def test_the_built_site_gets_the_trained_networks_and_a_manifest(tmp_path, monkeypatch):
    import json

    import keras

    from labsupport import cache, data, models, profile, train

    from fakes import TINY, separable_arrays

    def tiny_dense():
        return keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax", name="out")],
                                name="tiny_dense")

    monkeypatch.setitem(models.MODELS, "tiny_dense",
                        models.ModelSpec("tiny_dense", tiny_dense, inputs="dense", epochs={"tiny": 1}))
    monkeypatch.setitem(profile.PROFILES, "tiny", TINY)
    monkeypatch.setenv("LABSUPPORT_PROFILE", "tiny")
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(data, "load_mnist", lambda *a, **k: separable_arrays())
    model, history = train.train_named("tiny_dense", TINY, separable_arrays())
    cache.save(model, "tiny_dense", TINY, history)
    app = SimpleNamespace(builder=SimpleNamespace(format="html"), outdir=str(tmp_path / "html"))
    sphinxext.publish_networks(app, None)
    manifest = json.loads((tmp_path / "html" / "models" / "manifest.json").read_text())
    assert [(m["name"], m["profile"]) for m in manifest["models"]] == [("tiny_dense", "tiny")]
    assert (tmp_path / "html" / "models" / manifest["models"][0]["file"]).is_file()
    sphinxext.publish_networks(app, RuntimeError("the build failed"))  # nothing happens after a failure
    web = json.loads((tmp_path / "html" / "models" / "web" / "manifest.json").read_text())
    assert [m["name"] for m in web["models"]] == ["tiny_dense"]
    assert (tmp_path / "html" / "models" / "web" / "tiny_dense" / "model.json").is_file()
    # the training subset chapter 1 trains on, and the build's learning curves from the model cache
    assert (tmp_path / "html" / "models" / "web" / web["training_set"]["path"]).is_file()
    assert web["models"][0]["history"]["val_accuracy"] == [round(v, 6) for v in history["val_accuracy"]]


def _fake_runtime(root, version="1.2.3"):
    """A web/node_modules with the three runtime packages (and a bundled dependency)."""
    import json

    scripts = list(sphinxext.RUNTIME) + [(package, script) for package, script, _ in sphinxext.BACKENDS.values()]
    for package, name in scripts:
        folder = root / "web" / "node_modules" / package
        (folder / name).parent.mkdir(parents=True)
        (folder / name).write_text(f"/**\n * @license\n * Copyright {package}\n */\nvar x = 1;\n")
        (folder / "package.json").write_text(json.dumps({"version": version, "dependencies": {
            "seedrandom": "^3", "@types/long": "^4"}}))
    for package, _, binaries in sphinxext.BACKENDS.values():
        for binary in binaries:
            (root / "web" / "node_modules" / package / binary).write_bytes(b"\0asm" + bytes(binary, "ascii"))
    seed = root / "web" / "node_modules" / "seedrandom"
    seed.mkdir()
    (seed / "package.json").write_text('{"version": "3.0.5"}')
    (seed / "README.md").write_text("# seedrandom\n\nLICENSE (MIT)\n-------------\nCopyright 2019 David Bau.\n")
    (root / "web" / "licenses").mkdir(parents=True)
    (root / "web" / "licenses" / "Apache-2.0.txt").write_text("Apache License\nVersion 2.0\n")
    for compiled in sphinxext.COMPILED_IN.values():
        for name, file in compiled:
            (root / "web" / "licenses" / file).write_text(f"{name}: BSD License\n")


def test_the_runtime_ships_with_its_licences_and_a_list(tmp_path):
    import json

    _fake_runtime(tmp_path)
    (tmp_path / "book").mkdir()
    app = SimpleNamespace(builder=SimpleNamespace(format="html"), outdir=str(tmp_path / "html"),
                          srcdir=str(tmp_path / "book"), config=SimpleNamespace(html_theme_options={"path_to_docs": "book"}))
    sphinxext.ship_runtime(app, None)
    vendor = tmp_path / "html" / "_static" / "vendor"
    listed = json.loads((vendor / "runtime.json").read_text())["scripts"]
    assert [s["package"] for s in listed] == [p for p, _ in sphinxext.RUNTIME]
    assert all((vendor.parent / s["src"]).is_file() and s["version"] == "1.2.3" for s in listed)
    licence = (vendor / "LICENSE.txt").read_text()
    assert "Apache License" in licence and "Copyright @tensorflow/tfjs-layers" in licence
    assert "seedrandom 3.0.5" in licence and "David Bau" in licence and "@types/long" not in licence
    assert "XNNPACK: BSD License" in licence and "Copyright @tensorflow/tfjs-backend-webgl" in licence
    assert "== @tensorflow/tfjs-backend-webgpu 1.2.3" in licence and "Copyright @tensorflow/tfjs-backend-webgpu" in licence


def test_each_backend_is_listed_apart_with_its_bytes_and_binaries(tmp_path):
    """A page fetches only the backend it uses: runtime.json lists each one's files and sizes."""
    import json

    _fake_runtime(tmp_path)
    (tmp_path / "book").mkdir()
    app = SimpleNamespace(builder=SimpleNamespace(format="html"), outdir=str(tmp_path / "html"),
                          srcdir=str(tmp_path / "book"), config=SimpleNamespace(html_theme_options={"path_to_docs": "book"}))
    sphinxext.ship_runtime(app, None)
    static = tmp_path / "html" / "_static"
    backends = json.loads((static / "vendor" / "runtime.json").read_text())["backends"]
    assert sorted(backends) == ["wasm", "webgl", "webgpu"]  # WebGPU: chapter 7 fetches it where the browser has an adapter
    wasm = [b["src"] for b in backends["wasm"]["binaries"]]
    assert wasm == ["vendor/tfjs-backend-wasm-simd.wasm", "vendor/tfjs-backend-wasm.wasm"]  # no threaded one
    for backend in backends.values():
        for file in backend["scripts"] + backend["binaries"]:
            assert (static / file["src"]).stat().st_size == file["bytes"] > 0
    assert not list((static / "vendor").glob("*threaded*"))


def test_a_missing_backend_is_a_missing_runtime(tmp_path):
    _fake_runtime(tmp_path)
    (tmp_path / "web" / "node_modules" / "@tensorflow/tfjs-backend-wasm" / "dist" / "tfjs-backend-wasm-simd.wasm").unlink()
    with pytest.raises(FileNotFoundError, match="tfjs-backend-wasm-simd.wasm is missing"):
        sphinxext.backend_files(tmp_path)


def test_a_missing_runtime_is_a_warning_not_a_failed_build(tmp_path):
    (tmp_path / "book").mkdir()
    app = SimpleNamespace(builder=SimpleNamespace(format="html"), outdir=str(tmp_path / "html"),
                          srcdir=str(tmp_path / "book"), config=SimpleNamespace(html_theme_options={"path_to_docs": "book"}))
    with pytest.raises(FileNotFoundError, match="npm ci --prefix web"):
        sphinxext.runtime_files(tmp_path)
    stale = tmp_path / "html" / "_static" / "vendor" / "runtime.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")  # from an earlier build that had the runtime
    sphinxext.ship_runtime(app, None)  # logs a warning
    assert not stale.exists()


def test_only_pages_with_a_live_part_get_the_live_scripts():
    added = []
    bodies = []
    app = SimpleNamespace(add_js_file=lambda name, **kw: (added.append(name), bodies.append(kw.get("body"))),
                          add_css_file=lambda name, **kw: added.append(name))
    sphinxext.add_live_scripts(app, "01_dense_networks", "page.html", {"body": "<p>no live part</p>"}, None)
    assert added == []
    sphinxext.add_live_scripts(app, "06_your_digit", "page.html",
                               {"body": '<div class="live-app" data-live-app="own-digit"></div>'}, None)
    assert added == [None, "live/loader.js", "live/widgets.js", "live/digits.js", "live/own-digit.js", "live/live.css"]
    assert bodies[0] == sphinxext.LIVE_MARK  # inline: it marks <html> before the first paint


def test_a_page_with_two_live_parts_gets_each_script_once():
    body = '<div data-live-app="layers"></div><p>text</p><div data-live-app="own-digit"></div>'
    assert sphinxext.live_scripts(body) == [
        "live/loader.js", "live/widgets.js", "live/digits.js", "live/layers.js", "live/own-digit.js"]


def test_every_live_part_has_its_scripts_in_the_repository():
    site = Path(sphinxext.__file__).resolve().parent.parent / "web" / "site"
    for script in sphinxext.LIVE_SCRIPTS + [s for scripts in sphinxext.LIVE_PARTS.values() for s in scripts]:
        assert (site / script).is_file(), script
    for kind, scripts in sphinxext.LIVE_PARTS.items():
        # the part's own script registers the kind that the page's block names
        assert f'LabLive.register("{kind}"' in (site / scripts[-1]).read_text(), kind


def test_an_unknown_live_part_is_a_build_error():
    with pytest.raises(ValueError, match="unknown live part"):
        sphinxext.live_scripts('<div data-live-app="no-such-part"></div>')


# The theme's buttons, as the course copies them (book/_templates): the same
# markup but for what made their names differ from their visible text.

THEME_COMPONENTS = (Path(importlib.util.find_spec("pydata_sphinx_theme").submodule_search_locations[0])
                    / "theme" / "pydata_sphinx_theme" / "components")
TEMPLATES = book_dir() / "_templates"


def _tags(path: Path) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of a template, in order, with its attributes (Jinja comments skipped)."""
    tags = []
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: tags.append((tag, dict(attrs)))
    parser.feed(re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S))
    return tags


def test_the_copies_override_templates_the_theme_has():
    assert load_config()["sphinx"]["config"]["templates_path"] == ["_templates"]
    copies = sorted(p.name for p in TEMPLATES.glob("*.html"))
    assert copies == ["search-button-field.html", "theme-switcher.html"]
    for name in copies:
        assert (THEME_COMPONENTS / name).is_file(), f"the theme has no {name} any more: drop or update the copy"


def test_the_search_field_is_the_themes_named_by_its_text():
    theme, ours = _tags(THEME_COMPONENTS / "search-button-field.html"), _tags(TEMPLATES / "search-button-field.html")
    button = dict(theme[0][1])
    assert button.pop("aria-label") == "{{ _('Search') }}"
    # Changed in the theme? Copy it again, without the aria-label.
    assert ours == [("button", button)] + theme[1:]


def test_the_colour_switch_is_the_themes_with_decorative_icons():
    theme, ours = _tags(THEME_COMPONENTS / "theme-switcher.html"), _tags(TEMPLATES / "theme-switcher.html")
    assert ours[0] == theme[0]  # the button: classes, name "Color mode", tooltip
    # each icon: the theme's <i title> becomes <span title><i></i></span>, same mode, icon and order
    theme_icons = [(a["data-mode"], a["title"], a["class"].split()) for _, a in theme[1:]]
    spans, icons = ours[1::2], ours[2::2]
    assert [t for t, _ in spans] == ["span"] * 3 and [t for t, _ in icons] == ["i"] * 3
    assert [(a["data-mode"], a["title"], a["class"].split() + i["class"].split())
            for (_, a), (_, i) in zip(spans, icons)] == theme_icons
    assert all("title" not in i for _, i in icons)  # no text inside the icons


def test_inline_figures_become_lazy_image_files(tmp_path):
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "white").save(buffer, format="PNG")
    png = buffer.getvalue()
    data = base64.b64encode(png).decode()
    body = (f'<p>text</p><img src="data:image/png;base64,{data}" alt="accuracy &quot;curves&quot;" '
            'style="max-width:100%;height:auto" /><img src="data:image/png;base64,' + data + '" alt="again" />'
            '<img src="_static/logo.svg" alt="logo" /><img src="data:image/svg+xml;base64,PHN2Zy8+" alt="svg" />')
    out = sphinxext.figures_to_files(body, tmp_path / "_images", prefix="../")
    files = list((tmp_path / "_images").iterdir())
    assert len(files) == 1  # one file per figure, named by its content
    assert files[0].read_bytes() == sphinxext.compact_png(png)
    name = files[0].name
    assert re.fullmatch(r"fig-[0-9a-f]{16}\.png", name)
    assert out.count(f'<img src="../_images/{name}" loading="lazy" decoding="async" width="30" height="20" '
                     'alt=') == 2
    assert 'alt="accuracy &quot;curves&quot;" style="max-width:100%;height:auto" />' in out  # the rest stays
    assert "data:image/png" not in out
    assert '<img src="_static/logo.svg" alt="logo" />' in out and "data:image/svg+xml" in out  # only PNG data
    assert sphinxext.figures_to_files("<p>no figure</p>", tmp_path / "other") == "<p>no figure</p>"
    assert not (tmp_path / "other").exists()


def test_compact_png_keeps_the_pixels_in_fewer_bytes():
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (40, 60, 4), dtype=np.uint8)
    pixels[..., 3] = 255  # opaque, as matplotlib's figures are, but written as RGBA
    pixels[:20, :, :3] = 200  # something to compress
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, format="PNG", compress_level=1)
    out = sphinxext.compact_png(buffer.getvalue())
    assert len(out) < len(buffer.getvalue())
    with Image.open(io.BytesIO(out)) as image:
        assert image.mode == "RGB"
        assert np.array_equal(np.asarray(image.convert("RGBA")), pixels)
    translucent = pixels.copy()
    translucent[0, 0, 3] = 10
    buffer = io.BytesIO()
    Image.fromarray(translucent, "RGBA").save(buffer, format="PNG", compress_level=1)
    with Image.open(io.BytesIO(sphinxext.compact_png(buffer.getvalue()))) as image:
        assert image.mode == "RGBA" and np.array_equal(np.asarray(image), translucent)
    not_png = b"\x89PNG\r\n\x1a\n" + bytes(20)
    assert sphinxext.compact_png(not_png) == not_png


def test_lazy_figures_run_on_html_pages_only(tmp_path):
    import base64

    data = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(20)).decode()
    app = SimpleNamespace(builder=SimpleNamespace(format="html"), outdir=str(tmp_path))
    context = {"body": f'<img src="data:image/png;base64,{data}" alt="x">'}
    sphinxext.lazy_figures(app, "chapters/03_cnn", "page.html", context, None)
    assert context["body"].startswith('<img src="../_images/fig-') and 'alt="x"' in context["body"]
    assert "width=" not in context["body"]  # no readable PNG header: no size given
    app.builder.format = "latex"
    context = {"body": f'<img src="data:image/png;base64,{data}" alt="x">'}
    sphinxext.lazy_figures(app, "03_cnn", "page.html", context, None)
    assert "data:image/png" in context["body"]


def test_the_theme_macros_copy_drops_only_fontawesome_js():
    """book/_templates/static/webpack-macros.html: the theme's, less the script the stylesheet makes useless."""
    theme = (THEME_COMPONENTS.parent / "static" / "webpack-macros.html").read_text(encoding="utf-8")
    ours = re.sub(r"\{#.*?#\}\n?", "", (TEMPLATES / "static" / "webpack-macros.html").read_text(encoding="utf-8"),
                  flags=re.S)
    dropped = [line for line in theme.splitlines(keepends=True) if line not in ours.splitlines(keepends=True)]
    # Changed in the theme? Copy it again, without these two lines.
    assert [line.strip() for line in dropped] == [
        "<!-- So that users can add custom icons -->",
        "<script defer src=\"{{ pathto('_static/scripts/fontawesome.js', 1) }}?digest=55c26ed414f5f8a31ebb\"></script>"]
    assert ours == "".join(line for line in theme.splitlines(keepends=True) if line not in dropped)
    # the stylesheet draws the icons with Font Awesome's web fonts, without the script
    css = (THEME_COMPONENTS.parent / "static" / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    assert "@font-face" in css and "fa-solid-900.woff2" in css and ".fa-magnifying-glass" in css
