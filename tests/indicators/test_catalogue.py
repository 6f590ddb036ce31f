"""The catalogue is complete, consistent with DESIGN.md's strands, and docs/indicators.md is current."""

from pathlib import Path

import pytest

from analysis.indicators.catalogue import CATALOGUE, STRAND_TITLES, as_frame, entries, render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_committed_catalogue_docs_are_current():
    committed = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "docs/indicators.md is stale: run `python -m analysis indicators --docs`"


def test_every_strand_has_indicators_and_every_entry_is_described():
    table = as_frame()
    assert set(table["strand"]) == set(STRAND_TITLES)
    for column in ("title", "numerator", "denominator", "basis", "method", "caveat"):
        blank = table[table[column].str.strip() == ""]
        assert blank.empty, f"{column} is blank for {blank['id'].tolist()}"
    assert table["id"].is_unique


def test_scopes_split_force_and_national():
    national = {e.id for e in entries("national")}
    assert national == {"NA01", "NA02", "NA03", "NA04", "NA05"}
    assert all(e.strand == "national" for e in entries("national"))
    assert len(entries("force")) == 32  # 8 nature and scale, 6 offender, 7 victim, 7 response, 4 partnership


@pytest.mark.parametrize(("strand", "ids"), [
    ("victims", {f"VE0{i}" for i in range(1, 8)}),
    ("response", {f"RI0{i}" for i in range(1, 8)}),
    ("partnership", {f"PS0{i}" for i in range(1, 5)}),
])
def test_every_indicator_of_the_strand_is_catalogued(strand, ids):
    assert ids <= set(CATALOGUE)
    for i in ids:
        e = CATALOGUE[i]
        assert e.strand == strand and e.numerator and e.denominator and e.basis and e.method and e.caveat
