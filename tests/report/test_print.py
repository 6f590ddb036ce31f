"""Reviewer pages print on A4 with the synthetic marking, the title, the date and the page number on every
printed page (issue 14). Chromium prints each page to PDF over the DevTools protocol (Page.printToPDF, paper
size from the page's own @page rule) and poppler's pdftotext reads every printed page back. The negative
control prints a long page that only has a banner at its top: the check finds the pages without a marking.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from report.conftest import HOSTILE_FORCE

pytestmark = pytest.mark.slow

A4_POINTS = (595.0, 842.0)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each printed page (pdftotext, one call per page so no page can be merged with another)."""
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    return [" ".join(subprocess.run([_tool("pdftotext"), "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                                    capture_output=True, text=True, check=True).stdout.split())
            for n in range(1, count + 1)]


def page_size(pdf: Path) -> tuple[float, float]:
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return float(width), float(height)


def unmarked_pages(pages: list[str], marks: tuple[str, ...] = ("SYNTHETIC",)) -> list[int]:
    """Printed pages (1-based) missing any of `marks` or their own "Page n of N"."""
    total = len(pages)
    return [n for n, text in enumerate(pages, start=1)
            if any(mark not in text for mark in marks) or f"Page {n} of {total}" not in text]


@pytest.fixture(scope="module")
def printed(browser, reports, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("printed")
    out = {}
    for unit in ("national", HOSTILE_FORCE):
        probe = browser.probe(reports.pages[unit].as_uri(), "document.title", pdf=True)
        out[unit] = folder / f"{unit}.pdf"
        out[unit].write_bytes(probe.pdf)
    return out


@pytest.mark.parametrize("unit", ["national", HOSTILE_FORCE])
def test_every_printed_page_is_marked_synthetic_numbered_titled_and_dated(printed, unit):
    pdf = printed[unit]
    width, height = page_size(pdf)
    assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2, "A4, not US Letter"
    pages = pdf_pages(pdf)
    assert len(pages) >= 5, "a multi-page report (the check must see pages after the first)"
    title_end = "National findings" if unit == "national" else "force report"
    assert unmarked_pages(pages, ("SYNTHETIC DATA", title_end, "Generated 20")) == []


def test_negative_control_a_banner_only_at_the_top_leaves_pages_unmarked(browser, tmp_path):
    page = tmp_path / "plain.html"
    paragraphs = "".join(f"<p>Paragraph {n} of a long report.</p>" for n in range(400))
    page.write_text(f"<!doctype html><html><head><title>plain</title></head><body><div>SYNTHETIC DATA</div>"
                    f"{paragraphs}</body></html>", encoding="utf-8")
    pdf = tmp_path / "plain.pdf"
    pdf.write_bytes(browser.probe(page.as_uri(), "1", pdf=True).pdf)
    pages = pdf_pages(pdf)
    assert len(pages) >= 3
    assert unmarked_pages(pages) == list(range(1, len(pages) + 1))  # no page numbers, SYNTHETIC on page 1 only
    assert "SYNTHETIC" in pages[0] and all("SYNTHETIC" not in text for text in pages[1:])
