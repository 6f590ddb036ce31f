"""Downloadable tables: every table a page publishes, as an accessible spreadsheet (XLSX and ODS) and as CSV.

Follows the Analysis Function guidance "Releasing statistics in spreadsheets": a cover sheet (title, what the
tables are, reference period, producer, status, contact), a contents sheet, a notes sheet (symbols [c], [x],
[z] and the notes under each table), then one table per sheet, each with its title in cell A1, no merged
cells, no blank rows inside the table, and numbers stored as numbers (a percentage as a fraction with a
percentage format) with the symbols as text. The XLSX is written with gptables (the Government Statistical
Service's package for such workbooks); the ODS with pandas' odf engine (odfpy), holding the same sheets.

The tables are the page's own: `PageTable`s are read from the display metadata the notebook stored with each
table it showed (analysis.report.display.table_metadata), so each cell is the very text of the page, and a
number in a download equals the number on the page by construction (`cell_value` parses the page's text).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.disclosure import SUPPRESSED_SYMBOL
from analysis.report.publication import PublicationInfo as Publication  # what the cover sheet says

#: Symbols used in the downloads (Analysis Function guidance), and what they mean.
SYMBOLS: dict[str, str] = {
    SUPPRESSED_SYMBOL: "confidential: withheld by statistical disclosure control (a count from 1 to 9, a figure "
                       "derived from one, or a cell that would let one be worked out)",
    "[x]": "not available: the figure could not be computed (too few records, or not returned)",
    "[z]": "not applicable: the cell has no meaning for that row",
}

_PERCENT = re.compile(r"^-?[\d,]*\.?\d+%$")
_NUMBER = re.compile(r"^-?[\d,]*\.?\d+$")


@dataclass
class PageTable:
    """One table as the page shows it: title, column headings, rows of the page's text, notes under it."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    indicator_id: str = ""

    @classmethod
    def from_metadata(cls, meta: dict) -> PageTable:
        return cls(str(meta["title"]), list(meta["columns"]), [list(r) for r in meta["rows"]],
                   list(meta.get("notes", [])), str(meta.get("indicator_id", "")))


def cell_value(text: str):
    """A page cell as a spreadsheet value: '12.5%' -> 0.125 (shown as a percentage), '1,234' -> 1234,
    '0.87' -> 0.87, a symbol or words stay text, and an empty cell becomes [z] (nothing applies there)."""
    text = str(text).strip()
    if text == "":
        return "[z]"
    if _PERCENT.match(text):
        return round(float(text[:-1].replace(",", "")) / 100, 10)
    if _NUMBER.match(text):
        number = float(text.replace(",", ""))
        return int(number) if number.is_integer() and "." not in text else number
    return text


def _decimals(texts: list[str]) -> int:
    found = [len(t.split(".")[1].rstrip("%")) for t in texts if "." in t and (_PERCENT.match(t) or _NUMBER.match(t))]
    return max(found) if found else 0


def sheet_frame(table: PageTable) -> pd.DataFrame:
    """The table as a frame of spreadsheet values (numbers as numbers, symbols and words as text)."""
    columns = _unique(table.columns)
    return pd.DataFrame([[cell_value(v) for v in row] for row in table.rows], columns=columns)


def _unique(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        seen[c] = seen.get(c, 0) + 1
        out.append(c if seen[c] == 1 else f"{c} ({seen[c]})")
    return out


def _sheet_name(i: int) -> str:
    return f"Table_{i}"


#: Word joiner (U+2060): invisible, it breaks the markup gptables would otherwise act on in text it is given.
_JOINER = "\u2060"


def _plain(text: str) -> str:
    """Text for a title, note or cover line: markdown emphasis removed (notes are written for the page), and
    inert: gptables turns "[text](url)" into a hyperlink and "$$name$$" into a note reference in such text, so
    a returned string (a force name) could plant a link; a word joiner between "]" and "(", and between "$"
    and "$", keeps the characters as typed and stops both."""
    text = re.sub(r"[*_`]", "", str(text)).strip()
    return text.replace("](", f"]{_JOINER}(").replace("$$", f"${_JOINER}$")


def _cover_lines(pub: Publication, n_tables: int) -> tuple[list[str], list[str]]:
    intro = [f"This workbook holds the {n_tables} tables published in the report '{pub.title}', with the same "
             "numbers as the page (the same statistical disclosure control).",
             "Each table is on its own sheet; the Contents sheet lists them and the Notes sheet explains the "
             "symbols and the notes on each table."]
    if pub.synthetic:
        intro.insert(0, "SYNTHETIC DATA: these figures come from the project's synthetic data generator and "
                        "describe no real force, victim or suspect.")
    about = [f"Reference period: {pub.reference_period}", f"Date produced: {pub.produced}",
             f"Producer: {pub.producer}", f"Status: {pub.status}",
             "Symbols: " + "; ".join(f"{s} = {m.split(':')[0]}" for s, m in SYMBOLS.items())]
    return intro, about


def notes_frame(tables: list[PageTable]) -> pd.DataFrame:
    """The Notes sheet: the symbols, then each table's notes."""
    rows = [(f"symbol {s}", f"{s} means {m}.") for s, m in SYMBOLS.items()]
    rows.append(("percentages", "Percentages are stored as fractions with a percentage format (12.5% is 0.125)."))
    for i, t in enumerate(tables, start=1):
        for j, note in enumerate(t.notes, start=1):
            rows.append((f"{_sheet_name(i)} note {j}", _plain(note)))
    return pd.DataFrame(rows, columns=["Note number", "Note text"])


def _atomic(path: Path, write) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writers choose their format from the name's extension, so the temporary file keeps it.
    handle, tmp = tempfile.mkstemp(prefix=f".{path.stem}.tmp-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_xlsx(path: Path, tables: list[PageTable], pub: Publication) -> Path:
    """The accessible XLSX workbook (gptables): Cover, Contents, Notes, then Table_1, Table_2, ..."""
    import gptables as gpt

    sheets = {}
    for i, t in enumerate(tables, start=1):
        frame = sheet_frame(t)
        sheets[_sheet_name(i)] = gpt.GPTable(
            table=frame, table_name=f"table_{i}", title=_plain(t.title),
            subtitles=[f"Notes for this table are on the Notes sheet ({_sheet_name(i)} note 1 onwards)."
                       if t.notes else "This table has no notes of its own."]
            + (["SYNTHETIC DATA: not real police data."] if pub.synthetic else []),
            instructions="This worksheet contains one table. Some cells hold symbols: see the Notes sheet.",
            source=_plain(f"Source: {pub.producer}"), units=None, table_notes=None,
            additional_formatting=_percent_formats(t, frame))
    intro, about = _cover_lines(pub, len(tables))
    cover = gpt.Cover(cover_label="Cover", title=_plain(pub.title), intro=[_plain(x) for x in intro],
                      about=[_plain(x) for x in about], contact=[_plain(pub.contact)])
    with warnings.catch_warnings():
        # gptables warns when notes are not referenced as $$note$$, and about pandas deprecations of its own code.
        warnings.simplefilter("ignore")
        return _atomic(Path(path), lambda tmp: gpt.write_workbook(
            filename=tmp, sheets=sheets, cover=cover, contentsheet_label="Contents",
            notes_table=notes_frame(tables), auto_width=True,
            # Cells are text as shown on the page: never a formula or a link, whatever they begin with.
            workbook_options={"strings_to_formulas": False, "strings_to_urls": False}))


def _percent_formats(table: PageTable, frame: pd.DataFrame) -> list[dict]:
    """gptables formatting: a percentage number format on each column whose page cells are percentages."""
    formats = []
    for j, column in enumerate(frame.columns):
        texts = [row[j] for row in table.rows]
        if any(_PERCENT.match(str(t).strip()) for t in texts):
            places = _decimals(texts)
            formats.append({"column": {"columns": [column], "format": {"num_format": "0." + "0" * places + "%"
                                                                      if places else "0%"}}})
        elif any(_NUMBER.match(str(t).strip()) and "," in str(t) for t in texts):
            formats.append({"column": {"columns": [column], "format": {"num_format": "#,##0"}}})
    return formats


def write_ods(path: Path, tables: list[PageTable], pub: Publication) -> Path:
    """The same workbook as ODS (pandas' odf engine): Cover, Contents, Notes and one sheet per table, each
    with its title in A1 and the table's header row below it."""
    intro, about = _cover_lines(pub, len(tables))

    def write(tmp: str) -> None:
        with pd.ExcelWriter(tmp, engine="odf") as writer:
            cover = pd.DataFrame({_plain(pub.title): [_plain(x) for x in (*intro, *about, f"Contact: {pub.contact}")]})
            cover.to_excel(writer, sheet_name="Cover", index=False)
            contents = pd.DataFrame({"Sheet name": [_sheet_name(i) for i in range(1, len(tables) + 1)],
                                     "Table description": [_plain(t.title) for t in tables]})
            _titled(writer, "Contents", "Table of contents", contents)
            _titled(writer, "Notes", "Notes", notes_frame(tables))
            for i, t in enumerate(tables, start=1):
                _titled(writer, _sheet_name(i), _plain(t.title), sheet_frame(t))

    return _atomic(Path(path).with_suffix(".ods"), write)


def _titled(writer, sheet: str, title: str, frame: pd.DataFrame) -> None:
    pd.DataFrame({title: []}).to_excel(writer, sheet_name=sheet, index=False)
    frame.to_excel(writer, sheet_name=sheet, index=False, startrow=2)


def write_csvs(folder: Path, tables: list[PageTable]) -> list[Path]:
    """One CSV per table (UTF-8, header row, the page's text cell for cell), named table_<n>.csv."""
    paths = []
    for i, t in enumerate(tables, start=1):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(t.columns)
        writer.writerows(t.rows)
        text = buffer.getvalue()
        paths.append(_atomic(Path(folder) / f"table_{i}.csv",
                             lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8")))
    return paths


@dataclass
class Downloads:
    """The files written for one page, relative to the page's folder."""

    xlsx: str
    ods: str
    csvs: list[str]


def write_downloads(folder: Path, stem: str, tables: list[PageTable], pub: Publication) -> Downloads:
    """Write FOLDER/downloads/<stem>_tables.xlsx and .ods and FOLDER/downloads/csv/table_<n>.csv; the files
    of an earlier render that are no longer published are removed."""
    out = Path(folder) / "downloads"
    xlsx = write_xlsx(out / f"{stem}_tables.xlsx", tables, pub)
    ods = write_ods(out / f"{stem}_tables.ods", tables, pub)
    csvs = write_csvs(out / "csv", tables)
    keep = {p.name for p in csvs}
    for old in (out / "csv").glob("table_*.csv"):
        if old.name not in keep:
            old.unlink()
    rel = Path("downloads")
    return Downloads(str(rel / xlsx.name), str(rel / ods.name), [str(rel / "csv" / p.name) for p in csvs])
