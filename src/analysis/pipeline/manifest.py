"""Provenance: the git commit, package versions and parameters behind a run, and OUT/manifest.json.

The manifest records, for the last run: when it ran, the commit (and whether the working tree had
uncommitted changes), whether the data are synthetic, the data folder, the parameters (params/pipeline.yaml
as read), the digest of every input (analysis.pipeline.hashing), the versions of the core packages
(importlib.metadata), the executor, timings per step, and per unit its status, seconds, why it ran and, for a
failure, the failing cell and error. Each executed notebook carries the same provenance for itself in its
metadata (`metadata.analysis.provenance`) and its reviewer page shows it in the footer.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from analysis.paths import PROJECT_ROOT
from analysis.atomic import write_text_atomic

#: Packages whose versions are recorded (distribution names).
CORE_PACKAGES = (
    "analysis", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "pyarrow", "pandera",
    "openpyxl", "PyYAML", "papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client",
    "dask", "distributed", "tqdm",
)


def now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Python's version and the installed version of each core package ("not installed" when absent)."""
    versions = {"python": platform.python_version()}
    for name in CORE_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """{"commit": sha or "unknown", "dirty": bool}: dirty when tracked files differ from the commit."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": "unknown", "dirty": False}
    changes = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(changes)}


def display_path(path: str | Path, root: Path = PROJECT_ROOT) -> str:
    """A path as shown to readers: relative to the project when inside it (no machine-specific prefix)."""
    path = Path(path).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def notebook_provenance(*, git: dict[str, Any], data_dir: str | Path, parameters: dict[str, Any],
                        input_hashes: dict[str, str]) -> dict[str, Any]:
    """The provenance a worker records in an executed notebook (it adds executed_at and synthetic)."""
    shown = {k: display_path(v) if isinstance(v, str) and os.path.isabs(v) else v for k, v in parameters.items()}
    return {
        "git_commit": git["commit"],
        "git_dirty": git["dirty"],
        "data_dir": display_path(data_dir),
        "parameters": shown,
        "input_hashes": dict(input_hashes),
        "package_versions": package_versions(),
    }


def write_manifest(path: str | Path, manifest: dict[str, Any]) -> Path:
    """Write manifest.json atomically."""
    return write_text_atomic(Path(path), json.dumps(manifest, indent=2, default=str) + "\n")


def read_manifest(path: str | Path) -> dict[str, Any] | None:
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def build_manifest(*, config, data_dir: Path, out: Path, params_file: Path, git: dict, synthetic: bool, shared,
                   plans: list, states: dict, national, report, executor: dict) -> dict[str, Any]:
    """The manifest of a run: `config` (run.RunConfig), `shared` (hashing.Shared), `plans` (plan.UnitPlan),
    `states` and `national` (cache.UnitState), `report` (summary.RunReport)."""
    from analysis.pipeline.cache import FAILED, INVALID, NATIONAL, OK
    from analysis.settings import load_settings

    def unit_entry(state, result) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        if result is not None:
            entry.update(status=result.status, ran=result.status in (OK, FAILED, INVALID) and result.seconds is not None,
                         seconds=result.seconds, reason=result.reason, failure=result.failure)
        if state is not None:
            entry.update(last_status=state.status, finished_at=state.finished_at, input_digest=state.digest,
                         inputs=state.inputs.flat(), results_digest=state.results_digest,
                         timings=state.info.get("timings", {}), error=state.error)
        return entry

    results = {u.unit: u for u in report.units}
    return {
        "created_at": now(),
        "git": git,
        "synthetic": synthetic,
        "data_dir": display_path(data_dir),
        "out_dir": display_path(out),
        "params_file": display_path(params_file),
        "parameters": load_settings(params_file),
        "forces_selected": config.forces or "all",
        "rerun": config.rerun,
        "executor": executor,
        "shared_inputs": {"force_notebook": shared.notebook, "parameters": shared.parameters,
                          "package": shared.package, "lock": shared.lock},
        "package_versions": package_versions(),
        "timings": report.timings,
        "forces": {p.unit: unit_entry(states.get(p.unit), results.get(p.unit)) for p in plans},
        "national": unit_entry(national, results.get(NATIONAL)),
        "exit_code": report.exit_code,
    }
