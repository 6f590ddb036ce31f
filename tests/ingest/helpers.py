"""Build force returns for ingestion tests: valid ones from the SYN01 fixture, and ways to break them."""

from __future__ import annotations

import io
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import openpyxl
import pandas as pd

from analysis.template import fill_template, save_workbook
from fixtures.valid_return import FORCE_CODE, as_force, typed


@cache
def _filled_fixture() -> bytes:
    """The fixture return (SYN01) filled into the template, once per test session."""
    with tempfile.TemporaryDirectory() as tmp:
        return fill_template(typed(as_force(FORCE_CODE)), Path(tmp) / "base.xlsx").read_bytes()


def _recode(data: bytes, code: str) -> bytes:
    """The filled SYN01 workbook for another force: its code and name are replaced in the sheets."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):  # openpyxl writes strings inline
                content = content.replace(b">SYN01<", f">{code}<".encode()).replace(
                    b">Synthetic Force 01<", f">Synthetic Force {code[3:]}<".encode())
            dst.writestr(item, content)
    return out.getvalue()


def write_xlsx(directory: Path, code: str, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """A filled-in template FORCE.xlsx (date cells, true/false, numbers), as an analyst would submit it.

    Without `tables`, the fixture return is filled in once and re-coded for each force (filling is slow).
    """
    path = Path(directory) / f"{code}.xlsx"
    if tables is None:
        path.write_bytes(_recode(_filled_fixture(), code))
        return path
    return fill_template(typed(tables), path)


def edit_xlsx(path: Path, edits: list[tuple[str, int, str, object]]) -> Path:
    """Set cells of a workbook: (sheet, spreadsheet row, column header, value)."""
    wb = openpyxl.load_workbook(path)
    for sheet, row, column, value in edits:
        ws = wb[sheet]
        headers = [c.value for c in ws[1]]
        ws.cell(row=row, column=headers.index(column) + 1, value=value)
    save_workbook(wb, path)
    return path


def write_csv_folder(directory: Path, code: str, tables: dict[str, pd.DataFrame] | None = None,
                     encoding: str = "utf-8") -> Path:
    """A folder FORCE/ of CSV files, one per table, in the given encoding."""
    tables = tables if tables is not None else as_force(code)
    folder = Path(directory) / code
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        (folder / f"{name}.csv").write_bytes(frame.to_csv(index=False, lineterminator="\r\n").encode(encoding))
    return folder


def errors(reports: Path, force: str) -> pd.DataFrame:
    """A force's errors.csv as text (blank cells as "")."""
    return pd.read_csv(Path(reports) / force / "errors.csv", dtype=str, keep_default_na=False)


def normalisations(reports: Path, force: str) -> pd.DataFrame:
    return pd.read_csv(Path(reports) / force / "normalisations.csv", dtype=str, keep_default_na=False)
