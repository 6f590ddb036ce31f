"""The results table: the interface between force and national analyses (DESIGN.md section 2).

One row per estimate. Every indicator returns rows in this form; the force notebook writes them to
`outputs/forces/<force_code>/results.parquet` and the national notebook reads only those files (and the
validated data). The schema is checked whenever a table is written, so a malformed table never lands.

Columns
- force_code: the force, or "NATIONAL" / a region code for collated rows
- indicator_id: catalogue id (see analysis.indicators.catalogue and docs/indicators.md)
- domain: the inspection strand the indicator belongs to
- breakdown: what the rows are broken down by ("total" when not broken down)
- category: the breakdown's category ("all" when not broken down)
- numerator, denominator: counts behind the value (denominator blank for a count or a model estimate)
- value, lower, upper: the estimate and its interval (blank when not estimable)
- method: how value and interval were computed (e.g. "Wilson score 95%")
- basis: what the denominator is (e.g. "assigned outcomes", "all suspects incl. not recorded")
- suppressed: True when disclosure control withheld the row's numbers from publication
- note: a status or caveat ("not reached", "fewer than half recorded: not reliable", ...)

Unit comparison columns (nullable numbers, blank except in the national funnel comparison rows, NA01; kept at
full precision so that nothing has to be read back from note text):
- overdispersion_phi: Spiegelhalter's overdispersion factor phi (mean winsorised z^2) of the key indicator across
  forces, on every NA01 row of that indicator (the same value on each)
- overdispersion_tau2: the between-force variance tau^2 on the transformed scale (arcsine square root for
  proportions, log for rates), on every NA01 row of that indicator
- z_score: the force's z-score against the national value (adjusted for overdispersion when phi and tau^2 could
  be estimated, else unadjusted), for every force, inside the limits or not
- q_value: its Benjamini-Hochberg false discovery rate q-value across forces (two-sided), for every force
- control_lower_95, control_upper_95, control_lower_998, control_upper_998: the funnel plot's 95% and 99.8%
  control limits around the national value at the force's denominator (on the value's scale). Control limits
  are never put in lower/upper, which always hold the row's own interval.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

NATIONAL = "NATIONAL"

RESULT_COLUMNS: dict[str, str] = {
    "force_code": "str",
    "indicator_id": "str",
    "domain": "str",
    "breakdown": "str",
    "category": "str",
    "numerator": "Float64",
    "denominator": "Float64",
    "value": "Float64",
    "lower": "Float64",
    "upper": "Float64",
    "method": "str",
    "basis": "str",
    "suppressed": "bool",
    "note": "str",
    "overdispersion_phi": "Float64",
    "overdispersion_tau2": "Float64",
    "z_score": "Float64",
    "q_value": "Float64",
    "control_lower_95": "Float64",
    "control_upper_95": "Float64",
    "control_lower_998": "Float64",
    "control_upper_998": "Float64",
}

#: Columns that a table written before they existed may lack: read as blank (missing) rather than refused.
COMPARISON_COLUMNS = ("overdispersion_phi", "overdispersion_tau2", "z_score", "q_value", "control_lower_95",
                      "control_upper_95", "control_lower_998", "control_upper_998")
#: The comparison columns that describe one row's unit (withheld with the row by disclosure control: with the
#: denominator, a z-score gives the count away); phi and tau^2 describe all forces together.
PER_UNIT_COLUMNS = COMPARISON_COLUMNS[2:]

KEY = ("force_code", "indicator_id", "breakdown", "category", "basis")

REQUIRED_TEXT = ("force_code", "indicator_id", "domain", "breakdown", "category", "method", "basis")


class ResultsSchemaError(ValueError):
    """A results table does not have the agreed form."""


def empty_results() -> pd.DataFrame:
    """An empty results table with the agreed columns and dtypes."""
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in RESULT_COLUMNS.items()})


def make_rows(rows: list[dict]) -> pd.DataFrame:
    """Build a results table from dicts; missing optional fields become blank, note defaults to ""."""
    if not rows:
        return empty_results()
    frame = pd.DataFrame(rows)
    for name in RESULT_COLUMNS:
        if name not in frame.columns:
            frame[name] = False if name == "suppressed" else ("" if name == "note" else np.nan)
    frame["note"] = frame["note"].fillna("")
    frame["suppressed"] = frame["suppressed"].fillna(False)
    return coerce(frame[list(RESULT_COLUMNS)])


def coerce(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast a results-like frame to the agreed dtypes (raises ResultsSchemaError on missing columns; the
    nullable COMPARISON_COLUMNS, when absent, are added blank)."""
    absent = [c for c in COMPARISON_COLUMNS if c not in frame.columns]
    if absent:
        frame = frame.assign(**{c: pd.array([pd.NA] * len(frame), dtype="Float64") for c in absent})
    missing = [c for c in RESULT_COLUMNS if c not in frame.columns]
    if missing:
        raise ResultsSchemaError(f"results table is missing columns {missing}")
    out = frame[list(RESULT_COLUMNS)].copy()
    for name, dtype in RESULT_COLUMNS.items():
        if str(out[name].dtype) == dtype:
            continue
        if dtype == "Float64":
            out[name] = pd.to_numeric(out[name], errors="raise").astype("Float64")
        elif dtype == "bool":
            out[name] = out[name].astype("bool")
        else:
            out[name] = out[name].astype("str")
    return out.reset_index(drop=True)


def check(frame: pd.DataFrame) -> list[str]:
    """List every way `frame` breaks the results schema (empty list when it is valid)."""
    problems = []
    missing = [c for c in RESULT_COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in RESULT_COLUMNS]
    if missing:
        problems.append(f"missing columns: {missing}")
    if extra:
        problems.append(f"unexpected columns: {extra}")
    if missing:
        return problems
    for name, dtype in RESULT_COLUMNS.items():
        if str(frame[name].dtype) != dtype:
            problems.append(f"column {name} has dtype {frame[name].dtype}, expected {dtype}")
    for name in REQUIRED_TEXT:
        blank = frame[name].isna() | (frame[name].astype("str").str.strip() == "")
        if blank.any():
            problems.append(f"column {name} is blank in rows {list(np.flatnonzero(blank.to_numpy())[:10])}")
    duplicated = frame.duplicated(list(KEY), keep=False)
    if duplicated.any():
        first = frame.loc[duplicated, list(KEY)].head(3).to_dict("records")
        problems.append(f"{int(duplicated.sum())} rows share a key {KEY}, e.g. {first}")
    inverted = (frame["lower"] > frame["upper"]).fillna(False)
    if inverted.any():
        problems.append(f"lower > upper in rows {list(np.flatnonzero(inverted.to_numpy())[:10])}")
    negative = ((frame["numerator"] < 0) | (frame["denominator"] < 0)).fillna(False)
    if negative.any():
        problems.append(f"negative counts in rows {list(np.flatnonzero(negative.to_numpy())[:10])}")
    return problems


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` if it satisfies the schema, else raise ResultsSchemaError listing every problem."""
    problems = check(frame)
    if problems:
        raise ResultsSchemaError("results table is invalid: " + "; ".join(problems))
    return frame


def write(frame: pd.DataFrame, path: Path) -> Path:
    """Validate and write a results table atomically (temporary file in the same folder, then rename)."""
    validate(frame)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        frame.to_parquet(tmp, index=False)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are shared with the reviewers' tools
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read(path: Path) -> pd.DataFrame:
    """Read a results table and check its schema."""
    return validate(coerce(pd.read_parquet(path)))


def read_many(paths: list[Path]) -> pd.DataFrame:
    """Read several results tables (one per force) and stack them, checking the schema once on the stack.

    One Arrow read per file and one cast and check of the stack (0.12 s for the 43 default forces, against
    0.84 s for `read` per file). When the stack fails the check, every file is checked on its own so the error names
    the file that broke the schema.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = [Path(p) for p in paths]
    if not paths:
        return empty_results()
    try:
        tables = [pq.read_table(p) for p in paths]
        stacked = coerce(pa.concat_tables(tables, promote_options="default").to_pandas())
        return validate(stacked)
    except (ResultsSchemaError, pa.ArrowException, ValueError, TypeError):
        for path in paths:
            try:
                read(path)
            except Exception as error:
                raise ResultsSchemaError(f"{path}: {error}") from error
        raise
