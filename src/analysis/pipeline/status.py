"""What `python -m analysis status` reports: per unit, whether its outputs are current and, if not, why.

It plans exactly as `run` would (analysis.pipeline.plan) without running anything: a unit is current when
its inputs are unchanged since its last run and its outputs are in place; otherwise the reasons are those
`run` would print. It also says when a page is out of date (export code changed: `export` or `run` fixes it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from analysis.paths import PACKAGE_DIR, PROJECT_ROOT
from analysis.pipeline import cache, layout, publish
from analysis.pipeline.cache import NATIONAL, OK
from analysis.pipeline.config import pipeline_settings
from analysis.pipeline.hashing import export_digest, notebook_digest, shared_components
from analysis.pipeline.manifest import read_manifest
from analysis.pipeline.plan import PlanError, list_forces, notebooks, plan_forces, plan_national


@dataclass
class StatusRow:
    unit: str
    last: str  # ok | failed | skipped-invalid | never run
    current: bool
    why: str = ""
    page: str = ""  # "", "current", "out of date", "missing"


def data_dir_of(out_dir: Path, data_dir: Path | None) -> Path:
    """The data folder to compare with: given, else the one the last run used (from its manifest)."""
    if data_dir is not None:
        return Path(data_dir).resolve()
    manifest = read_manifest(Path(out_dir) / layout.MANIFEST)
    if manifest is None or not manifest.get("data_dir"):
        raise PlanError(f"no run recorded in {out_dir} (manifest.json missing): give --data or run first")
    path = Path(manifest["data_dir"])
    return path if path.is_absolute() else PROJECT_ROOT / path


def inspect(out_dir: Path, *, data_dir: Path | None = None, params_file: Path, force_notebook: Path | None = None,
            national_notebook: Path | None = None, package_dir: Path = PACKAGE_DIR) -> list[StatusRow]:
    """One row per force in the data, then the national unit."""
    out_dir = Path(out_dir).resolve()
    settings = pipeline_settings(params_file)
    data = data_dir_of(out_dir, data_dir)
    forces = list_forces(data)
    force_nb, national_nb = notebooks(settings, force_notebook, national_notebook)
    export_code = export_digest()
    shared = shared_components(force_nb, params_file, package_dir=package_dir)
    plans = plan_forces(out_dir, data, shared, forces, forces)
    rows = [_row(out_dir, p.unit, p.previous, p.reasons, export_code) for p in plans]
    if national_nb.is_file():
        states = {code: s for code, s in cache.load_all(out_dir).items() if code in forces}
        national_shared = replace(shared, notebook=notebook_digest(national_nb))
        plan = plan_national(out_dir, national_shared, states, {p.unit: p.inputs for p in plans})
        reasons = plan.reasons
        if not plan.inputs.components["results"]:
            reasons = ["no force has results to collate"]
        rows.append(_row(out_dir, NATIONAL, plan.previous, reasons, export_code))
    else:
        rows.append(StatusRow(NATIONAL, "never run", False, f"national notebook not found: {national_nb}"))
    return rows


def _row(out_dir: Path, unit: str, previous, reasons: list[str], export_code: str) -> StatusRow:
    last = previous.status if previous is not None else "never run"
    page = ""
    if previous is not None and previous.status == OK:
        if not (publish.unit_dir(out_dir, unit) / layout.HTML).is_file():
            page = "missing"
        elif previous.html_digest != publish.page_digest(export_code, previous, publish._context(out_dir, previous)):
            page = "out of date"
        else:
            page = "current"
    if previous is not None and previous.status == cache.INVALID and not reasons:
        reasons = ["data failed validation; unchanged since"]
    current = not reasons and last == OK
    return StatusRow(unit, last, current, "; ".join(reasons), page)


def format_rows(rows: list[StatusRow]) -> str:
    header = ("unit", "last run", "outputs", "page", "why not current")
    table = [(r.unit, r.last, "current" if r.current else "stale", r.page, r.why) for r in rows]
    widths = [max(len(header[i]), *(len(t[i]) for t in table)) for i in range(4)]
    lines = ["  ".join([*(row[i].ljust(widths[i]) for i in range(4)), row[4]]).rstrip() for row in [header, *table]]
    stale = sum(1 for r in rows if not r.current)
    lines.append("everything is current" if not stale else f"{stale} of {len(rows)} not current")
    return "\n".join(lines)
