"""How fast, and in how much memory, does ingest read a large return? Writes benchmarks/results/ingest_speed.md.

A force return with 100,000 offences (and 20,000 victims; the other tables are the test fixture's) is built as
in benchmarks/validate_speed.py and written both ways a force submits it: a workbook FORCE.xlsx and a folder of
CSV files. Each measurement runs in its own process, so its peak memory (maximum resident set size, from
getrusage of the child) is its own:

1. the reader before issue 18 (openpyxl `iter_rows` over each sheet's declared used range; CSV read whole with
   the default field limit), taken from the commit named below with `git show`, reading every sheet or file;
2. the new reader (`analysis.ingest.read`: archive checked part by part while streaming, sheets streamed from
   their XML row by row within the limits of params/pipeline.yaml);
3. the whole `ingest` of the return with the new reader (read, normalise, validate, type, verify, write
   Parquet, report);
4. a workbook with one space in cell XFD1048576 of its offences sheet (the issue's stray cell), read by both
   readers under a 2 GiB address-space limit.

Target (issue 18): every single return under 1 GB of memory and 60 s on the project's 2-core machine.

Usage: python benchmarks/ingest_speed.py [--offences 100000] [--victims 20000] [--baseline COMMIT]
"""

from __future__ import annotations

import argparse
import platform
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "ingest_speed.md"
#: The last commit with the reader before issue 18 (main when the issue was started).
BASELINE = "555905e"
ADDRESS_SPACE = 2 * 1024**3


def build(folder: Path, n_offences: int, n_victims: int) -> tuple[Path, Path]:
    """The large return as FORCE.xlsx and as FORCE/ CSV files in `folder`; returns (workbook, CSV folder)."""
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]
    from validate_speed import big_return

    from analysis import returns_io
    from analysis.contract import TABLES

    tables = big_return(n_offences, n_victims)
    canonical = {name: returns_io.to_canonical(TABLES[name], tables[name]) for name in TABLES}
    xlsx_dir, csv_dir = folder / "xlsx", folder / "csv"
    returns_io.write_force(canonical, xlsx_dir, "SYN01", "xlsx")
    returns_io.write_force(canonical, csv_dir, "SYN01", "csv")
    return xlsx_dir / "SYN01.xlsx", csv_dir / "SYN01"


def stray(workbook: Path, folder: Path) -> Path:
    """The workbook with one space typed into XFD1048576 of its offences sheet."""
    sys.path[:0] = [str(ROOT / "tests")]
    from ingest.hostile import stray_cell

    out = folder / "stray" / "SYN01.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(stray_cell(workbook.read_bytes(), " "))
    return out


def baseline_module(commit: str, folder: Path) -> Path:
    """The reader module as it was at `commit`, saved as an importable file (it imports only what still exists)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:src/analysis/ingest/read.py"],
                            capture_output=True, text=True, check=True).stdout
    path = folder / "read_before.py"
    path.write_text(source)
    return path


#: Appended to each measured script: wait until the parent has read the final high-water mark.
_REPORT_PEAK = "\nimport time; time.sleep(0.3)\n"


def measure(code: str, limit_memory: bool = False, timeout: float = 600) -> dict:
    """Run `code` in a fresh Python process; its wall time, its own peak resident memory (os.wait4) and outcome."""
    import os
    import signal

    script = textwrap.dedent(code)

    def limit() -> None:
        if limit_memory:
            resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", script + _REPORT_PEAK], stdout=out, stderr=err, preexec_fn=limit, cwd=ROOT)
        deadline = started + timeout
        peak_kib = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            peak_kib = max(peak_kib, _high_water_kib(child.pid))
            if time.perf_counter() > deadline:
                child.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().strip(), err.read().strip()
    if time.perf_counter() > deadline and child.returncode < 0:
        outcome = f"stopped after {timeout:.0f} s"
    elif child.returncode == 0 and stdout:
        outcome = stdout.splitlines()[-1]
    else:
        outcome = (stderr.splitlines() or [f"exit code {child.returncode}"])[-1][:160]
    return {"seconds": seconds, "peak_mib": peak_kib / 1024, "outcome": outcome}


def _high_water_kib(pid: int) -> int:
    """The process's own peak resident memory (VmHWM, KiB) so far; 0 once it has gone. (getrusage's ru_maxrss of
    a child starts from the parent's at fork, which here holds the built return, so it cannot be used.)"""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offences", type=int, default=100_000)
    parser.add_argument("--victims", type=int, default=20_000)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        step = time.perf_counter()
        workbook, csv_folder = build(tmp, args.offences, args.victims)
        built = time.perf_counter() - step
        stray_book = stray(workbook, tmp)
        before = baseline_module(args.baseline, tmp)
        old = f"import sys; sys.path.insert(0, {str(tmp)!r}); import read_before as r"
        new = "import analysis.ingest.read as r"
        read_xlsx = "s = r.read_workbook(__import__('pathlib').Path({path!r})); print(sum(len(x.rows) for x in s), 'records')"
        read_csv = ("from pathlib import Path; s = [r.read_csv_file(p) for p in sorted(Path({path!r}).glob('*.csv'))]; "
                    "print(sum(len(x.rows) for x in s), 'records')")
        ingest = ("from analysis.ingest import ingest_directory; from pathlib import Path; "
                  "res = ingest_directory(Path({path!r}), Path({out!r}), Path({out!r} + '_reports')); "
                  "print('passed' if all(x.passed for x in res) else [x.issues[:2] for x in res])")
        rows = [("start-up only (imports)", "before issue 18", measure(f"{old}\nprint('imported')")),
                ("start-up only (imports)", "new (streaming, bounded)", measure(f"{new}\nprint('imported')"))]
        for form, path, reader in (("xlsx", workbook, read_xlsx), ("CSV", csv_folder, read_csv)):
            for label, head in (("before issue 18", old), ("new (streaming, bounded)", new)):
                rows.append((f"read {form}", label, measure(f"{head}\n{reader.format(path=str(path))}")))
            rows.append((f"ingest {form}", "new: read, normalise, validate, write, report",
                         measure(ingest.format(path=str(path.parent), out=str(tmp / f"out_{form}")))))
        for label, head in (("before issue 18", old), ("new (streaming, bounded)", new)):
            rows.append(("read stray-cell xlsx under 2 GiB", label,
                         measure(f"{head}\n{read_xlsx.format(path=str(stray_book))}", limit_memory=True, timeout=90)))
        sizes = {"xlsx": workbook.stat().st_size, "CSV": sum(p.stat().st_size for p in csv_folder.glob("*.csv"))}
    lines = [
        "# Ingest: reading a large return (benchmarks/ingest_speed.py)",
        "",
        f"Return: {args.offences:,} offences, {args.victims:,} victims (other tables from the test fixture); workbook "
        f"{sizes['xlsx'] / 1024**2:.1f} MiB, CSV files {sizes['CSV'] / 1024**2:.1f} MiB; built in {built:.0f} s.",
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, 2 cores shared "
        "with other work while this ran (load average about 10). Each row is a separate process; peak memory is its own high-water resident set (VmHWM, polled every 50 ms).",
        f"'Before issue 18' is `src/analysis/ingest/read.py` at commit {args.baseline}.",
        "",
        "| task | reader | seconds | peak memory (MiB) | outcome |",
        "|---|---|---:|---:|---|",
    ]
    for task, label, m in rows:
        peak = f"{m['peak_mib']:.0f}"
        lines.append(f"| {task} | {label} | {m['seconds']:.1f} | {peak} | {m['outcome'].replace('|', '/')} |")
    pairs = {}
    for task, label, m in rows:
        pairs.setdefault(task, []).append(m)
    lines += ["", "Ratios (before / new), each including the process start-up of the first rows:"]
    for task in ("read xlsx", "read CSV"):
        a, b = pairs[task]
        mem = f", memory {a['peak_mib'] / b['peak_mib']:.2f}x" if a["peak_mib"] and b["peak_mib"] else ""
        lines.append(f"- {task}: time {a['seconds'] / b['seconds']:.2f}x{mem}")
    lines += ["", "Target: every single return under 1 GB and 60 s (issue 18).", ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
