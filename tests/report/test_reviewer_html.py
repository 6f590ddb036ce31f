"""The reviewer HTML of executed force and national reports (DESIGN.md sections 5 and 8, issue 6 acceptance).

On one small synthetic dataset (conftest.reports): the force report for SYN01 and SYN02 and the national
findings, each exported to HTML. Every page must carry the synthetic banner and the provenance footer; show
no code; contain no identifier and no case-note text from the data; show no count from 1 to threshold-1 in
any table; and every figure must be titled "SYNTHETIC DATA ..." with labelled axes.
"""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest

from analysis import reference
from analysis.report.export import BANNER_TEXT
from analysis.settings import disclosure_settings
from report.checks import (code_cell_lines, embedded_pngs, leaked_identifiers, png_text, small_counts, soup,
                           visible_text)
from report.conftest import REPORTED

pytestmark = pytest.mark.slow

UNITS = (*REPORTED, "national")
ID_COLUMNS = {"offences": "offence_id", "victims": "victim_id", "suspects": "suspect_id", "case_notes": "note_id",
              "networks": "network_id", "disruptions": "disruption_id", "referrals": "referral_id",
              "case_reviews": "review_id"}


@pytest.fixture(scope="module")
def pages(reports) -> dict[str, str]:
    return {unit: path.read_text(encoding="utf-8") for unit, path in reports.pages.items()}


@pytest.fixture(scope="module")
def identifiers(reports) -> dict[str, set[str]]:
    """Every record identifier in the generated data, by table (all forces: the national page sees them all)."""
    found: dict[str, set[str]] = {table: set() for table in ID_COLUMNS}
    for folder in sorted(p for p in reports.data_dir.iterdir() if p.is_dir()):
        for table, column in ID_COLUMNS.items():
            frame = pd.read_parquet(folder / f"{table}.parquet", columns=[column])
            found[table] |= set(frame[column].dropna().astype(str))
    return found


@pytest.fixture(scope="module")
def notes(reports) -> pd.Series:
    frames = [pd.read_parquet(folder / "case_notes.parquet", columns=["text"])["text"]
              for folder in sorted(p for p in reports.data_dir.iterdir() if p.is_dir())]
    return pd.concat(frames, ignore_index=True).dropna().astype(str)


@pytest.mark.parametrize("unit", UNITS)
def test_banner_and_provenance_footer(pages, reports, unit):
    page = pages[unit]
    assert page.count(BANNER_TEXT) == 1
    body = page[page.index("<body"):]
    assert body.index(BANNER_TEXT) < body.index("<main"), "the banner opens the page"
    footer = soup(page).find("footer", class_="analysis-provenance")
    assert footer is not None
    text = " ".join(footer.get_text(" ").split())
    provenance = reports.provenance[unit]
    assert provenance["git_commit"] in text
    assert "synthetic (generated, not real police data)" in text
    for name, value in provenance["parameters"].items():
        assert name in text and str(value) in text
    for digest in provenance["input_hashes"].values():
        assert digest in text
    assert f"pandas {provenance['package_versions']['pandas']}" in text
    assert re.search(r"Page generated \d{4}-\d{2}-\d{2}T", text)


@pytest.mark.parametrize("unit", UNITS)
def test_no_code_reaches_the_page(pages, reports, unit):
    page = pages[unit]
    body = page[page.index("<body"):]
    for marker in ("jp-InputPrompt", "jp-OutputPrompt", "jp-InputArea-editor", "jp-CodeMirrorEditor",
                   'class="highlight', "In&nbsp;[", "Out&nbsp;["):
        assert marker not in body
    # Markdown cells are rendered in an input area; a code cell must have none (its source is never shown).
    for cell in soup(body).find_all(class_="jp-CodeCell"):
        assert "jp-mod-noInput" in cell["class"] and cell.find(class_="jp-InputArea") is None
    text = visible_text(page)
    assert "import " not in text
    assert not re.search(r"\breport\.\w+\(", text)
    assert "Traceback" not in text and "Warning:" not in text
    notebook = json.loads(reports.notebooks[unit].read_text(encoding="utf-8"))
    lines = code_cell_lines(notebook)
    assert lines, "the executed notebook has code cells"
    shown = [line for line in lines if line in text]
    assert shown == []
    # The plumbing and parameter cells are gone, and no code cell is left as an empty box.
    assert "force_code:" not in text and "results_dir:" not in text
    code_cells = soup(body).find_all(class_="jp-CodeCell")
    assert code_cells and all(cell.find(class_="jp-OutputArea-output") for cell in code_cells)


@pytest.mark.parametrize("unit", UNITS)
def test_no_identifier_from_the_data(pages, identifiers, unit):
    page = pages[unit]
    everything = set().union(*identifiers.values())
    assert leaked_identifiers(page, everything) == []
    # A sample of each kind, searched as whole words in the text and the markup, states the same explicitly.
    for table in ("offences", "victims", "suspects", "case_notes"):
        sample = sorted(identifiers[table])[:: max(1, len(identifiers[table]) // 50)]
        assert len(sample) >= 50
        pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sample)) + r")(?![\w-])")
        assert pattern.search(page) is None, table


@pytest.mark.parametrize("unit", UNITS)
def test_no_case_note_text(pages, notes, unit):
    text = visible_text(pages[unit])
    leaked = [note for note in notes.unique() if note in text]
    assert leaked == []
    # Nor any sentence of a note (notes are built from shared sentences; a sentence alone is still note text).
    sentences = {s.strip() for note in notes.unique() for s in re.split(r"(?<=[.;])\s+", note) if len(s.strip()) >= 30}
    assert len(sentences) > 10
    assert [s for s in sentences if s in text] == []
    # No phrase of the victim-blaming lexicon (the phrases notes were matched for) appears anywhere.
    lexicon = reference.load("victim_blaming_lexicon")
    examples_in_notes = [e for e in lexicon["example"] if notes.str.contains(e, case=False, regex=False).any()]
    assert examples_in_notes, "the synthetic notes contain lexicon phrases"
    hits = [p for p in lexicon["pattern"] if re.search(p, text, flags=re.IGNORECASE)]
    assert hits == []


@pytest.mark.parametrize("unit", UNITS)
def test_no_small_count_in_any_table(pages, unit):
    threshold = disclosure_settings()["threshold"]
    page = pages[unit]
    tables = soup(page).find_all("table")
    results_tables = [t for t in tables if "results-table" in (t.get("class") or [])]
    assert len(results_tables) >= (5 if unit == "national" else 20)
    assert small_counts(page, threshold) == []
    # Disclosure control is at work on this data (some cells are withheld), so the check above is not idle.
    assert "[c]" in visible_text(page)


@pytest.mark.parametrize("unit", UNITS)
def test_every_figure_is_titled_synthetic_with_labelled_axes(pages, reports, unit):
    images = embedded_pngs(pages[unit])
    saved = sorted(reports.figures[unit].glob("*.png"))
    assert len(images) >= 4 and len(images) == len(saved)
    # The page shows exactly the figures saved under figures/ (same bytes), each with its one-line reading.
    assert {hashlib.sha256(i).hexdigest() for i in images} == {hashlib.sha256(p.read_bytes()).hexdigest() for p in saved}
    assert visible_text(pages[unit]).count("Reading the figure:") == len(images)
    for data in images:
        text = png_text(data)
        assert text.get("Title", "").startswith("SYNTHETIC DATA: "), text
        for axis in ("XLabel", "YLabel"):
            assert all(label.strip() for label in text[axis].split(" | ")), (axis, text)


@pytest.mark.parametrize("unit", UNITS)
def test_table_of_contents_links_every_section(pages, unit):
    tree = soup(pages[unit])
    toc = tree.find("nav", class_="analysis-toc")
    assert toc is not None
    links = [a["href"][1:] for a in toc.find_all("a")]
    assert len(links) >= 5
    for target in links:
        assert tree.find(id=target) is not None, target
    # One title per page: the report's own h1 (the page header shows the title only as a breadcrumb).
    assert len(tree.find("main").find_all("h1")) == 1


def test_force_pages_describe_their_own_force(pages, reports):
    for code in REPORTED:
        text = visible_text(pages[code])
        assert f"force code {code}" in text
        others = [c for c in REPORTED if c != code]
        assert all(f"force code {other}" not in text for other in others)
