"""Reviewer HTML from an executed notebook (DESIGN.md section 8).

`export_html` converts an executed notebook with nbconvert's HTMLExporter and the project's "reviewer"
template (templates/reviewer, based on JupyterLab's "lab" template) so that the page:
- shows no code: every input is excluded (HTMLExporter.exclude_input) and prompts are dropped; cells tagged
  as plumbing (`hide`, plus papermill's `parameters` / `injected-parameters` cells) are removed outright with
  nbconvert's TagRemovePreprocessor; code cells left with no output and stderr streams (warnings meant for
  the analyst) are dropped too;
- is self-contained: images are embedded as base64 data URIs (nbconvert embeds PNG outputs; markdown
  images are embedded with `embed_images`), and the template overrides every block of the lab template that
  would fetch something from the web (require.js, MathJax, Mermaid, widgets). The written page is scanned
  (`find_network_requests`) and an export that would make any network request is refused;
- has a table of contents built from the page's headings (h1-h3), placed after the page's h1 and its
  introduction, a synthetic-data banner at the top when the data is synthetic, and a provenance footer
  (commit, input hashes, parameters, package versions, dates) with a link to the accessibility statement;
- runs nothing (DESIGN.md section 8): a Content-Security-Policy meta element (`CSP`) forbids every script and
  every fetch (images only as data: URIs, styles only inline); every text/html and markdown output, and
  every markdown cell, passes through the allowlist sanitizer analysis.report.safe_text.clean_html
  (nbconvert's `sanitize_html` switched on with the project's cleaner), and outputs of any other kind that
  could carry script or be fetched (SVG, JavaScript, widgets, LaTeX, Mermaid, PDF) are dropped
  (`SAFE_MIMETYPES`). Text from a return is escaped where it is written (safe_text.md_text, html_text), so it
  shows as literal characters; the sanitizer and the CSP are the nets behind that;
- prints on A4 with the synthetic marking, the page title, the date and "Page n of N" on every printed page
  (CSS @page margin boxes, reviewer.css and the template's print block).

The HTML is written atomically (temporary file in the same folder, then renamed). LaTeX in markdown is not
typeset (MathJax would be a network request): notebooks should write formulas in plain text.
"""

from __future__ import annotations

import html
import posixpath
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from analysis.atomic import write_text_atomic
from analysis.report.safe_text import clean_html, css_string

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "reviewer"
BANNER_TEXT = "SYNTHETIC DATA — not real police data"

#: Cell tags whose cells never reach a reviewer page.
HIDDEN_TAGS = frozenset({"hide", "parameters", "injected-parameters"})

TOC_PLACEHOLDER = "<!--ANALYSIS-TOC-->"
#: The page's Content-Security-Policy: nothing runs, nothing is fetched (images only from data: URIs;
#: styles inline, the page's own), no base URL, no form target, no plugin.
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'none'; object-src 'none'; "
       "base-uri 'none'; form-action 'none'")
#: Output kinds a reviewer page shows; any other (image/svg+xml, application/javascript, widget views,
#: text/latex, text/vnd.mermaid, application/pdf...) is dropped before rendering.
SAFE_MIMETYPES = frozenset({"image/png", "image/jpeg", "text/html", "text/markdown", "text/plain"})
#: File name of the accessibility statement, next to outputs/index.html (analysis.report.index).
STATEMENT_FILE = "accessibility.html"
TOC_LEVELS = (1, 2, 3)
#: Heading levels listed in the contents (sections and subsections; not the page's h1).
TOC_ENTRY_LEVELS = (2, 3)


class ExportError(RuntimeError):
    """The notebook could not be turned into an offline reviewer page."""


def export_html(
    notebook_path: str | Path,
    html_path: str | Path,
    *,
    title: str,
    synthetic: bool,
    provenance: dict[str, Any],
    index_href: str | None = None,
    hidden_tags: frozenset[str] | set[str] = HIDDEN_TAGS,
) -> Path:
    """Write the reviewer page for one executed notebook and return its path.

    `provenance` is shown in the footer; recognised keys: git_commit, git_dirty, executed_at, data_dir,
    synthetic, parameters (dict), input_hashes (dict), package_versions (dict). `exported_at` is added.
    `index_href` (relative link to outputs/index.html) adds an "All reports" link under the title and a
    link to the accessibility statement beside it (`statement_href`).
    """
    import nbformat

    notebook_path = Path(notebook_path)
    nb = nbformat.read(notebook_path, as_version=4)
    page = render_notebook(
        nb,
        title=title,
        synthetic=synthetic,
        provenance=provenance,
        index_href=index_href,
        resources_path=notebook_path.parent,
        hidden_tags=hidden_tags,
    )
    return write_text_atomic(Path(html_path), page)


def render_notebook(
    nb,
    *,
    title: str,
    synthetic: bool,
    provenance: dict[str, Any],
    index_href: str | None = None,
    resources_path: Path | None = None,
    hidden_tags: frozenset[str] | set[str] = HIDDEN_TAGS,
) -> str:
    """The reviewer page for a notebook node, as text (see `export_html`)."""
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    exporter = _exporter(frozenset(hidden_tags))
    shown = {**provenance, "exported_at": _now()}
    shown.setdefault("synthetic", synthetic)
    resources = {
        "metadata": {"name": title, "path": str(resources_path or Path.cwd())},
        "analysis": {"title": title, "synthetic": synthetic, "provenance": shown, "index_href": index_href,
                     "statement_href": statement_href(index_href), "csp": CSP,
                     "printed_date": shown["exported_at"][:10]},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = _strip_css_comments(body)
    body = insert_toc(body)
    body = drop_inert_tabindex(body)
    requests = find_network_requests(body)
    if requests:
        raise ExportError(f"the page would make network requests (not readable offline): {requests[:5]}")
    return body


_EXPORTERS: dict[frozenset[str], Any] = {}


def statement_href(index_href: str | None) -> str:
    """Relative link to the accessibility statement: beside the index page (outputs/accessibility.html)."""
    if not index_href:
        return STATEMENT_FILE
    folder = posixpath.dirname(index_href)
    return posixpath.join(folder, STATEMENT_FILE) if folder else STATEMENT_FILE


def _preprocessor_classes():
    """nbconvert preprocessors for reviewer pages (defined lazily: importing nbconvert costs ~0.3 s)."""
    from nbconvert.preprocessors import Preprocessor

    class DropStderr(Preprocessor):
        """Remove stderr streams (warnings and logs meant for the analyst, kept in the executed notebook)."""

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.get("name") == "stderr")]
            return cell, resources

    class DropEmptyCodeCells(Preprocessor):
        """Remove code cells that have no output left (their input is never shown, so they are empty boxes)."""

        def preprocess(self, nb, resources):
            nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.get("outputs")]
            return nb, resources

    class DropUnsafeOutputs(Preprocessor):
        """Keep only output kinds in SAFE_MIMETYPES (a display with none left is removed): SVG can carry
        script, JavaScript and widgets run, LaTeX and Mermaid need a script to draw and are shown raw."""

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "code":
                kept = []
                for output in cell.outputs:
                    if "data" in output:
                        output.data = {k: v for k, v in output.data.items() if k in SAFE_MIMETYPES}
                        if not output.data:
                            continue
                    kept.append(output)
                cell.outputs = kept
            return cell, resources

    class FigureAltText(Preprocessor):
        """Give every PNG figure without a text alternative one naming its section ("Figure: Charge rate"),
        for screen readers; a notebook sets its own with display metadata {"image/png": {"alt": "..."}}."""

        def preprocess(self, nb, resources):
            section = ""
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    found = [line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")]
                    section = _plain(found[-1]) if found else section
                    continue
                for output in cell.get("outputs", []):
                    if "image/png" in output.get("data", {}):
                        meta = output.setdefault("metadata", {}).setdefault("image/png", {})
                        meta.setdefault("alt", f"Figure: {section}" if section else "Figure")
            return nb, resources

    return DropStderr, DropUnsafeOutputs, DropEmptyCodeCells, FigureAltText


def _plain(markdown: str) -> str:
    """Heading text without markdown emphasis, code or link syntax."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"[*_`]", "", text).strip()


def _exporter(hidden_tags: frozenset[str]):
    """One configured HTMLExporter per set of hidden tags (building one costs ~0.1 s; reuse it)."""
    if hidden_tags not in _EXPORTERS:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor
        from traitlets.config import Config

        config = Config()
        config.TagRemovePreprocessor.remove_cell_tags = set(hidden_tags)
        config.TagRemovePreprocessor.enabled = True
        exporter = HTMLExporter(
            config=config,
            template_name=TEMPLATE_NAME,
            extra_template_basedirs=[str(TEMPLATES_DIR)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            theme="light",
            sanitize_html=True,
        )
        # nbconvert's own cleaner keeps too little (no headings, th, caption, details); the project's
        # allowlist keeps the report's markup and neutralises the rest (analysis.report.safe_text).
        exporter.register_filter("clean_html", clean_html)
        exporter.register_filter("css_string", css_string)
        exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
        DropStderr, DropUnsafeOutputs, DropEmptyCodeCells, FigureAltText = _preprocessor_classes()
        exporter.register_preprocessor(DropStderr(), enabled=True)
        exporter.register_preprocessor(DropUnsafeOutputs(), enabled=True)
        exporter.register_preprocessor(DropEmptyCodeCells(), enabled=True)
        exporter.register_preprocessor(FigureAltText(), enabled=True)
        _EXPORTERS[hidden_tags] = exporter
    return _EXPORTERS[hidden_tags]


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


# ------------------------------------------------------------------------------------------------
# Table of contents


_HEADING = re.compile(r"<h([1-6])\b([^>]*)>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
_ID = re.compile(r"""\bid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_ANCHOR_LINK = re.compile(r"<a\b[^>]*class=\"anchor-link\"[^>]*>.*?</a>", re.IGNORECASE | re.DOTALL)


def headings(page: str) -> list[tuple[int, str, str]]:
    """(level, id, text) of every h1-h3 inside <main>, in page order (ids as written in the page)."""
    start, end = _main_span(page)
    found = []
    for match in _HEADING.finditer(page, start, end):
        level = int(match.group(1))
        if level not in TOC_LEVELS:
            continue
        ident = _ID.search(match.group(2))
        text = _heading_text(match.group(3))
        if ident and text:
            found.append((level, html.unescape(ident.group(1) or ident.group(2)), text))
    return found


def insert_toc(page: str) -> str:
    """Give every h1-h3 in <main> an id (nbconvert sets one on markdown headings) and fill the TOC placeholder."""
    start, end = _main_span(page)
    counter = 0

    def add_id(match: re.Match) -> str:
        nonlocal counter
        if int(match.group(1)) not in TOC_LEVELS or _ID.search(match.group(2)):
            return match.group(0)
        counter += 1
        return f'<h{match.group(1)} id="section-{counter}"{match.group(2)}>{match.group(3)}</h{match.group(1)}>'

    page = page[:start] + _HEADING.sub(add_id, page[start:end]) + page[end:]
    # The contents list the page's sections: the page's own title (its h1) is not one of them.
    items = [item for item in headings(page) if item[0] in TOC_ENTRY_LEVELS]
    toc = toc_html(items)
    if TOC_PLACEHOLDER not in page:
        return page
    # Headings in order (WCAG 1.3.1): the contents list (an h2) follows the page's h1 and the rest of the
    # cell that holds it (the title block), i.e. it goes just before the next cell.
    without = page.replace(TOC_PLACEHOLDER, "", 1)
    start, end = _main_span(without)
    h1 = re.compile(r"</h1\s*>", re.IGNORECASE).search(without, start, end)
    if h1:
        following = _CELL_START.search(without, h1.end(), end)
        at = following.start() if following else end
        return without[:at] + toc + without[at:]
    return page.replace(TOC_PLACEHOLDER, toc, 1)


def toc_html(items: list[tuple[int, str, str]]) -> str:
    """A nested ordered list of links, one per heading (empty string when there are no headings)."""
    if not items:
        return ""
    top = min(level for level, _, _ in items)
    parts = ['<nav class="analysis-toc" aria-label="contents"><h2>Contents</h2>']
    depth = 0
    for level, ident, text in items:
        target = level - top + 1
        if target > depth:
            parts.append("<ol>" * (target - depth))
            depth = target
        else:
            parts.append("</li>")
            while depth > target:
                parts.append("</ol></li>")
                depth -= 1
        parts.append(f'<li><a href="#{html.escape(ident, quote=True)}">{html.escape(text)}</a>')
    parts.append("</li>")
    while depth > 1:
        parts.append("</ol></li>")
        depth -= 1
    parts.append("</ol></nav>")
    return "".join(parts)


_CELL_START = re.compile(r"<div\b[^>]*\bclass=\"jp-Cell\b", re.IGNORECASE)
_TABINDEX = re.compile(r"""\s+tabindex\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
#: Elements that act when focused (a scrollable table is a named region: role="region").
_INTERACTIVE = frozenset({"a", "button", "input", "select", "textarea", "summary", "details"})


def drop_inert_tabindex(page: str) -> str:
    """Remove `tabindex` from elements in <main> that do nothing when focused (JupyterLab's template and
    rich outputs can make output areas tab stops); links, buttons, form fields, disclosure widgets and
    scrollable regions (role="region", a table wider than the screen) keep theirs (WCAG 2.4.3)."""
    start, end = _main_span(page)

    def strip(match: re.Match) -> str:
        tag, attrs = match.group(1).lower(), match.group(2)
        if tag in _INTERACTIVE or re.search(r"""\brole\s*=\s*["']?region\b""", attrs, re.IGNORECASE):
            return match.group(0)
        return f"<{match.group(1)}{_TABINDEX.sub('', attrs)}>"

    return page[:start] + _START_TAG.sub(strip, page[start:end]) + page[end:]


def _main_span(page: str) -> tuple[int, int]:
    start = page.find("<main>")
    end = page.rfind("</main>")
    return (0 if start < 0 else start, len(page) if end < 0 else end)


def _heading_text(inner: str) -> str:
    text = _TAG.sub("", _ANCHOR_LINK.sub("", inner))
    return " ".join(html.unescape(text).split())


# ------------------------------------------------------------------------------------------------
# Offline check


_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.IGNORECASE | re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_EXTERNAL = re.compile(r"^\s*(?:(?:https?|ftp|wss?):)?//", re.IGNORECASE)
_START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9:-]*)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.DOTALL)
_ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE | re.DOTALL)
#: Attributes whose URL the browser fetches when the page loads (an <a href> is only followed on a click).
_FETCHING_ATTRS = {"src", "srcset", "data", "poster", "background", "action", "formaction", "xlink:href", "manifest", "ping"}
_FETCHING_HREF_TAGS = {"link", "image", "use", "base", "feimage"}


def _strip_css_comments(page: str) -> str:
    """Remove comments from inline style sheets (JupyterLab's CSS cites web pages in comments)."""
    return _STYLE_BLOCK.sub(lambda m: m.group(1) + _CSS_COMMENT.sub("", m.group(2)) + m.group(3), page)


def find_network_requests(page: str) -> list[str]:
    """Every URL on another host that loading `page` would fetch: src/srcset/data/... attributes, <link>
    and SVG hrefs, CSS url()/@import in style blocks and style attributes, meta refresh. Empty when the
    page is readable offline. Links a reader may click (<a href>) are not requests: see `find_external_links`.
    """
    found = []
    for tag, attrs in _start_tags(page):
        for name, value in attrs:
            fetching = name in _FETCHING_ATTRS or (name == "href" and tag in _FETCHING_HREF_TAGS)
            if fetching:
                candidates = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
                found.extend(v for v in candidates if _EXTERNAL.match(v))
            if name == "style":
                found.extend(_css_external(value))
            if tag == "meta" and name == "content" and "url=" in value.lower():
                target = value.lower().split("url=", 1)[1]
                if _EXTERNAL.match(target):
                    found.append(value)
    for match in _STYLE_BLOCK.finditer(page):
        found.extend(_css_external(_CSS_COMMENT.sub("", match.group(2))))
    return found


def find_external_links(page: str) -> list[str]:
    """Every <a href> that points to another host (allowed: only followed when a reader clicks)."""
    return [value for tag, attrs in _start_tags(page) if tag == "a" for name, value in attrs
            if name == "href" and _EXTERNAL.match(value)]


def _start_tags(page: str):
    """(tag, [(attribute, value)]) of every start tag outside <style> and <script> bodies.

    Data URIs are skipped without scanning (they are large and never a request).
    """
    cleaned = _STYLE_BLOCK.sub(lambda m: m.group(1) + m.group(3), page)
    for match in _START_TAG.finditer(cleaned):
        attrs = []
        for attr in _ATTR.finditer(match.group(2)):
            value = next((g for g in attr.group(2, 3, 4) if g is not None), "")
            if value.startswith("data:"):
                continue
            attrs.append((attr.group(1).lower(), html.unescape(value)))
        yield match.group(1).lower(), attrs


def _css_external(css: str) -> list[str]:
    urls = []
    for match in _CSS_URL.finditer(css):
        url = match.group(2) if match.group(2) is not None else match.group(4)
        if url and _EXTERNAL.match(url):
            urls.append(url)
    return urls
