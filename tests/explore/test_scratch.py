"""Interactive runs write to scratch/, never to outputs/ (the published tree only `analysis run` writes)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from analysis import results
from explore.conftest import NOTEBOOKS, ROOT


def _tree(folder):
    return sorted((p.relative_to(folder), p.stat().st_mtime_ns) for p in folder.rglob("*")) if folder.exists() else None


@pytest.mark.slow
def test_force_report_with_default_output_writes_to_scratch_not_outputs(explore_data, tmp_path):
    """papermill with only the data folder given: results land in $ANALYSIS_SCRATCH/forces/SYN01, and
    outputs/ is exactly as it was (absent stays absent)."""
    import os

    scratch = tmp_path / "scratch"
    before = _tree(ROOT / "outputs")
    done = subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOKS / "force_report.ipynb"),
                           str(tmp_path / "report.ipynb"), "--no-progress-bar", "-p", "data_dir", str(explore_data)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
                          env={**os.environ, "ANALYSIS_SCRATCH": str(scratch)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert _tree(ROOT / "outputs") == before
    written = results.read(scratch / "restricted" / "forces" / "SYN01" / "results.parquet")  # unsuppressed: restricted
    assert set(written["force_code"]) == {"SYN01"}
    assert any((scratch / "forces" / "SYN01" / "figures").glob("*.png"))


def test_scratch_is_git_ignored_and_outputs_default_is_not_used_by_notebooks():
    ignored = subprocess.run(["git", "check-ignore", "-q", "scratch/restricted/forces/SYN01/results.parquet"], cwd=ROOT,
                             check=False).returncode
    assert ignored == 0
    for name in ("force_report", "national_findings", "explore"):
        parameters = next(c for c in __import__("nbformat").read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells
                          if "parameters" in c.metadata.get("tags", []))
        assert "output_dir: str = \"outputs" not in parameters.source
