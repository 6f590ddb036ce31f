"""Prove that nothing was lost: every value of a return survives typing and the Parquet round trip.

`typing_losses` compares, cell by cell, the text a return held (after safe normalisation) with the typed
(canonical) value it became: identifiers, codes and free text must be identical, numbers equal as exact decimals
(so "12.0" and 12 agree but 12.5 could never pass for 12), dates and booleans identical as text. A blank and a
missing value are the same. `parquet_losses` reads the written Parquet files back and compares them with the
canonical frames. Either finding anything is a fault of the software, reported as `internal_error` so the return
is not published.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from analysis import returns_io
from analysis.contract import TABLES, Table


def _typed_text(series: pd.Series, kind: str) -> list[str | None]:
    if kind == "date":
        text = series.dt.strftime(returns_io.DATE_FORMAT)
    elif kind == "bool":
        text = series.map({True: "true", False: "false"})
    else:
        text = series.astype("str")
    return [None if pd.isna(v) else str(v) for v in text.where(series.notna(), None)]


def _same(kind: str, given: str, typed: str | None) -> bool:
    blank = given == "" if kind == "text" else given.strip() == ""
    if blank:
        return typed is None
    if typed is None:
        return False
    if kind in ("int", "float"):
        try:
            return Decimal(given.strip()) == Decimal(typed)
        except InvalidOperation:
            return False
    if kind in ("id", "code", "text"):
        return given == typed
    return given.strip() == typed


def typing_losses(table: Table, text: pd.DataFrame, typed: pd.DataFrame) -> list[tuple[int, str, str, str]]:
    """(position, column, value given, value typed) for every cell whose value changed when typed."""
    if len(text) != len(typed):
        return [(-1, "", f"{len(text)} rows", f"{len(typed)} rows")]
    losses = []
    for column in table.columns:
        typed_values = _typed_text(typed[column.name], column.type)
        for position, (given, value) in enumerate(zip(text[column.name].tolist(), typed_values, strict=True)):
            if not _same(column.type, given, value):
                losses.append((position, column.name, given, "" if value is None else value))
    return losses


def parquet_losses(directory: Path, force_code: str, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Differences between the Parquet files written for a force and the frames they were written from."""
    problems = []
    back = returns_io.read_force(directory, force_code)
    for name in TABLES:
        try:
            pd.testing.assert_frame_equal(back[name], tables[name].reset_index(drop=True), check_dtype=True)
        except AssertionError as error:
            problems.append(f"{name}: {str(error).splitlines()[0]}")
    return problems
