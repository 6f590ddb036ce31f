"""Reviewer pages run nothing a force sent (DESIGN.md section 8; issue 14).

The session's SYN02 is named `HOSTILE_NAME` (conftest): a script element, an image with an onerror handler,
a markdown link to javascript:, LaTeX for mathtext and markdown emphasis/heading syntax. Its report went
through the real notebook and export. Checked on the markup (the name shows as its literal characters; no
element, handler or link was made from it; every figure was drawn) and in Chromium (no handler ran, no
dialog opened, no navigation happened, the title is the escaped name). Negative controls: the same probes
catch a page that does run the payload, and the page's Content-Security-Policy blocks an inline script.
The escapers and the sanitizer are checked on their own against each kind of payload.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pandas as pd
import pytest

from analysis.report import figures
from analysis.report.export import CSP, find_network_requests
from analysis.report.safe_text import clean_html, css_string, md_text
from report.checks import soup, visible_text
from report.conftest import HOSTILE_FORCE, HOSTILE_NAME

PAYLOADS = {
    "script element": "<script>alert('x')</script>",
    "event handler": '<img src=x onerror="alert(1)">',
    "javascript link": "[click me](javascript:alert('link'))",
    "latex": "$\\undefinedcmd{x}$",
    "markdown": "**bold** _em_ # heading",
}
#: Elements that run something, load something or leave the page.
LIVE_TAGS = {"script", "iframe", "object", "embed", "base", "form", "frame", "frameset", "applet", "svg", "math"}


def live_markup(markup: str) -> list[str]:
    """What in `markup` (parsed as a browser would) could run, fetch or navigate: live tags, any on...
    handler attribute, a link or source whose scheme is not http(s)/mailto/data-image/relative, a meta refresh."""
    found = []
    for tag in soup(markup).find_all(True):
        if tag.name in LIVE_TAGS:
            found.append(f"<{tag.name}>")
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                found.append(f"{tag.name}[{name}]")
            if name.lower() in {"href", "src", "action", "formaction", "xlink:href", "data"}:
                target = "".join(value.split()).lower()  # browsers drop whitespace inside a scheme
                scheme = urlsplit(target).scheme
                if scheme and scheme not in {"http", "https", "mailto"} and not (
                        scheme == "data" and tag.name == "img" and target.startswith("data:image/png")):
                    found.append(f"{tag.name}[{name}={value[:40]}]")
            if tag.name == "meta" and name.lower() == "http-equiv" and value.lower() == "refresh":
                found.append("meta refresh")
    return found


PROBE = """JSON.stringify({
  scripts: document.scripts.length,
  handlers: Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
  javascript_links: Array.from(document.links).filter(a => !/^(https?:|mailto:|file:)/i.test(a.href) && !a.href.startsWith(location.href.split('#')[0])).map(a => a.href),
  h1: document.querySelector('h1') ? document.querySelector('h1').textContent : '',
  imgs_without_data: Array.from(document.images).filter(i => !i.src.startsWith('data:')).length
})"""


def _units(reports):
    return {"index": reports.index, **reports.pages}


def test_the_hostile_name_reached_the_data_and_the_report(reports):
    profile = pd.read_parquet(reports.data_dir / HOSTILE_FORCE / "force_profile.parquet")
    assert profile["force_name"].iloc[0] == HOSTILE_NAME
    for part in ("<script>", " onerror=", "](javascript:", "$\\undefinedcmd{x}$", "**bold**", "_em_", "# heading"):
        assert part in HOSTILE_NAME, part


@pytest.mark.slow
def test_hostile_name_is_shown_as_literal_text_everywhere(reports):
    page = reports.pages[HOSTILE_FORCE].read_text(encoding="utf-8")
    text = visible_text(page)
    # The whole name, character for character, in the title, the breadcrumb, the h1 and the first paragraph.
    assert text.count(HOSTILE_NAME) >= 3
    tree = soup(page)
    assert HOSTILE_NAME in tree.title.get_text()
    assert tree.find("main").find("h1").get_text().startswith(HOSTILE_NAME)
    # Nothing was made from it: no script, handler, javascript: link, emphasis or extra heading.
    assert live_markup(page) == []
    main = tree.find("main")
    assert not any(strong.get_text() == "bold" for strong in main.find_all("strong"))
    assert not any(em.get_text() == "em" for em in main.find_all("em"))
    assert not [h for h in main.find_all(["h1", "h2", "h3"]) if h.get_text().strip() == "heading"]
    # Every figure was drawn (mathtext would have failed the notebook) and its alt text names the force literally.
    alts = [img["alt"] for img in tree.find_all("img")]
    assert len(alts) == len(list(reports.figures[HOSTILE_FORCE].glob("*.png"))) >= 4
    assert sum(HOSTILE_NAME in alt for alt in alts) >= 4
    # The index lists the name as text too.
    index = reports.index.read_text(encoding="utf-8")
    assert HOSTILE_NAME in visible_text(index) and live_markup(index) == []


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["index", HOSTILE_FORCE, "national"])
def test_every_page_carries_the_content_security_policy(reports, unit):
    page = _units(reports)[unit].read_text(encoding="utf-8")
    head = soup(page).head
    metas = head.find_all("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert [m["content"] for m in metas] == [CSP]
    assert head.find_all("meta")[0] is metas[0], "the policy comes first, before anything it governs"
    for directive in ("default-src 'none'", "img-src data:", "script-src 'none'", "base-uri 'none'"):
        assert directive in CSP
    assert "script-src 'unsafe" not in CSP and "http" not in CSP
    assert soup(page).find_all("script") == []


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["index", HOSTILE_FORCE, "national"])
def test_nothing_runs_in_chromium(browser, reports, unit):
    import json

    path = _units(reports)[unit]
    probe = browser.probe(path.as_uri(), PROBE, settle=1.0)
    facts = json.loads(probe.value)
    assert probe.dialogs == []
    assert probe.navigations == [path.as_uri()], "one navigation: the page's own load"
    assert probe.console_errors == []
    assert probe.title == soup(path.read_text(encoding="utf-8")).title.get_text(), "no script changed the title"
    assert facts["scripts"] == 0 and facts["handlers"] == 0 and facts["imgs_without_data"] == 0
    assert facts["javascript_links"] == [], facts["javascript_links"]
    if unit == HOSTILE_FORCE:
        assert probe.title.startswith(HOSTILE_NAME)
        assert facts["h1"].startswith(HOSTILE_NAME)


def test_negative_control_the_probe_catches_a_page_that_runs_the_payload(browser, tmp_path):
    """The same name written into a page unescaped and without the policy: the probe sees it run."""
    page = tmp_path / "unsafe.html"
    page.write_text(f"<!doctype html><html><head><title>unsafe</title></head><body><h1>{HOSTILE_NAME}</h1>"
                    "<meta http-equiv='refresh' content='0;url=about:blank#moved'></body></html>", encoding="utf-8")
    probe = browser.probe(page.as_uri(), "document.title", settle=1.5)
    assert any("script" in d for d in probe.dialogs) and any("handler" in d for d in probe.dialogs)
    assert len(probe.navigations) >= 2, "the refresh navigated away"
    assert live_markup(page.read_text(encoding="utf-8"))


def test_negative_control_the_policy_blocks_an_inline_script(browser, tmp_path):
    page = tmp_path / "policed.html"
    page.write_text(f'<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="{CSP}">'
                    "<title>policed</title></head><body><script>document.title='ran'</script>"
                    '<img src="x" onerror="document.title=\'handler ran\'" alt=""></body></html>', encoding="utf-8")
    probe = browser.probe(page.as_uri(), "document.title", settle=1.0)
    assert probe.value == "policed" and probe.dialogs == []
    assert any("Content Security Policy" in e for e in probe.console_errors)


# ------------------------------------------------------------------------------------------------
# The escapers and the sanitizer, one payload kind at a time


def _markdown_html(text: str) -> str:
    """Markdown rendered as nbconvert renders notebook markdown, without its heading anchor links (¶)."""
    from nbconvert.filters import markdown2html

    tree = soup(markdown2html(text))
    for anchor in tree.find_all("a", class_="anchor-link"):
        anchor.decompose()
    return str(tree)


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_md_text_renders_each_payload_as_its_characters(kind):
    payload = PAYLOADS[kind]
    rendered = _markdown_html(f"**Force:** {md_text(payload)} and more")
    assert live_markup(rendered) == []
    assert soup(rendered).get_text().strip() == f"Force: {payload} and more"
    # As a heading too (the report title is a markdown h1).
    heading = soup(_markdown_html(f"# {md_text(payload)}"))
    assert [h.get_text() for h in heading.find_all(["h1", "h2"])] == [payload]


def test_md_text_joins_lines_so_no_block_can_start():
    assert soup(_markdown_html(md_text("name\n\n# injected\n- item"))).find_all(["h1", "ul"]) == []


@pytest.mark.parametrize("fragment", [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">x</a>',
    '<a href=" JaVaScRiPt:alert(1)">x</a>', '<a href="java\tscript:alert(1)">x</a>', '<a href="data:text/html,<script>">x</a>',
    '<svg onload="alert(1)"></svg>', '<iframe src="http://example.invalid"></iframe>', '<form action="x"><button>go</button></form>',
    '<div style="background:url(http://example.invalid/x)">x</div>', '<meta http-equiv="refresh" content="0;url=x">',
    '<base href="http://example.invalid/">', '<img src="http://example.invalid/x.png" alt="x">',
    '<object data="x.swf"></object>', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
])
def test_sanitizer_neutralises_each_kind(fragment):
    assert live_markup(fragment) or find_network_requests(fragment), "the fragment is live before cleaning"
    cleaned = clean_html(fragment)
    assert live_markup(cleaned) == [] and find_network_requests(cleaned) == [], cleaned


def test_sanitizer_keeps_the_markup_reports_use():
    fragment = ('<h2 id="s">Section</h2><p>Text <a href="#s">here</a>, <a href="../index.html">index</a>, '
                '<a href="https://www.gov.uk/">GOV.UK</a>.</p><div class="table-scroll" role="region" tabindex="0" '
                'aria-label="T"><table class="results-table"><caption>T</caption><thead><tr><th scope="col" '
                'class="num">Value</th></tr></thead><tbody><tr><th scope="row" class="text">a</th></tr></tbody>'
                '</table></div><details class="chart-data"><summary>Data</summary></details>'
                '<img src="data:image/png;base64,iVBORw0KGgo=" alt="chart">')
    assert clean_html(fragment) == fragment


def test_css_string_cannot_leave_the_string_or_the_style_element():
    value = css_string('a"; } body { display: none } </style><script>x</script> \\')
    assert value.startswith('"') and value.endswith('"')
    inner = value[1:-1]
    assert '"' not in inner and "<" not in inner and ";" not in inner and "}" not in inner
    assert inner.count("\\") == len(re.findall(r"\\[0-9a-f]{6} ", inner))


def test_figure_text_is_never_mathtext(tmp_path):
    """A title and a category holding LaTeX draw as literal text; the process's rcParams are untouched."""
    import matplotlib

    before = matplotlib.rcParams["text.parse_math"]
    table = pd.DataFrame({"category": ["$\\undefinedcmd{x}$", "b"], "value": [0.2, 0.5], "lower": [0.1, 0.4],
                          "upper": [0.3, 0.6], "suppressed": [False, False]})
    fig = figures.bar_with_intervals(table, title="$\\frac{1}{$ name", xlabel="x", ylabel="y", synthetic=True,
                                     percent=True)
    saved = figures.save(fig, tmp_path / "latex.png")
    assert saved.stat().st_size > 1000
    assert matplotlib.rcParams["text.parse_math"] is before


def test_negative_control_mathtext_fails_on_the_same_title(tmp_path):
    fig, ax = figures.new_figure()
    ax.set_title("$\\undefinedcmd{x}$")
    with pytest.raises(ValueError, match="undefinedcmd"):
        fig.savefig(tmp_path / "fails.png")
