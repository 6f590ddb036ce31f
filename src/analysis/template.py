"""The Excel return template a force analyst fills in, generated from the data contract.

`build_template(path)` writes a workbook with:
- `Instructions`: how to fill in and submit the return, in plain English;
- `Data dictionary`: every table and column with its type, whether it is required, its code list and meaning;
- `Code lists`: every code a coded column accepts, with its label;
- one sheet per contract table (`analysis.contract.TABLES`), header row bold and frozen, with Excel data
  validation on every column: a drop-down list for coded columns (the list lives on the hidden `lists` sheet and
  is referenced by range, because a list typed inline into a validation rule is capped at 255 characters),
  a true/false drop-down for booleans, a date rule and `YYYY-MM-DD` display for dates, a whole-number rule with
  the contract's bounds for integers, and text format for identifiers and codes (so Excel cannot turn `0123`
  into 123 or `3-4` into a date);
- `lists` (hidden): one column per code list.

`fill_template(tables, path)` writes canonical tables (as `analysis.returns_io` types them) into the template the
way an analyst would: real date cells, numbers as numbers, booleans picked from the drop-down. Tests and
demonstrations use it to make a filled-in return.

The workbook's bytes depend only on the contract and the code lists: the document timestamps and the zip
entries' dates are pinned (see `returns_io.pin_xlsx_timestamps`), so regenerating it gives an identical file.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from analysis import reference
from analysis.atomic import write_bytes_atomic
from analysis.returns_io import pin_xlsx_timestamps
from analysis.contract import TABLES, Column, Table

INSTRUCTIONS = "Instructions"
DICTIONARY = "Data dictionary"
CODE_LISTS = "Code lists"
LISTS = "lists"
#: Sheets of the template that are not contract tables; ingestion ignores them.
NON_TABLE_SHEETS = (INSTRUCTIONS, DICTIONARY, CODE_LISTS, LISTS)

DATE_NUMBER_FORMAT = "yyyy-mm-dd"
TEXT_NUMBER_FORMAT = "@"
#: Validation rules cover every row Excel allows below the header.
LAST_ROW = 1_048_576
#: Earliest and latest dates the date rule accepts (the contract's own date rules are checked at ingest).
DATE_BOUNDS = ("DATE(1900,1,1)", "DATE(2100,12,31)")
BOOL_VALUES = ("true", "false")

#: Code list offered for columns that are identifiers but take a fixed set of values.
ID_CODELISTS = {"force_code": "forces"}

_FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_WRAP = Alignment(wrap_text=True, vertical="top")


def codelist_of(column: Column) -> str | None:
    """The code list that a column's drop-down offers (None when it has none)."""
    if column.codelist:
        return column.codelist
    return ID_CODELISTS.get(column.name)


def type_label(column: Column) -> str:
    """The column's type in words a force analyst reads in the data dictionary."""
    if column.type == "id":
        return "identifier (text)"
    if column.type == "code":
        return f"code from list '{column.codelist}'"
    if column.type == "text":
        return "free text"
    if column.type == "date":
        return "date (YYYY-MM-DD)"
    if column.type == "bool":
        return "true or false"
    if column.type == "int":
        bounds = [f"at least {column.minimum:g}" if column.minimum is not None else "",
                  f"at most {column.maximum:g}" if column.maximum is not None else ""]
        words = " and ".join(b for b in bounds if b)
        return f"whole number ({words})" if words else "whole number"
    return "number"


def instructions() -> list[str]:
    """The Instructions sheet, one paragraph per row (also reused in docs/returns_guide.md)."""
    tables = ", ".join(TABLES)
    return [
        "Group-based child sexual exploitation inspection: force data return",
        "",
        "WHAT THIS IS",
        "This workbook is the template for your force's data return to the inspection of the police response to "
        "group-based child sexual exploitation. It has one sheet for each table of the return: " + tables + ".",
        "The 'Data dictionary' sheet explains every column: what it means, its type, whether it may be left "
        "blank and which code list it uses. The 'Code lists' sheet gives every accepted code with its meaning.",
        "",
        "HOW TO FILL IT IN",
        "1. Do not rename, delete, reorder or add sheets, and do not change the header row (row 1) of any sheet.",
        "2. Enter one record per row, starting at row 2, with no blank rows in between. Every sheet must be "
        "present; if you hold no records for a table, leave its sheet with the header row only and tell the "
        "inspection team when you submit.",
        "3. Give force_code on every row of every sheet; it is the same code throughout (your force's code, "
        "chosen from the drop-down list).",
        "4. Identifiers (columns ending _id) are your own references. Each must be unique on its own sheet and "
        "must be written exactly the same way wherever it is used on another sheet (for example the victim_id on "
        "the offences sheet must appear on the victims sheet).",
        "5. Coded columns have a drop-down list: choose a value from it. Where the information was not recorded, "
        "choose the 'not recorded' code (NS, IC9, NR or not_recorded); do not leave the cell blank.",
        "6. Leave a cell blank only where the data dictionary says blank is allowed (for example an outcome_date "
        "while no outcome has been assigned, or a support_withdrawn_date when the victim has not withdrawn support).",
        "7. Dates: enter real dates, shown as YYYY-MM-DD (for example 2023-04-01). Do not type dates as text such "
        "as 01/04/2023 or 1 April 2023.",
        "8. true/false columns: choose true or false from the drop-down list.",
        "9. Whole numbers: enter numbers without commas or units.",
        "10. Paste values only (Paste Special > Values) when copying from another workbook, so that the "
        "drop-down lists and formats stay in place and no formulas are submitted.",
        "11. Use victim-centred language in any free text you extract (case_notes.text is analysed for "
        "victim-blaming language; its wording is never published).",
        "",
        "HOW TO SUBMIT",
        "Save the workbook as an Excel Workbook (.xlsx) named with your force code, for example E23000003.xlsx, "
        "and send it by the secure transfer route agreed with the inspection team. Never send it by ordinary email.",
        "You may instead submit a folder named with your force code holding one CSV file per sheet, named as the "
        "sheet (for example E23000003/offences.csv), saved as CSV UTF-8, with the same header rows.",
        "",
        "WHAT HAPPENS NEXT",
        "Your return is checked against the data contract. You receive an error report listing every problem "
        "found, with the sheet, row, column, the value found and what is wrong. A return with any error is not "
        "used until a corrected return is received. Small differences that cannot change meaning (surrounding "
        "spaces, the capital letters of a code, dates typed as real date cells, Yes/No for true/false) are "
        "corrected automatically and listed in the report so you can correct them at source.",
    ]


def _write_instructions(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 120
    headings = {"WHAT THIS IS", "HOW TO FILL IT IN", "HOW TO SUBMIT", "WHAT HAPPENS NEXT"}
    for row, text in enumerate(instructions(), start=1):
        cell = ws.cell(row=row, column=1, value=text or None)
        cell.alignment = _WRAP
        if row == 1:
            cell.font = Font(bold=True, size=14)
        elif text in headings:
            cell.font = _HEADER_FONT


def dictionary_rows() -> list[list[str]]:
    """One row per contract column: table, column, type, required, code list, description."""
    rows = []
    for table in TABLES.values():
        for column in table.columns:
            required = "no (may be blank)" if column.nullable else "yes"
            rows.append([
                table.name,
                column.name,
                type_label(column),
                required,
                codelist_of(column) or "",
                column.description,
            ])
    return rows


def _write_header(ws: Worksheet, headers: list[str], widths: list[int] | None = None) -> None:
    for index, name in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=index, value=name)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        width = widths[index - 1] if widths else max(len(name) + 4, 14)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"


def _write_dictionary(ws: Worksheet) -> None:
    _write_header(ws, ["table", "column", "type", "required", "code list", "description"], [18, 34, 34, 18, 22, 100])
    for row in dictionary_rows():
        ws.append(row)
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in row:
            cell.alignment = _WRAP
    ws.auto_filter.ref = f"A1:F{ws.max_row}"


def used_codelists() -> list[str]:
    """Code lists the template's drop-downs use, in order of first use in the contract."""
    names: list[str] = []
    for table in TABLES.values():
        for column in table.columns:
            name = codelist_of(column)
            if name and name not in names:
                names.append(name)
    return names


def _write_code_lists(ws: Worksheet, names: list[str]) -> None:
    _write_header(ws, ["code list", "code", "label"], [24, 40, 90])
    for name in names:
        for code, label in reference.labels(name).items():
            ws.append([name, code, label])
    for row in ws.iter_rows(min_row=2, max_col=2):
        for cell in row:
            cell.number_format = TEXT_NUMBER_FORMAT
    ws.auto_filter.ref = f"A1:C{ws.max_row}"


def _write_lists(ws: Worksheet, names: list[str]) -> dict[str, str]:
    """Write each code list in its own column; return list name -> absolute range formula."""
    ranges = {}
    for index, name in enumerate(names, start=1):
        letter = get_column_letter(index)
        ws.cell(row=1, column=index, value=name).font = _HEADER_FONT
        codes = reference.codes(name)
        for row, code in enumerate(codes, start=2):
            cell = ws.cell(row=row, column=index, value=code)
            cell.number_format = TEXT_NUMBER_FORMAT
        ranges[name] = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(codes) + 1}"
    ws.sheet_state = "hidden"
    return ranges


def _prompt(column: Column) -> tuple[str, str]:
    title = column.name[:32]
    text = column.description + ("" if column.nullable else " Required.")
    return title, text[:255]


def _validation(column: Column, ranges: dict[str, str]) -> DataValidation:
    """The Excel data validation rule for one column (with the column description as its input message)."""
    name = codelist_of(column)
    kind = {"allow_blank": True, "showErrorMessage": True, "showInputMessage": True, "errorStyle": "stop"}
    if name:
        rule = DataValidation(type="list", formula1=f"={ranges[name]}", **kind)
        rule.error = f"Choose a code from the drop-down list (code list '{name}', see the 'Code lists' sheet)."
    elif column.type == "bool":
        rule = DataValidation(type="list", formula1='"' + ",".join(BOOL_VALUES) + '"', **kind)
        rule.error = "Choose true or false."
    elif column.type == "date":
        rule = DataValidation(type="date", operator="between", formula1=DATE_BOUNDS[0], formula2=DATE_BOUNDS[1], **kind)
        rule.error = "Enter a real date (shown as YYYY-MM-DD), not text."
    elif column.type == "int":
        low, high = column.minimum, column.maximum
        if low is not None and high is not None:
            rule = DataValidation(type="whole", operator="between", formula1=f"{low:g}", formula2=f"{high:g}", **kind)
        elif low is not None:
            rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=f"{low:g}", **kind)
        elif high is not None:
            rule = DataValidation(type="whole", operator="lessThanOrEqual", formula1=f"{high:g}", **kind)
        else:
            rule = DataValidation(type="whole", operator="between", formula1="-2147483648", formula2="2147483647", **kind)
        rule.error = f"Enter a {type_label(column)}."
    else:  # identifiers and free text: no restriction, only the input message
        rule = DataValidation(allow_blank=True, showInputMessage=True)
    rule.errorTitle = f"Invalid {column.name}"[:32]
    rule.promptTitle, rule.prompt = _prompt(column)
    return rule


def number_format(column: Column) -> str | None:
    """Display format of a column's cells: dates as YYYY-MM-DD, identifiers, codes and text as text."""
    if column.type == "date":
        return DATE_NUMBER_FORMAT
    if column.type in ("id", "code", "text"):
        return TEXT_NUMBER_FORMAT
    return None


def _write_table_sheet(ws: Worksheet, table: Table, ranges: dict[str, str]) -> None:
    _write_header(ws, table.column_names)
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        fmt = number_format(column)
        if fmt:
            ws.column_dimensions[letter].number_format = fmt
        if column.type == "text":
            ws.column_dimensions[letter].width = 80
        rule = _validation(column, ranges)
        rule.add(f"{letter}2:{letter}{LAST_ROW}")
        ws.add_data_validation(rule)


def template_workbook() -> Workbook:
    """Build the return template in memory (see the module docstring for its sheets)."""
    wb = Workbook()
    wb.properties.creator = "analysis template"
    wb.properties.title = "Group-based CSE inspection: force data return"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    instructions_ws = wb.active
    instructions_ws.title = INSTRUCTIONS
    _write_instructions(instructions_ws)
    _write_dictionary(wb.create_sheet(DICTIONARY))
    names = used_codelists()
    _write_code_lists(wb.create_sheet(CODE_LISTS), names)
    table_sheets = {name: wb.create_sheet(name) for name in TABLES}
    ranges = _write_lists(wb.create_sheet(LISTS), names)
    for name, table in TABLES.items():
        _write_table_sheet(table_sheets[name], table, ranges)
    return wb


def save_workbook(wb: Workbook, path: Path) -> Path:
    """Save a workbook with pinned timestamps, atomically (temporary file, then rename)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return write_bytes_atomic(Path(path), pin_xlsx_timestamps(buffer.getvalue()))


def build_template(path: Path) -> Path:
    """Write the return template to `path` (an .xlsx file); returns the path."""
    return save_workbook(template_workbook(), path)


def _cell_value(column: Column, value: object) -> object:
    """A canonical value as an analyst would enter it in the template."""
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column.type == "date":
        return pd.Timestamp(value).to_pydatetime().date()
    if column.type == "bool":
        return "true" if bool(value) else "false"
    if column.type == "int":
        return int(value)
    if column.type == "float":
        return float(value)
    return str(value)


def fill_template(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write canonical tables into a fresh template at `path`: dates as date cells, booleans as true/false."""
    wb = template_workbook()
    for name, table in TABLES.items():
        ws = wb[name]
        frame = tables[name]
        formats = [number_format(c) for c in table.columns]
        for row_index, record in enumerate(frame[table.column_names].itertuples(index=False), start=2):
            for col_index, (column, value) in enumerate(zip(table.columns, record, strict=True), start=1):
                cell_value = _cell_value(column, value)
                if cell_value is None:
                    continue
                cell = ws.cell(row=row_index, column=col_index, value=cell_value)
                if formats[col_index - 1]:
                    cell.number_format = formats[col_index - 1]
    return save_workbook(wb, path)
