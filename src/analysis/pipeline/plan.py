"""Which units must run and why: current inputs against the recorded state and the outputs on disk.

Used by `run` (to decide what to execute) and by `status` (to report it without running anything).
Rules (DESIGN.md section 7):
- a force runs again when the digest of its inputs changed (the reason names the changed component, and for
  data the changed files), when it never ran, when it failed last time, or when its committed outputs are
  missing or were altered; a force whose data failed validation is not re-run until its inputs change;
- the national notebook runs again when its own inputs changed or any force's results changed (a force
  gained, lost or changed its results table), or when the data of any force changed;
- `--rerun` runs everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from analysis.pipeline import cache, layout
from analysis.pipeline.cache import NATIONAL, OK, UnitState
from analysis.pipeline.config import project_path
from analysis.pipeline.hashing import Inputs, Shared, force_inputs, national_inputs


class PlanError(ValueError):
    """The run cannot start (no data, unknown force, missing notebook...)."""


@dataclass
class UnitPlan:
    unit: str
    inputs: Inputs
    previous: UnitState | None
    reasons: list[str] = field(default_factory=list)
    selected: bool = True

    @property
    def due(self) -> bool:
        return self.selected and bool(self.reasons)


def list_forces(data_dir: Path) -> list[str]:
    """Force codes with a validated Parquet partition in `data_dir` (DIR/<force>/<table>.parquet)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise PlanError(f"data folder not found: {data_dir}")
    forces = sorted(p.name for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.parquet")))
    if not forces:
        other = [p.name for p in data_dir.iterdir() if p.suffix == ".xlsx" or (p.is_dir() and any(p.glob("*.csv")))]
        hint = (" It holds returns as CSV or Excel: convert them to validated Parquet first with "
                "`python -m analysis ingest`." if other else "")
        raise PlanError(f"no validated Parquet returns in {data_dir} (expected DIR/<force>/<table>.parquet).{hint}")
    return forces


def notebooks(settings: dict, force_notebook: Path | None, national_notebook: Path | None) -> tuple[Path, Path]:
    """The force and national notebooks (given, else from the pipeline settings); the force notebook must
    exist (a missing national notebook is reported as that unit's status)."""
    force_nb = project_path(force_notebook or settings["force_notebook"])
    national_nb = project_path(national_notebook or settings["national_notebook"])
    if not force_nb.is_file():
        raise PlanError(f"force notebook not found: {force_nb}")
    return force_nb, national_nb


def select(forces: list[str], wanted: list[str] | None) -> list[str]:
    """The forces named on the command line (all when none are named); unknown codes are an error."""
    if not wanted:
        return list(forces)
    unknown = sorted(set(wanted) - set(forces))
    if unknown:
        raise PlanError(f"unknown force code(s) {', '.join(unknown)}: the data folder holds {', '.join(forces)}")
    return [f for f in forces if f in set(wanted)]


def plan_forces(out_dir: Path, data_dir: Path, shared: Shared, forces: list[str], selected: list[str],
                *, rerun: bool = False) -> list[UnitPlan]:
    """One plan per force in the data (forces not selected are planned too, never due)."""
    chosen = set(selected)
    plans = []
    for code in forces:
        inputs = force_inputs(shared, data_dir, code)
        previous = cache.load(out_dir, code)
        problems = []
        if previous is not None and previous.status == OK:
            problems = (cache.output_problems(previous, layout.force_dir(out_dir, code), (layout.NOTEBOOK,))
                        or cache.output_problems(previous, layout.restricted_dir(out_dir) / layout.FORCES / code,
                                                 (layout.RESULTS,)))
        reasons = cache.stale_reasons(previous, inputs, problems=problems, rerun=rerun)
        plans.append(UnitPlan(code, inputs, previous, reasons, selected=code in chosen))
    return plans


def plan_national(out_dir: Path, shared: Shared, states: dict[str, UnitState], data: dict[str, Inputs],
                  *, rerun: bool = False) -> UnitPlan:
    """The national unit's plan from the forces' current states (`states`) and inputs (`data`)."""
    results = {code: s.results_digest for code, s in states.items() if s.status == OK and s.results_digest and code in data}
    inputs = national_inputs(shared, results, {code: i.flat()["data"] for code, i in data.items()})
    previous = cache.load(out_dir, NATIONAL)
    problems = []
    if previous is not None and previous.status == OK:
        problems = cache.output_problems(previous, layout.national_dir(out_dir), (layout.NOTEBOOK,))
    reasons = cache.stale_reasons(previous, inputs, problems=problems, rerun=rerun)
    return UnitPlan(NATIONAL, inputs, previous, reasons)


def group_reasons(plans: list[UnitPlan]) -> list[str]:
    """Lines saying why units run, grouped by reason: `never run: SYN01, SYN02`."""
    grouped: dict[str, list[str]] = {}
    for plan in plans:
        if plan.due:
            grouped.setdefault("; ".join(plan.reasons), []).append(plan.unit)
    return [f"{reason}: {', '.join(units)}" for reason, units in grouped.items()]
