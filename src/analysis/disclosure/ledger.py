"""The publication ledger: the single record of every number a page publishes.

Every table a report shows (through analysis.report's `ctx.published`) and the rows behind every figure are
recorded, as published (withheld numbers blank, `suppressed` True), with where they are shown, in
`published.parquet` beside the page. The reader's audit reads it (with the restricted, unsuppressed results) to
check the page as a reader would, and downloads are built from it (`published_tables`), so a download can never
hold a number the page does not.

Columns: the results key (force_code, indicator_id, breakdown, category, basis), numerator, denominator, value,
lower, upper, method, note, suppressed (as published), shown_in (the table or figure) and kind ("table",
"figure" or "sentence").
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

LEDGER = "published.parquet"
LEDGER_COLUMNS = ["force_code", "indicator_id", "breakdown", "category", "basis", "numerator", "denominator", "value",
                  "lower", "upper", "method", "note", "suppressed", "shown_in", "kind"]
KINDS = ("table", "figure", "sentence")


class Ledger:
    """What one page publishes, written to `folder/published.parquet` after every record (so the file is
    complete whenever the notebook stops)."""

    def __init__(self, folder: str | Path | None):
        self.path = Path(folder) / LEDGER if folder is not None else None  # None: kept in memory only
        self._parts: list[pd.DataFrame] = []
        self._seen: set[tuple[str, str]] = set()

    def record(self, rows: pd.DataFrame, shown_in: str, kind: str = "table") -> None:
        """Add published rows (the output of disclosure.suppress_results: withheld numbers already blank).

        Raises ValueError for an unknown kind or when a withheld row still carries a number (nothing withheld
        may be recorded as published)."""
        if kind not in KINDS:
            raise ValueError(f"ledger kind must be one of {KINDS}, got {kind!r}")
        frame = rows.reindex(columns=LEDGER_COLUMNS[:-2]).copy()
        withheld = frame["suppressed"].fillna(False).astype(bool)
        shown = frame.loc[withheld, ["numerator", "denominator", "value", "lower", "upper"]].notna().any(axis=1)
        if shown.any():
            raise ValueError(f"{shown_in}: a withheld row still shows a number; pass the published rows")
        frame["suppressed"] = withheld.to_numpy()
        frame["shown_in"] = shown_in
        frame["kind"] = kind
        marker = (shown_in, kind)
        if marker in self._seen and len(frame) == 0:
            return
        self._seen.add(marker)
        self._parts.append(frame)
        self.write()

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return empty()
        return pd.concat(self._parts, ignore_index=True)[LEDGER_COLUMNS]

    def write(self) -> Path | None:
        from analysis.atomic import write_bytes_atomic

        if self.path is None:
            return None
        buffer = io.BytesIO()
        _typed(self.frame()).to_parquet(buffer, index=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return write_bytes_atomic(self.path, buffer.getvalue())


def empty() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in LEDGER_COLUMNS}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in ("numerator", "denominator", "value", "lower", "upper"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("Float64")
    for c in ("force_code", "indicator_id", "breakdown", "category", "basis", "method", "note", "shown_in", "kind"):
        out[c] = out[c].astype("object").where(out[c].notna(), "").astype(str)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def read_ledger(folder: str | Path) -> pd.DataFrame:
    """The ledger of the page in `folder` (FileNotFoundError naming the file when the page recorded none)."""
    path = Path(folder) / LEDGER
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the page's publication ledger is missing (was it made by "
                                "an older version? run it again)")
    return _typed(pd.read_parquet(path))


def published_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every table (and figure's data) a page publishes, by where it is shown, in the order first shown: the
    numbers exactly as published (withheld ones blank, `suppressed` True)."""
    frame = read_ledger(folder)
    out: dict[str, pd.DataFrame] = {}
    for name in dict.fromkeys(frame["shown_in"]):
        out[name] = frame[frame["shown_in"] == name].drop(columns=["shown_in"]).reset_index(drop=True)
    return out
