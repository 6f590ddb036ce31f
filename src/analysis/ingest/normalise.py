"""Turn the sheets of a return into the text the contract checks, correcting only what cannot change meaning.

Safe corrections (each is counted and reported with an example; nothing else is changed):
- surrounding spaces of identifiers, codes, numbers, dates and booleans (free text is kept exactly);
- the capital letters of a code, when exactly one code of its list matches ignoring case ("CAWN" -> "cawn");
- sheet names and column headers that match exactly one contract name ignoring case, spaces and hyphens;
- Excel date cells (and whole-number date serials in a date column of a workbook, in the workbook's 1900 or 1904
  date system, only when the date falls inside the return's plausible window: `DateWindow`) -> YYYY-MM-DD; a
  date written with a midnight time ("2021-04-03 00:00:00") -> the date;
- booleans written Y/N, Yes/No, TRUE/FALSE, T/F or 1/0 (text or Excel cells) -> true/false;
- a CSV file's encoding (UTF-8 with a byte order mark, UTF-16) or delimiter (; or tab), and Excel's `sep=;` line.

Reported here as problems, because reading them as dates would change their meaning: a number in a date column
whose date would fall outside the window (2023 typed as a number is 1905-07-15 as a serial), a date serial with
a fraction (a time of day) and a date cell with a time of day.

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
#: Whole-number Excel date serials ever accepted in a date column: 1900-03-01 (after Excel's 1900 leap-year bug)
#: to 2100-12-31 in the 1900 date system; a return's own window (`DateWindow`) is narrower.
SERIAL_RANGE = (61, 73415)
_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00(?:\.0+)?)?")

SPACES = "surrounding spaces removed"
CODE_CASE = "code capitalisation corrected to match the code list"
LEGACY_ETHNICITY = "older 16+1 self-defined ethnicity code recoded to its 18+1 code (O1 Chinese is A4 in 18+1)"
EXCEL_DATE = "Excel date cell written as YYYY-MM-DD"
EXCEL_SERIAL = "Excel date serial number written as YYYY-MM-DD"
MIDNIGHT = "midnight time removed from a date"
BOOL_WORD = "boolean written as true/false"
EXCEL_BOOL = "Excel TRUE/FALSE cell written as true/false"
SHEET_NAME = "sheet name matched to the table name"
HEADER_NAME = "column header matched to the contract column name"
EMPTY_SHEET = "empty sheet that is not a table ignored"
DELIMITER = "values separated by '{}' read as columns"
SEP_LINE = "Excel's first line 'sep={}' read as the separator and not as a record"
ENCODING = "text encoding {} read and stored as UTF-8"


#: Normalisations that read a value the way its form stores it (no action needed by the force).
CONVERSIONS = frozenset({EXCEL_DATE, EXCEL_BOOL, ENCODING.format("UTF-8 with byte order mark")})


def legacy_ethnicity_codes() -> dict[str, str]:
    """16+1 self-defined ethnicity codes that are not 18+1 codes, with the 18+1 code each maps to
    (params/reference/ethnicity_sde_legacy.csv, from the published 16+1 to 18+1 mapping): O1 (Chinese) -> A4.

    DESIGN section 3: legacy codes are mapped. The recoding keeps the meaning the 16+1 list gives the code and is
    reported to the force as a correction (never silent); validation of canonical data still refuses them."""
    table = reference.load("ethnicity_sde_legacy")
    current = set(reference.codes("ethnicity_sde"))
    return {row.legacy_code: row.maps_to for row in table.itertuples()
            if row.legacy_code not in current and row.maps_to in current}


def name_key(name: object) -> str:
    """Compare sheet and column names ignoring case, surrounding spaces, inner spaces and hyphens."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().casefold())


@dataclass(frozen=True)
class DateWindow:
    """The dates a return can plausibly hold: `years_before` years before period_start to extraction_date.

    Taken from the first record of the force_profile sheet when its period_start and extraction_date are readable
    (date cells, YYYY-MM-DD text or whole serials); otherwise the widest window (`SERIAL_RANGE`), and validation
    still checks every date against the period.
    """

    earliest: dt.date
    latest: dt.date
    from_profile: bool = False

    def describe(self) -> str:
        where = ", from force_profile's period_start and extraction_date" if self.from_profile else ""
        return f"{self.earliest.isoformat()} to {self.latest.isoformat()}{where}"


#: The window when force_profile gives none: no date in a return of this inspection is before 1950 (the oldest
#: victims and suspects were children then) or after 2100; validation then checks every date against the period.
WIDEST_WINDOW = DateWindow(dt.date(1950, 1, 1), dt.date(2100, 12, 31))


def _as_date(value: object, epoch: dt.datetime | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and epoch is not None and float(value).is_integer() \
            and SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
        return from_excel(value, epoch).date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10]) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()[:10]) else None
        except ValueError:
            return None
    return None


def date_window(sheets: list[RawSheet], years_before: int) -> DateWindow:
    """The return's plausible date window (see `DateWindow`) from its force_profile sheet, if readable."""
    for sheet in sheets:
        if name_key(sheet.name) != "force_profile" or not sheet.rows:
            continue
        names = [name_key(h) if not is_blank(h) else "" for h in sheet.header]
        found = {}
        for column in ("period_start", "extraction_date"):
            if column in names and names.index(column) < len(sheet.rows[0]):
                found[column] = _as_date(sheet.rows[0][names.index(column)], sheet.epoch)
        start, end = found.get("period_start"), found.get("extraction_date")
        if start and end and start <= end and WIDEST_WINDOW.earliest <= start and end <= WIDEST_WINDOW.latest:
            try:
                earliest = start.replace(year=start.year - years_before)
            except ValueError:  # 29 February
                earliest = start.replace(year=start.year - years_before, day=28)
            return DateWindow(max(earliest, WIDEST_WINDOW.earliest), end, True)
    return WIDEST_WINDOW


@dataclass
class NormalisedReturn:
    """A return as text frames ready for validation, with where each came from and what was corrected."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # table name (or unmatched sheet name) -> text
    sheets: dict[str, RawSheet] = field(default_factory=dict)  # same keys -> the sheet or file it came from
    blank_rows: dict[str, set[int]] = field(default_factory=dict)  # same keys -> spreadsheet rows that are empty
    normalisations: list[Normalisation] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    window: DateWindow | None = None  # the dates the return can plausibly hold


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


def _converter(column: Column | None, epoch: dt.datetime | None, window: DateWindow = WIDEST_WINDOW) -> Converter:
    """The cell conversion for one column: returns (text, corrections applied).

    A value that must not be read as a date (see the module docstring) gives the correction list
    [PROBLEM, message]: the text is kept as found and the caller reports the message.
    """
    if column is None or column.type == "text":
        return lambda value: (plain_text(value), [])
    codes: dict[str, list[str]] = {}
    known: frozenset[str] = frozenset()
    legacy = legacy_ethnicity_codes() if column.type == "code" and column.codelist == "ethnicity_sde" else {}
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
                return plain_text(value), [PROBLEM, f"the cell holds a date with a time of day ({value.isoformat(sep=' ')}); "
                                                    "this column takes a date only: enter the date without the time"]
            return (value.date() if isinstance(value, dt.datetime) else value).isoformat(), [EXCEL_DATE]
        if isinstance(value, (int, float)) and column.type == "date" and epoch is not None:
            return _serial(value, epoch, window)
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
            elif text in legacy:
                done.append(LEGACY_ETHNICITY)
                text = legacy[text]
        return text, done

    return convert


#: First element of a converter's correction list when the value is a problem, not a correction.
PROBLEM = "problem"


def _serial(value: int | float, epoch: dt.datetime, window: DateWindow) -> tuple[str, list[str]]:
    """A number in a date column of a workbook: read as an Excel date serial only when whole and inside `window`."""
    text = plain_text(value)
    as_date = None
    if SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1] + 1:
        as_date = from_excel(value, epoch)
    if not float(value).is_integer():
        shown = f" (as an Excel date and time: {as_date.isoformat(sep=' ', timespec='minutes')})" if as_date else ""
        return text, [PROBLEM, f"the cell holds the number {text}{shown}, a date with a time of day or not a date at all; "
                               "this column takes a date only: enter the date as YYYY-MM-DD without a time"]
    if as_date is not None and window.earliest <= as_date.date() <= window.latest:
        return as_date.date().isoformat(), [EXCEL_SERIAL]
    year_hint = " (a year typed as a number? enter the full date)" if 1900 <= value <= 2100 else ""
    shown = f", which as an Excel date would be {as_date.date().isoformat()}" if as_date else ""
    return text, [PROBLEM, f"the cell holds the number {text}{shown}, outside the dates this return can hold "
                           f"({window.describe()}): it is not read as a date{year_hint}; enter the date as YYYY-MM-DD"]


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
        # No example: the first value with a non-ASCII character is usually free text, which reports never quote.
        tally.add(file, table, "", ENCODING.format(sheet.encoding), "", "", rows=len(sheet.rows))
    if sheet.sep_line:
        tally.add(file, table, "", SEP_LINE.format(sheet.delimiter), "", "", rows=1)
    if sheet.delimiter != ",":
        tally.add(file, table, "", DELIMITER.format("tab" if sheet.delimiter == "\t" else sheet.delimiter),
                  "", "", rows=len(sheet.rows))


def _frame(sheet: RawSheet, table: str, tally: _Tally, issues: list[Issue],
           window: DateWindow = WIDEST_WINDOW) -> tuple[pd.DataFrame, set[int]]:
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
        convert = _converter(column, sheet.epoch, window)
        memo: dict[tuple[type, object], tuple[str, list[str]]] = {}
        texts = []
        for row, number in zip(sheet.rows, sheet.row_numbers, strict=True):
            value = row[index]
            key = (type(value), value)
            if key not in memo:
                memo[key] = convert(value)
            text, done = memo[key]
            if done[:1] == [PROBLEM]:
                issues.append(Issue(file, sheet.label, number, name, text, "type", f"{sheet.label} row {number}, column {name}: {done[1]}."))
                done = []
            for what in done:
                tally.add(file, table, name, what, _before(value), text)
            texts.append(text)
        data[name] = texts
    frame = pd.DataFrame(data, columns=[name for _, name in keep], dtype="str")
    return frame, blank


def normalise(sheets: list[RawSheet], years_before: int = 20) -> NormalisedReturn:
    """Normalise every sheet of one return (see the module docstring for what is and is not corrected).

    `years_before`: how far before the return period a date may lie (`DateWindow`, ingest.years_before_period).
    """
    out = NormalisedReturn()
    window = date_window(sheets, years_before)
    out.window = window
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
        frame, blank = _frame(sheet, table, tally, out.issues, window)
        out.tables[table] = frame
        out.sheets[table] = sheet
        out.blank_rows[table] = blank
    out.normalisations = tally.records()
    return out
