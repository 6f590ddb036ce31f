"""Reading returns as submitted: encodings, delimiters, what counts as a return, sheet and column names."""

from __future__ import annotations

import codecs

import pytest

from analysis.ingest.discover import discover
from analysis.ingest.issues import ReadError
from analysis.ingest.normalise import normalise
from analysis.ingest.read import decode_text, read_csv_file
from fixtures.valid_return import as_force

from .helpers import write_csv_folder, write_xlsx

TEXT = "force_code,text\nSYN01,Victim’s advocate met her at the café\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "UTF-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "UTF-8 with byte order mark"),
    (TEXT.encode("utf-16"), "UTF-16 with byte order mark"),
])
def test_decode_text_detects_the_encoding(data, encoding):
    assert decode_text(data, "x.csv") == (TEXT, encoding)


@pytest.mark.parametrize(("data", "message"), [
    (b"a,b\n1,\x00\x00\n", "x.csv is not a text file (it contains NUL bytes): submit CSV files saved as 'CSV UTF-8'."),
    (b"a,b\n1,caf\xc3\xa9\n2,it\x92s\n", "x.csv mixes text encodings: some characters are UTF-8 but line 3 has a character "
                                          "that is not, so it cannot be read safely. Save it again as 'CSV UTF-8' from Excel."),
    (b"a,b\n1,\x81\n", "x.csv is not UTF-8 and its text encoding cannot be told safely: byte 0x81 on line 2 is no character "
                      "in Windows-1252 but 'Å' in Mac Roman (Excel's 'CSV (Comma delimited)' and 'CSV (Macintosh)' both "
                      "write such files). Reading it either way could change the text, so it was not read: save it again "
                      "from Excel as 'CSV UTF-8 (Comma delimited)'."),
    (TEXT.encode("cp1252"), "x.csv is not UTF-8 and its text encoding cannot be told safely: byte 0x92 on line 2 is '’' in "
                            "Windows-1252 but 'í' in Mac Roman (Excel's 'CSV (Comma delimited)' and 'CSV (Macintosh)' both "
                            "write such files). Reading it either way could change the text, so it was not read: save it "
                            "again from Excel as 'CSV UTF-8 (Comma delimited)'."),
    (TEXT.encode("mac_roman"), "x.csv is not UTF-8 and its text encoding cannot be told safely: byte 0xD5 on line 2 is 'Õ' in "
                               "Windows-1252 but '’' in Mac Roman (Excel's 'CSV (Comma delimited)' and 'CSV (Macintosh)' both "
                               "write such files). Reading it either way could change the text, so it was not read: save it "
                               "again from Excel as 'CSV UTF-8 (Comma delimited)'."),
    (codecs.BOM_UTF8 + b"a,b\n1,\x92\n", "x.csv starts as UTF-8 but line 2 has a character that is not UTF-8: the file "
                                          "mixes encodings. Save it again as 'CSV UTF-8' from Excel."),
])
def test_decode_text_refuses_what_it_cannot_repair(data, message):
    with pytest.raises(ReadError) as caught:
        decode_text(data, "x.csv")
    assert (caught.value.rule, caught.value.message) == ("encoding", message)


def test_semicolon_csv_is_read_and_reported(tmp_path):
    path = tmp_path / "networks.csv"
    path.write_text("force_code;network_id;identified_date;cocad_category\nSYN01;N1;2021-06-01;cse\n")
    sheet = read_csv_file(path)
    assert (sheet.delimiter, sheet.header, sheet.rows, sheet.row_numbers) == (
        ";", ["force_code", "network_id", "identified_date", "cocad_category"], [["SYN01", "N1", "2021-06-01", "cse"]], [2])
    notes = normalise([sheet]).normalisations
    assert [(n.table, n.normalisation, n.rows_affected) for n in notes] == [("networks", "values separated by ';' read as columns", 1)]


def test_quoted_newlines_and_trailing_blank_rows(tmp_path):
    path = tmp_path / "case_notes.csv"
    path.write_text('force_code,note_id,text\nSYN01,CN1,"two\nlines"\nSYN01,CN2,x\n,,\n\n')
    sheet = read_csv_file(path)
    assert sheet.rows == [["SYN01", "CN1", "two\nlines"], ["SYN01", "CN2", "x"]]
    assert sheet.row_numbers == [2, 3]  # rows are records, as Excel numbers them, not lines of the file


def test_discover_names_everything_and_ignores_clutter(tmp_path):
    write_xlsx(tmp_path, "SYN01")
    write_csv_folder(tmp_path, "SYN02")
    (tmp_path / "~$SYN01.xlsx").write_bytes(b"lock")
    (tmp_path / ".DS_Store").write_bytes(b"")
    (tmp_path / "Thumbs.db").write_bytes(b"")
    (tmp_path / "SYN03").mkdir()
    (tmp_path / "offences.csv").write_text("x")
    found = {s.name: (s.form, s.issue.rule if s.issue else None, s.issue.message if s.issue else None) for s in discover(tmp_path)}
    assert found == {
        "SYN01": ("xlsx", None, None),
        "SYN02": ("csv", None, None),
        "SYN03": ("invalid", "not_a_return", "the folder SYN03 holds no CSV files: a CSV return is one file per table in "
                                             "a folder named with the force code (for example SYN03/offences.csv)."),
        "offences": ("invalid", "not_a_return", "offences.csv is not a return: CSV files must be in a folder named with the "
                                                "force code, one file per table (for example FORCE/offences.csv)."),
    }


def test_duplicate_sheets_and_columns_are_reported(tmp_path):
    tables = as_force("SYN01")
    folder = write_csv_folder(tmp_path, "SYN01", tables)
    tables["networks"].to_csv(folder / "Networks.csv", index=False)
    (folder / "victims.csv").write_text((folder / "victims.csv").read_text().replace("looked_after", "sex", 1))
    sheets = [read_csv_file(p) for p in sorted(folder.glob("*.csv"))]
    result = normalise(sheets)
    assert sorted((i.sheet, i.column, i.rule, i.message) for i in result.issues) == [
        ("Networks", None, "duplicate_table", "Networks and networks (networks.csv) are both the table 'networks': keep one."),
        ("victims", "sex", "duplicate_column", "victims: column 'sex' appears twice (columns D and F): keep one and delete the other."),
    ]
    assert list(result.tables["victims"].columns).count("sex") == 1


def test_empty_extra_sheet_is_ignored_and_noted(tmp_path):
    from openpyxl import load_workbook

    from analysis.ingest.read import read_workbook
    from analysis.template import save_workbook

    path = write_xlsx(tmp_path, "SYN01")
    wb = load_workbook(path)
    wb.create_sheet("Sheet1")
    save_workbook(wb, path)
    result = normalise(read_workbook(path))
    assert "Sheet1" not in result.tables
    assert [(n.table, n.normalisation) for n in result.normalisations if n.table == "Sheet1"] == [
        ("Sheet1", "empty sheet that is not a table ignored")]
    assert result.issues == []


def test_a_legacy_16_plus_1_ethnicity_code_is_recoded_to_18_plus_1_and_reported():
    """DESIGN section 3 maps the 16+1 legacy codes: O1 is Chinese in 16+1 and A4 in 18+1 (Arab is O2 in 18+1).
    The recoding is a reported correction; an 18+1 code and an unknown code pass through unchanged (controls)."""
    from analysis.contract import TABLES
    from analysis.ingest.normalise import LEGACY_ETHNICITY, _converter, legacy_ethnicity_codes

    assert legacy_ethnicity_codes() == {"O1": "A4"}
    convert = _converter(TABLES["suspects"].column("ethnicity_sde"), None)
    assert convert("O1") == ("A4", [LEGACY_ETHNICITY])
    assert convert("O2") == ("O2", [])
    assert convert("Q7") == ("Q7", [])
    assert _converter(TABLES["suspects"].column("ethnicity_ode"), None)("O1") == ("O1", [])
