"""outputs/accessibility.html: the accessibility statement linked from every reviewer page.

It follows the structure of the GOV.UK model accessibility statement (what users should be able to do, how
accessible the pages are, feedback, enforcement procedure, compliance status, non-accessible content, how
the pages were tested, preparation of the statement) for the Public Sector Bodies (Websites and Mobile
Applications) (No. 2) Accessibility Regulations 2018 and WCAG 2.2 AA. What it says was tested is what the
test suite checks (tests/report/test_accessibility.py, test_page_safety.py, test_print.py), with the
axe-core version pinned here (`AXE_CORE_VERSION`, installed from the npm registry by the tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis.atomic import write_text_atomic

#: The axe-core release the tests run (npm registry), named in the statement.
AXE_CORE_VERSION = "4.14.1"
TITLE = "Accessibility statement for the group-based CSE inspection analysis reports"


def render_statement(*, synthetic: bool, provenance: dict[str, Any]) -> str:
    """The statement page as text (self-contained, no script, the reports' Content-Security-Policy)."""
    from analysis.report.export import CSP, ExportError, _now, find_network_requests
    from analysis.report.index import site_environment

    exported_at = _now()
    page = site_environment().get_template("accessibility.html.j2").render(
        title=TITLE, synthetic=synthetic, csp=CSP, printed_date=exported_at[:10], axe_version=AXE_CORE_VERSION,
        provenance={**provenance, "synthetic": synthetic, "exported_at": exported_at},
    )
    requests = find_network_requests(page)
    if requests:
        raise ExportError(f"the accessibility statement would make network requests: {requests[:5]}")
    return page


def write_statement(path: str | Path, *, synthetic: bool, provenance: dict[str, Any]) -> Path:
    """Write the statement atomically and return its path."""
    return write_text_atomic(Path(path), render_statement(synthetic=synthetic, provenance=provenance))
