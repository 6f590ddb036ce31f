"""Read and write force returns in the three forms the project uses.

Layouts (one folder DIR holds any number of forces):
- Parquet (validated, typed): DIR/<force_code>/<table>.parquet
- CSV (as a force submits):   DIR/<force_code>/<table>.csv, UTF-8, ISO dates, booleans true/false
- Excel (as a force submits): DIR/<force_code>.xlsx, one sheet per table named as the table

Raw readers return every cell as text, exactly as written (no type guessing, "NA" stays "NA"), so that
validation can report the value a force analyst typed. `to_canonical` gives the typed form every
downstream module relies on; `analysis.validate` checks a raw return before it is typed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import pandas as pd

from analysis.atomic import write_bytes_atomic
from analysis.contract import TABLES, Table

Format = Literal["parquet", "csv", "xlsx"]

#: Canonical pandas dtypes of validated data, by contract column type.
CANONICAL_DTYPES = {
    "id": "str",
    "code": "str",
    "text": "str",
    "int": "Int64",
    "float": "Float64",
    "date": "datetime64[s]",
    "bool": "bool",
}

DATE_FORMAT = "%Y-%m-%d"


def empty_table(table: Table) -> pd.DataFrame:
    """An empty DataFrame with the table's columns in canonical dtypes."""
    return pd.DataFrame({c.name: pd.Series([], dtype=CANONICAL_DTYPES[c.type]) for c in table.columns})


def to_canonical(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Type a frame whose values already satisfy the contract (raises ValueError otherwise).

    Columns are put in contract order; extra columns are an error, not silently dropped.
    """
    extra = [c for c in frame.columns if c not in table.column_names]
    if extra:
        raise ValueError(f"table '{table.name}' has columns not in the contract: {extra}")
    out = {}
    for column in table.columns:
        values = frame[column.name]
        if _already_canonical(column.type, values):
            out[column.name] = values
            continue
        if column.type in ("id", "code", "text"):
            text = values.astype("str")
            out[column.name] = text.where(values.notna() & (text.str.strip() != ""), None).astype("str")
        elif column.type == "int":
            blank = values.isna() | (values.astype("str").str.strip() == "")
            out[column.name] = pd.to_numeric(values.mask(blank), errors="raise").astype("Int64")
        elif column.type == "float":
            blank = values.isna() | (values.astype("str").str.strip() == "")
            out[column.name] = pd.to_numeric(values.mask(blank), errors="raise").astype("Float64")
        elif column.type == "date":
            if pd.api.types.is_datetime64_any_dtype(values):
                out[column.name] = values.astype("datetime64[s]")
            else:
                blank = values.isna() | (values.astype("str").str.strip() == "")
                parsed = pd.to_datetime(values.mask(blank), format=DATE_FORMAT, errors="raise")
                out[column.name] = parsed.astype("datetime64[s]")
        elif column.type == "bool":
            if pd.api.types.is_bool_dtype(values):
                out[column.name] = values.astype("bool")
            else:
                mapped = values.astype("str").str.strip().str.lower().map({"true": True, "false": False})
                if mapped.isna().any():
                    raise ValueError(f"{table.name}.{column.name}: booleans must be true or false")
                out[column.name] = mapped.astype("bool")
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def _already_canonical(kind: str, values: pd.Series) -> bool:
    """True when a column is typed as validated data is (e.g. read back from Parquet): nothing to convert.

    Text must also hold no blank-looking strings, which canonical data stores as missing.
    """
    if str(values.dtype) != CANONICAL_DTYPES[kind]:
        return False
    if kind in ("id", "code", "text"):
        return not bool((values.str.strip() == "").any())
    return True


def _to_text(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Render a canonical frame as the text a force would submit (ISO dates, true/false, blanks)."""
    out = {}
    for column in table.columns:
        values = frame[column.name]
        if column.type == "date":
            text = values.dt.strftime(DATE_FORMAT)
        elif column.type == "bool":
            text = values.map({True: "true", False: "false"})
        elif column.type == "int":
            text = values.astype("Int64").astype("str")
        else:
            text = values.astype("str")
        out[column.name] = text.where(values.notna(), "")
    return pd.DataFrame(out)


def write_force(tables: dict[str, pd.DataFrame], directory: Path, force_code: str, fmt: Format = "parquet") -> list[Path]:
    """Write one force's canonical tables in the given form; returns the files written."""
    directory = Path(directory)
    written: list[Path] = []
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            for name, table in TABLES.items():
                _to_text(table, tables[name]).to_excel(writer, sheet_name=name, index=False)
        return [write_bytes_atomic(directory / f"{force_code}.xlsx", pin_xlsx_timestamps(buffer.getvalue()))]
    folder = directory / force_code
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in TABLES.items():
        frame = tables[name]
        if fmt == "parquet":
            path = folder / f"{name}.parquet"
            frame[table.column_names].to_parquet(path, index=False)
        elif fmt == "csv":
            path = folder / f"{name}.csv"
            _to_text(table, frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        else:
            raise ValueError(f"unknown format '{fmt}': use parquet, csv or xlsx")
        written.append(path)
    return written


def pin_xlsx_timestamps(data: bytes) -> bytes:
    """A saved workbook rewritten with fixed document and zip-entry timestamps, so equal content gives equal bytes."""
    import re
    import zipfile

    fixed_time = (2000, 1, 1, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:\1>",
                                 rb"<dcterms:\1\2>2000-01-01T00:00:00Z</dcterms:\1>", content)
            info = zipfile.ZipInfo(item.filename, date_time=fixed_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            dst.writestr(info, content)
    return out.getvalue()


def detect_format(directory: Path) -> Format:
    """Say which form the returns in `directory` take (raises ValueError when it holds none)."""
    directory = Path(directory)
    if any(directory.glob("*/*.parquet")):
        return "parquet"
    if any(directory.glob("*/*.csv")):
        return "csv"
    if any(directory.glob("*.xlsx")):
        return "xlsx"
    raise ValueError(f"no force returns found in {directory}: expected <force>/<table>.parquet, <force>/<table>.csv or <force>.xlsx")


def list_forces(directory: Path) -> list[str]:
    """Force codes that have a return in `directory`, sorted."""
    directory = Path(directory)
    fmt = detect_format(directory)
    if fmt == "xlsx":
        return sorted(p.stem for p in directory.glob("*.xlsx") if not p.name.startswith("~$"))
    suffix = f".{fmt}"
    return sorted(p.name for p in directory.iterdir() if p.is_dir() and any(p.glob(f"*{suffix}")))


def read_force(directory: Path, force_code: str) -> dict[str, pd.DataFrame]:
    """Read one force's validated Parquet tables (canonical dtypes)."""
    folder = Path(directory) / force_code
    if not folder.is_dir():
        raise FileNotFoundError(f"no validated data for force '{force_code}' in {directory}")
    tables = {}
    for name, table in TABLES.items():
        path = folder / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"force '{force_code}': table '{name}' missing, expected {path}")
        tables[name] = to_canonical(table, pd.read_parquet(path))
    return tables


def read_all(directory: Path, forces: list[str] | None = None,
             tables: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """Stack every force's validated tables (or those listed) into one frame per table; `tables` limits
    which contract tables are read (default: all).

    Each table is read for all forces at the Arrow level and converted to pandas once, which is several
    times faster than reading and typing each force's file separately.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = Path(directory)
    codes = forces if forces is not None else list_forces(directory)
    unknown = sorted(set(tables or ()) - set(TABLES))
    if unknown:
        raise KeyError(f"not tables of the contract: {unknown}")
    chosen = {name: TABLES[name] for name in TABLES if tables is None or name in tables}
    tables = {}
    for name, table in chosen.items():
        paths = [directory / code / f"{name}.parquet" for code in codes]
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise FileNotFoundError(f"table '{name}' missing for {len(missing)} force(s), e.g. {missing[0]}")
        if not paths:
            tables[name] = empty_table(table)
            continue
        arrow = pa.concat_tables([pq.read_table(p) for p in paths], promote_options="default")
        tables[name] = to_canonical(table, arrow.to_pandas())
    return tables


def read_raw_csv_folder(folder: Path) -> dict[str, pd.DataFrame]:
    """Read a folder of CSV files as text (one per table present; missing tables are left out).

    Each file is first checked against the ingest limits (`analysis.ingest.limits`: file size); raises
    `analysis.ingest.issues.ReadError` (rule too_large) beyond them.
    """
    from analysis.ingest.archive import too_large
    from analysis.ingest.limits import load_limits, megabytes

    limits = load_limits()
    tables = {}
    for path in sorted(Path(folder).glob("*.csv")):
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise too_large(path, "the file", megabytes(size), megabytes(limits.max_file_bytes), "max_file_mb")
        try:
            tables[path.stem] = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except pd.errors.EmptyDataError:  # a zero-byte file: no header row (validation reports it)
            tables[path.stem] = pd.DataFrame()
    return tables


def read_raw_xlsx(path: Path) -> dict[str, pd.DataFrame]:
    """Read every sheet of a workbook as text (sheets that are not tables are kept: validation reports them).

    The workbook is first checked part by part within the ingest limits (`analysis.ingest.archive`); raises
    `analysis.ingest.issues.ReadError` (rules damaged, too_large) when it is damaged or too large to read.
    """
    from analysis.ingest.archive import check_archive
    from analysis.ingest.limits import load_limits

    check_archive(Path(path), load_limits())
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
    return {name: _excel_dates_as_iso(frame) for name, frame in sheets.items()}


def _excel_dates_as_iso(frame: pd.DataFrame) -> pd.DataFrame:
    """Show a cell that Excel holds as a date (read back as 'YYYY-MM-DD 00:00:00') as the ISO date the analyst sees.

    A date typed into Excel is stored as a date-time; the contract wants YYYY-MM-DD. Only whole-day values
    change: a cell with a time of day keeps it, so validation reports it as not a date.
    """
    out = {}
    for name in frame.columns:
        values = frame[name]
        out[name] = values.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1", regex=True) if len(values) else values
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)
