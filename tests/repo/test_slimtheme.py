"""tools/slimtheme.py: the theme's CSS purged, icon fonts subset and head scripts deferred."""

from __future__ import annotations

import io

import pytest

from tools import slimtheme

tinycss2 = pytest.importorskip("tinycss2")


def test_site_words_are_the_words_of_pages_and_scripts():
    words = slimtheme.site_words(['<div class="bd-header x_y">', 'el.classList.add("show-me")'])
    assert {"div", "class", "bd-header", "x_y", "el", "classList", "add", "show-me"} <= words


@pytest.mark.parametrize("selector, used", [
    (".a .b", True),
    (".a .missing", False),
    ("#top > .a:hover", True),
    ("#gone", False),
    ("div p", True),                      # tags and attributes are always kept
    ('html[data-theme="dark"] .a', True),
    (".a:not(.missing)", True),           # :not() arguments need not occur
    (".a:is(.missing, .b)", True),
    (".md\\:flex", True),                 # escaped names are kept (cannot judge)
    (".bs-tooltip-start", True),          # built from parts by Bootstrap's script
])
def test_selector_used(selector, used):
    assert slimtheme.selector_used(selector, {"a", "b", "top"}) is used


def test_purge_css_drops_unused_rules_and_selectors_and_empty_blocks():
    css = """/* a comment */
    .a{color:red}
    .gone{color:blue}
    .gone,.b>.a{margin:0}
    @media (min-width: 10px){.gone{x:1}}
    @media print{.a{y:2}.gone{z:3}}
    @font-face{font-family:X;src:url(x.woff2)}
    @keyframes spin{from{opacity:0}to{opacity:1}}
    """
    out = slimtheme.purge_css(css, {"a", "b"})
    assert ".a{color:red}" in out
    assert ".gone" not in out
    assert ".b>.a{margin:0}" in out
    assert "min-width" not in out  # the emptied @media block goes
    assert "@media print{.a{y:2}}" in out
    assert "@font-face{font-family:X;src:url(x.woff2)}" in out
    assert "@keyframes spin{from{opacity:0}to{opacity:1}}" in out
    assert "comment" not in out


def test_purge_css_keeps_icon_escapes_in_ascii():
    out = slimtheme.purge_css('.fa-github:before{content:"\\f09b"}', {"fa-github"})
    assert out.isascii()
    assert slimtheme.icon_codepoints(out) == {0xF09B}


def test_icon_codepoints():
    css = '.x:before{content:"\\f062"}.y{--fa:"\\e0b7"}.z:after{content:"plain"}'
    assert slimtheme.icon_codepoints(css) == {0xF062, 0xE0B7}


def test_defer_scripts_defers_head_scripts_only():
    html = ('<html><head><script src="_static/documentation_options.js"></script>'
            '<script>DOCUMENTATION_OPTIONS.pagename = "x";</script>'
            '<script src="_static/doctools.js?v=1"></script>'
            '<script async="async" src="a.js"></script>'
            '<script defer="defer" src="b.js"></script>'
            '<script type="module" src="m.js"></script>'
            '</head><body><script src="late.js"></script></body></html>')
    out = slimtheme.defer_scripts(html)
    assert '<script src="_static/documentation_options.js">' in out   # kept blocking
    assert '<script>DOCUMENTATION_OPTIONS.pagename = "x";</script>' in out
    assert '<script defer src="_static/doctools.js?v=1">' in out
    assert '<script async="async" src="a.js">' in out
    assert '<script defer="defer" src="b.js">' in out
    assert '<script type="module" src="m.js">' in out
    assert '<script src="late.js">' in out  # the body is left alone
    assert slimtheme.defer_scripts(out) == out


def _font(codepoints: list[int]) -> bytes:
    """A small WOFF2 font with one box glyph per code point."""
    pytest.importorskip("brotli")
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    names = [".notdef"] + [f"g{c:x}" for c in codepoints]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({c: f"g{c:x}" for c in codepoints})
    glyphs = {}
    for name in names:
        pen = TTGlyphPen(None)
        pen.moveTo((0, 0)), pen.lineTo((0, 500)), pen.lineTo((500, 500)), pen.closePath()
        glyphs[name] = pen.glyph()
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (600, 0) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.font.flavor = "woff2"
    out = io.BytesIO()
    builder.font.save(out)
    return out.getvalue()


def test_subset_font_keeps_only_the_asked_glyphs(tmp_path):
    from fontTools.ttLib import TTFont

    path = tmp_path / "icons.woff2"
    path.write_bytes(_font(list(range(0xF000, 0xF100))))
    before = path.stat().st_size
    slimtheme.subset_font(path, {0xF062, 0xF09B, 0x41})  # 0x41: not in the font, ignored
    font = TTFont(path)
    assert font.flavor == "woff2"
    assert set(font.getBestCmap()) == {0xF062, 0xF09B}
    assert path.stat().st_size < before


def test_slim_site_on_a_tiny_site(tmp_path):
    (tmp_path / "_static" / "styles").mkdir(parents=True)
    fonts = tmp_path / slimtheme.ICON_FONTS
    fonts.mkdir(parents=True)
    (fonts / "fa-solid-900.woff2").write_bytes(_font([0xF062, 0xF0FC]))
    (tmp_path / slimtheme.PURGED_CSS[0]).write_text(
        '.fa-arrow-up:before{content:"\\f062"}.fa-beer:before{content:"\\f0fc"}.used{a:b}.unused{c:d}')
    (tmp_path / "_static" / "theme.js").write_text('el.classList.add("used")')
    (tmp_path / "index.html").write_text(
        '<html><head><script src="_static/theme.js"></script></head>'
        '<body><i class="fa-arrow-up"></i></body></html>')
    sizes = slimtheme.slim_site(tmp_path)
    css = (tmp_path / slimtheme.PURGED_CSS[0]).read_text()
    assert ".used{a:b}" in css and ".fa-arrow-up" in css
    assert ".unused" not in css and ".fa-beer" not in css
    from fontTools.ttLib import TTFont
    assert set(TTFont(fonts / "fa-solid-900.woff2").getBestCmap()) == {0xF062}
    assert '<script defer src="_static/theme.js">' in (tmp_path / "index.html").read_text()
    assert set(sizes) == {slimtheme.PURGED_CSS[0], str((fonts / "fa-solid-900.woff2").relative_to(tmp_path))}
    # a second pass changes nothing
    slimtheme.slim_site(tmp_path)
    assert (tmp_path / slimtheme.PURGED_CSS[0]).read_text() == css
