"""The publication ledger: the single record of what a page publishes (tables and figure data), read back as
the published tables; it refuses a withheld row that still shows a number."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.disclosure import suppress_results
from analysis.disclosure.ledger import LEDGER, Ledger, published_tables, read_ledger
from analysis.disclosure.pages import page_rows
from analysis.report.display import left_out_sentence, not_published_sentence
from analysis.results import make_rows


def rows():
    return make_rows([dict(force_code="SYN01", indicator_id="VE06", domain="d", breakdown="total", category=c,
                           numerator=n, denominator=200, value=n / 200, method="Wilson score 95%", basis="all victims")
                      for c, n in (("treated as a suspect", 4), ("not treated as a suspect", 196))])


def test_ledger_records_tables_and_figures_as_published(tmp_path):
    shown = suppress_results(rows(), 10)
    ledger = Ledger(tmp_path)
    ledger.record(shown, "VE06", "table")
    ledger.record(shown.iloc[:1], "figure victims", "figure")
    assert (tmp_path / LEDGER).is_file()
    frame = read_ledger(tmp_path)
    assert frame["shown_in"].tolist() == ["VE06", "VE06", "figure victims"]
    assert frame["kind"].tolist() == ["table", "table", "figure"]
    assert frame["suppressed"].tolist() == [True, True, True]  # 4 is primary, 196 its complement
    assert frame["numerator"].isna().all()
    tables = published_tables(tmp_path)
    assert list(tables) == ["VE06", "figure victims"] and len(tables["VE06"]) == 2
    # the audit reads the ledger with the true counts from the restricted results
    audited = page_rows(frame, rows(), source="SYN01 page")
    assert audited["numerator"].tolist() == [4.0, 196.0]  # one row per cell shown the same way
    assert audited["source"].iloc[0] == "SYN01 page: VE06"


def test_ledger_refuses_a_withheld_row_with_a_number(tmp_path):
    raw = rows().assign(suppressed=True)
    with pytest.raises(ValueError, match="VE06: a withheld row still shows a number"):
        Ledger(tmp_path).record(raw, "VE06")
    with pytest.raises(FileNotFoundError, match="publication ledger is missing"):
        read_ledger(tmp_path)


def test_words_for_withheld_tables_and_figures():
    shown = suppress_results(rows(), 10)
    assert not_published_sentence(shown).startswith("_Not published: every figure in this table rests on counts too small")
    assert "(2 figures withheld)" in not_published_sentence(shown)
    assert left_out_sentence(shown, "forces") == " 2 withheld forces are not drawn."
    assert left_out_sentence(shown.iloc[:1], "forces") == " 1 withheld force is not drawn."
    assert left_out_sentence(pd.DataFrame({"suppressed": [False], "value": [0.5]})) == ""
