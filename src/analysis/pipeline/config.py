"""The `pipeline:` section of params/pipeline.yaml: how batch runs execute (not what they compute, so it is
left out of the parameters digest and changing it re-runs nothing).

Keys (defaults in PIPELINE_DEFAULTS):
- force_notebook, national_notebook: notebooks to run, relative to the project root
- jobs: worker processes of the local executor (null: one per core)
- executor: local or dask; scheduler: the Dask scheduler address for `executor: dask`
- reuse_kernels: keep one warm kernel per worker across notebooks (see analysis.pipeline.kernels)
- warm_imports: modules a warm kernel imports once when it starts
- kernel_name: Jupyter kernel to run notebooks with
- start_timeout: seconds to wait for a kernel to start; cell_timeout: seconds a cell may run (null: no limit)
- kernel_silent_limit: seconds a running kernel may leave its heartbeat unanswered before it is killed and its
  notebook failed (a kernel process that has ended is noticed within about a second)
- hidden_tags: cell tags removed from reviewer pages
Unknown keys are an error so that a misspelt setting is not silently ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis.paths import PROJECT_ROOT
from analysis.settings import section

PIPELINE_DEFAULTS: dict[str, Any] = {
    "force_notebook": "notebooks/force_report.ipynb",
    "national_notebook": "notebooks/national_findings.ipynb",
    "jobs": None,
    "executor": "local",
    "scheduler": None,
    "reuse_kernels": True,
    "warm_imports": ["numpy", "pandas", "pyarrow.parquet", "matplotlib.pyplot", "seaborn", "scipy.stats",
                     "analysis.stats", "analysis.indicators"],
    "kernel_name": "python3",
    "start_timeout": 120,
    "cell_timeout": None,
    "kernel_silent_limit": 60,
    "hidden_tags": ["hide", "parameters", "injected-parameters"],
}


def pipeline_settings(path: str | Path | None = None) -> dict[str, Any]:
    """The `pipeline` section with defaults filled in and types checked."""
    merged = section("pipeline", PIPELINE_DEFAULTS, path)
    jobs = merged["jobs"]
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"settings: pipeline.jobs must be a positive integer or null, got {jobs!r}")
    if merged["executor"] not in ("local", "dask"):
        raise ValueError(f"settings: pipeline.executor must be local or dask, got {merged['executor']!r}")
    if not isinstance(merged["reuse_kernels"], bool):
        raise ValueError(f"settings: pipeline.reuse_kernels must be true or false, got {merged['reuse_kernels']!r}")
    for key in ("warm_imports", "hidden_tags"):
        if not isinstance(merged[key], list) or not all(isinstance(v, str) for v in merged[key]):
            raise ValueError(f"settings: pipeline.{key} must be a list of names")
    if merged["kernel_silent_limit"] is None:
        raise ValueError("settings: pipeline.kernel_silent_limit must be a positive number of seconds")
    for key in ("start_timeout", "cell_timeout", "kernel_silent_limit"):
        value = merged[key]
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
            raise ValueError(f"settings: pipeline.{key} must be a positive number of seconds or null, got {value!r}")
    return merged


def project_path(value: str | Path) -> Path:
    """A path from the settings or the command line: relative paths are relative to the project root."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path
