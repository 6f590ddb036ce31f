"""outputs/index.html: the entry page reviewers open first (DESIGN.md sections 1 and 8).

It links the national report and every force's report, with each force's status: `ok` (linked),
`failed` with the failing cell and error, `skipped-invalid` when its data failed validation, or `not run`.
The page carries the synthetic-data banner when the data are synthetic and the same provenance footer as
the reports; it is self-contained (inline CSS, no script, no request to any network host) and written
atomically.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.atomic import write_text_atomic
from analysis.report.export import TEMPLATES_DIR, TEMPLATE_NAME, ExportError, _now, find_network_requests

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
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / TEMPLATE_NAME)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    counts = Counter(entry.status for entry in forces)
    ordered = [(status, counts[status]) for status in STATUS_ORDER if counts[status]]
    ordered += [(status, n) for status, n in sorted(counts.items()) if status not in STATUS_ORDER]
    page = environment.get_template("site_index.html.j2").render(
        title=title,
        national=national,
        forces=sorted(forces, key=lambda e: e.code),
        counts=ordered,
        synthetic=synthetic,
        provenance={**provenance, "synthetic": synthetic, "exported_at": _now()},
        publication=publication or [],
    )
    requests = find_network_requests(page)
    if requests:
        raise ExportError(f"the index page would make network requests: {requests[:5]}")
    return page


def write_index(path: str | Path, *, national: IndexEntry | None, forces: list[IndexEntry], synthetic: bool,
                provenance: dict[str, Any], publication: list[tuple[str, str]] | None = None) -> Path:
    """Write the index page atomically and return its path."""
    return write_text_atomic(Path(path), render_index(national=national, forces=forces, synthetic=synthetic,
                                                      provenance=provenance, publication=publication))
