"""Reviewer pages opened in headless Chromium make no network request and log no console error.

The browser is the reviewer-report tests' driver (tests/report/browser.py): Chromium over the DevTools
Protocol with every host name unresolvable and every request to a network host blocked, recording each
request the page makes and each console error, uncaught exception and browser log error. A control page with
one remote image shows that a request is recorded. Needs Debian's `chromium` package (apt-get install
chromium); skipped when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from analysis.report.export import export_html
from analysis.report.index import IndexEntry, write_index
from report.browser import Browser, find_chromium

from .test_export import PROVENANCE, executed_notebook

CHROMIUM = find_chromium()
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian: apt-get install chromium)")]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with Browser(CHROMIUM, tmp_path_factory.mktemp("chromium") / "profile") as chromium:
        yield chromium


def _visit(browser: Browser, page: Path) -> tuple[list[str], list[str]]:
    """(URLs requested other than the page itself and data: URIs, console/log errors) of one page load."""
    report = browser.visit(page.as_uri())
    return [u for u in report.requests if u != page.as_uri() and not u.startswith("data:")], report.console_errors


def test_report_and_index_pages_make_no_request_and_log_no_error(browser, tmp_path):
    notebook = tmp_path / "report.ipynb"
    nbformat.write(executed_notebook(), notebook)
    report = export_html(notebook, tmp_path / "forces" / "SYN07" / "report.html", title="Synthetic Force 07 (SYN07)",
                         synthetic=True, provenance=PROVENANCE, index_href="../../index.html")
    index = write_index(tmp_path / "index.html", national=None, synthetic=True, provenance=PROVENANCE, forces=[
        IndexEntry("SYN07", "Synthetic Force 07", "ok", href="forces/SYN07/report.html")])
    for page in (report, index):
        requests, problems = _visit(browser, page)
        assert requests == [], page.name
        assert problems == [], page.name


def test_a_remote_resource_is_recorded(browser, tmp_path):
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><html><body><img src="https://images.example.org/x.png" alt="x"></body></html>',
                       encoding="utf-8")
    requests, _ = _visit(browser, control)
    # Chromium may retry a refused request (seen under load), so the control asks what was requested, not how often
    assert set(requests) == {"https://images.example.org/x.png"}
