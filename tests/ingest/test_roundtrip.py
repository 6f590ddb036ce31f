"""A valid return ingests with no failure, loses no value, and its input files are never modified."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import returns_io
from analysis.cli import main
from analysis.contract import TABLES
from analysis.ingest import ingest_directory
from fixtures.files import file_hashes
from fixtures.valid_return import as_force

from .helpers import errors, normalisations, write_csv_folder, write_xlsx


def _as_source_text(table, frame: pd.DataFrame) -> pd.DataFrame:
    """Render validated (canonical) values as the text a force writes, for a cell-by-cell comparison."""
    out = {}
    for column in table.columns:
        values = frame[column.name]
        if column.type == "date":
            text = values.dt.strftime("%Y-%m-%d")
        elif column.type == "bool":
            text = values.map({True: "true", False: "false"})
        else:
            text = values.astype("str")
        out[column.name] = [("" if pd.isna(v) else str(v)) for v in text.where(values.notna(), None)]
    return pd.DataFrame(out, dtype="str")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    root = tmp_path_factory.mktemp("roundtrip")
    returns = root / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    write_csv_folder(returns, "SYN02")
    before = file_hashes(returns)
    results = ingest_directory(returns, root / "out", root / "reports")
    return root, results, before


def test_both_forms_pass_with_no_failure(ingested):
    root, results, _ = ingested
    assert [(r.name, r.passed, r.issues) for r in results] == [("SYN01", True, []), ("SYN02", True, [])]
    for code in ("SYN01", "SYN02"):
        assert len(errors(root / "reports", code)) == 0
        assert sorted(p.name for p in (root / "out" / code).iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
    summary = pd.read_csv(root / "reports" / "summary.csv", dtype=str)
    assert summary[["force", "status", "problems"]].values.tolist() == [["SYN01", "passed", "0"], ["SYN02", "passed", "0"]]


@pytest.mark.parametrize("code", ["SYN01", "SYN02"])
def test_every_value_round_trips_cell_by_cell(ingested, code):
    root, _, _ = ingested
    source = as_force(code)
    stored = returns_io.read_force(root / "out", code)
    for name, table in TABLES.items():
        back = _as_source_text(table, stored[name])
        expected = source[name][table.column_names].reset_index(drop=True)
        assert back.shape == expected.shape
        for column in table.column_names:
            assert back[column].tolist() == expected[column].tolist(), f"{name}.{column}"


def test_inputs_are_never_modified(ingested):
    root, _, before = ingested
    assert file_hashes(root / "returns") == before


def test_excel_cells_are_reported_as_conversions(ingested):
    root, _, _ = ingested
    notes = normalisations(root / "reports", "SYN01")
    dates = notes[(notes["table"] == "offences") & (notes["column"] == "recorded_date")]
    assert dates[["kind", "normalisation", "rows_affected", "example_before", "example_after"]].values.tolist() == [
        ["conversion", "Excel date cell written as YYYY-MM-DD", "4", "2021-07-01 (Excel date cell)", "2021-07-01"]]
    assert set(notes["kind"]) == {"conversion"}  # a correctly filled template needs no correction
    assert len(normalisations(root / "reports", "SYN02")) == 0  # a clean UTF-8 CSV return needs nothing


def test_no_temporary_folders_left_and_rerun_replaces(ingested, tmp_path):
    root, _, _ = ingested
    assert sorted(p.name for p in (root / "out").iterdir()) == ["SYN01", "SYN02"]
    assert sorted(p.name for p in (root / "reports").iterdir()) == ["SYN01", "SYN02", "summary.csv"]
    assert sorted(p.name for p in (root / "reports" / "SYN01").iterdir()) == ["errors.csv", "errors.md", "normalisations.csv"]
    again = ingest_directory(root / "returns", root / "out", root / "reports")
    assert all(r.passed for r in again)
    assert sorted(p.name for p in (root / "out").iterdir()) == ["SYN01", "SYN02"]


def test_safe_normalisations_are_applied_and_reported(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    tables = as_force("SYN03")
    tables["disruptions"].loc[0, "tactic"] = " CAWN "
    tables["disruptions"].loc[1, "tactic"] = "Sro"
    tables["offences"]["cse_flag"] = ["Yes", "Y", "N", "TRUE"]
    tables["referrals"]["strategy_meeting"] = ["1", "0"]
    tables["networks"].loc[0, "identified_date"] = "2021-06-01 00:00:00"
    tables["suspects"].loc[0, "suspect_id"] = "S1 "
    tables["case_notes"].loc[0, "text"] = "  Victim seen with an independent advocate.  "
    folder = tmp_path / "returns" / "SYN03"
    folder.mkdir()
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    (result,) = ingest_directory(returns, tmp_path / "out", tmp_path / "reports")
    assert result.passed, result.issues
    notes = normalisations(tmp_path / "reports", "SYN03")
    got = {(r.table, r.column, r.normalisation): (r.rows_affected, r.example_before, r.example_after) for r in notes.itertuples()}
    assert got == {
        ("disruptions", "tactic", "surrounding spaces removed"): ("1", " CAWN ", "cawn"),
        ("disruptions", "tactic", "code capitalisation corrected to match the code list"): ("2", " CAWN ", "cawn"),
        ("offences", "cse_flag", "boolean written as true/false"): ("4", "Yes", "true"),
        ("referrals", "strategy_meeting", "boolean written as true/false"): ("2", "1", "true"),
        ("networks", "identified_date", "midnight time removed from a date"): ("1", "2021-06-01 00:00:00", "2021-06-01"),
        ("suspects", "suspect_id", "surrounding spaces removed"): ("1", "S1 ", "S1"),
    }
    assert set(notes["kind"]) == {"correction"}
    stored = returns_io.read_force(tmp_path / "out", "SYN03")
    assert stored["disruptions"]["tactic"].tolist() == ["cawn", "sro", "closure_order"]
    assert stored["offences"]["cse_flag"].tolist() == [True, True, False, True]
    # free text is never altered, not even its surrounding spaces
    assert stored["case_notes"]["text"].iloc[0] == "  Victim seen with an independent advocate.  "
    md = (tmp_path / "reports" / "SYN03" / "errors.md").read_text()
    assert "**PASSED**" in md and "## Corrected automatically" in md and "'Yes' -> 'true'" in md


def test_workbook_date_serials_and_header_case_are_normalised(tmp_path):
    from openpyxl import load_workbook

    from analysis.template import save_workbook

    returns = tmp_path / "returns"
    returns.mkdir()
    path = write_xlsx(returns, "SYN04")
    wb = load_workbook(path)
    ws = wb["referrals"]
    ws["D2"].value = 44317  # received_date as a General-format serial: 2021-05-01 in the 1900 date system
    ws["D2"].number_format = "General"
    ws["G3"].value = True  # strategy_meeting as an Excel TRUE/FALSE cell
    ws["A1"].value = "Force Code"
    wb["networks"].title = "tmp"  # openpyxl compares titles ignoring case, so rename in two steps
    wb["tmp"].title = "Networks"
    save_workbook(wb, path)
    (result,) = ingest_directory(returns, tmp_path / "out", tmp_path / "reports")
    assert result.passed, result.issues
    notes = normalisations(tmp_path / "reports", "SYN04")
    got = {(r.table, r.column, r.normalisation): (r.rows_affected, r.example_before, r.example_after) for r in notes.itertuples()
           if r.normalisation != "Excel date cell written as YYYY-MM-DD"}
    assert got == {
        ("referrals", "received_date", "Excel date serial number written as YYYY-MM-DD"): ("1", "44317 (Excel number cell)", "2021-05-01"),
        ("referrals", "strategy_meeting", "Excel TRUE/FALSE cell written as true/false"): ("1", "TRUE (Excel TRUE/FALSE cell)", "true"),
        ("referrals", "force_code", "column header matched to the contract column name"): ("1", "Force Code", "force_code"),
        ("networks", "", "sheet name matched to the table name"): ("1", "Networks", "networks"),
    }
    stored = returns_io.read_force(tmp_path / "out", "SYN04")
    assert stored["referrals"]["received_date"].dt.strftime("%Y-%m-%d").tolist() == ["2021-05-01", "2023-01-05"]
    assert stored["referrals"]["strategy_meeting"].tolist() == [True, True]


@pytest.mark.parametrize(("encoding", "label", "kind"), [
    ("utf-8-sig", "UTF-8 with byte order mark", "conversion"),
    ("utf-16", "UTF-16 with byte order mark", "correction"),
])
def test_csv_encodings_are_detected_and_text_kept_exactly(tmp_path, encoding, label, kind):
    returns = tmp_path / "returns"
    tables = as_force("SYN05")
    note = "Victim’s advocate (café meeting) — safety plan agreed; £20 travel paid."
    tables["case_notes"].loc[0, "text"] = note
    write_csv_folder(returns, "SYN05", tables, encoding=encoding)
    (result,) = ingest_directory(returns, tmp_path / "out", tmp_path / "reports")
    assert result.passed, result.issues
    assert result.files[str(returns / "SYN05" / "case_notes.csv")] == label
    stored = returns_io.read_force(tmp_path / "out", "SYN05")
    assert stored["case_notes"]["text"].iloc[0] == note
    notes = normalisations(tmp_path / "reports", "SYN05")
    row = notes[(notes["table"] == "case_notes")].iloc[0]
    assert (row["kind"], row["normalisation"], row["rows_affected"]) == (kind, f"text encoding {label} read and stored as UTF-8", "3")
    assert (row["example_before"], row["example_after"]) == ("", "")  # no example: it would quote case-note text


def test_command_exit_code_zero_when_all_pass(tmp_path, capsys):
    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    assert main(["ingest", "--returns", str(returns), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert f"SYN01: passed, written to {tmp_path / 'out' / 'SYN01'}" in out
    assert f"1 of 1 returns passed; reports in {tmp_path / 'out_reports'}" in out
    assert (tmp_path / "out_reports" / "SYN01" / "errors.md").exists()


def test_command_without_returns(tmp_path, capsys):
    assert main(["ingest", "--returns", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    assert main(["ingest", "--returns", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 1
    assert "no returns found" in capsys.readouterr().out


def test_template_filled_from_synthetic_data_round_trips(tmp_path):
    """A synthetic force (analysis.synthetic, small scale) written into the template ingests with zero failures."""
    from analysis.synthetic import generate_force, load_config
    from analysis.template import fill_template

    config = load_config(scale=0.005, forces=2)
    returns = tmp_path / "returns"
    generated = {}
    for code in config.force_codes:
        generated[code] = generate_force(config, code)
    fill_template(generated["SYN01"], returns / "SYN01.xlsx")
    returns_io.write_force(generated["SYN02"], returns, "SYN02", "csv")
    results = ingest_directory(returns, tmp_path / "out", tmp_path / "reports")
    assert [(r.name, r.issues) for r in results] == [("SYN01", []), ("SYN02", [])]
    for code, tables in generated.items():
        stored = returns_io.read_force(tmp_path / "out", code)
        for name in TABLES:
            assert len(stored[name]) == len(tables[name]) > 0
            pd.testing.assert_frame_equal(stored[name], tables[name].reset_index(drop=True), obj=f"{code}.{name}")
