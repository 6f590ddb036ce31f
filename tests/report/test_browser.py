"""Reviewer pages in headless Chromium: no request to any network host, no console error, every image drawn.

The browser (report.browser) watches every request over the DevTools protocol and blocks any that is not
to the local file, embedded data or a blob; host names do not resolve at all. The negative controls show
that a page which does reach for the network, or logs an error, is caught.
"""

from __future__ import annotations

import pytest

from report.conftest import REPORTED

PAGES = ("index", *REPORTED, "national")


def _page(reports, name):
    return reports.index if name == "index" else reports.pages[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_without_requests_or_errors(browser, reports, name):
    path = _page(reports, name)
    report = browser.visit(path.as_uri())
    assert report.requests and report.requests[0] == path.as_uri(), "the page itself was loaded and watched"
    assert report.external_requests == []
    assert report.console_errors == []
    assert report.broken_images == 0
    if name != "index":
        figures = len(list(reports.figures[name].glob("*.png")))
        assert report.images == figures
        assert report.title


def test_negative_control_a_network_image_is_detected(browser, tmp_path):
    page = tmp_path / "leaky.html"
    page.write_text('<!doctype html><html><head><title>leaky</title></head><body><p>text</p>'
                    '<img src="http://example.invalid/x.png" alt="remote"></body></html>', encoding="utf-8")
    report = browser.visit(page.as_uri())
    assert "http://example.invalid/x.png" in report.external_requests
    assert report.broken_images == 1
    assert any("ERR_BLOCKED_BY_CLIENT" in e or "example.invalid" in e for e in report.console_errors)


def test_negative_control_stylesheet_script_fetch_and_console_error_are_detected(browser, tmp_path):
    page = tmp_path / "busy.html"
    page.write_text(
        '<!doctype html><html><head><title>busy</title>'
        '<link rel="stylesheet" href="https://cdn.example.invalid/style.css"></head><body><p>text</p>'
        '<div style="height: 3000px"></div>'
        '<img loading="lazy" src="https://img.example.invalid/far-below.png" alt="lazy">'
        '<script>fetch("https://api.example.invalid/data").catch(() => {});'
        ' console.error("report script failed"); null.property;</script></body></html>',
        encoding="utf-8")
    report = browser.visit(page.as_uri())
    for url in ("https://cdn.example.invalid/style.css", "https://api.example.invalid/data",
                "https://img.example.invalid/far-below.png"):
        assert url in report.external_requests
    assert any("report script failed" in e for e in report.console_errors)
    assert any(e.startswith("uncaught:") and "null" in e for e in report.console_errors)


def test_a_local_page_with_embedded_image_passes(browser, tmp_path):
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    page = tmp_path / "clean.html"
    page.write_text(f'<!doctype html><html><head><title>clean</title></head><body>'
                    f'<img src="data:image/png;base64,{png}" alt="dot"></body></html>', encoding="utf-8")
    report = browser.visit(page.as_uri())
    assert report.external_requests == [] and report.console_errors == []
    assert (report.images, report.broken_images) == (1, 0)


def test_screenshot_of_a_whole_page(browser, tmp_path):
    page = tmp_path / "long.html"
    page.write_text('<!doctype html><html><body style="margin:0"><div style="height:2500px;background:#123456">'
                    '</div></body></html>', encoding="utf-8")
    from PIL import Image

    with Image.open(browser.screenshot(page.as_uri(), tmp_path / "long.png", width=800)) as shot:
        assert shot.size == (800, 2500)
        assert shot.getpixel((400, 2400))[:3] == (0x12, 0x34, 0x56)
