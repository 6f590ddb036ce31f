"""Turn the sheets of a return into the text the contract checks, correcting only what cannot change meaning.

Safe corrections (each is counted and reported with an example; nothing else is changed):
- surrounding spaces of identifiers, codes, numbers, dates and booleans (free text is kept exactly);
- the capital letters of a code, when exactly one code of its list matches ignoring case ("CAWN" -> "cawn");
- sheet names and column headers that match exactly one contract name ignoring case, spaces and hyphens;
- Excel date cells (and whole-number date serials in a date column of a workbook, in the workbook's 1900 or 1904
  date system) -> YYYY-MM-DD; a date written with a midnight time ("2021-04-03 00:00:00") -> the date;
- booleans written Y/N, Yes/No, TRUE/FALSE, T/F or 1/0 (text or Excel cells) -> true/false;
- a CSV file's encoding (UTF-8 with a byte order mark, UTF-16, Windows-1252) or delimiter (; or tab).

Deliberately NOT corrected, because a guess could change meaning: dates written as text in any other form
(03/04/2021 is 3 April in England and 4 March in the US), a date with a time of day, numbers with separators or
units, labels in place of codes. Those reach validation unchanged and are reported there.

Empty rows at the end of a sheet are dropped (they hold nothing). An empty row between records is kept, so that
row numbers in reports stay the spreadsheet's own, and reported as `blank_row`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from openpyxl.utils.datetime import from_excel

from analysis import reference
from analysis.contract import TABLES, Column
from analysis.ingest.issues import Issue, Normalisation
from analysis.ingest.read import RawSheet, is_blank

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})
#: Whole-number Excel date serials accepted in a date column: 1900-03-01 (after Excel's 1900 leap-year bug)
#: to 2100-12-31 in the 1900 date system.
SERIAL_RANGE = (61, 73415)
_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00(?:\.0+)?)?")

SPACES = "surrounding spaces removed"
CODE_CASE = "code capitalisation corrected to match the code list"
EXCEL_DATE = "Excel date cell written as YYYY-MM-DD"
EXCEL_SERIAL = "Excel date serial number written as YYYY-MM-DD"
MIDNIGHT = "midnight time removed from a date"
BOOL_WORD = "boolean written as true/false"
EXCEL_BOOL = "Excel TRUE/FALSE cell written as true/false"
SHEET_NAME = "sheet name matched to the table name"
HEADER_NAME = "column header matched to the contract column name"
EMPTY_SHEET = "empty sheet that is not a table ignored"
DELIMITER = "values separated by '{}' read as columns"
ENCODING = "text encoding {} read and stored as UTF-8"


#: Normalisations that read a value the way its form stores it (no action needed by the force).
CONVERSIONS = frozenset({EXCEL_DATE, EXCEL_BOOL, ENCODING.format("UTF-8 with byte order mark")})


def name_key(name: object) -> str:
    """Compare sheet and column names ignoring case, surrounding spaces, inner spaces and hyphens."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().casefold())


@dataclass
class NormalisedReturn:
    """A return as text frames ready for validation, with where each came from and what was corrected."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # table name (or unmatched sheet name) -> text
    sheets: dict[str, RawSheet] = field(default_factory=dict)  # same keys -> the sheet or file it came from
    blank_rows: dict[str, set[int]] = field(default_factory=dict)  # same keys -> spreadsheet rows that are empty
    normalisations: list[Normalisation] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


class _Tally:
    """Counts each kind of correction per (file, table, column), keeping the first example."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str, str, str], list] = {}

    def add(self, file: str, table: str, column: str, what: str, before: str, after: str, rows: int = 1) -> None:
        key = (file, table, column, what)
        if key in self._found:
            self._found[key][0] += rows
        else:
            self._found[key] = [rows, before, after]

    def records(self) -> list[Normalisation]:
        return [Normalisation(f, t, c, "conversion" if w in CONVERSIONS else "correction", w, n, b, a)
                for (f, t, c, w), (n, b, a) in self._found.items()]


def number_text(value: int | float) -> str:
    """A number as text without a spurious '.0' (Excel stores whole numbers as floats)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value) if isinstance(value, int) else repr(value)


def plain_text(value: object) -> str:
    """Any cell value as text, with no correction (used for columns outside the contract)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


Converter = Callable[[object], tuple[str, list[str]]]


def _converter(column: Column | None, epoch: dt.datetime | None) -> Converter:
    """The cell conversion for one column: returns (text, corrections applied)."""
    if column is None or column.type == "text":
        return lambda value: (plain_text(value), [])
    codes: dict[str, list[str]] = {}
    known: frozenset[str] = frozenset()
    if column.type == "code" and column.codelist:
        known = frozenset(reference.codes(column.codelist))
        for code in known:
            codes.setdefault(code.casefold(), []).append(code)

    def convert(value: object) -> tuple[str, list[str]]:
        done: list[str] = []
        if isinstance(value, bool):  # an Excel TRUE/FALSE cell (bool is tested before int: it is a subclass)
            return ("true" if value else "false"), ([EXCEL_BOOL] if column.type == "bool" else [])
        if isinstance(value, (dt.date, dt.datetime)) and column.type == "date":
            if isinstance(value, dt.datetime) and value.time() != dt.time(0):
                return plain_text(value), []  # a time of day is not a date: left for validation to report
            return (value.date() if isinstance(value, dt.datetime) else value).isoformat(), [EXCEL_DATE]
        if isinstance(value, (int, float)) and column.type == "date" and epoch is not None:
            if float(value).is_integer() and SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
                return from_excel(value, epoch).date().isoformat(), [EXCEL_SERIAL]
            return plain_text(value), []
        if isinstance(value, (int, float)) and column.type == "bool" and value in (0, 1):
            return ("true" if value == 1 else "false"), [BOOL_WORD]
        text = plain_text(value)
        stripped = text.strip()
        if stripped != text:
            done.append(SPACES)
            text = stripped
        if column.type == "bool":
            lowered = text.casefold()
            word = "true" if lowered in TRUE_WORDS else "false" if lowered in FALSE_WORDS else None
            if word is not None and word != text:
                done.append(BOOL_WORD)
                text = word
        elif column.type == "date":
            match = _MIDNIGHT.fullmatch(text)
            if match:
                done.append(MIDNIGHT)
                text = match.group(1)
        elif known and text and text not in known:
            matches = codes.get(text.casefold(), [])
            if len(matches) == 1:
                done.append(CODE_CASE)
                text = matches[0]
        return text, done

    return convert


def _before(value: object) -> str:
    """How a value looked before normalisation, saying what kind of Excel cell it was when not text."""
    if isinstance(value, bool):
        return f"{str(value).upper()} (Excel TRUE/FALSE cell)"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{plain_text(value)} (Excel date cell)"
    if isinstance(value, (int, float)):
        return f"{plain_text(value)} (Excel number cell)"
    return plain_text(value)


def _map_names(names: list[str], expected: list[str]) -> dict[str, str]:
    """Map found names to expected ones: exact, else the one expected name with the same key (if unique)."""
    by_key: dict[str, list[str]] = {}
    for name in expected:
        by_key.setdefault(name_key(name), []).append(name)
    found_keys: dict[str, int] = {}
    for name in names:
        found_keys[name_key(name)] = found_keys.get(name_key(name), 0) + 1
    mapping = {}
    for name in names:
        if name in expected:
            mapping[name] = name
            continue
        candidates = by_key.get(name_key(name), [])
        if len(candidates) == 1 and found_keys[name_key(name)] == 1:
            mapping[name] = candidates[0]
    return mapping


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _encoding_notes(sheet: RawSheet, table: str, tally: _Tally) -> None:
    file = str(sheet.file)
    if sheet.encoding and sheet.encoding != "UTF-8":
        example = next((str(v) for r in sheet.rows for v in r if isinstance(v, str) and not v.isascii()), "")
        before = repr(example.encode("cp1252", errors="replace"))[2:-1] if sheet.encoding == "Windows-1252" and example else ""
        tally.add(file, table, "", ENCODING.format(sheet.encoding), before, example, rows=len(sheet.rows))
    if sheet.delimiter != ",":
        tally.add(file, table, "", DELIMITER.format("tab" if sheet.delimiter == "\t" else sheet.delimiter),
                  "", "", rows=len(sheet.rows))


def _frame(sheet: RawSheet, table: str, tally: _Tally, issues: list[Issue]) -> tuple[pd.DataFrame, set[int]]:
    """Normalise one sheet into a text frame; returns it with the spreadsheet rows that are empty."""
    file = str(sheet.file)
    contract = TABLES.get(table)
    header = [plain_text(h).strip() if not is_blank(h) else "" for h in sheet.header]
    width = max([len(header)] + [len(r) for r in sheet.rows])
    header += [""] * (width - len(header))
    mapping = _map_names([h for h in header if h], contract.column_names) if contract else {}
    seen: dict[str, int] = {}
    keep: list[tuple[int, str]] = []
    for index, raw_name in enumerate(header):
        if not raw_name:
            filled = next((r[index] for r in sheet.rows if not is_blank(r[index])), None)
            if filled is not None:
                issues.append(Issue(file, sheet.label, 1, f"(column {_letter(index)})", plain_text(filled), "unknown_column",
                                    f"{sheet.label}: column {_letter(index)} has values (for example '{plain_text(filled)}') but no header: "
                                    "give it its contract header or delete it."))
            continue
        name = mapping.get(raw_name, raw_name)
        if name in seen:
            issues.append(Issue(file, sheet.label, 1, name, raw_name, "duplicate_column",
                                f"{sheet.label}: column '{name}' appears twice (columns {_letter(seen[name])} and {_letter(index)}): "
                                "keep one and delete the other."))
            continue
        if name != plain_text(sheet.header[index]):
            tally.add(file, table, name, HEADER_NAME if name != raw_name else SPACES, plain_text(sheet.header[index]), name)
        seen[name] = index
        keep.append((index, name))
    blank = {n for r, n in zip(sheet.rows, sheet.row_numbers, strict=True) if all(is_blank(v) for v in r)}
    data = {}
    for index, name in keep:
        column = contract.column(name) if contract and name in contract.column_names else None
        convert = _converter(column, sheet.epoch)
        memo: dict[tuple[type, object], tuple[str, list[str]]] = {}
        texts = []
        for row in sheet.rows:
            value = row[index]
            key = (type(value), value)
            if key not in memo:
                memo[key] = convert(value)
            text, done = memo[key]
            for what in done:
                tally.add(file, table, name, what, _before(value), text)
            texts.append(text)
        data[name] = texts
    frame = pd.DataFrame(data, columns=[name for _, name in keep], dtype="str")
    return frame, blank


def normalise(sheets: list[RawSheet]) -> NormalisedReturn:
    """Normalise every sheet of one return (see the module docstring for what is and is not corrected)."""
    out = NormalisedReturn()
    tally = _Tally()
    names = _map_names([s.name for s in sheets], list(TABLES))
    table_keys = {name_key(t): t for t in TABLES}
    # Sheets named exactly as a table come first, so that a near-duplicate ("Offences" beside "offences") is the
    # one reported as a duplicate.
    for sheet in sorted(sheets, key=lambda s: s.name not in TABLES):
        out.issues.extend(sheet.issues)
        table = names.get(sheet.name) or table_keys.get(name_key(sheet.name), sheet.name)
        if table not in TABLES and not sheet.header and not sheet.rows:
            tally.add(str(sheet.file), sheet.label, "", EMPTY_SHEET, sheet.label, "", rows=0)
            continue
        if table in out.tables:
            first = out.sheets[table]
            out.issues.append(Issue(str(sheet.file), sheet.label, None, None, None, "duplicate_table",
                                    f"{sheet.label} and {first.label} ({first.file.name}) are both the table '{table}': "
                                    "keep one."))
            continue
        if table != sheet.name:
            tally.add(str(sheet.file), table, "", SHEET_NAME, sheet.name, table)
        _encoding_notes(sheet, table, tally)
        frame, blank = _frame(sheet, table, tally, out.issues)
        out.tables[table] = frame
        out.sheets[table] = sheet
        out.blank_rows[table] = blank
    out.normalisations = tally.records()
    return out
