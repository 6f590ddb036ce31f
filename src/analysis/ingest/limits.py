"""How much of a return ingestion will read: the `ingest` section of params/pipeline.yaml.

A return is read only up to these limits, so that a damaged or hostile file (a stray cell in Excel's last cell,
a workbook whose parts inflate a thousandfold, a value of millions of characters) is refused with a `too_large`
problem naming the file, sheet or part and the limit, in bounded memory and time, instead of exhausting the
machine. The defaults are sized to the largest real force's return with a wide margin (docs/returns_guide.md,
"Limits"): the largest force records a few tens of thousands of in-scope offences over a return period, far below
`max_rows`; the widest table has 22 columns; Excel itself holds at most 32,767 characters in a cell.

Keys (all positive numbers):
- `max_file_mb`: size on disk of one workbook or one CSV file, in MiB;
- `max_part_mb`: uncompressed size of one part (zip member) of a workbook, in MiB, as declared and as read;
- `max_total_mb`: uncompressed size of all parts of one workbook together, in MiB;
- `max_compression_ratio`: uncompressed / compressed size of a part larger than `ratio_floor_mb` MiB
  (ordinary workbook parts compress 5 to 30 times; a "zip bomb" close to deflate's limit of about 1,000);
- `max_rows`: spreadsheet row of the last non-empty row of a sheet or CSV file (Excel's grid has 1,048,576);
- `max_columns`: column number of the last non-empty cell of a row (Excel's grid has 16,384, column XFD);
- `max_cell_chars`: characters in one value (free text included; a CSV field may be as long as this).
- `years_before_period`: how many years before the return period's first day a date may lie (a victim first
  reported before the period, an older problem profile); an earlier date, or a date after the extraction date, is
  an error, and a number in a date column is read as an Excel date serial only when it falls inside this window.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from analysis.settings import section

MIB = 1024 * 1024

DEFAULTS: dict[str, Any] = {
    "max_file_mb": 256,
    "max_part_mb": 256,
    "max_total_mb": 1024,
    "max_compression_ratio": 200,
    "ratio_floor_mb": 1,
    "max_rows": 1_000_000,
    "max_columns": 200,
    "max_cell_chars": 1_000_000,
    "years_before_period": 20,
}


@dataclass(frozen=True)
class Limits:
    """Reading limits (see the module docstring); sizes in bytes, counts as numbers."""

    max_file_bytes: int
    max_part_bytes: int
    max_total_bytes: int
    max_compression_ratio: float
    ratio_floor_bytes: int
    max_rows: int
    max_columns: int
    max_cell_chars: int
    years_before_period: int = 20

    @staticmethod
    def from_settings(values: dict[str, Any]) -> Limits:
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"settings: ingest.{key} must be a positive number, got {value!r}")
        return Limits(
            max_file_bytes=int(values["max_file_mb"] * MIB),
            max_part_bytes=int(values["max_part_mb"] * MIB),
            max_total_bytes=int(values["max_total_mb"] * MIB),
            max_compression_ratio=float(values["max_compression_ratio"]),
            ratio_floor_bytes=int(values["ratio_floor_mb"] * MIB),
            max_rows=int(values["max_rows"]),
            max_columns=int(values["max_columns"]),
            max_cell_chars=int(values["max_cell_chars"]),
            years_before_period=int(values["years_before_period"]),
        )

    def replace(self, **changes: Any) -> Limits:
        """A copy with some limits changed (tests and benchmarks use small limits)."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        return Limits(**{**current, **changes})


def load_limits(path: str | Path | None = None) -> Limits:
    """The `ingest` section of the settings file (params/pipeline.yaml unless `path`), with defaults.

    Raises ValueError for an unknown key or a value that is not a positive number.
    """
    return Limits.from_settings(section("ingest", DEFAULTS, path))


def megabytes(n: int) -> str:
    """A byte count for messages, e.g. '256 MiB' or '1.5 KiB'."""
    for unit, size in (("GiB", MIB * 1024), ("MiB", MIB), ("KiB", 1024)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.2f} {unit}"
    return f"{n} bytes"
