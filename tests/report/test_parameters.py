"""The force and national notebooks stop at once, with a clear message, when a parameter is wrong; and
`papermill --help-notebook` lists every parameter with its help text (issue 6, item 1)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from report.conftest import FORCE_NB, NATIONAL_NB, ROOT, run_papermill

FORCE_PARAMETERS = {
    "force_code": "force to report on",
    "data_dir": "validated Parquet returns",
    "output_dir": "figures/ and publication ledger",
    "params_file": "pipeline settings",
    "restricted_dir": "unsuppressed results.parquet goes (never shared)",
}


@pytest.mark.parametrize("notebook", [FORCE_NB, NATIONAL_NB], ids=["force", "national"])
def test_help_notebook_lists_every_parameter_with_help(notebook):
    done = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(notebook)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    names = FORCE_PARAMETERS if notebook == FORCE_NB else {"results_dir": "per-force results",
                                                           "data_dir": "validated Parquet returns",
                                                           "output_dir": "figures and publication ledger",
                                                           "params_file": "pipeline settings",
                                                           "restricted_dir": "unsuppressed national results"}
    for name, help_text in names.items():
        assert re.search(rf"^\s+{name}: str \(default [^)]*\)\s+[^\n]*{re.escape(help_text)}", done.stdout, re.MULTILINE), \
            (name, done.stdout)


@pytest.mark.slow
def test_unknown_force_code_fails_with_a_clear_error(synthetic_data, tmp_path):
    done = run_papermill(FORCE_NB, tmp_path / "out.ipynb",
                         {"force_code": "NOPE", "data_dir": str(synthetic_data), "output_dir": str(tmp_path / "o")})
    assert done.returncode != 0
    assert "ParameterError" in done.stdout
    assert f"unknown force_code 'NOPE': {synthetic_data} has data for 3 forces (SYN01, SYN02, SYN03)" in done.stdout
    assert not (tmp_path / "o" / "results.parquet").exists()
    assert not (tmp_path / "o" / "published.parquet").exists()


@pytest.mark.slow
def test_missing_data_dir_fails_with_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-data"
    done = run_papermill(FORCE_NB, tmp_path / "out.ipynb",
                         {"force_code": "SYN01", "data_dir": str(missing), "output_dir": str(tmp_path / "o")})
    assert done.returncode != 0
    assert "ParameterError" in done.stdout
    assert f"data_dir {missing} does not exist" in done.stdout


@pytest.mark.slow
def test_national_without_force_results_fails_with_a_clear_error(synthetic_data, tmp_path):
    missing = tmp_path / "no-forces"
    done = run_papermill(NATIONAL_NB, tmp_path / "out.ipynb",
                         {"results_dir": str(missing), "data_dir": str(synthetic_data), "output_dir": str(tmp_path / "o")})
    assert done.returncode != 0
    assert "ParameterError" in done.stdout
    assert f"results_dir {missing} does not exist: run the force reports first" in done.stdout
