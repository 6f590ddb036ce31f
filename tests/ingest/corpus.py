"""A corpus of malformed returns, built programmatically, each with the exact problems ingestion must report.

Each case writes one force's return into a folder and declares the rows its errors.csv must hold, as
(rule, sheet, row, column, message). A message given as a tuple lists fragments the message must contain (used for
contract rules, whose full wording belongs to analysis.validate); a string is the exact message (used for the
problems ingestion itself finds). Forces SYN01 (a filled template) and SYN02 (CSV files) are valid and sit in the
same folder: they must pass whatever the others contain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from analysis.template import save_workbook
from fixtures.valid_return import as_force

from .helpers import edit_xlsx, write_csv_folder, write_xlsx

Expected = tuple[str, str, int | None, str | None, str | tuple[str, ...]]


@dataclass(frozen=True)
class Case:
    code: str
    what: str
    build: Callable[[Path], None]
    expected: tuple[Expected, ...]


CASES: list[Case] = []


def case(code: str, what: str, *expected: Expected):
    def register(build: Callable[[Path], None]) -> Callable[[Path], None]:
        CASES.append(Case(code, what, build, expected))
        return build
    return register


def _rename_sheet(path: Path, old: str, new: str) -> None:
    wb = openpyxl.load_workbook(path)
    wb[old].title = new
    save_workbook(wb, path)


@case("SYN03", "wrong sheet name",
      ("unknown_table", "Offence list", None, None, ("'Offence list' is not a table of the return", "Did you mean 'offences'?")),
      ("missing_table", "offences", None, None, ("the return must have a sheet or file named 'offences'",)))
def _wrong_sheet_name(d: Path) -> None:
    _rename_sheet(write_xlsx(d, "SYN03"), "offences", "Offence list")


@case("SYN04", "missing column",
      ("missing_column", "victims", None, "sex", ("victims: column 'sex' is missing",)))
def _missing_column(d: Path) -> None:
    tables = as_force("SYN04")
    tables["victims"] = tables["victims"].drop(columns="sex")
    write_csv_folder(d, "SYN04", tables)


@case("SYN05", "misspelt code",
      ("codelist", "disruptions", 2, "tactic", ("disruptions row 2, column tactic: 'cawm' is not a code in the list disruption_tactics",)))
def _misspelt_code(d: Path) -> None:
    edit_xlsx(write_xlsx(d, "SYN05"), [("disruptions", 2, "tactic", "cawm")])


@case("SYN06", "date as text, day/month/year",
      ("type", "offences", 3, "recorded_date", ("offences row 3, column recorded_date: '03/04/2021' is not a date in the form YYYY-MM-DD",)))
def _date_slashes(d: Path) -> None:
    edit_xlsx(write_xlsx(d, "SYN06"), [("offences", 3, "recorded_date", "03/04/2021")])


@case("SYN07", "date as text, in words",
      ("type", "networks", 2, "identified_date", ("networks row 2, column identified_date: '3 April 2021' is not a date in the form YYYY-MM-DD",)))
def _date_words(d: Path) -> None:
    tables = as_force("SYN07")
    tables["networks"].loc[0, "identified_date"] = "3 April 2021"
    write_csv_folder(d, "SYN07", tables)


@case("SYN08", "date as text without leading zeros",
      ("type", "victims", 4, "first_report_date", ("victims row 4, column first_report_date: '2023-2-20' is not a date in the form YYYY-MM-DD",)))
def _date_no_zeros(d: Path) -> None:
    tables = as_force("SYN08")
    tables["victims"].loc[2, "first_report_date"] = "2023-2-20"
    write_csv_folder(d, "SYN08", tables)


@case("SYN09", "duplicate identifier",
      ("unique", "victims", 5, "victim_id", ("victims row 5, column victim_id: 'V1' is a duplicate: it is already used in row 2",)))
def _duplicate(d: Path) -> None:
    tables = as_force("SYN09")
    tables["victims"] = pd.concat([tables["victims"], tables["victims"].iloc[[0]]], ignore_index=True)
    write_csv_folder(d, "SYN09", tables)


@case("SYN10", "dangling link",
      ("foreign_key", "offences", 2, "victim_id", ("offences row 2, column victim_id: 'V9' is not a victim_id in the victims table",)))
def _dangling(d: Path) -> None:
    edit_xlsx(write_xlsx(d, "SYN10"), [("offences", 2, "victim_id", "V9")])


@case("SYN11", "wrong encoding: bytes that are not UTF-8 (an 8-bit encoding that cannot be told)",
      ("encoding", "case_notes", None, None,
       "case_notes.csv is not UTF-8 and its text encoding cannot be told safely: byte 0x81 on line 2 is no character in "
       "Windows-1252 but 'Å' in Mac Roman (Excel's 'CSV (Comma delimited)' and 'CSV (Macintosh)' both write such files). "
       "Reading it either way could change the text, so it was not read: save it again from Excel as 'CSV UTF-8 (Comma delimited)'."))
def _bad_encoding(d: Path) -> None:
    folder = write_csv_folder(d, "SYN11")
    data = (folder / "case_notes.csv").read_bytes().replace(b"independent", b"indep\x81ndent")
    (folder / "case_notes.csv").write_bytes(data)


@case("SYN12", "wrong encoding: UTF-8 and Windows-1252 mixed in one file",
      ("encoding", "case_notes", None, None,
       "case_notes.csv mixes text encodings: some characters are UTF-8 but line 2 has a character that is not, so it "
       "cannot be read safely. Save it again as 'CSV UTF-8' from Excel."))
def _mixed_encoding(d: Path) -> None:
    folder = write_csv_folder(d, "SYN12")
    data = (folder / "case_notes.csv").read_bytes()
    data = data.replace(b"independent", b"ind\x92pendent").replace(b"safety plan", "café plan".encode())
    (folder / "case_notes.csv").write_bytes(data)


@case("SYN13", "two forces in one file",
      ("two_forces", "force_profile", None, "force_code",
       "SYN13.xlsx holds returns for more than one force (SYN13, SYN14): submit one return per force, each named with its own force code."))
def _two_forces(d: Path) -> None:
    first, second = as_force("SYN13"), as_force("SYN14")
    both = {name: pd.concat([first[name], second[name]], ignore_index=True) for name in first}
    both = {name: frame.drop_duplicates() if name == "force_profile" else frame for name, frame in both.items()}
    path = write_xlsx(d, "SYN13", first)
    wb = openpyxl.load_workbook(path)
    for name, frame in both.items():
        ws = wb[name]
        for row in frame.iloc[len(first[name]):].itertuples(index=False):
            ws.append(list(row))
    save_workbook(wb, path)


@case("SYN15", "empty file",
      ("unreadable", "", None, None, "SYN15.xlsx is empty (0 bytes): save the completed template again and resubmit it."))
def _empty_file(d: Path) -> None:
    (d / "SYN15.xlsx").write_bytes(b"")


@case("SYN16", "a PDF named .xlsx",
      ("unreadable", "", None, None,
       "SYN16.xlsx is not an Excel workbook: it is a PDF document; submit the completed Excel template (.xlsx) instead."))
def _pdf_as_xlsx(d: Path) -> None:
    (d / "SYN16.xlsx").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")


@case("SYN17", "an .xlsx that is really text",
      ("unreadable", "", None, None,
       "SYN17.xlsx is not an Excel workbook: it is a text file; it looks like a CSV or text file renamed to .xlsx: open it "
       "in Excel and save it as 'Excel Workbook (.xlsx)', or submit CSV files in a folder named with your force code."))
def _text_as_xlsx(d: Path) -> None:
    (d / "SYN17.xlsx").write_text(as_force("SYN17")["offences"].to_csv(index=False))


@case("SYN18", "a PDF instead of a return",
      ("not_a_return", "", None, None, "SYN18.pdf is not a return: a PDF cannot be read: submit the completed Excel template (.xlsx)."))
def _pdf(d: Path) -> None:
    (d / "SYN18.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")


@case("SYN19", "required value left blank",
      ("required", "suspects", 3, "sex", ("suspects row 3, column sex: the value is blank but this column is required", "not_recorded")))
def _required_blank(d: Path) -> None:
    tables = as_force("SYN19")
    tables["suspects"].loc[1, "sex"] = ""
    write_csv_folder(d, "SYN19", tables)


@case("SYN20", "blank row between records",
      ("blank_row", "offences", 3, None,
       "offences row 3: the row is empty but records follow it: delete the row (records must be on consecutive rows)."),
      ("codelist", "offences", 6, "offence_category", ("offences row 6, column offence_category: 'grooming' is not a code",)))
def _blank_row(d: Path) -> None:
    path = edit_xlsx(write_xlsx(d, "SYN20"), [("offences", 5, "offence_category", "grooming")])
    wb = openpyxl.load_workbook(path)
    wb["offences"].insert_rows(3)  # the records from O2 on move down one row; row numbers must follow them
    save_workbook(wb, path)


@case("SYN21", "Excel error in a cell",
      ("excel_error", "victims", 2, "missing_episodes",
       "victims row 2: the cell in column missing_episodes holds the Excel error #REF! instead of a value: replace it "
       "with the value (paste values, not formulas)."))
def _excel_error(d: Path) -> None:
    edit_xlsx(write_xlsx(d, "SYN21"), [("victims", 2, "missing_episodes", "#REF!")])


@case("SYN32", "formula whose result was never saved",
      ("excel_error", "offences", 3, "outcome_code",
       "offences row 3: the cell in column outcome_code holds the formula =10+6 whose result was never calculated and "
       "saved instead of a value: replace it with the value (paste values, not formulas)."),
      ("consistency", "offences", 3, "outcome_date", ("offences row 3, column outcome_date: '2022-03-01' is given but outcome_code is blank",)))
def _formula(d: Path) -> None:
    edit_xlsx(write_xlsx(d, "SYN32"), [("offences", 3, "outcome_code", "=10+6")])


@case("SYN22", "column not in the contract",
      ("unknown_column", "offences", None, "officer_notes", ("offences: column 'officer_notes' is not in the contract",)))
def _extra_column(d: Path) -> None:
    tables = as_force("SYN22")
    tables["offences"]["officer_notes"] = "see file"
    write_csv_folder(d, "SYN22", tables)


@case("SYN23", "unquoted comma in a CSV row",
      ("extra_values", "case_notes", 3, None,
       "case_notes row 3: the row has 8 values but the header has 7 columns; the value ' referral to the specialist "
       "service kept open.' has no column (check for an unquoted comma)."))
def _unquoted_comma(d: Path) -> None:
    folder = write_csv_folder(d, "SYN23")
    text = (folder / "case_notes.csv").read_text().replace("Victim withdrew support; referral", "Victim withdrew support, referral")
    (folder / "case_notes.csv").write_text(text)


@case("SYN24", "the same force twice",
      ("duplicate_return", "", None, None, "force SYN24 has more than one return (SYN24 and SYN24.xlsx): keep only the one to be used."))
def _twice(d: Path) -> None:
    write_xlsx(d, "SYN24")
    write_csv_folder(d, "SYN24")


@case("SYN25", "old-format Excel file",
      ("not_a_return", "", None, None,
       "SYN25.xls is not a return: it is an old-format Excel file: open it in Excel and save it as 'Excel Workbook (.xlsx)'."))
def _xls(d: Path) -> None:
    (d / "SYN25.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))


@case("SYN26", "outcome date before the offence was recorded",
      ("date_order", "offences", 2, "outcome_date", ("offences row 2, column outcome_date: '2021-06-01'", "recorded_date")))
def _date_order(d: Path) -> None:
    edit_xlsx(write_xlsx(d, "SYN26"), [("offences", 2, "outcome_date", pd.Timestamp("2021-06-01").date())])


@case("SYN27", "victim age out of range",
      ("range", "victims", 2, "age_at_first_offence", ("victims row 2, column age_at_first_offence: '19' is not a plausible age",)))
def _age(d: Path) -> None:
    edit_xlsx(write_xlsx(d, "SYN27"), [("victims", 2, "age_at_first_offence", 19)])


@case("SYN28", "workbook with no data",
      ("unreadable", "", None, None, "SYN28.xlsx has no data: every sheet is empty. Fill in the template's sheets and resubmit."))
def _no_data(d: Path) -> None:
    save_workbook(openpyxl.Workbook(), d / "SYN28.xlsx")


@case("SYN29", "date cell with a time of day",
      ("type", "referrals", 2, "action_date", ("referrals row 2, column action_date: the cell holds a date with a time of day "
                                               "(2021-05-02 14:30:00); this column takes a date only: enter the date without the time.",)))
def _time_of_day(d: Path) -> None:
    edit_xlsx(write_xlsx(d, "SYN29"), [("referrals", 2, "action_date", pd.Timestamp("2021-05-02 14:30").to_pydatetime())])


@case("SYN30", "file name and force code disagree",
      ("force_code", "force_profile", 2, "force_code", ("SYN31", "SYN30")))
def _name_mismatch(d: Path) -> None:
    write_xlsx(d, "SYN31")
    (d / "SYN31.xlsx").rename(d / "SYN30.xlsx")
