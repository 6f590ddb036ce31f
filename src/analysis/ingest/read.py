"""Read a force's return exactly as submitted: every sheet or CSV file as a header and rows of cell values.

Two forms are accepted (DESIGN.md section 3, `analysis.returns_io`): a workbook `FORCE.xlsx` with one sheet per
table, and a folder `FORCE/` with one CSV file per table. Nothing is interpreted here beyond what the file format
itself says: workbook cells keep the Python value openpyxl gives (str, int, float, bool, datetime), CSV cells are
text. `analysis.ingest.normalise` turns them into the text the contract checks.

CSV text encoding is detected, never guessed silently: UTF-8 (with or without a byte order mark), UTF-16 with a
byte order mark (Excel's "Unicode text"), and otherwise Windows-1252 (what Excel on Windows writes as "CSV"). A
file that is not valid UTF-8 but contains UTF-8 sequences mixes two encodings and cannot be repaired safely; a
file with bytes Windows-1252 does not define, or NUL bytes, is not text in either encoding. Both are reported.

Files that are not what their name says (an empty file, a PDF, an old .xls or password-protected workbook, a text
file named .xlsx) raise `ReadError` with a message that says what the file is and how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from analysis.ingest.issues import Issue, ReadError
from analysis.template import NON_TABLE_SHEETS

#: Byte strings that identify a file's real type, for messages about files that are not workbooks.
_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format Excel file (.xls) or a password-protected workbook"),
    (b"{\\rtf", "a Rich Text document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
#: A well-formed UTF-8 sequence of two to four bytes (RFC 3629).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_FORMULA = re.compile(rb"<f[\s>/]")
_IGNORED_SHEET_KEYS = frozenset(name.strip().casefold() for name in NON_TABLE_SHEETS)


@dataclass
class RawSheet:
    """One sheet of a workbook or one CSV file, as found.

    `rows` are the records below the header, each padded to the header's width, trailing empty rows removed;
    `row_numbers` gives each record's spreadsheet row (header = 1). `encoding` is set for CSV files.
    """

    name: str
    file: Path
    sheet: str
    header: list[object]
    rows: list[list[object]]
    row_numbers: list[int]
    encoding: str | None = None
    delimiter: str = ","
    epoch: dt.datetime | None = None  # a workbook's date system (1900 or 1904), for date serial numbers
    issues: list[Issue] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How reports name this sheet: the sheet name, or for a CSV file its name without .csv."""
        return self.sheet or self.name


def is_blank(value: object) -> bool:
    """True for an empty cell: None or text that is only white space."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def _describe_bytes(head: bytes) -> str:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    try:
        head.decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "not a spreadsheet"


def sniff_workbook(path: Path) -> None:
    """Raise ReadError when `path` is not an Excel workbook (.xlsx is a zip archive)."""
    with path.open("rb") as stream:
        data_head = stream.read(512)
    if not data_head:
        raise ReadError("unreadable", f"{path.name} is empty (0 bytes): save the completed template again and resubmit it.")
    if zipfile.is_zipfile(path):
        return
    what = _describe_bytes(data_head)
    if what == "a text file":
        hint = ("it looks like a CSV or text file renamed to .xlsx: open it in Excel and save it as "
                "'Excel Workbook (.xlsx)', or submit CSV files in a folder named with your force code")
    elif what.startswith("an old-format"):
        hint = "remove any password and save it as 'Excel Workbook (.xlsx)'"
    else:
        hint = "submit the completed Excel template (.xlsx) instead"
    raise ReadError("unreadable", f"{path.name} is not an Excel workbook: it is {what}; {hint}.")


def _header_of(row: tuple) -> list[object]:
    header = list(row)
    while header and is_blank(header[-1]):
        header.pop()
    return header


def _has_formulas(path: Path) -> bool:
    """True when any worksheet of the workbook holds a formula (an <f> element in its XML)."""
    with zipfile.ZipFile(path) as archive:
        return any(_FORMULA.search(archive.read(name)) for name in archive.namelist()
                   if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _formula_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet title -> {(row, column index): formula} for every formula cell (read only when formulas exist)."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        wb = load_workbook(path, read_only=True, data_only=False)
    try:
        return {ws.title: {(c.row, c.column - 1): str(c.value) for row in ws.iter_rows(min_row=1) for c in row
                           if getattr(c, "data_type", None) == "f"} for ws in wb.worksheets}
    finally:
        wb.close()


def _cell_issue(sheet: str, number: int, header: list[object], index: int, value: str, problem: str) -> Issue:
    name = str(header[index]).strip() if index < len(header) and not is_blank(header[index]) else None
    where = name or get_column_letter(index + 1)
    return Issue("", sheet, number, name, value, "excel_error",
                 f"{sheet} row {number}: the cell in column {where} holds {problem} instead of a value: replace it "
                 "with the value (paste values, not formulas).")


def _sheet_rows(ws, formulas: dict[tuple[int, int], str]) -> tuple[list[object], list[list[object]], list[int], list[Issue]]:
    """Header, records and row numbers of one worksheet.

    Excel error cells (#REF!, #N/A, ...) and formulas whose result was never saved (a workbook written by a
    program rather than by Excel) are reported and blanked: neither holds a value that could be checked.
    """
    header: list[object] | None = None
    rows: list[list[object]] = []
    numbers: list[int] = []
    issues: list[Issue] = []
    for number, cells in enumerate(ws.iter_rows(min_row=1), start=1):
        values = [c.value for c in cells]
        if header is None:
            header = _header_of(tuple(values))
            continue
        for index, cell in enumerate(cells):
            if cell.data_type == "e":
                issues.append(_cell_issue(ws.title, number, header, index, str(cell.value), f"the Excel error {cell.value}"))
                values[index] = None
            elif cell.value is None and (number, index) in formulas:
                formula = formulas[(number, index)]
                issues.append(_cell_issue(ws.title, number, header, index, formula,
                                          f"the formula {formula} whose result was never calculated and saved"))
        rows.append(values)
        numbers.append(number)
    while rows and all(is_blank(v) for v in rows[-1]):
        rows.pop()
        numbers.pop()
    return header or [], rows, numbers, issues


def read_workbook(path: Path) -> list[RawSheet]:
    """Every table sheet of a workbook (the template's instruction, dictionary and list sheets are skipped)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    sniff_workbook(path)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about formatting extensions it does not keep (e.g. slicers, some validation
            # extensions); they never affect cell values, which is all ingestion reads.
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ReadError("unreadable", f"{path.name} is a zip archive but not a readable Excel workbook ({error}): "
                                      "save it again from Excel as 'Excel Workbook (.xlsx)'.") from None
    formulas = _formula_cells(path) if _has_formulas(path) else {}
    sheets = []
    try:
        for ws in wb.worksheets:
            if ws.title.strip().casefold() in _IGNORED_SHEET_KEYS:
                continue
            header, rows, numbers, issues = _sheet_rows(ws, formulas.get(ws.title, {}))
            issues = [Issue(str(path), i.sheet, i.row, i.column, i.value, i.rule, i.message) for i in issues]
            width = max([len(header)] + [len(r) for r in rows]) if rows else len(header)
            rows = [r + [None] * (width - len(r)) for r in rows]
            sheets.append(RawSheet(ws.title, path, ws.title, header, rows, numbers, issues=issues, epoch=wb.epoch))
    finally:
        wb.close()
    if not sheets or all(not s.header and not s.rows for s in sheets):
        raise ReadError("unreadable", f"{path.name} has no data: every sheet is empty. Fill in the template's sheets and resubmit.")
    return sheets


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode a CSV file's bytes; returns (text, encoding name). Raises ReadError when no safe decoding exists."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8 with byte order mark"
        except UnicodeDecodeError as error:
            raise ReadError("encoding", f"{name} starts as UTF-8 but line {_line(data, len(codecs.BOM_UTF8) + error.start)} has a character that "
                                        "is not UTF-8: the file mixes encodings. Save it again as 'CSV UTF-8' from Excel.") from None
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), "UTF-16 with byte order mark"
            except UnicodeDecodeError:
                raise ReadError("encoding", f"{name} starts as UTF-16 but is damaged: save it again as 'CSV UTF-8'.") from None
    if b"\x00" in data:
        raise ReadError("encoding", f"{name} is not a text file (it contains NUL bytes): submit CSV files saved as 'CSV UTF-8'.")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    if _UTF8_MULTIBYTE.search(data):
        raise ReadError("encoding", f"{name} mixes text encodings: some characters are UTF-8 but line "
                                    f"{_line(data, utf8_error.start)} has a character that is not, so it cannot be read "
                                    "safely. Save it again as 'CSV UTF-8' from Excel.")
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise ReadError("encoding", f"{name} is neither UTF-8 nor Windows-1252 text (byte 0x{data[error.start]:02X} on "
                                    f"line {_line(data, error.start)}): save it again as 'CSV UTF-8' from Excel.") from None


def _line(data: bytes, position: int) -> int:
    """The line (counting from 1, the header) that holds byte `position`."""
    return data.count(b"\n", 0, position) + 1


def _delimiter(first_line: str) -> str:
    """Comma, unless the header has none and is separated by semicolons or tabs (Excel in some locales)."""
    if "," in first_line:
        return ","
    for candidate in (";", "\t"):
        if candidate in first_line:
            return candidate
    return ","


def read_csv_file(path: Path) -> RawSheet:
    """Read one CSV file as text (every cell a string), detecting its encoding and delimiter."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise ReadError("unreadable", f"{path.name} is empty: it must have at least the header row.")
    text, encoding = decode_text(data, path.name)
    delimiter = _delimiter(text.split("\n", 1)[0])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise ReadError("unreadable", f"{path.name} is not valid CSV ({error}): check for an unclosed quotation mark.") from None
    if not records:
        raise ReadError("unreadable", f"{path.name} is empty: it must have at least the header row.")
    header = _header_of(tuple(records[0]))
    rows, numbers, issues = [], [], []
    for number, record in enumerate(records[1:], start=2):
        values: list[object] = list(record)
        if len(values) > len(header) and any(not is_blank(v) for v in values[len(header):]):
            extra = [v for v in values[len(header):] if not is_blank(v)]
            issues.append(Issue(str(path), path.stem, number, None, extra[0], "extra_values",
                                f"{path.stem} row {number}: the row has {len(values)} values but the header has "
                                f"{len(header)} columns; the value '{extra[0]}' has no column (check for an unquoted comma)."))
        rows.append(values)
        numbers.append(number)
    while rows and all(is_blank(v) for v in rows[-1]):
        rows.pop()
        numbers.pop()
    # Values beyond the header were reported above; the return fails, so dropping them here loses nothing.
    rows = [r[: len(header)] + [None] * (len(header) - len(r)) for r in rows]
    return RawSheet(path.stem, path, "", header, rows, numbers, encoding=encoding, delimiter=delimiter, issues=issues)
