"""A lighter theme for the built site: what a phone must fetch before it can paint a page.

sphinx-book-theme ships for every project the same assets, and most of them go
unused on this site. Lighthouse (``tools/benchmarks/lighthouse.py``, issue 19)
found three costs that every page pays before its text shows:

* ``pydata-sphinx-theme.css`` (0.40 MB, 66 kB gzip-compressed) blocks the first
  paint, and about 92 % of its rules match nothing on the site: Bootstrap's
  components and Font Awesome's ~1,900 icon rules. :func:`purge_css` keeps only
  the rules whose class and id names occur in the site's pages or scripts;
* Font Awesome's web fonts (0.27 MB) hold every icon, for the dozen the site
  draws: :func:`subset_font` keeps the glyphs the remaining CSS asks for
  (:func:`icon_codepoints`);
* the theme's and Sphinx's scripts in ``<head>`` (search index, copy button,
  toggles, ...) block the first paint too, though none of them draws anything
  before the page is read: :func:`defer_scripts` marks them ``defer`` (they
  then run in the same order, after the page is parsed).

:func:`slim_site` applies all three to a built site; ``tools/sphinxext.py``
calls it when a build finishes. Each step keeps more than it must rather than
less: a rule or glyph it cannot judge stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

#: The theme's large stylesheet, purged (the others are small and mostly used).
PURGED_CSS = ("_static/styles/pydata-sphinx-theme.css",)
#: Font Awesome's web fonts, subset to the icons the site's CSS draws.
ICON_FONTS = "_static/vendor/fontawesome/webfonts"
#: Scripts that stay blocking: the page's inline scripts extend what they define
#: (``DOCUMENTATION_OPTIONS.pagename = ...`` right after ``documentation_options.js``).
KEEP_BLOCKING = ("documentation_options.js",)
#: Class names the theme's scripts build from parts (never written whole in them).
KEEP_PREFIXES = ("bs-tooltip-", "bs-popover-", "tooltip", "popover", "modal", "show", "fade",
                 "collaps", "dropdown", "pst-")

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NAME = re.compile(r"([.#])((?:[A-Za-z0-9_-]|\\.)+)")
_FUNCTIONAL = re.compile(r":(?:not|is|where|has)\(")
_CODEPOINT = re.compile(r'(?:content|--fa)\s*:\s*"((?:\\[0-9a-fA-F]{1,6}\s?)+)"')


def site_words(texts: Iterable[str]) -> set[str]:
    """Every word (letters, digits, ``-`` and ``_``) of the given pages and scripts.

    A class or id a page or script can use appears in it as such a word
    (``class="bd-header"``, ``classList.add("show")``).
    """
    words: set[str] = set()
    for text in texts:
        words.update(_WORD.findall(text))
    return words


def _strip_functional(selector: str) -> str:
    """``selector`` without the arguments of ``:not()``, ``:is()``, ``:where()``, ``:has()``."""
    out, i = [], 0
    for match in _FUNCTIONAL.finditer(selector):
        if match.start() < i:
            continue
        out.append(selector[i:match.start()])
        depth, j = 1, match.end()
        while j < len(selector) and depth:
            depth += {"(": 1, ")": -1}.get(selector[j], 0)
            j += 1
        i = j
    out.append(selector[i:])
    return "".join(out)


def selector_used(selector: str, words: set[str]) -> bool:
    """Whether one selector (no commas) can match: each of its class and id names is a site word.

    Names inside ``:not()``, ``:is()``, ``:where()`` and ``:has()`` are not
    required; an escaped name (``.md\\:flex``) or one of :data:`KEEP_PREFIXES`
    keeps the selector.
    """
    for _, name in _NAME.findall(_strip_functional(selector)):
        if "\\" in name or name.startswith(KEEP_PREFIXES):
            continue
        if name not in words:
            return False
    return True


def _split_selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(prelude):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    parts.append(prelude[start:])
    return [part.strip() for part in parts if part.strip()]


def _purge_rules(rules, words: set[str]) -> str:
    import tinycss2

    out = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s for s in _split_selectors(tinycss2.serialize(rule.prelude))
                         if selector_used(s, words)]
            if selectors:
                out.append(",".join(selectors) + "{" + tinycss2.serialize(rule.content) + "}")
        elif rule.type == "at-rule":
            head = "@" + rule.at_keyword + tinycss2.serialize(rule.prelude)
            if rule.content is None:
                out.append(head + ";")
            elif rule.lower_at_keyword in ("media", "supports", "layer", "container", "document"):
                inner = _purge_rules(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                              skip_whitespace=True), words)
                if inner:
                    out.append(head + "{" + inner + "}")
            else:  # @font-face, @keyframes, @page, ...: kept whole
                out.append(head + "{" + tinycss2.serialize(rule.content) + "}")
    return "".join(out)


def purge_css(css: str, words: set[str]) -> str:
    """``css`` without the rules that can match nothing on the site.

    A rule stays if one of its selectors passes :func:`selector_used`; of a
    rule that stays, only those selectors stay. Rules nested in ``@media``,
    ``@supports``, ``@layer`` and ``@container`` are purged the same way (an
    emptied block goes); every other at-rule (``@font-face``, ``@keyframes``,
    ...) and every declaration stays as it was.

    Parameters
    ----------
    css : str
        A stylesheet.
    words : set of str
        The site's words (:func:`site_words` of its pages and scripts).

    Returns
    -------
    str
        The purged stylesheet, without comments, in ASCII (other characters
        escaped).
    """
    import tinycss2

    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return _ascii(_purge_rules(rules, words))


def _ascii(css: str) -> str:
    """Non-ASCII characters as CSS escapes (``\\f09b ``), as the theme writes its icons."""
    return re.sub(r"[^\x00-\x7f]", lambda m: f"\\{ord(m.group(0)):x} ", css)


def icon_codepoints(css: str) -> set[int]:
    """The code points a stylesheet draws as generated content (``content: "\\f062"``, ``--fa``)."""
    points = set()
    for escaped in _CODEPOINT.findall(css):
        points.update(int(code, 16) for code in re.findall(r"\\([0-9a-fA-F]{1,6})", escaped))
    return points


def subset_font(path: Path, codepoints: set[int]) -> None:
    """Rewrite a WOFF2 font in place with only the glyphs of ``codepoints`` (those it has)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(path)


def defer_scripts(html: str) -> str:
    """The page with every blocking ``<script src>`` of its ``<head>`` marked ``defer``.

    Deferred scripts run in their order once the document is parsed, before
    ``DOMContentLoaded``, as Sphinx's and the theme's scripts expect. Scripts
    already ``async``, ``defer`` or modules stay, and so do the
    :data:`KEEP_BLOCKING` ones and inline scripts.
    """
    end = html.find("</head>")
    if end < 0:
        return html

    def mark(match: re.Match) -> str:
        tag = match.group(0)
        if re.search(r"\s(?:defer|async)\b|type=\"module\"", tag) or any(k in tag for k in KEEP_BLOCKING):
            return tag
        return "<script defer" + tag[len("<script"):]

    head = re.sub(r"<script\s[^>]*\bsrc=\"[^\"]*\"[^>]*>", mark, html[:end])
    return head + html[end:]


def _page_scripts(site: Path, pages: list[Path]) -> list[Path]:
    """The site's scripts a page loads (``<script src>``) and the live parts' files (and workers)."""
    found = set((site / "_static" / "live").glob("*.js"))
    for page in pages:
        for src in re.findall(r"<script[^>]*\bsrc=\"([^\"?#]+)", page.read_text(encoding="utf-8")):
            path = (page.parent / src).resolve()
            if path.is_file() and site.resolve() in path.parents:
                found.add(path)
    return sorted(found)


def slim_site(site: str | Path) -> dict[str, tuple[int, int]]:
    """Purge the theme's CSS, subset its icon fonts and defer its scripts, in a built site.

    Safe to run again on the same site. Returns each changed file's size
    before and after (bytes), for the build's log.
    """
    site = Path(site)
    pages = sorted(site.rglob("*.html"))
    scripts = _page_scripts(site, pages)
    words = site_words(p.read_text(encoding="utf-8", errors="replace") for p in [*pages, *scripts])
    sizes = {}
    for name in PURGED_CSS:
        path = site / name
        if path.is_file():
            before = path.read_text(encoding="utf-8")
            after = purge_css(before, words)
            path.write_text(after, encoding="utf-8")
            sizes[name] = (len(before.encode()), len(after.encode()))
    codepoints = set()
    for css in site.rglob("*.css"):
        codepoints |= icon_codepoints(css.read_text(encoding="utf-8", errors="replace"))
    for font in sorted((site / ICON_FONTS).glob("*.woff2")):
        before = font.stat().st_size
        subset_font(font, codepoints)
        sizes[str(font.relative_to(site))] = (before, font.stat().st_size)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        deferred = defer_scripts(text)
        if deferred != text:
            page.write_text(deferred, encoding="utf-8")
    return sizes
