"""State of each unit of the pipeline (a force, or the national run): what ran, with which inputs, and how
it ended. One JSON file per unit under OUT/.state/ (`force.<code>.json`, `national.json`), written atomically
after the unit's outputs are committed, so the state never claims outputs that are not there.

`stale_reasons` compares the current inputs with the recorded ones and the outputs on disk and says, in plain
words, why a unit must run again (an empty list means its outputs are current).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analysis.pipeline.hashing import Inputs, describe_changes, file_digest
from analysis.atomic import write_text_atomic

log = logging.getLogger(__name__)

STATE_DIR = ".state"
NATIONAL = "NATIONAL"

#: Unit statuses recorded in state files.
OK, FAILED, INVALID = "ok", "failed", "skipped-invalid"


@dataclass
class UnitState:
    """What the last run of one unit used and produced."""

    unit: str  # force code, or NATIONAL
    status: str  # ok | failed | skipped-invalid
    components: dict[str, Any]  # Inputs.components at the time of the run
    digest: str  # Inputs.digest
    finished_at: str
    seconds: float | None = None
    results_digest: str | None = None  # digest of results.parquet (forces with status ok)
    html_digest: str | None = None  # export_digest + run digest when report.html was written
    error: dict[str, Any] | None = None  # failed: cell, cell_id, ename, evalue, kind
    validation: str | None = None  # skipped-invalid: the validation summary
    reason: str = ""  # why it ran
    info: dict[str, Any] = field(default_factory=dict)  # force_name, region, synthetic, timings

    @property
    def inputs(self) -> Inputs:
        return Inputs(self.components)


def state_path(out_dir: str | Path, unit: str) -> Path:
    name = "national.json" if unit == NATIONAL else f"force.{unit}.json"
    return Path(out_dir) / STATE_DIR / name


def load(out_dir: str | Path, unit: str) -> UnitState | None:
    """The recorded state of `unit`, or None when it never completed (or its state file is unreadable)."""
    path = state_path(out_dir, unit)
    if not path.is_file():
        return None
    try:
        return UnitState(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as error:
        log.warning("ignoring unreadable state file %s (%s): the unit will run again", path, error)
        return None


def load_all(out_dir: str | Path) -> dict[str, UnitState]:
    """Every recorded force state (not the national one), by force code."""
    folder = Path(out_dir) / STATE_DIR
    states = {}
    for path in sorted(folder.glob("force.*.json")):
        unit = path.name[len("force."):-len(".json")]
        state = load(out_dir, unit)
        if state is not None:
            states[unit] = state
    return states


def save(out_dir: str | Path, state: UnitState) -> Path:
    """Write a unit's state atomically (temporary file, then rename)."""
    path = state_path(out_dir, state.unit)
    return write_text_atomic(path, json.dumps(asdict(state), indent=1, sort_keys=True, default=str))


def keep_previous(out_dir: str | Path, unit: str) -> Path | None:
    """Keep the unit's current state file aside (a hard link: no space needed) before it is replaced, so that
    `restore_previous` can put it back; None when there is no state file."""
    import os

    from analysis.pipeline.layout import ASIDE

    path = state_path(out_dir, unit)
    if not path.is_file():
        return None
    backup = path.parent / f"{ASIDE}{path.name}"
    backup.unlink(missing_ok=True)
    os.link(path, backup)
    return backup


def restore_previous(out_dir: str | Path, unit: str, backup: Path | None) -> None:
    """Put back the state file kept by `keep_previous` (or remove the unit's state when it had none)."""
    import os

    path = state_path(out_dir, unit)
    if backup is not None and backup.is_file():
        os.replace(backup, path)
    else:
        path.unlink(missing_ok=True)


def remove(out_dir: str | Path, unit: str) -> None:
    state_path(out_dir, unit).unlink(missing_ok=True)


def output_problems(state: UnitState, unit_dir: Path, required: tuple[str, ...]) -> list[str]:
    """What is wrong with a successful unit's committed outputs (empty when they are all there, unchanged)."""
    missing = [name for name in required if not (unit_dir / name).is_file()]
    if missing:
        return [f"outputs missing: {', '.join(missing)}"]
    if state.results_digest and (unit_dir / "results.parquet").is_file():
        if file_digest(unit_dir / "results.parquet") != state.results_digest:
            return ["results.parquet changed since it was written"]
    return []


def stale_reasons(previous: UnitState | None, current: Inputs, *, problems: list[str] = (), rerun: bool = False) -> list[str]:
    """Why a unit must run again, in plain words; [] when its outputs are current.

    A unit whose data failed validation is not re-run while its inputs are unchanged (the result would be
    the same); a unit that failed is re-run (the failure may have been transient, e.g. a killed kernel).
    """
    if rerun:
        return ["--rerun requested"]
    if previous is None:
        return ["never run"]
    changes = describe_changes(previous.components, current.components)
    if changes:
        return changes
    if previous.status == FAILED:
        return ["last run failed"]
    if previous.status == OK:
        return list(problems)
    return []
