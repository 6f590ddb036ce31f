"""A run stopped by SIGTERM while forces are running leaves no partial file, keeps what finished, stops its
kernels, exits 143, and the next run completes only what is missing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.pipeline import cache, layout
from analysis.pipeline.run import run_pipeline
from analysis.pipeline.summary import format_summary

from .conftest import FORCE_NB, NATIONAL_NB, make_config

pytestmark = pytest.mark.slow

# The run as `python -m analysis run` makes it (commands/run.py only maps the report to an exit code), with the
# test's stand-in package so that edits elsewhere in the tree cannot make a finished force stale.
DRIVER = '''
import sys
from pathlib import Path

from analysis.pipeline.run import RunConfig, run_pipeline
from analysis.pipeline.summary import format_summary

if __name__ == "__main__":
    data, out, params, force_nb, national_nb, package = map(Path, sys.argv[1:7])
    report = run_pipeline(RunConfig(data_dir=data, out_dir=out, params_file=params, force_notebook=force_nb,
                                    national_notebook=national_nb, jobs=2, progress=False, package_dir=package))
    print(format_summary(report), flush=True)
    sys.exit(report.exit_code)
'''


def _wait_for(condition, timeout: float, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_leaves_no_partial_files_and_the_next_run_completes(workspace, executor):
    ws, out = workspace, workspace["out"]
    markers = ws["tmp"] / "markers"
    markers.mkdir()
    driver = ws["tmp"] / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "PIPELINE_FIXTURE_SLEEP": "SYN02=120,SYN03=120", "PIPELINE_FIXTURE_MARKERS": str(markers)}
    command = [sys.executable, str(driver), str(ws["data"]), str(out), str(ws["params"]), str(FORCE_NB),
               str(NATIONAL_NB), str(ws["package"])]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: cache.load(out, "SYN01") is not None, 240, "SYN01 finished", process)
        _wait_for(lambda: len(list(markers.glob("*.kernel-pid"))) == 3, 120, "SYN02 and SYN03 running", process)
        assert len(list((out / layout.STAGING).iterdir())) == 2  # SYN02 and SYN03 mid-run
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "interrupted by SIGTERM" in stdout
    assert re.search(r"SYN01\s+ok\s+\d", stdout)
    assert re.search(r"SYN02\s+interrupted\s+never run\s+run again to complete it", stdout)

    # nothing half-written; the finished force is whole; the interrupted ones left nothing
    assert layout.temporary_files(out) == []
    assert sorted(p.name for p in (out / "forces").iterdir()) == ["SYN01"]
    # Its page shows it beside the national results, so it is rendered after the national run (issue 15): the
    # interrupted run leaves its results and notebook whole, and the next run renders the page (below).
    assert {"published.parquet", "report.ipynb"} <= {p.name for p in layout.force_dir(out, "SYN01").iterdir()}
    assert (layout.restricted_dir(out) / "forces" / "SYN01" / "results.parquet").is_file()
    assert layout.temporary_files(layout.restricted_dir(out)) == []
    assert sorted(cache.load_all(out)) == ["SYN01"] and cache.load(out, "NATIONAL") is None
    # the kernels of the interrupted runs were stopped
    pids = {p.stem: int(p.read_text()) for p in markers.glob("*.kernel-pid")}
    deadline = time.monotonic() + 15
    while any(_alive(pids[c]) for c in ("SYN02", "SYN03")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pids[c]) for c in ("SYN02", "SYN03"))
    # each force ran in its own working directory (its staging folder)
    cwds = {p.stem: Path(p.read_text()) for p in markers.glob("*.cwd")}
    assert len(set(cwds.values())) == 3 and all(c.parent == out / layout.STAGING for c in cwds.values())

    lines: list[str] = []
    resumed = run_pipeline(make_config(ws), executor=executor, echo=lines.append)
    assert resumed.exit_code == 0, format_summary(resumed)
    assert sorted(resumed.ran()) == ["NATIONAL", "SYN02", "SYN03"]
    assert resumed.unit("SYN01").status == "current"
    assert "run never run: SYN02, SYN03" in lines
    assert all((layout.force_dir(out, c) / "report.html").is_file() for c in ("SYN01", "SYN02", "SYN03"))
    assert layout.temporary_files(out) == []
