"""SQL across forces: DuckDB over the validated Parquet returns, one view per contract table.

Each contract table is a view over every force's file of that table (`<data_dir>/<force>/<table>.parquet`),
so a query reads only the columns and files it needs, straight from Parquet, without loading every force
into pandas first (see benchmarks/explore_sql.py for the comparison). Extra DataFrames (for example results
rows from `explore.indicator`) can be queried beside them. The files are only read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from analysis.contract import TABLES
from analysis.explore.data import _codes, data_path


def tables_in(query: str) -> list[str]:
    """The contract tables a query names (whole words, any case), so only their files are opened."""
    return [name for name in TABLES if re.search(rf"\b{name}\b", query, re.IGNORECASE)]


def connect(force_codes: str | Sequence[str] | None = None, *, data_dir: str | Path | None = None,
            frames: Mapping[str, pd.DataFrame] | None = None, tables: Sequence[str] | None = None):
    """An in-memory DuckDB connection with a view per contract table over the forces' Parquet files
    (all forces in `data_dir` by default; `tables` limits the views, default every table) and each of
    `frames` registered under its name. Opening a view reads the schema of each of its files (about 0.1 s
    for 43 forces), so `sql` opens only the tables its query names.

    Raises ParameterError for an unknown force or a folder without returns, ValueError when a name in
    `frames` is a contract table's.
    """
    import duckdb

    path = data_path(data_dir)
    codes = _codes(force_codes, path)
    clash = sorted(set(frames or {}) & set(TABLES))
    if clash:
        raise ValueError(f"frames {clash} would hide the contract tables of the same name: rename them")
    unknown = sorted(set(tables or ()) - set(TABLES))
    if unknown:
        raise KeyError(f"not tables of the data contract: {unknown}; the tables are {list(TABLES)}")
    con = duckdb.connect(":memory:")
    for name in (TABLES if tables is None else tables):
        files = [str(path / code / f"{name}.parquet") for code in codes]
        con.read_parquet(files, union_by_name=True).create_view(name)
    for name, frame in (frames or {}).items():
        con.register(name, frame)
    return con


def sql(query: str, force_codes: str | Sequence[str] | None = None, *, data_dir: str | Path | None = None,
        frames: Mapping[str, pd.DataFrame] | None = None, params: Sequence | Mapping | None = None) -> pd.DataFrame:
    """Run one SQL query (DuckDB dialect) over the forces' validated tables; returns a DataFrame.

    Tables: force_profile, offences, suspects, victims, ... (see `describe_tables()`), every force stacked,
    each with its force_code column; plus each of `frames` by its name. `params`: values for `?` or `$name`
    placeholders (use them rather than pasting values into the query text). The result is a researcher's
    working table, NOT disclosure controlled: never publish record-level rows or counts below the threshold.
    """
    with connect(force_codes, data_dir=data_dir, frames=frames, tables=tables_in(query)) as con:
        return con.execute(query, params).df() if params is not None else con.execute(query).df()
