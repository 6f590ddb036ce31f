"""Read a force's return exactly as submitted: every sheet or CSV file as a header and rows of cell values.

Two forms are accepted (DESIGN.md section 3, `analysis.returns_io`): a workbook `FORCE.xlsx` with one sheet per
table, and a folder `FORCE/` with one CSV file per table. Nothing is interpreted here beyond what the file format
itself says: workbook cells keep the Python value openpyxl gives (str, int, float, bool, datetime), CSV cells are
text. `analysis.ingest.normalise` turns them into the text the contract checks.

CSV text encoding is detected, never guessed: UTF-8 (with or without a byte order mark) and UTF-16 with a byte
order mark (Excel's "Unicode text") can be told for certain. A file that is not valid UTF-8 is in an 8-bit
encoding, and the two Excel writes ("CSV (Comma delimited)" = Windows-1252, "CSV (Macintosh)" = Mac Roman) give
every byte above 127 a different, plausible character, so such a file is refused with advice rather than read one
way and possibly garbled. A file mixing UTF-8 with other bytes, or with NUL bytes, is refused too.

Reading is bounded (`analysis.ingest.limits`, the `ingest` section of params/pipeline.yaml): a workbook's archive
is checked part by part while streaming (`analysis.ingest.archive`), each sheet is streamed row by row from its
XML ignoring the size the sheet declares, and a file, part, row, column or value beyond a limit is refused with
rule `too_large`. A workbook cut short or with a damaged part is `damaged`: "ask the force to send it again".

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

from analysis.ingest.archive import ZIP_MAGIC, check_archive, damaged, too_large
from analysis.ingest.issues import Issue, ReadError
from analysis.ingest.limits import Limits, load_limits, megabytes
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
    sep_line: bool = False  # a CSV file whose first line is Excel's `sep=X` directive
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


def sniff_workbook(path: Path, limits: Limits | None = None) -> None:
    """Raise ReadError when `path` is not an Excel workbook (.xlsx is a zip archive), is cut short, or is larger
    than `limits.max_file_bytes`."""
    size = path.stat().st_size
    if limits is not None and size > limits.max_file_bytes:
        raise too_large(path, "the file", megabytes(size), megabytes(limits.max_file_bytes), "max_file_mb")
    with path.open("rb") as stream:
        data_head = stream.read(512)
    if not data_head:
        raise ReadError("unreadable", f"{path.name} is empty (0 bytes): save the completed template again and resubmit it.")
    if zipfile.is_zipfile(path):
        return
    if data_head.startswith(ZIP_MAGIC):
        # It starts as a workbook does, but its end (the zip archive's directory) is missing: cut short in transfer.
        raise damaged(path, f"it starts as a workbook but its end is missing; {megabytes(size)} arrived")
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


def _cell_issue(sheet: str, number: int, header: list[object], index: int, value: str, problem: str) -> Issue:
    name = str(header[index]).strip() if index < len(header) and not is_blank(header[index]) else None
    where = name or get_column_letter(index + 1)
    return Issue("", sheet, number, name, value, "excel_error",
                 f"{sheet} row {number}: the cell in column {where} holds {problem} instead of a value: replace it "
                 "with the value (paste values, not formulas).")


def _parsed_rows(ws, data_only: bool):
    """(spreadsheet row, [cell dicts]) for every row the sheet's XML holds, streamed (openpyxl's own parser).

    Only rows present in the file are produced, and each row only with the cells present, so a sheet whose used
    range is the whole grid (a stray cell in XFD1048576) costs what its cells cost, not 17 billion cells. The
    `<dimension>` a sheet declares is ignored.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    wb = ws.parent
    with ws._get_source() as source:
        parser = WorkSheetParser(source, ws._shared_strings, data_only=data_only, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        yield from parser.parse()


def _check_text(path: Path, where: str, value: object, limits: Limits) -> None:
    if isinstance(value, str) and len(value) > limits.max_cell_chars:
        raise ReadError("too_large", f"{path.name}: {where} holds a value of {len(value):,} characters, more than the "
                                     f"limit of {limits.max_cell_chars:,} (ingest.max_cell_chars in params/pipeline.yaml); "
                                     "the file was not read. Check that the cell holds what was meant.")


def _formula_cells(ws, limits: Limits) -> dict[tuple[int, int], str]:
    """{(row, column index): formula} for every formula cell of a sheet (read only when its part has formulas)."""
    found = {}
    for number, cells in _parsed_rows(ws, data_only=False):
        if number > limits.max_rows:
            break
        for cell in cells:
            if cell["data_type"] == "f":
                found[(number, cell["column"] - 1)] = str(cell["value"])[: 200]
    return found


def _refuse(path: Path, sheet: str, number: int, column: int, value: object, limits: Limits) -> None:
    """Raise the `too_large` ReadError for a cell beyond a limit (called only when one is passed)."""
    ref = f"sheet {sheet}, cell {get_column_letter(min(column, 18278))}{number}"
    if column - 1 >= limits.max_columns:
        raise ReadError("too_large", f"{path.name}: {ref} has a value in column {column:,}, beyond the "
                                     f"limit of {limits.max_columns:,} columns (ingest.max_columns in params/pipeline.yaml); "
                                     "the file was not read. Delete anything to the right of the table and send it again.")
    if number > limits.max_rows:
        raise ReadError("too_large", f"{path.name}: {ref} has a value on row {number:,}, beyond the limit of "
                                     f"{limits.max_rows:,} rows (ingest.max_rows in params/pipeline.yaml); the file was "
                                     "not read. Delete anything below the table and send it again.")
    _check_text(path, ref, value, limits)


def _sheet_rows(path: Path, ws, formulas: dict[tuple[int, int], str], limits: Limits
                ) -> tuple[list[object], list[list[object]], list[int], list[Issue]]:
    """Header, records and row numbers of one worksheet, streamed within `limits`.

    Excel error cells (#REF!, #N/A, ...) and formulas whose result was never saved (a workbook written by a
    program rather than by Excel) are reported and blanked: neither holds a value that could be checked. Empty
    rows at the end, and empty cells after a row's last value, are never stored. A value beyond `max_rows` or
    `max_columns`, or longer than `max_cell_chars`, raises ReadError (`too_large`) naming the cell.
    """
    header: list[object] = []
    rows: list[list[object]] = []
    numbers: list[int] = []
    issues: list[Issue] = []
    for number, cells in _parsed_rows(ws, data_only=True):
        values: dict[int, tuple[dict, object]] = {}
        for cell in cells:
            value = cell["value"]
            index = cell["column"] - 1
            if cell["data_type"] != "e":  # an error cell is kept (and reported) whatever it shows
                if value is None:
                    if not formulas or (number, index) not in formulas:
                        continue
                elif value.__class__ is str and (not value or value.isspace()):
                    continue
            if index >= limits.max_columns or number > limits.max_rows or (isinstance(value, str) and len(value) > limits.max_cell_chars):
                _refuse(path, ws.title, number, cell["column"], value, limits)
            values[index] = (cell, value)
        if number == 1:
            header = _header_of(tuple(values[i][1] if i in values else None for i in range(max(values, default=-1) + 1)))
            continue
        if not values:
            continue  # an empty row is stored only when a row with values follows it (below)
        previous = numbers[-1] if numbers else 1
        for gap in range(previous + 1, number):  # empty rows between records: kept, so validation can name them
            rows.append([])
            numbers.append(gap)
        row: list[object] = [None] * (max(values) + 1)
        for index, (cell, value) in values.items():
            if cell["data_type"] == "e":
                issues.append(_cell_issue(ws.title, number, header, index, str(cell["value"]), f"the Excel error {cell['value']}"))
            elif value is None and (number, index) in formulas:
                formula = formulas[(number, index)]
                issues.append(_cell_issue(ws.title, number, header, index, formula,
                                          f"the formula {formula} whose result was never calculated and saved"))
            else:
                row[index] = value
        rows.append(row)
        numbers.append(number)
    return header or [], rows, numbers, issues


def read_workbook(path: Path, limits: Limits | None = None) -> list[RawSheet]:
    """Every table sheet of a workbook (the template's instruction, dictionary and list sheets are skipped).

    The archive is checked first (`archive.check_archive`: complete, undamaged, within `limits`), then each
    sheet is streamed row by row (`_sheet_rows`). Raises ReadError (rules `unreadable`, `damaged`, `too_large`).
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    limits = limits or load_limits()
    sniff_workbook(path, limits)
    checked = check_archive(path, limits)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about formatting extensions it does not keep (e.g. slicers, some validation
            # extensions); they never affect cell values, which is all ingestion reads.
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as error:
        raise ReadError("unreadable", f"{path.name} is a zip archive but not a readable Excel workbook ({type(error).__name__}: "
                                      f"{str(error)[:200]}): save it again from Excel as 'Excel Workbook (.xlsx)'.") from None
    sheets = []
    try:
        for ws in wb.worksheets:
            if ws.title.strip().casefold() in _IGNORED_SHEET_KEYS:
                continue
            formulas = _formula_cells(ws, limits) if _part_of(ws) in checked.formula_parts else {}
            try:
                header, rows, numbers, issues = _sheet_rows(path, ws, formulas, limits)
            except (zipfile.BadZipFile, EOFError) as error:
                raise damaged(path, f"the sheet {ws.title} cannot be read: {error}") from None
            except SyntaxError as error:  # lxml / ElementTree: XML cut short or not well formed
                raise damaged(path, f"the sheet {ws.title} is not well-formed XML: {str(error)[:200]}") from None
            issues = [Issue(str(path), i.sheet, i.row, i.column, i.value, i.rule, i.message) for i in issues]
            width = max([len(header)] + [len(r) for r in rows]) if rows else len(header)
            rows = [r + [None] * (width - len(r)) for r in rows]
            sheets.append(RawSheet(ws.title, path, ws.title, header, rows, numbers, issues=issues, epoch=wb.epoch))
    finally:
        wb.close()
    if not sheets or all(not s.header and not s.rows for s in sheets):
        raise ReadError("unreadable", f"{path.name} has no data: every sheet is empty. Fill in the template's sheets and resubmit.")
    return sheets


def _part_of(ws) -> str:
    """The zip member name of a read-only worksheet (e.g. xl/worksheets/sheet3.xml)."""
    return str(getattr(ws, "_worksheet_path", "")).lstrip("/")


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
    raise ReadError("encoding", _ambiguous_8bit(data, name, utf8_error.start))


def _ambiguous_8bit(data: bytes, name: str, position: int) -> str:
    """The message for a file in an 8-bit encoding: Windows-1252 ("CSV (Comma delimited)" on Windows) and Mac Roman
    ("CSV (Macintosh)") give every byte above 127 a different character, and both readings are plausible text, so
    the file cannot be decoded without guessing; the message shows what the first such byte would become."""
    byte = data[position:position + 1]
    readings = []
    for codec, label in (("cp1252", "Windows-1252"), ("mac_roman", "Mac Roman")):
        try:
            readings.append(f"'{byte.decode(codec)}' in {label}")
        except UnicodeDecodeError:
            readings.append(f"no character in {label}")
    return (f"{name} is not UTF-8 and its text encoding cannot be told safely: byte 0x{byte[0]:02X} on line "
            f"{_line(data, position)} is {' but '.join(readings)} (Excel's 'CSV (Comma delimited)' and 'CSV (Macintosh)' "
            "both write such files). Reading it either way could change the text, so it was not read: save it again "
            "from Excel as 'CSV UTF-8 (Comma delimited)'.")


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


#: Excel's separator directive: a first line `sep=;` (optionally quoted) says which character separates values.
_SEP_LINE = re.compile(r'"?sep=(.)"?[ \t]*(?:\r\n|\n|\r)', re.IGNORECASE)


def read_csv_file(path: Path, limits: Limits | None = None) -> RawSheet:
    """Read one CSV file as text (every cell a string), detecting its encoding and delimiter.

    Excel's `sep=X` first line is recognised: X is the delimiter and the line is not a record (Excel hides it too,
    so row numbers still count the header as row 1); `RawSheet.sep_line` records it for the report. Raises
    ReadError: `too_large` for a file, row, column or value beyond `limits` (naming the row and the limit),
    `encoding`, `unreadable`.
    """
    path = Path(path)
    limits = limits or load_limits()
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise too_large(path, "the file", megabytes(size), megabytes(limits.max_file_bytes), "max_file_mb")
    data = path.read_bytes()
    if not data.strip():
        raise ReadError("unreadable", f"{path.name} is empty: it must have at least the header row.")
    text, encoding = decode_text(data, path.name)
    sep_line = _SEP_LINE.match(text)
    if sep_line:
        delimiter = sep_line.group(1)
        text = text[sep_line.end():]
    else:
        delimiter = _delimiter(text.split("\n", 1)[0])
    previous = csv.field_size_limit()
    csv.field_size_limit(limits.max_cell_chars)
    records: list[list[str]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        for record in reader:
            records.append(record)
            if len(records) > limits.max_rows and any(not is_blank(v) for v in record):
                raise ReadError("too_large", f"{path.name}: row {len(records):,} has values, beyond the limit of "
                                             f"{limits.max_rows:,} rows (ingest.max_rows in params/pipeline.yaml); the file was not read.")
            if len(record) > limits.max_columns and any(not is_blank(v) for v in record[limits.max_columns:]):
                raise ReadError("too_large", f"{path.name}: row {len(records):,} has {len(record):,} values, beyond the limit of "
                                             f"{limits.max_columns:,} columns (ingest.max_columns in params/pipeline.yaml); the file was not read.")
    except csv.Error as error:
        row = len(records) + 1
        if "field larger than field limit" in str(error):
            raise ReadError("too_large", f"{path.name}: row {row:,} has a value longer than the limit of {limits.max_cell_chars:,} "
                                         "characters (ingest.max_cell_chars in params/pipeline.yaml); the file was not read. "
                                         "If the value is complete and meant, the inspection team can raise the limit; a value "
                                         "this long can also be a quotation mark that was never closed.") from None
        raise ReadError("unreadable", f"{path.name} is not valid CSV: row {row:,} cannot be read ({error}); check that row "
                                      "for an unclosed or stray quotation mark.") from None
    finally:
        csv.field_size_limit(previous)
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
    return RawSheet(path.stem, path, "", header, rows, numbers, encoding=encoding, delimiter=delimiter, issues=issues,
                    sep_line=bool(sep_line))
