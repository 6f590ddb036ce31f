"""Reviewer pages meet WCAG 2.2 AA (Public Sector Bodies Accessibility Regulations 2018; issue 14).

1. axe-core (statement.AXE_CORE_VERSION, from the npm registry) runs inside the session's Chromium over the
   index, the accessibility statement, the national page and every force page of the session's run at desktop
   width, and every kind of page at 320 px, with the WCAG 2.0/2.1/2.2 A and AA rules; any violation fails. A page with
   planted violations (the ones the issue found: a link told apart by colour alone, a 17 px target, an image
   without alt text) shows the check reports them.
2. What axe cannot judge, checked on the markup: each figure's alt text is distinct, names its indicator
   (catalogue id) and states a reading with numbers; the data behind every chart is on the page as a table;
   every table has a caption or accessible name, column headers with scope and row headers; headings start
   with the one h1 and never skip a level; no tab stop on an element that does nothing; the accessibility
   statement is linked from every page; chart colours have contrast >= 3:1 and series differ by more than
   colour; anchors land clear of the sticky banner; at 320 px nothing scrolls the page sideways.
"""

from __future__ import annotations

import json
import re

import matplotlib.colors
import pytest

from analysis.indicators.catalogue import entries
from analysis.report import figures
from analysis.report.export import STATEMENT_FILE
from report.checks import soup
from report.conftest import REPORTED

pytestmark = pytest.mark.slow

UNITS = (*REPORTED, "national")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = ("axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})"
           ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
           " first: v.nodes[0].target.join(' ') + ': ' + v.nodes[0].failureSummary})))") % json.dumps(WCAG_TAGS)


def _pages(reports) -> dict[str, object]:
    return {"index": reports.index, "statement": reports.index.parent / STATEMENT_FILE, **reports.pages}


def _axe(browser, axe_source, path, width):
    probe = browser.probe(path.as_uri(), AXE_RUN, inject=axe_source, width=width)
    return probe.value


#: Every page at desktop width; at 320 px (reflow) every kind of page, one force page standing for the others.
AXE_RUNS = [(name, 1280) for name in ("index", "statement", *UNITS)] + [
    (name, 320) for name in ("index", "statement", REPORTED[-1], "national")]


@pytest.mark.parametrize(("name", "width"), AXE_RUNS)
def test_axe_core_finds_no_violation(browser, axe_source, reports, name, width):
    violations = _axe(browser, axe_source, _pages(reports)[name], width)
    assert violations == [], json.dumps(violations, indent=1)


def test_negative_control_axe_reports_planted_violations(browser, axe_source, tmp_path):
    page = tmp_path / "planted.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><title>planted</title><style>p { color: #444444 } a { color: #1a5fb4; text-decoration: none }'
        ' .tiny { font-size: 8px; line-height: 8px }</style></head><body><main><h1>Planted</h1>'
        '<p>Some text with <a href="#x">a link told apart by colour alone</a> in the middle of it.</p>'
        '<ol><li><a class="tiny" href="#a">a</a></li><li><a class="tiny" href="#b">b</a></li></ol>'
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==">'
        '</main></body></html>', encoding="utf-8")
    found = {v["id"] for v in _axe(browser, axe_source, page, 1280)}
    assert {"link-in-text-block", "target-size", "image-alt"} <= found, found


# ------------------------------------------------------------------------------------------------
# What axe cannot see


@pytest.fixture(scope="module")
def trees(reports):
    return {name: soup(path.read_text(encoding="utf-8")) for name, path in _pages(reports).items()}


@pytest.mark.parametrize("unit", UNITS)
def test_alt_text_is_distinct_and_names_indicator_and_reading(trees, reports, unit):
    images = trees[unit].find("main").find_all("img")
    assert len(images) == len(list(reports.figures[unit].glob("*.png"))) >= 4
    alts = [" ".join(img.get("alt", "").split()) for img in images]
    catalogue = {entry.id for entry in entries()}
    assert len(set(alts)) == len(alts), "every figure's alt text is its own"
    for alt in alts:
        ids = re.findall(r"\(([A-Z]{2}\d{2})\)", alt)
        assert ids and all(i in catalogue for i in ids), alt
        assert re.match(r"(Bar chart|Line chart|Step chart|Funnel plot|Dot plot) of ", alt), alt
        assert re.search(r"\d", alt.split(":", 1)[-1]) or "no force outside" in alt, f"no reading in: {alt}"
        assert len(alt) >= 80 and not alt.startswith("Figure"), alt
    if unit == "national":
        funnels = [a for a in alts if a.startswith("Funnel plot")]
        assert len(funnels) == 5
        assert all(re.search(r"for \d+ forces? against [\d,]+ to [\d,]+ ", a) for a in funnels), funnels
        assert all("99.8% limits" in a and "national value" in a for a in funnels)


@pytest.mark.parametrize("unit", UNITS)
def test_data_behind_every_chart_is_a_table_on_the_page(trees, unit):
    main = trees[unit].find("main")
    images = main.find_all("img")
    details = main.find_all("details", class_="chart-data")
    assert len(details) == len(images)
    for block in details:
        summary = block.find("summary").get_text()
        table = block.find("table")
        assert summary.startswith("Data behind the chart: ") and table is not None
        assert table.find("caption").get_text() and len(table.find("tbody").find_all("tr")) >= 1
    # Each chart is followed by its data (the image's cell holds its details element).
    for image in images:
        output = image.find_parent(class_="jp-OutputArea")
        assert output.find("details", class_="chart-data") is not None


@pytest.mark.parametrize("name", ["index", "statement", *UNITS])
def test_tables_have_names_header_scope_and_row_headers(trees, name):
    tables = trees[name].find_all("table")
    assert tables
    for table in tables:
        named = table.find("caption") or table.get("aria-labelledby") or table.get("aria-label")
        assert named, str(table)[:200]
        for th in table.find_all("th"):
            assert th.get("scope") in {"col", "row"}, str(th)[:120]
        body_rows = table.find("tbody").find_all("tr") if table.find("tbody") else table.find_all("tr")
        for row in body_rows:
            if row.find_parent("thead"):
                continue
            first = row.find(["th", "td"])
            assert first.name == "th" and first.get("scope") == "row", str(row)[:200]


@pytest.mark.parametrize("name", ["index", "statement", *UNITS])
def test_headings_start_with_one_h1_and_skip_no_level(trees, name):
    levels = [int(h.name[1]) for h in trees[name].find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and levels.count(1) == 1, levels
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, levels


@pytest.mark.parametrize("name", ["index", "statement", *UNITS])
def test_only_meaningful_tab_stops_and_statement_link(trees, name):
    tree = trees[name]
    for element in tree.find_all(attrs={"tabindex": True}):
        interactive = element.name in {"a", "button", "input", "select", "textarea", "summary"}
        region = element.get("role") == "region" and element.get("aria-label")
        assert interactive or region, str(element)[:160]
        assert element["tabindex"] in {"0", "-1"}
    links = [a["href"] for a in tree.find_all("a", href=True)]
    assert any(href.endswith(STATEMENT_FILE) for href in links)
    assert tree.find("a", class_="analysis-skip-link")["href"] == "#main-content"
    assert tree.find(id="main-content").name == "main"


def test_chart_colours_contrast_and_series_differ_by_more_than_colour():
    def luminance(colour):
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in matplotlib.colors.to_rgb(colour)]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    ratios = [1.05 / (luminance(c) + 0.05) for c in figures.PALETTE]
    assert min(ratios) >= 3.0, ratios
    # Negative control: seaborn's colour-blind orange, used before, fails.
    assert 1.05 / (luminance("#de8f05") + 0.05) < 3.0
    n = len(figures.PALETTE)
    for styles in (figures.MARKERS, figures.LINESTYLES, figures.HATCHES):
        assert len(set(map(str, styles[:n]))) == n


def test_line_series_are_drawn_with_distinct_markers_and_styles():
    import pandas as pd

    table = pd.DataFrame({"category": ["2021/22", "2022/23"] * 3, "breakdown": ["a", "a", "b", "b", "c", "c"],
                          "value": [1, 2, 3, 4, 5, 6], "lower": [0.5] * 6, "upper": [7] * 6, "suppressed": [False] * 6})
    fig = figures.line_by_year(table, title="t", ylabel="y", synthetic=True)
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() in {"a", "b", "c"}]
    assert len({line.get_marker() for line in lines}) == 3
    assert len({str(line.get_linestyle()) for line in lines}) == 3


@pytest.mark.parametrize("name", ["index", "national", REPORTED[1]])
def test_reflow_at_320_px_and_anchor_clear_of_the_banner(browser, reports, name):
    path = _pages(reports)[name]
    facts = json.loads(browser.probe(path.as_uri(), """JSON.stringify({
        page: document.documentElement.scrollWidth, view: window.innerWidth,
        images: Array.from(document.images).filter(i => i.getBoundingClientRect().right > window.innerWidth + 1).length,
        scrollers: Array.from(document.querySelectorAll('*')).filter(e => e.scrollWidth > e.clientWidth + 1 &&
            ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && !(e.getAttribute('role') === 'region' &&
            e.tabIndex === 0)).map(e => e.className)})""", width=320).value)
    assert facts["page"] <= facts["view"], facts
    assert facts["images"] == 0 and facts["scrollers"] == [], facts
    if name == "index":
        return
    # At desktop width the banner is sticky: a contents link lands with its heading below it.
    landed = json.loads(browser.probe(path.as_uri(), """(() => {
        const link = document.querySelectorAll('nav.analysis-toc a')[2];
        const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
        link.click();
        return new Promise(done => setTimeout(() => done(JSON.stringify({
            top: target.getBoundingClientRect().top,
            banner: document.querySelector('.analysis-banner').getBoundingClientRect().bottom,
            scrolled: window.scrollY})), 300));
    })()""", width=1280).value)
    assert landed["scrolled"] > 0 and landed["top"] >= landed["banner"], landed


def test_statement_follows_the_model_and_says_what_was_tested(trees):
    from analysis.report.statement import AXE_CORE_VERSION

    tree = trees["statement"]
    headings = [h.get_text(" ", strip=True) for h in tree.find_all(["h2", "h3"])]
    for section in ("How accessible these pages are", "Feedback and contact information", "Enforcement procedure",
                    "Technical information about these pages' accessibility", "Compliance status",
                    "Non-accessible content", "What we tested and how", "Preparation of this accessibility statement"):
        assert section in headings, section
    text = " ".join(tree.get_text(" ").split())
    assert f"axe-core {AXE_CORE_VERSION}" in text and "Web Content Accessibility Guidelines version 2.2" in text
    assert re.search(r"This statement was prepared on \d{4}-\d\d-\d\d", text)
    assert "synthetic data" in text
