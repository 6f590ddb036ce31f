"""Operator slips are refused before anything is written, and failures of the pipeline's hidden plumbing are
explained as internal errors of the run (issue 13).

- `--out` equal to `--data`, inside it or containing it; `--scheduler` without `--executor dask` (on the
  command line, or `scheduler:` in the settings with `executor: local`): exit code 2, a message, nothing
  written (not even the output folder).
- A notebook that breaks module-level state of its reused kernel (here `os.chdir`) makes the next notebook's
  hidden prelude fail: that force is reported as "internal error of the run: ..." with the real cause and
  what to do, never as a cell number the executed notebook does not contain; the worker discards the
  kernel and the next force runs on a fresh one.
"""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest

from analysis.pipeline import layout
from analysis.pipeline.plan import PlanError
from analysis.pipeline.run import run_pipeline
from analysis.pipeline.summary import format_summary

from .conftest import FORCE_NB, make_config, write_settings


def _files(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("where", ["same", "inside data", "contains data"])
def test_output_and_data_folders_that_overlap_are_refused_with_nothing_written(workspace, where):
    data = workspace["data"]
    before = _files(data)
    out = {"same": data, "inside data": data / "outputs", "contains data": data.parent}[where]
    expected = {"same": rf"^--out and --data are the same folder \({re.escape(str(data))}\): give an output folder "
                        r"outside the data folder$",
                "inside data": rf"^the output folder {re.escape(str(out))} is inside the data folder {re.escape(str(data))}",
                "contains data": rf"^the data folder {re.escape(str(data))} is inside the output folder {re.escape(str(out))}"}
    with pytest.raises(PlanError, match=expected[where]):
        run_pipeline(make_config(workspace, out_dir=out), echo=lambda line: None)
    assert _files(data) == before and not (data / "outputs").exists()
    assert not (out / ".lock").exists() and not (out / ".staging").exists()


def test_the_command_line_refuses_out_equal_to_data_with_exit_code_2(workspace):
    data = workspace["data"]
    before = _files(data)
    done = subprocess.run([sys.executable, "-m", "analysis", "run", "--data", str(data), "--out", str(data),
                           "--no-progress"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().endswith(f"--out and --data are the same folder ({data}): give an output folder "
                                        "outside the data folder")
    assert _files(data) == before


def test_a_scheduler_without_the_dask_executor_is_refused(workspace):
    with pytest.raises(PlanError, match=r"^--scheduler tcp://10\.0\.0\.5:8786 is given but the executor is local: add "
                                        r"--executor dask to run on that Dask cluster, or leave out --scheduler"):
        run_pipeline(make_config(workspace, scheduler="tcp://10.0.0.5:8786"), echo=lambda line: None)
    params = write_settings(workspace["tmp"] / "odd.yaml", executor="local", scheduler="tcp://10.0.0.5:8786")
    with pytest.raises(PlanError, match=r"^the pipeline settings give scheduler: tcp://10\.0\.0\.5:8786 but executor: "
                                        r"local: set executor: dask"):
        run_pipeline(make_config(workspace, params_file=params), echo=lambda line: None)
    # an explicit --executor local overrides a scheduler in the settings on purpose: no refusal (negative control)
    from analysis.pipeline.config import pipeline_settings
    from analysis.pipeline.run import check_executor

    check_executor(make_config(workspace, params_file=params, executor="local"), pipeline_settings(params))
    assert not workspace["out"].exists()


@pytest.mark.slow
def test_a_failing_hidden_prelude_is_an_internal_error_with_its_cause(workspace, executor):
    nb = nbformat.read(FORCE_NB, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'if force_code == "SYN01":  # breaks the kernel for whatever runs next in it\n'
        '    import os\n    os.chdir = None', metadata={"tags": ["hide"]}))
    broken = workspace["tmp"] / "breaks_its_kernel.ipynb"
    nbformat.write(nb, broken)
    report = run_pipeline(make_config(workspace, force_notebook=broken), executor=executor, echo=lambda line: None)
    assert report.unit("SYN01").status == "ok"  # the notebook that broke the kernel completed
    syn02 = report.unit("SYN02")
    assert syn02.status == "failed", format_summary(report)
    assert syn02.failure == ("internal error of the run: preparing the reused kernel for this notebook failed "
                             "(TypeError: 'NoneType' object is not callable); what to do: run again (the worker "
                             "starts a fresh kernel); if it fails again, set pipeline.reuse_kernels: false and "
                             "report the error")
    assert "In [" not in (layout.force_dir(workspace["out"], "SYN02") / "error.txt").read_text()
    assert report.unit("SYN03").status == "ok"  # on a fresh kernel


def test_a_previous_folder_kept_aside_is_not_among_the_units(tmp_path):
    """While a new force folder waits for its page, the previous one is kept aside in the staging area, not
    beside the forces (the national notebook collates every folder under forces/: it would count it twice)."""
    out = tmp_path / "out"
    final = layout.force_dir(out, "SYN01")
    final.mkdir(parents=True)
    (final / "results.parquet").write_bytes(b"previous")
    staging = layout.new_staging(out, "SYN01")
    staging.mkdir(parents=True)
    (staging / "results.parquet").write_bytes(b"new")
    aside = layout.commit(staging, final, keep_previous=True)
    assert aside.parent == out / layout.STAGING
    assert sorted(p.name for p in (out / layout.FORCES).iterdir()) == ["SYN01"]
    layout.restore(aside, final)
    assert (final / "results.parquet").read_bytes() == b"previous" and not aside.exists()
