"""Reviewer HTML: no code, plumbing hidden, table of contents, embedded images, synthetic banner, provenance
footer, no request to any network host, atomic write; and the index page."""

from __future__ import annotations

import base64
import os
import re
import stat

import nbformat
import pytest

from analysis.report.export import (BANNER_TEXT, ExportError, export_html, find_external_links,
                                    find_network_requests, headings, render_notebook)
from analysis.report.index import IndexEntry, render_index, write_index

# A 1x1 PNG.
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e5273ede0000000049454e44ae426082")).decode()

PROVENANCE = {
    "git_commit": "0123456789abcdef0123456789abcdef01234567",
    "git_dirty": True,
    "executed_at": "2026-01-02T03:04:05+00:00",
    "data_dir": "data/synthetic",
    "parameters": {"force_code": "SYN07", "params_file": "params/pipeline.yaml"},
    "input_hashes": {"notebook": "a" * 64, "data": "b" * 64},
    "package_versions": {"pandas": "3.1.0", "nbconvert": "7.17.2"},
}


def executed_notebook(*extra_cells):
    """An executed notebook as papermill leaves it: parameters, injected parameters, plumbing, narrative,
    a figure, a table, an analyst's warning on stderr."""
    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output

    def code(source, outputs=(), tags=()):
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)})
        cell.outputs = list(outputs)
        cell.execution_count = 1
        return cell

    nb.cells = [
        code('force_code = "SYN01"', tags=["parameters"]),
        code('# Parameters\nforce_code = "SYN07"', tags=["injected-parameters"]),
        code("import secret_plumbing_module", [out("stream", name="stdout", text="PLUMBING OUTPUT\n")], tags=["hide"]),
        nbformat.v4.new_markdown_cell("# Charge rate\n\nThe share of assigned outcomes that were a charge."),
        code("plot_charge_rate(results)", [out("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]),
        nbformat.v4.new_markdown_cell("## By outcome group & year"),
        code("show_table(results)", [out("execute_result", data={"text/html": "<table><tr><td>[c]</td></tr></table>",
                                                               "text/plain": "table"}, execution_count=1),
                                     out("stream", name="stderr", text="ANALYST WARNING\n")]),
        code("x = compute_without_output()"),
        nbformat.v4.new_markdown_cell("### Caveats"),
        *extra_cells,
    ]
    return nb


def test_page_has_no_code_hides_plumbing_and_embeds_the_figure():
    page = render_notebook(executed_notebook(), title="Synthetic Force 07 (SYN07): force report", synthetic=True,
                           provenance=PROVENANCE, index_href="../../index.html")
    for code in ("secret_plumbing_module", "plot_charge_rate", "show_table", "compute_without_output", "force_code ="):
        assert code not in page
    for hidden in ("PLUMBING OUTPUT", "ANALYST WARNING"):
        assert hidden not in page
    body = page[page.index("<body"):]
    assert "jp-InputPrompt" not in body and "jp-InputArea-editor" not in body and "In&nbsp;[" not in body
    assert len(re.findall(r'class="jp-Cell jp-CodeCell', body)) == 2  # the figure and the table, nothing else
    assert f'<img alt="Figure: Charge rate" class="analysis-figure" src="data:image/png;base64,{PNG}"' in page  # text alternative
    assert "<td>[c]</td>" in page
    assert '<a href="../../index.html">All reports</a>' in page


def test_page_has_banner_toc_and_provenance_footer():
    page = render_notebook(executed_notebook(), title="Report", synthetic=True, provenance=PROVENANCE)
    assert page.count(BANNER_TEXT) == 1
    body = page[page.index("<body"):]
    assert body.index(BANNER_TEXT) < body.index("<main")  # at the top of the page
    assert headings(page) == [(1, "Charge-rate", "Charge rate"), (2, "By-outcome-group-&-year", "By outcome group & year"),
                              (3, "Caveats", "Caveats")]
    toc = re.search(r'<nav class="analysis-toc".*?</nav>', page, re.DOTALL).group(0)
    # The contents list the sections; the page's own title (h1) comes before it, not in it.
    assert re.findall(r'href="#([^"]+)"', toc) == ["By-outcome-group-&amp;-year", "Caveats"]
    assert page.index('id="Charge-rate"') < page.index('<nav class="analysis-toc"')
    for ident in ("Charge-rate", "By-outcome-group-&amp;-year", "Caveats"):
        assert f'id="{ident}"' in page
    footer = re.search(r'<footer[^>]*analysis-provenance[^>]*>.*?</footer>', page, re.DOTALL).group(0)
    for text in (PROVENANCE["git_commit"], "uncommitted changes", "2026-01-02T03:04:05+00:00", "data/synthetic",
                 "SYN07", "a" * 64, "b" * 64, "pandas 3.1.0", "nbconvert 7.17.2", "synthetic (generated"):
        assert text in footer
    assert re.search(r"Page generated</th><td>\d{4}-\d\d-\d\dT", footer)

    plain = render_notebook(executed_notebook(), title="Report", synthetic=False, provenance=PROVENANCE)
    assert BANNER_TEXT not in plain and "SYNTHETIC" not in plain


def test_page_makes_no_network_request():
    page = render_notebook(executed_notebook(), title="Report", synthetic=True, provenance=PROVENANCE)
    assert find_network_requests(page) == []
    assert find_external_links(page) == []
    assert re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE) == []
    for tag in ("require.js", "mathjax", "MathJax", "mermaid", "<script src"):
        assert tag not in page
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", page)


def test_network_requests_are_found_and_such_a_page_is_refused():
    page = """<html><head><link rel="stylesheet" href="https://cdn.example.org/x.css">
    <style>body { background: url('//img.example.org/b.png'); } @import "http://fonts.example.org/f.css";</style>
    <script src="https://cdn.example.org/require.js"></script></head>
    <body><img src="data:image/png;base64,AAAA"><img srcset="a.png 1x, https://img.example.org/c.png 2x">
    <div style="background-image: url(http://img.example.org/d.png)"></div>
    <a href="https://www.gov.uk/report">published report</a><a href="#local">here</a></body></html>"""
    assert find_network_requests(page) == [
        "https://cdn.example.org/x.css", "https://cdn.example.org/require.js", "https://img.example.org/c.png",
        "http://img.example.org/d.png", "//img.example.org/b.png", "http://fonts.example.org/f.css"]
    assert find_external_links(page) == ["https://www.gov.uk/report"]

    # An output that would fetch from the network loses the fetching attribute (analysis.report.safe_text
    # sanitizes every HTML output); an output kind that could (SVG, JavaScript) is dropped.
    remote = nbformat.v4.new_code_cell("show()")
    remote.outputs = [nbformat.v4.new_output("display_data", data={"text/html": '<img src="https://tracker.example.org/p.gif" alt="t">'}),
                      nbformat.v4.new_output("display_data", data={"image/svg+xml": '<svg><image href="https://tracker.example.org/s.svg"/></svg>'}),
                      nbformat.v4.new_output("display_data", data={"application/javascript": 'fetch("https://tracker.example.org/j")'})]
    page = render_notebook(executed_notebook(remote), title="Report", synthetic=False, provenance={})
    assert "tracker.example.org" not in page and find_network_requests(page) == []
    images = re.findall(r"<img\b[^>]*>", page)
    assert any('alt="t"' in img and "src=" not in img for img in images), images
    assert "<script" not in page and "<svg" not in page


def test_export_html_writes_atomically_with_readable_permissions(tmp_path):
    notebook = tmp_path / "report.ipynb"
    nbformat.write(executed_notebook(), notebook)
    target = tmp_path / "site" / "report.html"
    assert export_html(notebook, target, title="Report", synthetic=True, provenance=PROVENANCE) == target
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert BANNER_TEXT in target.read_text(encoding="utf-8")


def test_index_lists_every_force_with_status_and_links(tmp_path):
    forces = [
        IndexEntry("SYN02", "Synthetic Force 02", "failed", "In [4]: # Count offences: ValueError: <bad>"),
        IndexEntry("SYN01", "Synthetic Force 01", "ok", href="forces/SYN01/report.html", region="North West"),
        IndexEntry("SYN03", "Synthetic Force 03", "skipped-invalid", "data failed validation: 2 failures"),
    ]
    national = IndexEntry("NATIONAL", "National findings", "ok", href="national/report.html")
    path = write_index(tmp_path / "index.html", national=national, forces=forces, synthetic=True, provenance=PROVENANCE)
    page = path.read_text(encoding="utf-8")
    assert page.count(BANNER_TEXT) == 1
    assert '<a href="national/report.html">National findings</a>' in page
    assert [m for m in re.findall(r'<th scope="row">(SYN\d\d)</th>', page)] == ["SYN01", "SYN02", "SYN03"]
    assert '<a href="forces/SYN01/report.html">Synthetic Force 01</a>' in page
    assert "3 forces: 1 ok, 1 failed, 1 skipped-invalid." in page
    assert "ValueError: &lt;bad&gt;" in page  # escaped
    assert find_network_requests(page) == [] and find_external_links(page) == []
    assert PROVENANCE["git_commit"] in page
    assert BANNER_TEXT not in render_index(national=None, forces=forces, synthetic=False, provenance={})
