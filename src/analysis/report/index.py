"""outputs/index.html: the entry page reviewers open first (DESIGN.md sections 1 and 8).

It links the national report and every force's report, with each force's status: `ok` (linked),
`failed` with the failing cell and error, `skipped-invalid` when its data failed validation, or `not run`.
The page carries the synthetic-data banner when the data are synthetic and the same provenance footer as
the reports; it is self-contained (inline CSS, no script, no request to any network host, the reports'
Content-Security-Policy) and written atomically. The accessibility statement
(analysis.report.statement, outputs/accessibility.html) is written beside it and linked from every page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.atomic import write_text_atomic
from analysis.report.export import (CSP, STATEMENT_FILE, TEMPLATES_DIR, TEMPLATE_NAME, ExportError, _now,
                                    find_network_requests)
from analysis.report.safe_text import css_string, safe_href

STATUS_ORDER = ("ok", "failed", "skipped-invalid", "not run")


@dataclass(frozen=True)
class IndexEntry:
    """One line of the index: a report, its status and, when it exists, the link to it (relative to the index)."""

    code: str
    name: str
    status: str  # ok | failed | skipped-invalid | not run
    reason: str = ""
    href: str | None = None
    region: str = ""
    downloads: tuple[tuple[str, str], ...] = ()  # (label, href relative to the index) of the report's tables


def render_index(*, national: IndexEntry | None, forces: list[IndexEntry], synthetic: bool,
                 provenance: dict[str, Any], title: str = "Group-based CSE inspection: analysis reports",
                 publication: list[tuple[str, str]] | None = None) -> str:
    """The index page as text; `publication` the (label, value) rows of the publication metadata."""
    environment = site_environment()
    forces = [entry if entry.href is None or safe_href(entry.href) else _unlinked(entry) for entry in forces]
    if national is not None and national.href is not None and not safe_href(national.href):
        national = _unlinked(national)
    exported_at = _now()
    counts = Counter(entry.status for entry in forces)
    ordered = [(status, counts[status]) for status in STATUS_ORDER if counts[status]]
    ordered += [(status, n) for status, n in sorted(counts.items()) if status not in STATUS_ORDER]
    page = environment.get_template("site_index.html.j2").render(
        title=title,
        national=national,
        forces=sorted(forces, key=lambda e: e.code),
        counts=ordered,
        synthetic=synthetic,
        provenance={**provenance, "synthetic": synthetic, "exported_at": exported_at},
        csp=CSP,
        printed_date=exported_at[:10],
        statement_href=STATEMENT_FILE,
        publication=publication or [],
    )
    requests = find_network_requests(page)
    if requests:
        raise ExportError(f"the index page would make network requests: {requests[:5]}")
    return page


def site_environment():
    """The Jinja environment of the site pages (index, accessibility statement): autoescaping on, strict."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / TEMPLATE_NAME)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["css_string"] = css_string
    return environment


def _unlinked(entry: IndexEntry) -> IndexEntry:
    """The entry without its link (a link that is not a relative path or http(s) is never written)."""
    from dataclasses import replace

    return replace(entry, href=None)


def write_index(path: str | Path, *, national: IndexEntry | None, forces: list[IndexEntry], synthetic: bool,
                provenance: dict[str, Any], publication: list[tuple[str, str]] | None = None) -> Path:
    """Write the index page atomically, and the accessibility statement beside it; return the index's path."""
    from analysis.report.statement import write_statement

    path = Path(path)
    write_statement(path.parent / STATEMENT_FILE, synthetic=synthetic, provenance=provenance)
    return write_text_atomic(path, render_index(national=national, forces=forces, synthetic=synthetic,
                                                provenance=provenance, publication=publication))
