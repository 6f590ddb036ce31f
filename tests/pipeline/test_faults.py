"""Faults of the batch engine, with real processes (issue 13): a kernel killed with signal 9 and a worker
process killed with signal 9 in the same run fail only their own forces, in bounded time, with the reason;
the worker replaces its kernel, the pool replaces its worker, the other force and the national report run;
a re-run completes with results tables byte-identical to an undisturbed run's. A cell over cell_timeout
and a kernel that stops answering (SIGSTOP) fail their force. A second run on the same output folder is
refused at once (exit code 2, naming the holder) while the first completes unaffected; a lock left by a
killed run is taken over with a message; `status` reads while a run holds the lock.

The only clock in these tests is a generous limit that catches a hang.
"""

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

from .conftest import FORCE_NB, NATIONAL_NB, make_config, write_force, write_settings
from .test_interrupt import DRIVER, _alive, _wait_for

pytestmark = pytest.mark.slow

HANG = 240  # seconds: a run still going after this is hung


def _driver(ws: dict, env: dict, *, params: Path | None = None, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    driver = ws["tmp"] / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    command = [sys.executable, str(driver), str(ws["data"]), str(ws["out"]), str(params or ws["params"]),
               str(FORCE_NB), str(NATIONAL_NB), str(ws["package"]), *extra]
    return subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _tables(out: Path) -> dict[str, bytes]:
    restricted = layout.restricted_dir(out)  # results tables live in the restricted folder, never beside the pages
    tables = {p.relative_to(restricted).as_posix(): p.read_bytes() for p in sorted(restricted.rglob("results.parquet"))}
    assert tables, f"no results table under {restricted}"
    return tables


def test_killed_kernel_and_killed_worker_fail_only_their_forces(workspace, executor):
    ws, out = workspace, workspace["out"]
    markers = ws["tmp"] / "markers"
    markers.mkdir()
    process = _driver(ws, {"PIPELINE_FIXTURE_SLEEP": "SYN01=600,SYN02=600", "PIPELINE_FIXTURE_MARKERS": str(markers)})
    try:
        _wait_for(lambda: len(list(markers.glob("*.kernel-pid"))) == 2, HANG, "SYN01 and SYN02 running", process)
        kernel_01 = int((markers / "SYN01.kernel-pid").read_text())
        kernel_02 = int((markers / "SYN02.kernel-pid").read_text())
        worker_02 = _parent(kernel_02)
        assert worker_02 != process.pid and _parent(worker_02) == process.pid  # a worker of the run
        os.kill(kernel_01, signal.SIGKILL)  # as the out-of-memory killer would
        os.kill(worker_02, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=HANG)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr
    assert re.search(r"SYN01\s+failed\s+[\d.]+\s+never run\s+kernel died: signal 9, possibly out of memory while "
                     r"running In \[3\]: # Fixture plumbing", stdout), stdout
    assert re.search(r"SYN02\s+failed\s+[\d.]+\s+never run\s+worker process died: signal 9, possibly out of memory",
                     stdout), stdout
    assert re.search(r"SYN03\s+ok\s", stdout) and re.search(r"NATIONAL\s+ok\s", stdout), stdout
    assert (layout.force_dir(out, "SYN01") / "error.txt").read_text() == (
        "SYN01: kernel died: signal 9, possibly out of memory while running In [3]: # Fixture plumbing: imports, "
        "isolation check, optional markers and delay\n")
    assert (layout.force_dir(out, "SYN02") / "error.txt").read_text() == (
        "SYN02: worker process died: signal 9, possibly out of memory\n")
    index = (out / "index.html").read_text()
    row = re.search(r"<tr>\s*<t[hd][^>]*>SYN01</t[hd]>.*?</tr>", index, re.DOTALL).group(0)
    assert 'class="status-failed">failed<' in row and "kernel died: signal 9, possibly out of memory" in row
    assert cache.load(out, "SYN02").error["kind"] == "worker"
    # the national report collated SYN03 only: partial, in the summary and on the index
    assert re.search(r"NATIONAL\s+ok\s+[\d.]+\s+never run\s+partial: collated from 1 of 3 forces; not included: "
                     r"SYN01, SYN02", stdout), stdout
    row = re.search(r'<a href="national/report.html">.*?</tr>', index, re.DOTALL).group(0)
    assert 'class="status-partial">partial<' in row
    assert "collated from 1 of the 3 forces in the data; not included: SYN01, SYN02" in row
    # SYN03 ran after both deaths: on the worker whose kernel was replaced, or on the rebuilt worker
    kernel_03 = int((markers / "SYN03.kernel-pid").read_text())
    assert kernel_03 not in (kernel_01, kernel_02)
    # the dead worker's kernel went with it; nothing of the run is left running
    deadline = time.monotonic() + 30
    while _alive(kernel_02) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(kernel_02) and not _alive(kernel_03)
    assert layout.temporary_files(out) == []

    again = run_pipeline(make_config(ws), executor=executor, echo=lambda line: None)
    assert again.exit_code == 0, format_summary(again)
    assert sorted(again.ran()) == ["NATIONAL", "SYN01", "SYN02"]
    assert again.unit("SYN01").reason == "last run failed"
    reference = run_pipeline(make_config(ws, out_dir=ws["tmp"] / "reference"), executor=executor,
                             echo=lambda line: None)
    assert reference.exit_code == 0
    assert _tables(out) == _tables(ws["tmp"] / "reference")
    assert len(_tables(out)) == 4


def test_cell_timeout_and_a_silent_kernel_fail_their_force(workspace):
    ws, out = workspace, workspace["out"]
    markers = ws["tmp"] / "markers"
    markers.mkdir()
    params = write_settings(ws["tmp"] / "limits.yaml", cell_timeout=20, kernel_silent_limit=3)
    process = _driver(ws, {"PIPELINE_FIXTURE_SLEEP": "SYN01=600,SYN02=600", "PIPELINE_FIXTURE_MARKERS": str(markers)},
                      params=params)
    try:
        _wait_for(lambda: len(list(markers.glob("*.kernel-pid"))) == 2, HANG, "SYN01 and SYN02 running", process)
        stopped = int((markers / "SYN02.kernel-pid").read_text())
        os.kill(stopped, signal.SIGSTOP)  # alive but silent: no heartbeat
        stdout, stderr = process.communicate(timeout=HANG)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, stdout + stderr
    assert re.search(r"SYN01\s+failed\s+[\d.]+\s+never run\s+cell timed out: it ran longer than pipeline.cell_timeout "
                     r"\(20 s\); the kernel was stopped while running In \[3\]: # Fixture plumbing", stdout), stdout
    assert re.search(r"SYN02\s+failed\s+[\d.]+\s+never run\s+kernel stopped answering: no heartbeat for 3 s "
                     r"\(pipeline.kernel_silent_limit\); it was killed while running In \[3\]", stdout), stdout
    assert re.search(r"SYN03\s+ok\s", stdout), stdout
    assert not _alive(stopped)


def test_a_second_run_on_the_same_output_folder_is_refused_and_the_first_completes(workspace, executor):
    ws, out = workspace, workspace["out"]
    markers = ws["tmp"] / "markers"
    markers.mkdir()
    first = _driver(ws, {"PIPELINE_FIXTURE_SLEEP": "SYN01=8", "PIPELINE_FIXTURE_MARKERS": str(markers)})
    try:
        _wait_for(lambda: (markers / "SYN01.kernel-pid").is_file(), HANG, "SYN01 running", first)
        began = time.monotonic()
        second = subprocess.run([sys.executable, "-m", "analysis", "run", "--data", str(ws["data"]), "--out", str(out),
                                 "--params", str(ws["params"]), "--no-progress"],
                                capture_output=True, text=True, timeout=HANG)
        refused_in = time.monotonic() - began
        status = subprocess.run([sys.executable, "-m", "analysis", "status", "--out", str(out), "--data",
                                 str(ws["data"]), "--params", str(ws["params"]), "--force-notebook", str(FORCE_NB),
                                 "--national-notebook", str(NATIONAL_NB)],
                                capture_output=True, text=True, timeout=HANG)
        assert first.poll() is None  # the first run was still going throughout
        stdout, stderr = first.communicate(timeout=HANG)
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode == 2, second.stdout + second.stderr
    message = second.stderr.strip().splitlines()[-1]
    assert re.search(rf"the output folder {re.escape(str(out))} is in use by another run: process {first.pid} on host "
                     rf"{re.escape(os.uname().nodename)}, started \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 "
                     r"\(analysis run\)\. Wait for it to finish, or give another --out folder", message), message
    assert refused_in < 60  # at once: it did not wait for the first run (generous limit for a loaded machine)
    assert status.returncode in (0, 1) and f"a run holds this output folder: process {first.pid}" in status.stdout
    assert first.returncode == 0, stdout + stderr
    assert layout.temporary_files(out) == [] and not (out / ".lock.json").exists()

    # a run killed with signal 9 leaves its holder record; the next run takes the lock over and says so
    write_force(ws["data"], "SYN02", extra_offences=1)  # so that SYN02 runs (and sleeps) again
    (markers / "SYN02.kernel-pid").unlink()
    killed = _driver(ws, {"PIPELINE_FIXTURE_SLEEP": "SYN02=600", "PIPELINE_FIXTURE_MARKERS": str(markers)})
    try:
        _wait_for(lambda: (markers / "SYN02.kernel-pid").is_file(), HANG, "SYN02 running", killed)
        orphan = int((markers / "SYN02.kernel-pid").read_text())
        killed.kill()
        killed.wait(timeout=60)
    finally:
        if killed.poll() is None:
            killed.kill()
    # its worker and kernel do not outlive it (the worker watches its parent)
    deadline = time.monotonic() + 30
    while _alive(orphan) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(orphan)
    lines: list[str] = []
    report = run_pipeline(make_config(ws), executor=executor, echo=lines.append)
    assert report.exit_code == 0, format_summary(report)
    assert any(re.fullmatch(rf"took over the lock of {re.escape(str(out))} left by process {killed.pid} on host "
                            r".*, which ended without releasing it", line) for line in lines), lines
