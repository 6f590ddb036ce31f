"""Loading validated force returns for exploration: one force, several or all, one DataFrame per table.

Every contract table carries `force_code`, so the tables of several forces stack into one frame each and
any grouping by force stays possible. Data are read, never changed: the folders hold validated Parquet
returns (`analysis generate` for the synthetic default, `analysis ingest` for real returns).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis import paths, returns_io
from analysis.contract import TABLES
from analysis.report.context import ParameterError, check_force, resolve_dir


def data_path(data_dir: str | Path | None = None) -> Path:
    """The folder of validated returns: `data_dir` (relative to the project root, or absolute) or, when None
    or blank, the synthetic default data/synthetic. Raises ParameterError when it holds no returns."""
    if data_dir is not None and not isinstance(data_dir, (str, Path)):
        raise ParameterError(f"data_dir must be a folder path (text), not the {type(data_dir).__name__} {data_dir!r}")
    path = resolve_dir(data_dir, paths.SYNTHETIC_DIR)
    if not path.is_dir():
        raise ParameterError(f"data_dir {path} does not exist: run `python -m analysis generate` for the synthetic "
                             "default or `python -m analysis ingest` for real returns")
    return path


def forces(data_dir: str | Path | None = None) -> list[str]:
    """The force codes with a validated return in `data_dir` (sorted). Raises ParameterError if there are none."""
    path = data_path(data_dir)
    try:
        return returns_io.list_forces(path)
    except ValueError as error:
        raise ParameterError(f"data_dir {path} holds no validated returns ({error})") from None


def _codes(force_codes: str | Sequence[str] | None, path: Path) -> list[str]:
    if force_codes is None:
        return forces(path)
    codes = [force_codes] if isinstance(force_codes, str) else list(force_codes)
    if not codes:
        raise ParameterError("no force codes given: give one code, a list of codes, or None for every force")
    for code in codes:
        if not isinstance(code, str):
            raise ParameterError(f"force codes are text such as 'SYN01', not the {type(code).__name__} {code!r}")
        check_force(code, path)
    return list(dict.fromkeys(codes))


def load(force_codes: str | Sequence[str] | None = None, *, data_dir: str | Path | None = None,
         tables: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Validated tables of one force (`"SYN01"`), several (`["SYN01", "SYN02"]`) or all (None).

    Returns {table name: DataFrame}, one frame per contract table (or per name in `tables`), the forces'
    rows stacked, each with its `force_code` column, in the canonical dtypes of analysis.returns_io.
    Raises ParameterError for an unknown force code or a folder without returns, KeyError for a name that is
    not a contract table (see `describe_tables()`).
    """
    path = data_path(data_dir)
    codes = _codes(force_codes, path)
    if tables is not None:
        unknown = [t for t in tables if t not in TABLES]
        if unknown:
            raise KeyError(f"not tables of the data contract: {unknown}; the tables are {list(TABLES)}")
    return returns_io.read_all(path, codes, tables=tuple(tables) if tables is not None else None)


def describe_tables() -> pd.DataFrame:
    """The contract's tables: one row per table with what one row is, its key and its number of columns."""
    return pd.DataFrame([{"table": t.name, "one row per": t.one_row_per, "key": ", ".join(t.key),
                          "columns": len(t.columns)} for t in TABLES.values()])


def describe_columns(table: str) -> pd.DataFrame:
    """The columns of one contract table: name, type, description, whether blank is allowed, code list."""
    if table not in TABLES:
        raise KeyError(f"'{table}' is not a table of the data contract; the tables are {list(TABLES)}")
    return pd.DataFrame([{"column": c.name, "type": c.type, "description": c.description, "may be blank": c.nullable,
                          "code list": c.codelist or ""} for c in TABLES[table].columns])
