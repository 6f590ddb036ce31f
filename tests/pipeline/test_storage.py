"""Storage faults never cost published work (issue 13), on a real small file system (a tmpfs mounted for the
test, as root): a run whose output disk fills up while its forces run stops with one clear message and no
traceback, and every previously published file is byte-identical afterwards; once there is room the next run
completes. A read-only output folder is refused with a clear message before anything runs.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys

import pytest

from analysis.pipeline.lock import OutputFolderError
from analysis.pipeline.run import run_pipeline
from analysis.pipeline.summary import format_summary
from fixtures.disks import small_tmpfs

from .conftest import make_config, write_force
from .test_faults import HANG, _driver
from .test_interrupt import _wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MiB tmpfs mounted at tmp_path/disk (needs root, as on the project's machines and CI)."""
    with small_tmpfs(tmp_path / "disk", 8) as mount:
        yield mount


def _published(out) -> dict[str, bytes]:
    """Every file under OUT but the lock's own (which belong to whichever run holds it)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in (".lock", ".lock.json")}


def _fill(folder) -> None:
    """Write a file until the file system is full (ENOSPC), down to its last byte."""
    with open(folder / "filler", "wb", buffering=0) as stream:
        for size in (256 * 1024, 4096, 1):
            try:
                while True:
                    stream.write(b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC


def test_a_full_disk_stops_the_run_and_leaves_published_outputs_byte_identical(workspace, executor, small_disk):
    ws = dict(workspace, out=small_disk / "out")
    first = run_pipeline(make_config(ws), executor=executor, echo=lambda line: None)
    assert first.exit_code == 0, format_summary(first)
    before = _published(ws["out"])
    assert {"forces/SYN01/report.html", "forces/SYN02/published.parquet", "national/report.html", "index.html",
            "manifest.json"} <= set(before)

    for code in ("SYN01", "SYN02", "SYN03"):  # every force changes: all of them and the national report re-run
        write_force(ws["data"], code, extra_offences=1)
    markers = ws["tmp"] / "markers"
    markers.mkdir()
    process = _driver(ws, {"PIPELINE_FIXTURE_SLEEP": "SYN01=4,SYN02=4,SYN03=4", "PIPELINE_FIXTURE_MARKERS": str(markers)})
    try:
        _wait_for(lambda: any(markers.glob("*.kernel-pid")), HANG, "a force running", process)
        _fill(small_disk)
        stdout, stderr = process.communicate(timeout=HANG)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert re.search(rf"run stopped: the disk of the output folder {re.escape(str(ws['out']))} is full \(No space left "
                     r"on device\): free space on it \(or give another --out\) and run again; outputs already published "
                     r"are unchanged", stdout), stdout
    assert _published(ws["out"]) == before  # byte for byte: nothing lost, nothing half-replaced

    (small_disk / "filler").unlink()
    again = run_pipeline(make_config(ws), executor=executor, echo=lambda line: None)
    assert again.exit_code == 0, format_summary(again)
    assert sorted(again.ran()) == ["NATIONAL", "SYN01", "SYN02", "SYN03"]


def test_a_read_only_output_folder_is_refused_clearly(workspace, executor, small_disk):
    ws = dict(workspace, out=small_disk / "out")
    assert run_pipeline(make_config(ws), executor=executor, echo=lambda line: None).exit_code == 0
    before = _published(ws["out"])
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        with pytest.raises(OutputFolderError, match=rf"^cannot write to the output folder {re.escape(str(ws['out']))}: "
                                                    r"Read-only file system$"):
            run_pipeline(make_config(ws, rerun=True), executor=executor, echo=lambda line: None)
        command = subprocess.run([sys.executable, "-m", "analysis", "run", "--data", str(ws["data"]), "--out",
                                  str(ws["out"]), "--params", str(ws["params"]), "--no-progress"],
                                 capture_output=True, text=True, timeout=HANG)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert command.returncode == 2 and "Traceback" not in command.stderr
    assert command.stderr.strip().endswith(f"cannot write to the output folder {ws['out']}: Read-only file system")
    assert _published(ws["out"]) == before
