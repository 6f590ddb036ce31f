"""Text that came from a force's return or a parameter, made safe for each place a reviewer page shows it.

Nothing a force sends is ever executed or interpreted (DESIGN.md section 8). A force name such as
`<img src=x onerror=...>`, `[click](javascript:...)` or `$\\undefinedcmd{x}$` is the force's data: validation
accepts it (it is what the force returned) and every page shows it as the literal characters it is made of.
Each output language gets its own escaper:

- `md_text`: markdown built from data (IPython `Markdown(...)` outputs). HTML special characters become
  entities and every ASCII punctuation character is backslash-escaped (CommonMark section 2.4), so no
  emphasis, link, heading, list, raw HTML, autolink or math delimiter can form; line breaks become spaces.
- `html_text`: HTML text and attribute values (markupsafe, the escaper Jinja uses).
- `css_string`: a quoted CSS string (the print stylesheet's running header carries the page title), every
  character outside [A-Za-z0-9 ] as a CSS hex escape, so `"`, `\\`, `<` and `</style>` cannot end the string
  or the style element.
- `clean_html`: the safety net for whole HTML fragments (every text/html and markdown output of a notebook,
  see analysis.report.export): an allowlist sanitizer (bleach) that keeps the markup reports use (headings,
  paragraphs, lists, tables with caption/scope, details, data-URI PNG images, links to http(s), mailto,
  relative paths and fragments) and escapes everything else as text, so a `<script>` element or an `on...`
  handler that slipped through shows as text and a `javascript:` link loses its href.
"""

from __future__ import annotations

import re
import string
from functools import cache
from urllib.parse import urlsplit

from markupsafe import escape

__all__ = ["md_text", "html_text", "css_string", "clean_html", "SAFE_LINK_SCHEMES"]

_PUNCTUATION = frozenset(string.punctuation)
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_WHITESPACE = re.compile(r"\s+")

#: Schemes a link in a reviewer page may use (besides relative paths and #fragments).
SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)


def md_text(value: object) -> str:
    """`value` as markdown that renders to exactly its characters (whitespace runs shown as one space).

    >>> md_text("<b>*x*</b> [a](javascript:alert(1))")
    '&lt;b&gt;\\\\*x\\\\*&lt;/b&gt; \\\\[a\\\\]\\\\(javascript:alert\\\\(1\\\\)\\\\)'
    """
    text = _WHITESPACE.sub(" ", str(value)).strip()
    out = []
    for char in text:
        if char in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[char])
        elif char in _PUNCTUATION:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def html_text(value: object) -> str:
    """`value` escaped for HTML text or a quoted attribute value (markupsafe.escape)."""
    return str(escape(str(value)))


def css_string(value: object) -> str:
    """`value` as a double-quoted CSS string literal (for `content:`), letters, digits and spaces kept and
    every other character written as a CSS hex escape (`\\00003c `), line breaks as spaces."""
    text = _WHITESPACE.sub(" ", str(value)).strip()
    return '"' + "".join(c if (c.isascii() and c.isalnum()) or c == " " else f"\\{ord(c):06x} " for c in text) + '"'


def safe_href(value: str) -> bool:
    """True when a link target is a relative path, a #fragment or uses http, https or mailto."""
    target = "".join(str(value).split())  # browsers ignore whitespace and control characters inside schemes
    scheme = urlsplit(target).scheme.lower() if ":" in target.split("/", 1)[0] else ""
    return scheme == "" or scheme in SAFE_LINK_SCHEMES


_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var",
})
_COMMON = ("class", "id", "title", "lang", "dir", "role", "aria-label", "aria-labelledby", "aria-describedby")
_CSS_PROPERTIES = frozenset({"text-align", "vertical-align", "white-space", "width", "min-width", "max-width",
                             "font-weight", "font-style", "font-variant-numeric", "padding", "padding-left",
                             "padding-right", "border-bottom", "border-top", "color", "background-color"})


def _allowed(tag: str, name: str, value: str) -> bool:
    if name in _COMMON:
        return True
    if tag == "a":
        return name == "href" and safe_href(value)
    if tag == "img":
        if name == "src":
            return bool(_DATA_IMAGE.match(value))
        return name in {"alt", "width", "height"}
    if tag in {"th", "td"}:
        return name in {"scope", "colspan", "rowspan", "headers", "style"}
    if tag in {"col", "colgroup"}:
        return name == "span"
    if tag == "details":
        return name == "open"
    if tag == "ol":
        return name in {"start", "reversed"}
    if tag == "time":
        return name == "datetime"
    if tag == "div" and name == "tabindex":
        return value == "0"  # a scrollable table's region (export.drop_inert_tabindex removes any other)
    if tag in {"table", "tr", "p", "div", "span"}:
        return name == "style"
    return False


@cache
def _cleaner():
    import bleach
    from bleach.css_sanitizer import CSSSanitizer

    return bleach.Cleaner(tags=_TAGS, attributes=_allowed, protocols=["http", "https", "mailto", "data"],
                          strip=False, strip_comments=True,
                          css_sanitizer=CSSSanitizer(allowed_css_properties=_CSS_PROPERTIES))


def clean_html(fragment: object) -> str:
    """An HTML fragment with only the allowlisted markup left live; any other tag is escaped (shown as
    text), any other attribute (every `on...` handler, `style` outside tables and text blocks, `srcset`,
    `formaction`...) and any link or image source with another scheme (`javascript:`, `vbscript:`,
    `data:text/html`...) removed. Comments are dropped. Raises nothing: any input gives safe output."""
    text = fragment.decode() if isinstance(fragment, bytes) else str(fragment)
    return _cleaner().clean(text)
