"""What a page gains when it is rendered for inspectors (issue 15; DESIGN.md section 8).

`augment` works on an executed notebook before it becomes a page:
- a force page gets "Force at a glance" under its title: the force beside England and Wales on each key
  indicator, from the national results (analysis.report.glance), as headline sentences, a dot plot and a
  table. Force pages are therefore rendered after the national notebook, and `context_digest` (what the
  section shows) is part of a force page's digest, so a national run re-renders exactly the force pages
  whose section changed;
- every page gets its downloads: every table it shows (read from the display metadata the notebook stored
  with each table, so the numbers are the page's) written as an accessible XLSX and ODS workbook and one CSV
  per table (analysis.report.downloads), a "Download the tables" block under the publication metadata and a
  CSV link under each table; and links to the glossary, methods and indicator catalogue pages.
`finish` links the first use of every glossary term on the finished page (analysis.report.glossary).
`write_reference_pages` writes OUT/glossary.html, OUT/methods.html and OUT/indicators.html (docs/methods.md
and docs/indicators.md rendered with mistune, raw HTML escaped).
"""

from __future__ import annotations

import base64
import html
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.report import publication
from analysis.report.display import TABLE_METADATA
from analysis.results import NATIONAL

NATIONAL_RESULTS = Path("national") / "results.parquet"
GLANCE_ID = "force-at-a-glance"
REFERENCE_PAGES = {"glossary.html": "Glossary", "methods.html": "Statistical methods",
                   "indicators.html": "Indicator catalogue"}


# ------------------------------------------------------------------------------------------------
# National context


@lru_cache(maxsize=4)
def _national_published(path: str, stamp: tuple[int, int], disclosure_key: tuple) -> pd.DataFrame | None:
    from analysis import results
    from analysis.report.display import published

    table = results.read(Path(path))
    disclosure = dict(disclosure_key)
    return published(table, "NA01", disclosure=disclosure)


def national_published(out_dir: Path, disclosure: dict) -> pd.DataFrame | None:
    """The national results' NA01 rows as published (disclosure-controlled), or None when there are none.

    The national results live in the output folder's restricted sibling (analysis.pipeline.layout
    .restricted_dir); only their published rows reach a page."""
    from analysis.pipeline.layout import restricted_dir

    path = restricted_dir(out_dir) / NATIONAL_RESULTS
    if not path.is_file():
        return None
    stat = path.stat()
    try:
        return _national_published(str(path), (stat.st_mtime_ns, stat.st_size), tuple(sorted(disclosure.items())))
    except Exception:  # noqa: BLE001 - unreadable national results: the section says they are not available
        return None


def context_digest(out_dir: Path, unit: str, disclosure: dict | None = None) -> str:
    """What a unit's page shows from outside its own run: for a force, its at-a-glance section's data; for
    the national page, nothing ('' )."""
    if unit == NATIONAL:
        return ""
    from analysis.report.glance import glance_digest
    from analysis.settings import disclosure_settings

    return glance_digest(national_published(out_dir, disclosure or disclosure_settings()), unit)


# ------------------------------------------------------------------------------------------------
# Notebook outputs


def _html_output(text: str, metadata: dict | None = None):
    from nbformat.v4 import new_output

    return new_output("display_data", data={"text/html": text}, metadata=metadata or {})


def _cell(outputs: list):
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(source="")
    cell.outputs = outputs
    cell.metadata["analysis"] = {"inserted": "issue-15"}
    return cell


def _has(cell, needle: str) -> bool:
    return any(needle in str(o.get("data", {}).get("text/html", "")) for o in cell.get("outputs", []))


def notebook_parameters(nb) -> dict[str, Any]:
    """The parameters the notebook ran with (papermill's record, else the provenance)."""
    params = dict(nb.metadata.get("papermill", {}).get("parameters", {}) or {})
    if not params:
        params = dict(nb.metadata.get("analysis", {}).get("provenance", {}).get("parameters", {}) or {})
    return params


def disclosure_of(nb) -> dict:
    """The disclosure settings the notebook ran with (its params_file; default params/pipeline.yaml)."""
    from analysis.settings import disclosure_settings

    params_file = notebook_parameters(nb).get("params_file")
    try:
        return disclosure_settings(params_file if params_file and Path(params_file).is_file() else None)
    except (OSError, ValueError):
        return disclosure_settings()


def _png(fig) -> str:
    from analysis.report.figures import figure_text

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata=figure_text(fig))
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def glance_cell(out_dir: Path, force_code: str, force_name: str, synthetic: bool, disclosure: dict,
                folder: Path | None = None):
    """The "Force at a glance" section as a notebook cell (HTML, a PNG with alt text, the table with its
    download metadata); the chart is also saved as FOLDER/figures/at_a_glance.png (the bytes the page shows)."""
    from nbformat.v4 import new_output

    from analysis.report.display import chart_data, html_table, table_metadata
    from analysis.report.glance import chart_points, glance_alt_text, glance_figure, glance_sentences, glance_table

    heading = f'<h2 id="{GLANCE_ID}">Force at a glance: {html.escape(force_name)} against England and Wales</h2>'
    national = national_published(out_dir, disclosure)
    if national is None:
        text = ("<p>The national comparison is not available: the national report has not been produced (or failed), "
                "so this force cannot yet be set beside England and Wales.</p>")
        return _cell([_html_output(heading + text)])
    sentences = glance_sentences(national, force_code, force_name)
    intro = ("<p>Each key indicator of this force beside the value for England and Wales (all forces pooled) and "
             "where the force stands against the funnel plot's control limits, widened for the real variation between "
             "forces (overdispersion). Being outside the limits is a prompt to ask why, not a verdict. From the "
             "national findings report.</p>")
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    table = glance_table(national, force_code)
    title = f"{force_name} at a glance: key indicators against England and Wales"
    fig = glance_figure(national, force_code, force_name, synthetic=synthetic)
    if folder is not None:
        from analysis.report.figures import save

        png = base64.b64encode(save(fig, Path(folder) / "figures" / "at_a_glance.png").read_bytes()).decode("ascii")
    else:
        png = _png(fig)
    image = new_output("display_data", data={"image/png": png},
                       metadata={"image/png": {"alt": glance_alt_text(table, force_name)}})
    notes = ["The control limits are the 99.8% limits around the national value at this force's denominator, "
             "adjusted for overdispersion (Spiegelhalter 2005); q is the false-discovery-rate adjusted p-value "
             "(Benjamini-Hochberg across forces). Source: national findings report, indicator NA01."]
    points = chart_points(national)
    points_title = "Data behind the chart: key indicators of every force (NA01)"
    return _cell([
        _html_output(heading + intro + f'<ul class="glance-headlines">{items}</ul>'),
        image,
        _html_output(chart_data(points, "key indicators of every force (NA01)"),
                     table_metadata(points, points_title, ["Source: national findings report, indicator NA01."], "NA01")),
        _html_output(f"<p><em>Reading the figure:</em> each grey dot is a force; the black line is England and Wales; "
                     "the shaded band is this force's 99.8% control limits; the large marker is this force (a triangle "
                     "pointing up or down when it lies above or below the 99.8% limits).</p>"),
        _html_output(html_table(table, title), table_metadata(table, title, notes, "NA01")),
        _html_output(f"<p>{html.escape(notes[0])}</p>"),
    ])


def page_tables(nb) -> list[tuple[int, int, dict]]:
    """(cell index, output index, table metadata) of every table the page shows, in page order."""
    found = []
    for i, cell in enumerate(nb.cells):
        for j, output in enumerate(cell.get("outputs", [])):
            meta = output.get("metadata", {}).get(TABLE_METADATA)
            if meta:
                found.append((i, j, meta))
    return found


def _links_html(depth: str, downloads, info: publication.PublicationInfo | None) -> str:
    parts = []
    if downloads is not None:
        parts.append('<p class="downloads"><strong>Download every table in this report:</strong> '
                     f'<a href="{html.escape(downloads.xlsx)}">spreadsheet (XLSX, accessible)</a>, '
                     f'<a href="{html.escape(downloads.ods)}">spreadsheet (ODS, open format)</a>, or each table as CSV '
                     "(linked under each table). The spreadsheets have a cover sheet, contents and notes, and the same "
                     "disclosure-controlled numbers as this page.</p>")
    parts.append(f'<p class="reference-links"><strong>Plain words:</strong> <a href="{depth}glossary.html">glossary</a>, '
                 f'<a href="{depth}methods.html">statistical methods</a>, '
                 f'<a href="{depth}indicators.html">indicator catalogue</a>.</p>')
    return "".join(parts)


def augment(nb, *, out_dir: Path, unit: str, folder: Path, title: str, synthetic: bool) -> Any:
    """Add the inspector's content to an executed notebook node (in place; returned): the at-a-glance section
    (forces), the downloads (written under FOLDER/downloads) and their links, and the reference links."""
    from analysis.report.downloads import PageTable, Publication, write_downloads

    disclosure = disclosure_of(nb)
    depth = "../" if unit == NATIONAL else "../../"
    anchor = next((i for i, c in enumerate(nb.cells) if _has(c, 'class="publication-metadata"')), None)
    if anchor is None:  # a notebook without the metadata block: after its first cell with output
        anchor = next((i for i, c in enumerate(nb.cells) if c.get("outputs")), -1)
    info = publication.read(folder)
    if unit != NATIONAL:
        force_name = (info.title if info else title).split(f" ({unit})")[0]
        nb.cells.insert(anchor + 1, glance_cell(out_dir, unit, force_name, synthetic, disclosure, folder))
    tables = page_tables(nb)
    downloads = None
    if tables:
        pub = Publication(title=info.title if info else title,
                          reference_period=info.reference_period if info else "not stated",
                          produced=info.produced if info else "not stated",
                          producer=info.producer if info else publication.PUBLICATION_DEFAULTS["producer"],
                          status=info.status if info else (publication.SYNTHETIC_STATUS if synthetic else "not stated"),
                          contact=info.contact if info else publication.PUBLICATION_DEFAULTS["contact"],
                          synthetic=synthetic)
        stem = "national" if unit == NATIONAL else unit
        downloads = write_downloads(folder, stem, [PageTable.from_metadata(m) for _, _, m in tables], pub)
        for (i, j, _), href in sorted(zip(tables, downloads.csvs, strict=True), reverse=True):
            nb.cells[i].outputs.insert(j + 1, _html_output(
                f'<p class="table-download"><a href="{html.escape(href)}">Download this table (CSV)</a></p>'))
    nb.cells.insert(anchor + 1, _cell([_html_output(_links_html(depth, downloads, info))]))
    return nb


def finish(page: str, unit: str) -> str:
    """The rendered page with the first use of each glossary term linked to its entry."""
    from analysis.report.glossary import link_terms

    return link_terms(page, ("../" if unit == NATIONAL else "../../") + "glossary.html")


# ------------------------------------------------------------------------------------------------
# Index page


def _unit_folder(out_dir: Path, unit: str) -> Path:
    return Path(out_dir) / ("national" if unit == NATIONAL else Path("forces") / unit)


def index_downloads(out_dir: Path, unit: str) -> tuple[tuple[str, str], ...]:
    """(link text, href relative to the index) of a unit's downloadable workbooks that exist."""
    folder = _unit_folder(out_dir, unit)
    stem = "national" if unit == NATIONAL else unit
    name = "National" if unit == NATIONAL else unit
    found = []
    for suffix, label in (("xlsx", "XLSX"), ("ods", "ODS")):
        path = folder / "downloads" / f"{stem}_tables.{suffix}"
        if path.is_file():
            found.append((f"{name} tables ({label})", path.relative_to(out_dir).as_posix()))
    return tuple(found)


def index_publication(out_dir: Path, synthetic: bool) -> list[tuple[str, str]]:
    """The index's publication metadata: the national report's (its reference period covers every force),
    else the settings with the period left to each report."""
    info = publication.read(_unit_folder(out_dir, NATIONAL))
    if info is not None:
        return info.rows()
    settings = publication.publication_settings()
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    return [("Reference period", settings["reference_period"] or "given in each report"),
            ("Date produced", f"{now.day} {now:%B %Y}"), ("Producer", settings["producer"]),
            ("Status", publication.SYNTHETIC_STATUS if synthetic else settings["release_status"]),
            ("Contact", settings["contact"])]


# ------------------------------------------------------------------------------------------------
# Reference pages


def _page(title: str, body: str, synthetic: bool) -> str:
    """A self-contained reference page (the reviewer stylesheet inline, no script, no network request)."""
    from analysis.report.export import TEMPLATES_DIR, TEMPLATE_NAME

    css = (TEMPLATES_DIR / TEMPLATE_NAME / "reviewer.css").read_text(encoding="utf-8")
    banner = ('<div class="analysis-banner" role="note" aria-label="synthetic data warning">SYNTHETIC DATA — '
              "not real police data</div>") if synthetic else ""
    nav = " | ".join(f'<a href="{name}">{html.escape(label)}</a>' for name, label in REFERENCE_PAGES.items())
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n"
            f"<title>{html.escape(title)}</title>\n<style>\n{css}\nbody {{ font: 1rem/1.5 system-ui, Arial, sans-serif; }}\n"
            f"</style>\n</head>\n<body>\n{banner}\n<div class=\"analysis-page\">\n<header class=\"analysis-header\">"
            f'<p><a href="index.html">All reports</a> › {html.escape(title)}</p><nav aria-label="reference pages">'
            f"<p>{nav}</p></nav></header>\n<main>\n{body}\n</main>\n</div>\n</body>\n</html>\n")


def glossary_body() -> str:
    from analysis.report.glossary import TERMS

    items = "".join(f'<dt id="{t.id}">{html.escape(t.term)}</dt><dd>{html.escape(t.definition)}</dd>'
                    for t in sorted(TERMS, key=lambda t: t.term.lower().lstrip("[")))
    return ("<h1>Glossary</h1><p>Plain words for the terms and symbols used in the reports. Each report links the "
            f"first use of a term to its entry here.</p><dl class=\"glossary\">{items}</dl>")


def markdown_body(path: Path) -> str:
    """A markdown document as HTML (mistune; any raw HTML in it is escaped, never passed through)."""
    import mistune

    render = mistune.create_markdown(escape=True, plugins=["table"])
    return render(Path(path).read_text(encoding="utf-8"))


def write_reference_pages(out_dir: Path, *, synthetic: bool, docs_dir: Path | None = None) -> list[Path]:
    """OUT/glossary.html, OUT/methods.html (docs/methods.md) and OUT/indicators.html (docs/indicators.md)."""
    from analysis.atomic import write_text_atomic
    from analysis.paths import PROJECT_ROOT

    docs = Path(docs_dir) if docs_dir is not None else PROJECT_ROOT / "docs"
    bodies = {"glossary.html": glossary_body()}
    for name, source in (("methods.html", "methods.md"), ("indicators.html", "indicators.md")):
        path = docs / source
        bodies[name] = markdown_body(path) if path.is_file() else f"<h1>{REFERENCE_PAGES[name]}</h1><p>Not available: {html.escape(source)} is missing.</p>"
    written = []
    for name, body in bodies.items():
        written.append(write_text_atomic(Path(out_dir) / name, _page(REFERENCE_PAGES[name], body, synthetic)))
    return written


def export_page(notebook_path: Path, html_path: Path, *, out_dir: Path, unit: str, title: str, synthetic: bool,
                provenance: dict, index_href: str | None = None, hidden_tags=None) -> Path:
    """Render one executed notebook as an inspector's page (augment, render, link terms), written atomically."""
    import nbformat

    from analysis.atomic import write_text_atomic
    from analysis.report.export import HIDDEN_TAGS, render_notebook

    notebook_path = Path(notebook_path)
    nb = nbformat.read(notebook_path, as_version=4)
    augment(nb, out_dir=Path(out_dir), unit=unit, folder=notebook_path.parent, title=title, synthetic=synthetic)
    page = render_notebook(nb, title=title, synthetic=synthetic, provenance=provenance, index_href=index_href,
                           resources_path=notebook_path.parent, hidden_tags=frozenset(hidden_tags or HIDDEN_TAGS))
    return write_text_atomic(Path(html_path), finish(page, unit))
