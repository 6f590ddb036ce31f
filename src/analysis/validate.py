"""Check a force return against the data contract and report every failure at once.

`validate_tables` takes one force's tables (raw text frames as read by `returns_io.read_raw_*`, or
canonical typed frames) and returns a `ValidationReport` listing every failure with its table, row,
column, value, rule and a message a force analyst can act on. Nothing stops at the first error and
nothing is capped: a return with 10,000 bad dates gives 10,000 failures.

Checks are vectorised column by column (pandas masks, not a Python loop over rows), so a
million-row offences table validates in seconds (benchmarks/validate_speed.py).

The rules come from `analysis.contract`: column types, nullability, code lists (params/reference/, via
`analysis.reference`), minimum and maximum, unique identifiers, foreign keys, and each Table.rules
sentence, which is implemented below by a declarative table (`DATE_ORDER`, `IN_PERIOD`) or a
consistency check. Rules that apply to every table are listed in `GENERAL_RULES` (the data dictionary
prints them).

Row numbers count as a spreadsheet does: the header is row 1 and the first record row 2, so a force
analyst can go straight to the cell in Excel.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import reference, returns_io
from analysis.contract import (
    ETHNIC_GROUPS,
    OUTCOME_NOT_YET_ASSIGNED,
    SYNTHETIC_FORCE_CODE_PATTERN,
    TABLE_NAMES,
    TABLES,
    Column,
    Table,
)

RULES = (
    "missing_table",
    "unknown_table",
    "missing_column",
    "unknown_column",
    "empty_table",
    "required",
    "type",
    "codelist",
    "range",
    "unique",
    "foreign_key",
    "date_order",
    "date_range",
    "force_code",
    "one_row",
    "consistency",
)

#: Pairs of dates in one row: (table, earlier column, later column); the later may equal the earlier.
DATE_ORDER: tuple[tuple[str, str, str], ...] = (
    ("force_profile", "period_start", "period_end"),
    ("force_profile", "period_end", "extraction_date"),
    ("offences", "recorded_date", "outcome_date"),
    ("victims", "first_report_date", "abe_interview_date"),
    ("victims", "first_report_date", "support_withdrawn_date"),
    ("referrals", "received_date", "action_date"),
)

#: Dates that must fall inside the return period (period_start to period_end of force_profile).
IN_PERIOD: frozenset[tuple[str, str]] = frozenset(
    {("offences", "recorded_date"), ("disruptions", "date"), ("referrals", "received_date")}
)

#: force_profile dates that define the period; every other date must be on or before extraction_date.
PERIOD_COLUMNS = ("period_start", "period_end", "extraction_date")

#: Integer columns checked against a code list: (table, column) -> (list name, retired codes flagged by
#: in_use = false in the list). 0 means "no outcome assigned yet" (contract.OUTCOME_NOT_YET_ASSIGNED).
INT_CODELISTS = {("offences", "outcome_code"): "outcome_types"}

#: No return period of this inspection starts before this date (the earliest plausible period_start).
EARLIEST_PERIOD_START = pd.Timestamp("1990-01-01")
#: Default for how many years before period_start another date may lie (ingest.years_before_period).
YEARS_BEFORE_PERIOD = 20

#: Suspects are at least 10 (the age of criminal responsibility in England and Wales) at extraction.
MIN_SUSPECT_AGE_AT_EXTRACTION = 10

#: Rules applied to every table, in words (docs/data_dictionary.md prints these).
GENERAL_RULES = (
    "Every table of the contract is present (a sheet or file named as the table), with every column and no others; "
    "a table with no records still has its header row.",
    "A column not marked nullable has a value in every row; 'not recorded' is its explicit code, never a blank.",
    "Whole numbers are written as digits (12; a zero decimal part, 12.0, is accepted); dates as YYYY-MM-DD; "
    "booleans as true or false (any case).",
    "Codes are exactly as in their code list (case matters).",
    "Identifiers marked unique appear once in their table; every foreign key names a row that exists.",
    "force_code is the same in every table and matches force_profile.",
    "Every date is on or before force_profile.extraction_date.",
)

#: Checks beyond the contract's Table.rules, by table (taken from column descriptions; the dictionary prints them).
EXTRA_RULES: dict[str, tuple[str, ...]] = {
    "force_profile": ("problem_profile_uses_partner_data is false when problem_profile_date is blank",),
}

_INT_PATTERN = r"[+-]?[0-9]{1,15}(?:\.0*)?"
_FLOAT_PATTERN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: A digit that is not one of the ASCII digits 0-9 (Arabic-Indic, Devanagari, full-width, ...), or any full-width
#: form (U+FF01-U+FF5E): identifiers, codes and numbers must use ASCII, or one reference could be two.
_NON_ASCII_DIGIT = r"(?:(?![0-9])\d|[\uff01-\uff5e])"
_NOT_RECORDED_CODES = ("NS", "IC9", "NR", "not_recorded")
_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "date": "a date in the form YYYY-MM-DD",
    "bool": "true or false",
}


@dataclass(frozen=True)
class Failure:
    """One way in which a return breaks the contract."""

    file: str  # file path as given ("" when validating in-memory frames)
    table: str  # contract table name (or the sheet/file stem when it is not a table)
    row: int | None  # spreadsheet-style row: header is row 1, first record is row 2; None if not row-level
    column: str | None
    value: str | None  # the offending value as text
    rule: str  # one of RULES
    message: str  # plain English naming table, row, column and value

    def located(self) -> str:
        """Where the failure is and which rule it breaks, quoting no value (e.g. 'offences row 3, column
        recorded_date: rule type')."""
        where = self.table + (f" row {self.row}" if self.row is not None else "")
        where += f", column {self.column}" if self.column and self.rule not in ("unknown_column", "unknown_table") else ""
        return f"{where}: rule {self.rule}"


FAILURE_COLUMNS = ("file", "table", "row", "column", "value", "rule", "message")


@dataclass
class ValidationReport:
    """Every failure found in one force's return (`ok` when there are none)."""

    source: str
    force_code: str | None
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_frame(self) -> pd.DataFrame:
        """The failures as a table (columns file, table, row, column, value, rule, message)."""
        frame = pd.DataFrame(
            {name: [getattr(f, name) for f in self.failures] for name in FAILURE_COLUMNS},
            columns=list(FAILURE_COLUMNS),
        )
        frame["row"] = frame["row"].astype("Int64")
        for name in ("file", "table", "column", "value", "rule", "message"):
            frame[name] = frame[name].astype("str")
        return frame

    def summary(self, limit: int = 50, *, values: bool = True) -> str:
        """Readable text: a headline, counts by table and rule, then the first `limit` failures.

        When failures are left out the text says how many; nothing is dropped silently. With `values=False` no
        value from the data is quoted (not even the force code the file claims): each failure is given by table,
        row, column and rule only, so the text can be kept in run state and manifests (a validated file altered
        after ingest must not get its contents copied there).
        """
        name = (self.force_code or "return") if values else "return"
        where = f" ({self.source})" if self.source else ""
        if self.ok:
            return f"{name}{where}: passed, no failures."
        total = len(self.failures)
        lines = [f"{name}{where}: {total} failure{'s' if total != 1 else ''}."]
        lines.append("Failures by table and rule:")
        counts = Counter((f.table, f.rule) for f in self.failures)
        by_table: dict[str, list[str]] = {}
        for (table, rule), n in counts.items():
            by_table.setdefault(table, []).append(f"{rule} {n}")
        for table, parts in by_table.items():
            lines.append(f"  {table}: {', '.join(parts)}")
        shown = self.failures if limit is None or limit < 0 else self.failures[:limit]
        lines.append(f"Failures ({len(shown)} of {total} shown):" if len(shown) < total else "Failures:")
        lines.extend(f"  {f.message if values else f.located()}" for f in shown)
        if len(shown) < total:
            lines.append(f"  ... and {total - len(shown)} more failures not shown.")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Parsing: each column of a raw (text) or typed frame becomes typed values plus blank/invalid masks.


@dataclass
class _Parsed:
    original: pd.Series  # the column as given (text or typed), positional index
    blank: np.ndarray  # no value
    invalid: np.ndarray  # a value that is not of the column's type
    value: pd.Series  # typed value; missing where blank or invalid


def _is_texty(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series.dtype) or series.dtype == object


def _parse(column: Column, series: pd.Series) -> _Parsed:
    """Type one column, noting blanks and values that are not of the column's contract type."""
    texty = _is_texty(series)
    if texty:
        series = series.astype("str")
        blank = (series.isna() | series.str.strip().eq("")).to_numpy(dtype=bool)
    else:
        blank = series.isna().to_numpy(dtype=bool)
    kind = column.type
    invalid = np.zeros(len(series), dtype=bool)
    if kind in ("id", "code", "text"):
        value = series.mask(blank) if texty else series.astype("str").mask(blank)
        if kind == "id":
            invalid = (~blank) & value.astype("str").str.contains(_NON_ASCII_DIGIT, regex=True).fillna(False).to_numpy(dtype=bool)
            value = value.mask(invalid)
    elif kind in ("int", "float") and pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        numbers = series.astype("Float64")
        if kind == "int":
            invalid = (~blank) & (numbers % 1 != 0).fillna(False).to_numpy(dtype=bool)
        value = numbers.mask(invalid | blank)
    elif kind in ("int", "float"):
        text = series.astype("str").str.strip()
        good = text.str.fullmatch(_INT_PATTERN if kind == "int" else _FLOAT_PATTERN).fillna(False).to_numpy(dtype=bool)
        invalid = (~blank) & ~good
        value = pd.to_numeric(text.where(good), errors="coerce").astype("Float64")
    elif kind == "date" and pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        invalid = (~blank) & (stamps != stamps.dt.normalize()).fillna(False).to_numpy(dtype=bool)
        value = stamps.mask(invalid).astype("datetime64[s]")
    elif kind == "date":
        text = series.astype("str")
        good = text.str.fullmatch(_DATE_PATTERN).fillna(False).to_numpy(dtype=bool)
        parsed = pd.to_datetime(text.where(good), format=returns_io.DATE_FORMAT, errors="coerce")
        invalid = (~blank) & parsed.isna().to_numpy(dtype=bool)
        value = parsed.astype("datetime64[s]")
    elif kind == "bool" and pd.api.types.is_bool_dtype(series.dtype):
        value = series.astype("boolean")
    elif kind == "bool":
        mapped = series.astype("str").str.strip().str.lower().map({"true": True, "false": False})
        invalid = (~blank) & mapped.isna().to_numpy(dtype=bool)
        value = mapped.astype("boolean")
    else:  # pragma: no cover - contract.ColumnType is closed
        raise ValueError(f"unknown column type {kind!r}")
    return _Parsed(series, blank, invalid, value)


def _as_text(series: pd.Series) -> list[str]:
    """Render values for messages: dates as YYYY-MM-DD, whole numbers without '.0', blanks as ''."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series.dt.strftime(returns_io.DATE_FORMAT)
    elif pd.api.types.is_bool_dtype(series.dtype):
        out = series.map({True: "true", False: "false"})
    elif pd.api.types.is_float_dtype(series.dtype):
        numbers = series.astype("Float64")
        whole = (numbers % 1 == 0).fillna(False)
        out = numbers.astype("str").where(~whole, numbers.round().astype("Int64").astype("str"))
    else:
        out = series.astype("str")
    return out.where(series.notna(), "").tolist()


# --------------------------------------------------------------------------------------------------
# Collecting failures


class _Collector:
    def __init__(self, files: dict[str, str]):
        self.files = files
        self.failures: list[Failure] = []

    def table(self, table: str, rule: str, message: str, column: str | None = None, value: str | None = None, row: int | None = None) -> None:
        self.failures.append(Failure(self.files.get(table, ""), table, row, column, value, rule, message))

    def rows(self, table: str, column: str | None, positions: np.ndarray, values: list[str], rule: str, details) -> None:
        """Add one failure per position; `details` is one text or one per position (after 'row N, column C: ')."""
        if len(positions) == 0:
            return
        file = self.files.get(table, "")
        if isinstance(details, str):
            details = [details] * len(positions)
        where = f", column {column}" if column else ""
        self.failures.extend(
            Failure(file, table, int(p) + 2, column, v, rule, f"{table} row {int(p) + 2}{where}: {d}")
            for p, v, d in zip(positions, values, details, strict=True)
        )


def _closest(name: str, choices: Sequence[str]) -> str | None:
    """The contract name `name` was probably meant to be (case, spaces and hyphens ignored), if any."""

    def norm(text: str) -> str:
        return re.sub(r"[\s\-]+", "_", text.strip().lower())

    normalised = {norm(c): c for c in choices}
    if norm(name) in normalised:
        return normalised[norm(name)]
    close = difflib.get_close_matches(norm(name), list(normalised), n=1)
    return normalised[close[0]] if close else None


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _shown(series: pd.Series, rows: np.ndarray) -> list[str]:
    """The values at positions `rows`, as text for the report (nothing to render when there are none)."""
    return _as_text(series.iloc[rows]) if len(rows) else []


def _arrow_text(values) -> pa.Array:
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="str")
    array = pa.array(series.astype("str").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def _member(values: pd.Series, allowed) -> np.ndarray:
    """Whether each value is in `allowed` (missing values are not), by pyarrow's hash lookup.

    pandas' Series.isin on Arrow-backed strings converts every allowed value in a Python loop, which
    takes seconds for a foreign key into a table of 100,000 ids; pyarrow.compute.is_in does not.
    """
    result = pc.is_in(_arrow_text(values), value_set=_arrow_text(allowed), skip_nulls=True)
    return result.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _positions(mask) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask, dtype=bool))


def _quoted(values: list[str]) -> list[str]:
    return [f"'{v}'" for v in values]


# --------------------------------------------------------------------------------------------------
# Code lists


@functools.cache
def _codelist(name: str) -> tuple[frozenset[str], dict[str, str]]:
    """The codes of list `name` and a lower-case lookup used to suggest the right spelling."""
    codes = reference.codes(name)
    return frozenset(codes), {c.lower(): c for c in codes}


@functools.cache
def int_codes(name: str) -> tuple[frozenset[int], frozenset[int]]:
    """(codes in use, retired codes) of an integer code list with an `in_use` column."""
    table = reference.load(name)
    in_use = table["in_use"].str.lower().eq("true") if "in_use" in table.columns else pd.Series(True, index=table.index)
    codes = table[reference.CODE_COLUMNS.get(name, "code")].astype(int)
    return frozenset(codes[in_use].tolist()), frozenset(codes[~in_use].tolist())


def _not_recorded_hint(column: Column) -> str:
    if column.type != "code" or column.codelist is None:
        return ""
    codes, _ = _codelist(column.codelist)
    for code in _NOT_RECORDED_CODES:
        if code in codes:
            return f" (use '{code}' when it is not recorded)"
    return ""


# --------------------------------------------------------------------------------------------------
# Checks of one table on its own


def _check_structure(out: _Collector, table: Table, frame: pd.DataFrame) -> list[str]:
    """Missing and unknown columns; returns the contract columns present."""
    names = [str(c) for c in frame.columns]
    expected = table.column_names
    for name in expected:
        if name not in names:
            out.table(table.name, "missing_column", f"{table.name}: column '{name}' is missing (every return must have it, even when it is blank).", column=name)
    for name in names:
        if name not in expected:
            guess = _closest(name, expected)
            hint = f" Did you mean '{guess}'?" if guess else f" Expected columns: {', '.join(expected)}."
            out.table(table.name, "unknown_column", f"{table.name}: column '{name}' is not in the contract.{hint}", column=name)
    return [n for n in expected if n in names]


def _check_cells(out: _Collector, table: Table, parsed: dict[str, _Parsed]) -> None:
    """required, type, codelist and range checks of each column present."""
    for name, p in parsed.items():
        column = table.column(name)
        if not column.nullable:
            rows = _positions(p.blank)
            if len(rows):
                out.rows(table.name, name, rows, _shown(p.original, rows), "required",
                         f"the value is blank but this column is required{_not_recorded_hint(column)}")
        rows = _positions(p.invalid)
        if len(rows):
            values = _shown(p.original, rows)
            out.rows(table.name, name, rows, values, "type", [_type_detail(column, v) for v in values])
        if column.type == "code" and column.codelist:
            _check_codes(out, table, column, p)
        if (table.name, name) in INT_CODELISTS:
            _check_int_codes(out, table, column, p, INT_CODELISTS[(table.name, name)])
        if column.type in ("int", "float"):
            _check_range(out, table, column, p)


@functools.cache
def _legacy_codes() -> dict[str, tuple[str, str, str]]:
    """16+1 codes that are not 18+1 codes, or mean something else there: code -> (code, 18+1 code, label)."""
    table = reference.load("ethnicity_sde_legacy")
    current = set(reference.codes("ethnicity_sde"))
    return {row.legacy_code: (row.legacy_code, row.maps_to, row.label.split(": ", 1)[-1])
            for row in table.itertuples() if row.legacy_code not in current or row.maps_to != row.legacy_code}


def _type_detail(column: Column, value: str) -> str:
    """Why `value` is not of the column's type, naming any digit that is not an ASCII digit 0-9."""
    odd = re.search(_NON_ASCII_DIGIT, value)
    if odd:
        char = odd.group(0)
        what = unicodedata.name(char, f"U+{ord(char):04X}")
        kind = "an identifier" if column.type == "id" else _TYPE_WORDS.get(column.type, "a value")
        return (f"'{value}' uses the character '{char}' ({what}), not an ASCII digit 0-9 or letter: {kind} must be "
                "typed with the digits 0-9 (non-Latin and full-width digits would make one reference into two)")
    if column.type == "id":
        return f"'{value}' is not a valid identifier"
    return f"'{value}' is not {_TYPE_WORDS[column.type]}"


def _check_codes(out: _Collector, table: Table, column: Column, p: _Parsed) -> None:
    codes, lowered = _codelist(column.codelist)
    bad = (~p.blank) & ~_member(p.value, sorted(codes))
    rows = _positions(bad)
    if not len(rows):
        return
    values = _shown(p.original, rows)
    source = f"params/reference/{column.codelist}.csv"
    legacy = _legacy_codes() if column.codelist == "ethnicity_sde" else {}
    details = []
    for v in values:
        guess = lowered.get(v.strip().lower())
        hint = f" (did you mean '{guess}'? codes are case-sensitive)" if guess and guess != v else ""
        if v.strip() in legacy:
            old, new, label = legacy[v.strip()]
            hint += (f" ('{old}' is the code for {label} in the older 16+1 list, which is '{new}' in the 18+1 list: "
                     "check which the force meant and use the 18+1 code)")
        odd = re.search(_NON_ASCII_DIGIT, v)
        if odd:
            hint += (f" (it uses '{odd.group(0)}', {unicodedata.name(odd.group(0), 'a character')}, not an ASCII digit "
                     "0-9 or letter)")
        details.append(f"'{v}' is not a code in the list {column.codelist} ({source}){hint}")
    out.rows(table.name, column.name, rows, values, "codelist", details)


def _check_int_codes(out: _Collector, table: Table, column: Column, p: _Parsed, name: str) -> None:
    in_use, retired = int_codes(name)
    allowed = in_use | {OUTCOME_NOT_YET_ASSIGNED}
    numbers = p.value
    inside = numbers.between(column.minimum, column.maximum) if column.minimum is not None else numbers.notna()
    bad = (inside & ~numbers.isin(allowed)).fillna(False).to_numpy(dtype=bool)
    rows = _positions(bad)
    if not len(rows):
        return
    values = _shown(p.original, rows)
    used = ", ".join(str(c) for c in sorted(in_use))
    details = [
        f"'{v}' is a retired code in the list {name} (params/reference/{name}.csv) and is not accepted"
        if numbers.iloc[r] in retired
        else f"'{v}' is not a code in the list {name} (params/reference/{name}.csv)"
        for r, v in zip(rows, values, strict=True)
    ]
    details = [f"{d}: use {OUTCOME_NOT_YET_ASSIGNED} or blank for no outcome yet, or one of {used}" for d in details]
    out.rows(table.name, column.name, rows, values, "codelist", details)


def _range_reason(table: Table, column: Column) -> str:
    if column.name.startswith("age"):
        who = "a victim (victims are children)" if table.name == "victims" else "a suspect (10 is the age of criminal responsibility)"
        return f"is not a plausible age for {who}"
    return "is outside the allowed range"


def _check_range(out: _Collector, table: Table, column: Column, p: _Parsed) -> None:
    lo, hi = column.minimum, column.maximum
    if lo is None and hi is None:
        return
    numbers = p.value
    bad = pd.Series(False, index=numbers.index)
    if lo is not None:
        bad |= (numbers < lo).fillna(False)
    if hi is not None:
        bad |= (numbers > hi).fillna(False)
    rows = _positions(bad)
    if not len(rows):
        return
    def fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)
    if lo is not None and hi is not None:
        allowed = f"it must be between {fmt(lo)} and {fmt(hi)}"
    elif lo is not None:
        allowed = f"it must be at least {fmt(lo)}"
    else:
        allowed = f"it must be at most {fmt(hi)}"
    values = _shown(p.original, rows)
    reason = _range_reason(table, column)
    out.rows(table.name, column.name, rows, values, "range", [f"'{v}' {reason}: {allowed}" for v in values])


def _check_unique(out: _Collector, table: Table, frame: pd.DataFrame, parsed: dict[str, _Parsed]) -> None:
    for column in table.columns:
        if not column.unique or column.name not in parsed:
            continue
        p = parsed[column.name]
        values = p.value[~p.blank]
        dup = values.duplicated(keep="first")
        if not dup.any():
            continue
        first = pd.Series(values.index, index=values.to_numpy()).groupby(level=0).first()
        rows = values.index[dup].to_numpy()
        shown = _shown(p.original, rows)
        firsts = first.reindex(values[dup].to_numpy()).to_numpy() + 2
        out.rows(table.name, column.name, rows, shown, "unique",
                 [f"'{v}' is a duplicate: it is already used in row {f}; each {column.name} must appear once" for v, f in zip(shown, firsts, strict=True)])
    key = [k for k in table.key if k != "force_code"]
    single_unique = len(key) == 1 and table.column(key[0]).unique
    if single_unique or not key or any(k not in parsed for k in key):
        return
    keys = pd.DataFrame({k: parsed[k].value for k in key})
    complete = keys.notna().all(axis=1)
    dup = keys.duplicated(keep="first") & complete
    rows = _positions(dup)
    if len(rows):
        label = ", ".join(key)
        shown = [", ".join(r) for r in keys.iloc[rows].astype("str").itertuples(index=False, name=None)]
        out.rows(table.name, label, rows, shown, "unique",
                 [f"the pair ({v}) appears more than once; each ({label}) pair must appear once" for v in shown])


# --------------------------------------------------------------------------------------------------
# Checks across columns and tables


@dataclass
class _Profile:
    force_code: str | None = None
    region: str | None = None
    is_synthetic: bool | None = None
    period_start: pd.Timestamp | None = None
    period_end: pd.Timestamp | None = None
    extraction_date: pd.Timestamp | None = None


def _first_valid(parsed: dict[str, _Parsed], name: str):
    p = parsed.get(name)
    if p is None or len(p.value) == 0 or p.blank[0] or p.invalid[0]:
        return None
    value = p.value.iloc[0]
    return None if pd.isna(value) else value


def _profile(parsed: dict[str, _Parsed]) -> _Profile:
    """Values of the first force_profile row (None where absent or invalid: their failure is already reported)."""
    values = {name: _first_valid(parsed, name) for name in ("force_code", "region", "is_synthetic", *PERIOD_COLUMNS)}
    if values["is_synthetic"] is not None:
        values["is_synthetic"] = bool(values["is_synthetic"])
    return _Profile(**values)


def _check_force_profile(out: _Collector, parsed: dict[str, _Parsed], n_rows: int, profile: _Profile, expected_code: str | None) -> None:
    name = "force_profile"
    if n_rows != 1:
        out.table(name, "one_row", f"force_profile has {n_rows} rows: it must have exactly one row, describing the force.")
    if n_rows == 0:
        return
    code = profile.force_code
    if code is not None and profile.is_synthetic is not None:
        synthetic_code = re.fullmatch(SYNTHETIC_FORCE_CODE_PATTERN, code) is not None
        forces = reference.load("forces").set_index("force_code")
        if profile.is_synthetic and not synthetic_code:
            out.rows(name, "force_code", np.array([0]), [code], "force_code",
                     f"'{code}' is not a synthetic force code: a return with is_synthetic true must use a code SYNnn (SYN and two digits)")
        elif not profile.is_synthetic and code not in forces.index:
            why = " (it is a synthetic code, but is_synthetic is false)" if synthetic_code else ""
            out.rows(name, "force_code", np.array([0]), [code], "force_code",
                     f"'{code}' is not the code of one of the 43 territorial police forces of England and Wales (params/reference/forces.csv){why}")
        elif not profile.is_synthetic and profile.region is not None and forces.at[code, "region"] != profile.region:
            out.rows(name, "region", np.array([0]), [profile.region], "force_code",
                     f"'{profile.region}' is not the region of force {code} ({forces.at[code, 'force_name']}): params/reference/forces.csv gives '{forces.at[code, 'region']}'")
    if code is not None and expected_code is not None and code != expected_code:
        out.rows(name, "force_code", np.array([0]), [code], "force_code",
                 f"'{code}' does not match the force code '{expected_code}' in the return's file or folder name")
    pop = [f"pop_child_{g}" for g in ETHNIC_GROUPS]
    if all(c in parsed for c in ["child_population", *pop]):
        total = sum(parsed[c].value.astype("Float64") for c in pop)
        stated = parsed["child_population"].value
        bad = (stated != total).fillna(False)
        rows = _positions(bad)
        shown = _shown(parsed["child_population"].original, rows)
        sums = _shown(total, rows)
        out.rows(name, "child_population", rows, shown, "consistency",
                 [f"'{v}' does not equal the sum of the pop_child_* columns ({s})" for v, s in zip(shown, sums, strict=True)])
    if "problem_profile_date" in parsed and "problem_profile_uses_partner_data" in parsed:
        no_profile = parsed["problem_profile_date"].blank
        uses = parsed["problem_profile_uses_partner_data"].value.fillna(False).to_numpy(dtype=bool)
        rows = _positions(no_profile & uses)
        out.rows(name, "problem_profile_uses_partner_data", rows, ["true"] * len(rows), "consistency",
                 "'true' but problem_profile_date is blank: with no problem profile this must be false")


def _check_date_order(out: _Collector, tables: dict[str, dict[str, _Parsed]]) -> None:
    for table, earlier, later in DATE_ORDER:
        parsed = tables.get(table, {})
        if earlier not in parsed or later not in parsed:
            continue
        a, b = parsed[earlier].value, parsed[later].value
        rows = _positions((b < a).fillna(False))
        shown = _shown(b, rows)
        firsts = _shown(a, rows)
        out.rows(table, later, rows, shown, "date_order",
                 [f"'{v}' is before {earlier} '{e}' in the same row; {later} must be on or after {earlier}" for v, e in zip(shown, firsts, strict=True)])


def _check_date_range(out: _Collector, tables: dict[str, dict[str, _Parsed]], profile: _Profile, years_before: int) -> None:
    """Every date inside its window: the return period for IN_PERIOD columns; otherwise from `years_before` years
    before period_start to extraction_date. The period itself starts no earlier than EARLIEST_PERIOD_START. A date
    outside is an error, not a warning: a year typed as a number or a day and month swapped can land there."""
    start, end, extraction = profile.period_start, profile.period_end, profile.extraction_date
    floor = start - pd.DateOffset(years=years_before) if start is not None else None
    if start is not None and start < EARLIEST_PERIOD_START:
        out.rows("force_profile", "period_start", np.array([0]), [f"{start:%Y-%m-%d}"], "date_range",
                 f"'{start:%Y-%m-%d}' is not a plausible start of the return period: it must be on or after "
                 f"{EARLIEST_PERIOD_START:%Y-%m-%d} (a year typed as a number in a date cell reads as a date in 1905)")
    for table_name, parsed in tables.items():
        for column in TABLES[table_name].columns:
            if column.type != "date" or column.name not in parsed:
                continue
            if table_name == "force_profile" and column.name in PERIOD_COLUMNS:
                continue  # these define the period: their order is checked by DATE_ORDER
            value = parsed[column.name].value
            if (table_name, column.name) in IN_PERIOD:
                if start is None or end is None:
                    continue
                rows = _positions(((value < start) | (value > end)).fillna(False))
                shown = _shown(value, rows)
                detail = f"is outside the return period {start:%Y-%m-%d} to {end:%Y-%m-%d} (force_profile)"
                out.rows(table_name, column.name, rows, shown, "date_range", [f"'{v}' {detail}" for v in shown])
                continue
            if extraction is not None:
                rows = _positions((value > extraction).fillna(False))
                shown = _shown(value, rows)
                detail = f"is after the extraction date {extraction:%Y-%m-%d} (force_profile): a date cannot be in the future of the data"
                out.rows(table_name, column.name, rows, shown, "date_range", [f"'{v}' {detail}" for v in shown])
            if floor is not None:
                rows = _positions((value < floor).fillna(False))
                shown = _shown(value, rows)
                detail = (f"is more than {years_before} years before the return period starts ({start:%Y-%m-%d}), earlier than "
                          f"any date this return can hold ({floor:%Y-%m-%d}; ingest.years_before_period): check the date "
                          "(a year typed as a number in a date cell reads as a date in 1905)")
                out.rows(table_name, column.name, rows, shown, "date_range", [f"'{v}' {detail}" for v in shown])


def _check_birth_year(out: _Collector, tables: dict[str, dict[str, _Parsed]], profile: _Profile) -> None:
    parsed = tables.get("suspects", {})
    if "birth_year" not in parsed or profile.extraction_date is None:
        return
    latest = profile.extraction_date.year - MIN_SUSPECT_AGE_AT_EXTRACTION
    value = parsed["birth_year"].value
    rows = _positions((value > latest).fillna(False))
    shown = _shown(parsed["birth_year"].original, rows)
    out.rows("suspects", "birth_year", rows, shown, "range",
             [f"'{v}' is not a plausible birth year for a suspect: it must be no later than {latest} "
              f"(the extraction year minus {MIN_SUSPECT_AGE_AT_EXTRACTION}, the age of criminal responsibility)" for v in shown])


def _check_foreign_keys(out: _Collector, tables: dict[str, dict[str, _Parsed]], profile: _Profile, profile_rows: int) -> None:
    for table_name, parsed in tables.items():
        for column in TABLES[table_name].columns:
            if column.references is None or column.name not in parsed:
                continue
            target_table, target_column = column.references
            p = parsed[column.name]
            if target_table == "force_profile":
                if table_name == "force_profile" or profile.force_code is None or profile_rows == 0:
                    continue
                rows = _positions((~p.blank) & (p.value != profile.force_code).fillna(False).to_numpy(dtype=bool))
                shown = _shown(p.original, rows)
                out.rows(table_name, column.name, rows, shown, "foreign_key",
                         [f"'{v}' does not match force_profile's force_code '{profile.force_code}': one return holds one force" for v in shown])
                continue
            target = tables.get(target_table, {}).get(target_column)
            if target is None:
                continue  # the missing table or column is already reported
            rows = _positions((~p.blank) & ~_member(p.value, target.value[~target.blank]))
            shown = _shown(p.original, rows)
            out.rows(table_name, column.name, rows, shown, "foreign_key",
                     [f"'{v}' is not {_article(target_column)} {target_column} in the {target_table} table" for v in shown])


def _check_consistency(out: _Collector, tables: dict[str, dict[str, _Parsed]]) -> None:
    offences = tables.get("offences", {})
    if "outcome_code" in offences and "outcome_date" in offences:
        code, date = offences["outcome_code"], offences["outcome_date"]
        outcome = TABLES["offences"].column("outcome_code")
        first_assigned = OUTCOME_NOT_YET_ASSIGNED + 1
        usable = ~code.invalid & (code.blank | code.value.between(outcome.minimum, outcome.maximum).fillna(False).to_numpy(dtype=bool))
        assigned = code.value.between(first_assigned, outcome.maximum).fillna(False).to_numpy(dtype=bool)
        rows = _positions(usable & assigned & date.blank)
        codes = _shown(code.original, rows)
        out.rows("offences", "outcome_date", rows, [""] * len(rows), "consistency",
                 [f"the value is blank but outcome_code is {c}: give the date the outcome was assigned" for c in codes])
        rows = _positions(usable & ~assigned & ~date.blank)
        shown = _shown(date.original, rows)
        codes = _shown(code.original, rows)
        out.rows("offences", "outcome_date", rows, shown, "consistency",
                 [f"'{v}' is given but outcome_code is {repr(c) if c else 'blank'} (no outcome assigned): "
                  f"leave outcome_date blank until an outcome {first_assigned}-{int(outcome.maximum)} is assigned" for v, c in zip(shown, codes, strict=True)])
    if "cse_flag" in offences and "group_flag" in offences:
        neither = (~offences["cse_flag"].value.fillna(True) & ~offences["group_flag"].value.fillna(True)).to_numpy(dtype=bool)
        rows = _positions(neither)
        out.rows("offences", "cse_flag", rows, ["false"] * len(rows), "consistency",
                 "cse_flag and group_flag are both false: every offence in the return must be CSE-flagged or group-based")
    notes = tables.get("case_notes", {})
    if "offence_id" in notes and "victim_id" in notes:
        rows = _positions(notes["offence_id"].blank & notes["victim_id"].blank)
        out.rows("case_notes", "offence_id", rows, [""] * len(rows), "consistency",
                 "offence_id and victim_id are both blank: a note must belong to an offence or a victim (or both)")
    victims = tables.get("victims", {})
    if "victim_id" in victims and "victim_id" in offences:
        p = victims["victim_id"]
        linked = offences["victim_id"]
        rows = _positions((~p.blank) & ~_member(p.value, linked.value[~linked.blank]))
        shown = _shown(p.original, rows)
        out.rows("victims", "victim_id", rows, shown, "consistency",
                 [f"'{v}' is not the victim of any offence in the offences table: every victim must be the victim of at least one offence" for v in shown])


# --------------------------------------------------------------------------------------------------
# Public entry points


def validate_tables(
    tables: dict[str, pd.DataFrame],
    *,
    source: str = "",
    files: dict[str, str] | None = None,
    expected_force_code: str | None = None,
    years_before: int | None = None,
) -> ValidationReport:
    """Check one force's tables against the contract; report every failure at once.

    `tables` maps table name (sheet or file stem) to a frame of raw text (as read by
    `returns_io.read_raw_csv_folder` / `read_raw_xlsx`) or of canonical types (`returns_io.to_canonical`).
    `files` maps table name to the file it came from, for the report. `expected_force_code`, when given,
    is the force code the file or folder name claims (checked against force_profile). `years_before`: how many
    years before period_start a date may lie (default: ingest.years_before_period in params/pipeline.yaml).
    """
    out = _Collector({str(k): str(v) for k, v in (files or {}).items()})
    for name in tables:
        if name not in TABLES:
            guess = _closest(str(name), TABLE_NAMES)
            hint = f" Did you mean '{guess}'?" if guess else ""
            out.table(str(name), "unknown_table",
                      f"'{name}' is not a table of the return (expected sheets or files named {', '.join(TABLE_NAMES)}).{hint}")
    parsed_tables: dict[str, dict[str, _Parsed]] = {}
    row_counts: dict[str, int] = {}
    for name, table in TABLES.items():
        if name not in tables:
            out.table(name, "missing_table",
                      f"{name}: the table is missing: the return must have a sheet or file named '{name}' "
                      f"(one row per {table.one_row_per}), with its header row even when it has no records.")
            continue
        frame = tables[name]
        if len(frame.columns) == 0:
            out.table(name, "empty_table", f"{name}: the table is empty: it has no header row (expected columns {', '.join(table.column_names)}).")
            continue
        frame = frame.reset_index(drop=True)
        present = _check_structure(out, table, frame)
        parsed = {c: _parse(table.column(c), frame[c]) for c in present if not isinstance(frame[c], pd.DataFrame)}
        _check_cells(out, table, parsed)
        _check_unique(out, table, frame, parsed)
        parsed_tables[name] = parsed
        row_counts[name] = len(frame)
    profile_parsed = parsed_tables.get("force_profile")
    profile = _profile(profile_parsed) if profile_parsed is not None else _Profile()
    if profile_parsed is not None:
        _check_force_profile(out, profile_parsed, row_counts["force_profile"], profile, expected_force_code)
    _check_foreign_keys(out, parsed_tables, profile, row_counts.get("force_profile", 0))
    _check_date_order(out, parsed_tables)
    if years_before is None:
        from analysis.ingest.limits import load_limits

        years_before = load_limits().years_before_period
    _check_date_range(out, parsed_tables, profile, years_before)
    _check_birth_year(out, parsed_tables, profile)
    _check_consistency(out, parsed_tables)
    return ValidationReport(source=source, force_code=profile.force_code or expected_force_code, failures=_in_reading_order(out.failures))


def _in_reading_order(failures: list[Failure]) -> list[Failure]:
    """Sort failures as an analyst reads the return: table by table (contract order), row by row, column by column."""
    table_pos = {name: i for i, name in enumerate(TABLES)}
    column_pos = {(t.name, c): i for t in TABLES.values() for i, c in enumerate(t.column_names)}
    return sorted(
        failures,
        key=lambda f: (table_pos.get(f.table, len(table_pos)), f.row or 0, column_pos.get((f.table, f.column), len(column_pos))),
    )


def locate_returns(directory: Path) -> dict[str, tuple[str, Path]]:
    """Every force return in `directory`: force code -> (format, folder or workbook).

    Forms (returns_io): DIR/<force>/<table>.parquet, DIR/<force>/<table>.csv, DIR/<force>.xlsx. Forces may
    come in different forms in one directory; one force in two forms is an error (which would count?).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"no such directory: {directory}")
    found: dict[str, tuple[str, Path]] = {}
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        forms = [fmt for fmt in ("parquet", "csv") if any(folder.glob(f"*.{fmt}"))]
        if len(forms) > 1:
            raise ValueError(f"{folder} holds both Parquet and CSV files: keep one form of the return")
        if forms:
            found[folder.name] = (forms[0], folder)
    for workbook in sorted(directory.glob("*.xlsx")):
        if workbook.name.startswith("~$"):
            continue  # Excel's lock file while the workbook is open
        if workbook.stem in found:
            raise ValueError(f"force {workbook.stem} has a return in two forms ({found[workbook.stem][1]} and {workbook}): keep one")
        found[workbook.stem] = ("xlsx", workbook)
    return found


def _read(fmt: str, path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    if fmt == "xlsx":
        tables = returns_io.read_raw_xlsx(path)
        return tables, {name: str(path) for name in tables}
    if fmt == "csv":
        tables = returns_io.read_raw_csv_folder(path)
        return tables, {name: str(path / f"{name}.csv") for name in tables}
    files = {p.stem: p for p in sorted(path.glob("*.parquet"))}
    return {name: pd.read_parquet(p) for name, p in files.items()}, {name: str(p) for name, p in files.items()}


def validate_force(directory, force_code: str) -> ValidationReport:
    """Validate the return of one force found in `directory` (any layout of returns_io)."""
    found = locate_returns(Path(directory))
    if force_code not in found:
        raise FileNotFoundError(f"no return for force '{force_code}' in {directory}")
    return _validate_found(force_code, *found[force_code])


def _validate_found(force_code: str, fmt: str, path: Path) -> ValidationReport:
    tables, files = _read(fmt, path)
    return validate_tables(tables, source=str(path), files=files, expected_force_code=force_code)


def validate_directory(directory) -> dict[str, ValidationReport]:
    """Validate every force return found in `directory`, by force code (raises if there are none)."""
    found = locate_returns(Path(directory))
    if not found:
        raise ValueError(
            f"no force returns found in {directory}: expected <force>/<table>.parquet, <force>/<table>.csv or <force>.xlsx"
        )
    return {code: _validate_found(code, fmt, path) for code, (fmt, path) in found.items()}
