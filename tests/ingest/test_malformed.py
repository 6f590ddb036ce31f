"""Every malformed return in the corpus gives its expected clear error, and the valid forces beside it still pass."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import returns_io
from analysis.cli import main
from fixtures.files import file_hashes

from .corpus import CASES
from .helpers import errors, write_csv_folder, write_xlsx

VALID = ("SYN01", "SYN02")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    returns = root / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    write_csv_folder(returns, "SYN02")
    for case in CASES:
        case.build(returns)
    before = file_hashes(returns)
    code = main(["ingest", "--returns", str(returns), "--out", str(root / "out"), "--reports", str(root / "reports")])
    return root, code, before


def test_corpus_is_large_enough():
    assert len(CASES) >= 15
    assert len({c.code for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.code}-{c.what}")
def test_malformed_return_gives_the_expected_error(run, case):
    root, _, _ = run
    found = errors(root / "reports", case.code)
    rows = [(r.rule, r.sheet, None if r.row == "" else int(r.row), r.column or None, r.message) for r in found.itertuples()]
    assert len(rows) == len(case.expected), rows
    for rule, sheet, row, column, message in case.expected:
        matches = [m for (ru, sh, ro, co, m) in rows if (ru, sh, ro, co) == (rule, sheet, row, column)]
        assert len(matches) == 1, (rule, sheet, row, column, rows)
        if isinstance(message, str):
            assert matches[0] == message
        else:
            for fragment in message:
                assert fragment in matches[0], (fragment, matches[0])
    assert not (root / "out" / case.code).exists()
    md = (root / "reports" / case.code / "errors.md").read_text()
    assert "**FAILED**" in md


def test_valid_forces_in_the_same_folder_still_pass(run):
    root, code, _ = run
    assert code == 1  # some returns failed
    summary = pd.read_csv(root / "reports" / "summary.csv", dtype=str, keep_default_na=False).set_index("force")
    assert summary.loc[list(VALID), "status"].tolist() == ["passed", "passed"]
    assert set(summary.index) == set(VALID) | {c.code for c in CASES}
    assert (summary.drop(index=list(VALID))["status"] == "failed").all()
    assert returns_io.list_forces(root / "out") == list(VALID)
    for force in VALID:
        assert len(errors(root / "reports", force)) == 0
        assert len(returns_io.read_force(root / "out", force)["offences"]) == 4


def test_no_input_was_modified(run):
    root, _, before = run
    assert file_hashes(root / "returns") == before


def test_reports_never_show_a_traceback(run):
    root, _, _ = run
    for case in CASES:
        text = (root / "reports" / case.code / "errors.csv").read_text() + (root / "reports" / case.code / "errors.md").read_text()
        assert "Traceback" not in text and "internal_error" not in text
