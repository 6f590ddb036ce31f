"""Write a synthetic dataset to disk with a stamp saying what produced it.

Layout is that of analysis.returns_io (Parquet or CSV: DIR/<force>/<table>.<ext>; Excel: DIR/<force>.xlsx).
DIR/_generator.json records the generator version, seed, scale, number of forces, format, the params hash
and a hash of the generator's source and reference code lists (so an edit to the code regenerates even
when the version was not bumped); it is written last, so its presence means the dataset is complete.
`is_current` compares it with the settings and code in force now (`generate --if-missing`).
DIR/README.md is the data card of the dataset.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from analysis.paths import REFERENCE_DIR
from analysis.returns_io import Format, write_force
from analysis.synthetic import datacard
from analysis.synthetic.config import GENERATOR_VERSION, SyntheticConfig
from analysis.synthetic.generate import iter_forces

STAMP_NAME = "_generator.json"
FORMATS = ("parquet", "csv", "xlsx")
_FORCE_ENTRY = re.compile(r"^SYN\d{2}(\.xlsx)?$")


@dataclass(frozen=True)
class Stamp:
    """What produced a generated dataset."""

    generator_version: str
    seed: int
    scale: float
    forces: int
    format: str
    params_hash: str
    source_hash: str
    force_codes: tuple[str, ...]

    @classmethod
    def of(cls, config: SyntheticConfig, fmt: str) -> Stamp:
        return cls(GENERATOR_VERSION, config.seed, config.scale, config.n_forces, fmt, config.params_hash(),
                   source_hash(), tuple(config.force_codes))


def source_hash() -> str:
    """SHA-256 of the generator's modules and the reference code lists it reads."""
    digest = hashlib.sha256()
    files = sorted(Path(__file__).parent.glob("*.py")) + sorted(REFERENCE_DIR.glob("*.csv"))
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_stamp(out: Path | str) -> Stamp | None:
    """The stamp in `out`, or None when there is none (or it cannot be read)."""
    path = Path(out) / STAMP_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["force_codes"] = tuple(data["force_codes"])
        return Stamp(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _expected_files(out: Path, codes: tuple[str, ...], fmt: str) -> list[Path]:
    if fmt == "xlsx":
        return [out / f"{code}.xlsx" for code in codes]
    return [out / code for code in codes]


def is_current(config: SyntheticConfig, out: Path | str, fmt: str = "parquet") -> bool:
    """True when `out` holds a complete dataset made by this generator version from these settings."""
    out = Path(out)
    stamp = read_stamp(out)
    if stamp is None or stamp != Stamp.of(config, fmt):
        return False
    return all(path.exists() for path in _expected_files(out, stamp.force_codes, fmt))


def clear_dataset(out: Path | str) -> None:
    """Remove generated force returns and the stamp from `out` (other files, like README.md, stay)."""
    out = Path(out)
    if not out.is_dir():
        return
    (out / STAMP_NAME).unlink(missing_ok=True)
    for entry in out.iterdir():
        if _FORCE_ENTRY.match(entry.name):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def write_dataset(
    config: SyntheticConfig,
    out: Path | str,
    fmt: Format = "parquet",
    *,
    data_card: bool = True,
    on_force: Callable[[str, dict[str, pd.DataFrame]], None] | None = None,
) -> Stamp:
    """Generate every force and write it to `out` in `fmt`; returns the stamp written.

    Forces are generated and written one at a time, so memory holds one force's tables at once (unless
    `on_force`, called with each force's code and tables after it is written, keeps them).
    Previous synthetic returns in `out` are removed first; the stamp is written last.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': use parquet, csv or xlsx")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clear_dataset(out)
    summaries = []
    for code, tables in iter_forces(config):
        write_force(tables, out, code, fmt)
        summaries.append(datacard.summarise_force(tables))
        if on_force is not None:
            on_force(code, tables)
    stamp = Stamp.of(config, fmt)
    if data_card:
        (out / "README.md").write_text(datacard.render(config, summaries), encoding="utf-8")
    (out / STAMP_NAME).write_text(json.dumps(asdict(stamp), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return stamp
