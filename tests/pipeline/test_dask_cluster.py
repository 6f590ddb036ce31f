"""The Dask executor against a real cluster started with the standard command lines, as docs/pipeline.md
("Running on a Dask cluster") tells an operator to: one `dask scheduler` and two `dask worker` processes on
this machine (so the paths are shared), each worker started from the project folder with the project's own
environment (its `dask` command). `python -m analysis run --executor dask --scheduler ADDRESS` then runs three
forces and the national report there. After every run (ok, failed, interrupted) no kernel is left under any
worker, and a failed run does not poison the next. A worker running another version of the project is
refused with a clear message before anything runs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import results
from analysis.paths import PROJECT_ROOT
from analysis.pipeline import layout

from .conftest import FORCE_NB, NATIONAL_NB, write_force

pytestmark = pytest.mark.slow
psutil = pytest.importorskip("psutil")

DASK = Path(sys.executable).parent / "dask"  # the project environment's command line
HANG = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(command: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _kernels_under(processes: list[subprocess.Popen]) -> list[int]:
    """Kernel processes (ipykernel) among the descendants of the given processes."""
    found = []
    for process in processes:
        try:
            children = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            continue
        for child in children:
            try:
                if any("ipykernel" in part for part in child.cmdline()):
                    found.append(child.pid)
            except psutil.NoSuchProcess:
                pass
    return found


def _wait_workers(address: str, n: int) -> None:
    from distributed import Client

    with Client(address, set_as_default=False, timeout="60s") as client:
        client.wait_for_workers(n, timeout=120)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """1 scheduler + 2 workers (one thread each), started as their command lines, stopped at the end."""
    logs = tmp_path_factory.mktemp("dask-logs")
    markers = tmp_path_factory.mktemp("dask-markers")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                       logs / "scheduler.log")
    # kernels inherit the workers' environment: forces SYN08 and SYN09 sleep (the interruption test uses them)
    env = {"PIPELINE_FIXTURE_SLEEP": "SYN08=600,SYN09=600", "PIPELINE_FIXTURE_MARKERS": str(markers)}
    workers = [_start([str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"],
                      logs / f"worker{i}.log", env) for i in (1, 2)]
    try:
        _wait_workers(address, 2)
        yield {"address": address, "workers": workers, "logs": logs, "markers": markers}
    finally:
        for process in [*workers, scheduler]:
            _stop(process)


def _run(ws_data: Path, out: Path, address: str, *extra: str, env: dict | None = None,
         wait: bool = True) -> subprocess.CompletedProcess | subprocess.Popen:
    command = [sys.executable, "-m", "analysis", "run", "--data", str(ws_data), "--out", str(out), "--executor", "dask",
               "--scheduler", address, "--force-notebook", str(FORCE_NB), "--national-notebook", str(NATIONAL_NB),
               "--no-progress", *extra]
    if not wait:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, **(env or {})})
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=HANG,
                          env={**os.environ, **(env or {})})


def test_a_cluster_from_the_command_lines_runs_forces_and_national_and_keeps_no_kernel(cluster, workspace):
    ws, out, address = workspace, workspace["out"], cluster["address"]
    write_force(ws["data"], "SYN02", no_disruptions=True)  # its notebook fails: a failed run

    failed = _run(ws["data"], out, address, "--params", str(ws["params"]))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"SYN02\s+failed\s+[\d.]+\s+never run\s+In \[4\]: # Count offences: ValueError: no disruptions",
                     failed.stdout), failed.stdout
    assert re.search(r"SYN01\s+ok", failed.stdout) and re.search(r"NATIONAL\s+ok", failed.stdout)
    assert "Traceback" not in failed.stderr
    assert _kernels_under(cluster["workers"]) == []

    write_force(ws["data"], "SYN02")  # mended: the next run is not poisoned by the failed one
    done = _run(ws["data"], out, address, "--params", str(ws["params"]))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"SYN02\s+ok", done.stdout) and re.search(r"NATIONAL\s+ok", done.stdout), done.stdout
    for code in ("SYN01", "SYN02", "SYN03"):
        assert results.read(layout.restricted_dir(out) / "forces" / code / "results.parquet")["force_code"].tolist() == [code]
    assert results.read(layout.restricted_dir(out) / "national" / "results.parquet")["numerator"].tolist() == [12.0]
    assert (layout.national_dir(out) / "report.html").is_file() and layout.temporary_files(out) == []
    assert _kernels_under(cluster["workers"]) == []

    # interrupted while both workers run a notebook: no kernel of it is left either
    markers, sleepy = cluster["markers"], ws["tmp"] / "sleepy"
    for code in ("SYN08", "SYN09"):
        write_force(sleepy, code)
    running = _run(sleepy, ws["tmp"] / "out2", address, "--params", str(ws["params"]), wait=False)
    try:
        deadline = time.monotonic() + HANG
        while (not all((markers / f"{c}.kernel-pid").is_file() for c in ("SYN08", "SYN09"))
               and time.monotonic() < deadline and running.poll() is None):
            time.sleep(0.2)
        assert running.poll() is None, running.communicate()
        assert len(_kernels_under(cluster["workers"])) == 2
        running.send_signal(signal.SIGTERM)
        stdout, stderr = running.communicate(timeout=HANG)
    finally:
        if running.poll() is None:
            running.kill()
    assert running.returncode == 143, stdout + stderr
    deadline = time.monotonic() + 30
    while _kernels_under(cluster["workers"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _kernels_under(cluster["workers"]) == []


def test_a_worker_running_another_version_of_the_project_is_refused(cluster, workspace, tmp_path):
    # the third worker imports a copy of the package whose version differs (its own PYTHONPATH)
    other = tmp_path / "other-src"
    shutil.copytree(PROJECT_ROOT / "src" / "analysis", other / "analysis",
                    ignore=shutil.ignore_patterns("__pycache__"))
    init = other / "analysis" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9.9.9-other-'), encoding="utf-8")
    odd = _start([str(DASK), "worker", cluster["address"], "--nthreads", "1", "--no-dashboard", "--name", "odd"],
                 cluster["logs"] / "odd.log", env={"PYTHONPATH": str(other)})
    try:
        _wait_workers(cluster["address"], 3)
        refused = _run(workspace["data"], workspace["out"], cluster["address"], "--params", str(workspace["params"]))
    finally:
        _stop(odd)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    message = refused.stderr.strip().splitlines()[-1]
    assert re.search(r"Dask worker tcp://127\.0\.0\.1:\d+ runs a different version of the project: analysis "
                     r"'9\.9\.9-other-[^']+' \(here '[^']+'\); analysis source '[0-9a-f]+' \(here '[0-9a-f]+'\)\. "
                     r"Install the same version and environment on every worker", message), message
    assert not (workspace["out"] / "forces").exists()  # refused before anything ran
