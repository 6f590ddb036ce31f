"""Benchmark the batch pipeline (issue 7) against the naive alternative, in one session, on one dataset.

    python benchmarks/pipeline_speed.py [--data DIR] [--forces N] [--jobs N] [--force-notebook PATH]
                                        [--national-notebook PATH] [--label TEXT] [--skip-naive] [--repeats N]

Measured, all as wall-clock time of the command lines a user would type, on a private copy of the data:
1. naive: for each force, `python -m papermill` (the papermill command line) on the force notebook, then
   `python -m nbconvert --to html --no-input` (the nbconvert command line) on the executed notebook, in a
   serial loop; then the same for the national notebook;
2. `python -m analysis run` from cold (empty output folder);
3. the same command again with nothing changed;
4. the same command after one force's data changed (one table of one force rewritten with its rows in
   reverse order: new bytes, same content, so the force and the national notebook run again), repeated
   --repeats times on different forces (the median is compared with the target; every time is listed).
It then reports the ratio naive / cold run against the issue's targets (ratio >= 4, no-change <= 3 s,
one-force-changed <= 20 s) and profiles where the pipeline's time goes, from the state files and the
executed notebooks (validation, kernel start, warm-up imports, notebook cells, page export, orchestration).

Everything runs on a snapshot of the project (src/, notebooks/, params/, the lock) copied to a temporary
folder and put first on PYTHONPATH, so that edits made to the working tree while the benchmark runs cannot
make the "no change" run see a changed package.

Results go to benchmarks/results/pipeline_speed.md: one section per --label (a section with the same
label is replaced, others are kept), so a dry run on the fixture notebooks and the real run sit side by side.
Without --data the default synthetic dataset is used (generated with `generate --if-missing` when absent).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "pipeline_speed.md"
PY = sys.executable
TARGETS = {"ratio": 4.0, "no_change": 3.0, "one_changed": 20.0}


SNAPSHOT: dict = {"root": ROOT, "env": None}


def run(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Run a command line in the project snapshot and time it (wall clock)."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=SNAPSHOT["root"], env=SNAPSHOT["env"], capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def take_snapshot(target: Path) -> Path:
    """Copy what a run depends on and make the copy's package the one Python imports."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for name in ("src", "notebooks", "params", "tests/pipeline/fixtures"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in ("requirements.lock", "pyproject.toml"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target / name)
    SNAPSHOT["root"] = target
    SNAPSHOT["env"] = {**os.environ, "PYTHONPATH": str(target / "src")}
    return target


def in_snapshot(path: Path) -> Path:
    path = path.resolve()
    return SNAPSHOT["root"] / path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def load() -> float:
    return round(os.getloadavg()[0], 2)


def private_copy(data: Path, target: Path, limit: int | None) -> list[str]:
    """Copy the dataset (or its first `limit` forces) so the benchmark never touches the original."""
    forces = sorted(p.name for p in data.iterdir() if p.is_dir() and any(p.glob("*.parquet")))
    if limit:
        forces = forces[:limit]
    for code in forces:
        shutil.copytree(data / code, target / code)
    return forces


def naive(data: Path, forces: list[str], force_nb: Path, national_nb: Path, params: Path, out: Path) -> dict:
    """Serial loop of the papermill and nbconvert command lines, as one would write it by hand."""
    timings = {"papermill": 0.0, "nbconvert": 0.0, "failed": []}
    started = time.perf_counter()
    units = [(code, force_nb, {"force_code": code, "data_dir": data, "output_dir": out / "forces" / code,
                               "params_file": params}) for code in forces]
    units.append(("NATIONAL", national_nb, {"results_dir": out / "forces", "data_dir": data,
                                             "output_dir": out / "national", "params_file": params}))
    for unit, notebook, parameters in units:
        folder = Path(parameters["output_dir"])
        folder.mkdir(parents=True, exist_ok=True)
        executed = folder / "report.ipynb"
        command = [PY, "-m", "papermill", str(notebook), str(executed), "--no-progress-bar"]
        for name, value in parameters.items():
            command += ["-p", name, str(value)]
        seconds, done = run(command)
        timings["papermill"] += seconds
        if done.returncode != 0:
            timings["failed"].append(unit)
        seconds, done = run([PY, "-m", "nbconvert", "--to", "html", "--no-input", str(executed)])
        timings["nbconvert"] += seconds
    timings["total"] = time.perf_counter() - started
    return timings


def pipeline(data: Path, out: Path, force_nb: Path, national_nb: Path, params: Path, jobs: int | None) -> tuple[float, subprocess.CompletedProcess]:
    command = [PY, "-m", "analysis", "run", "--data", str(data), "--out", str(out), "--params", str(params),
               "--force-notebook", str(force_nb), "--national-notebook", str(national_nb), "--no-progress"]
    if jobs:
        command += ["--jobs", str(jobs)]
    return run(command)


def change_one_force(data: Path, code: str) -> str:
    """Rewrite one table of one force with its rows reversed (valid, same content, different bytes)."""
    import pyarrow.parquet as pq

    path = data / code / "case_notes.parquet"
    table = pq.read_table(path)
    pq.write_table(table.take(list(range(table.num_rows - 1, -1, -1))), path)
    return f"{code}/case_notes.parquet"


def profile(out: Path, wall: float) -> dict:
    """Where the cold run's time went, from its state files, manifest and executed notebooks."""
    states = [json.loads(p.read_text()) for p in sorted((out / ".state").glob("*.json"))]
    manifest = json.loads((out / "manifest.json").read_text())
    sums: dict[str, float] = {}
    for state in states:
        for key in ("validate", "kernel_start", "prelude", "execute", "export", "total"):
            sums[key] = sums.get(key, 0.0) + float(state["info"].get("timings", {}).get(key, 0.0))
    cells: dict[str, list[float]] = {}
    for notebook in sorted(out.glob("forces/*/report.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            seconds = cell.get("metadata", {}).get("papermill", {}).get("duration")
            if cell["cell_type"] == "code" and seconds is not None:
                first = "".join(cell["source"]).strip().splitlines()
                cells.setdefault(first[0][:70] if first else "(empty)", []).append(float(seconds))
    return {
        "units": len(states),
        "sums": {k: round(v, 1) for k, v in sums.items()},
        "cells": sorted(((name, round(sum(v), 1), round(statistics.median(v), 2)) for name, v in cells.items()),
                        key=lambda row: -row[1])[:8],
        "manifest": manifest.get("timings", {}),
        "cli_overhead": round(wall - float(manifest.get("timings", {}).get("total", 0.0)), 1),
        "workers": manifest.get("executor", {}).get("workers"),
    }


def one_force_profile(out: Path, code: str) -> dict:
    """The critical path of a one-force-changed run: orchestration steps and the two units' own timings."""
    manifest = json.loads((out / "manifest.json").read_text())
    units = {}
    for unit, name in ((code, f"force.{code}.json"), ("NATIONAL", "national.json")):
        timings = json.loads((out / ".state" / name).read_text())["info"].get("timings", {})
        units[unit] = {k: v for k, v in timings.items() if k in ("validate", "kernel_start", "prelude", "execute", "export", "total")}
        units[unit]["slowest cells"] = timings.get("slowest_cells", [])
    return {"steps": manifest.get("timings", {}), "units": units}


def section(label: str, facts: dict) -> str:
    lines = [f"## {label}", ""]
    lines += [f"- {k}: {v}" for k, v in facts["context"].items()]
    lines += ["", "| measurement | seconds | target | met |", "|---|---:|---:|---|"]
    for name, seconds, target in facts["rows"]:
        met = "" if target is None else ("yes" if (seconds >= target if name.startswith("ratio") else seconds <= target) else "no")
        shown = f"{seconds:.2f}" if name.startswith("ratio") else f"{seconds:.1f}"
        lines.append(f"| {name} | {shown} | {'' if target is None else target} | {met} |")
    p = facts.get("profile")
    if p:
        lines += ["", f"Profile of the cold run ({p['units']} units on {p['workers']} workers; seconds summed over units, "
                  "so they exceed the wall time by up to the number of workers):", ""]
        lines += [f"- {k}: {v}" for k, v in p["sums"].items()]
        lines += [f"- orchestration steps (wall): {p['manifest']}",
                  f"- command start-up and exit outside the run (wall): {p['cli_overhead']}",
                  "", "Slowest notebook cells (sum over forces, median per force):", ""]
        lines += [f"- `{name}`: {total} s (median {median} s)" for name, total, median in p["cells"]]
    for run_profile in facts.get("one_profiles", []):
        lines += ["", f"Profile of the one-force-changed run ({run_profile['file']}, {run_profile['seconds']:.1f} s):", "",
                  f"- orchestration steps (wall): {run_profile['steps']}"]
        for unit, timings in run_profile["units"].items():
            lines.append(f"- {unit}: {timings}")
    if facts.get("notes"):
        lines += ["", *facts["notes"]]
    return "\n".join(lines) + "\n"


def write_section(label: str, text: str) -> None:
    """Replace this label's section of the results file (other sections are kept)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    head = "# Pipeline speed (benchmarks/pipeline_speed.py)\n\n"
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else head
    parts = re.split(r"(?m)^(?=## )", old)
    kept = [p for p in parts[1:] if not p.startswith(f"## {label}\n")]
    RESULTS.write_text((parts[0] if parts[0].startswith("# ") else head) + "".join(kept).rstrip("\n") +
                       ("\n\n" if kept else "") + text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None, help="validated Parquet returns (default data/synthetic)")
    parser.add_argument("--forces", type=int, default=None, help="use only the first N forces")
    parser.add_argument("--jobs", type=int, default=None, help="workers for `run` (default: one per core)")
    parser.add_argument("--force-notebook", type=Path, default=ROOT / "notebooks" / "force_report.ipynb")
    parser.add_argument("--national-notebook", type=Path, default=ROOT / "notebooks" / "national_findings.ipynb")
    parser.add_argument("--params", type=Path, default=ROOT / "params" / "pipeline.yaml")
    parser.add_argument("--label", default="Real notebooks, default synthetic dataset")
    parser.add_argument("--note", action="append", default=[], help="a line added under the results")
    parser.add_argument("--skip-naive", action="store_true", help="measure only `run` (no ratio)")
    parser.add_argument("--repeats", type=int, default=3, help="one-force-changed runs, each on another force")
    args = parser.parse_args()

    data = args.data
    if data is None:
        data = ROOT / "data" / "synthetic"
        subprocess.run([PY, "-m", "analysis", "generate", "--if-missing"], cwd=ROOT, check=True)
    work = Path(tempfile.mkdtemp(prefix="pipeline-speed-"))
    try:
        copy = work / "data"
        forces = private_copy(data.resolve(), copy, args.forces)
        take_snapshot(work / "project")
        notebooks = (in_snapshot(args.force_notebook), in_snapshot(args.national_notebook))
        params = in_snapshot(args.params)
        facts: dict = {"rows": [], "notes": list(args.note)}
        loads = [load()]
        naive_timings = None
        if not args.skip_naive:
            naive_timings = naive(copy, forces, *notebooks, params, work / "naive")
            loads.append(load())
        cold, done = pipeline(copy, work / "out", *notebooks, params, args.jobs)
        if done.returncode != 0:
            facts["notes"].append(f"`run` from cold exited {done.returncode}: {done.stdout[-400:]} {done.stderr[-400:]}")
        prof = profile(work / "out", cold)
        loads.append(load())
        again, done_again = pipeline(copy, work / "out", *notebooks, params, args.jobs)
        reran = re.findall(r"(?m)^(\S+)\s+(?:ok|failed|skipped-invalid)\s+\d", done_again.stdout)
        ones, one_profiles, reran_one, codes_one = [], [], [], []
        for i in range(max(1, args.repeats)):
            code = forces[(len(forces) // 2 + i) % len(forces)]
            changed_file = change_one_force(copy, code)
            seconds, done_one = pipeline(copy, work / "out", *notebooks, params, args.jobs)
            ones.append(seconds)
            codes_one.append(str(done_one.returncode))
            reran_one.append(", ".join(re.findall(r"(?m)^(\S+)\s+(?:ok|failed|skipped-invalid)\s+\d", done_one.stdout)) or "none")
            one_profiles.append({"file": changed_file, "seconds": seconds, **one_force_profile(work / "out", code)})
        one = statistics.median(ones)
        loads.append(load())

        if naive_timings:
            facts["rows"].append(("naive: papermill + nbconvert command lines, serial", naive_timings["total"], None))
            facts["rows"].append(("  of which papermill", naive_timings["papermill"], None))
            facts["rows"].append(("  of which nbconvert", naive_timings["nbconvert"], None))
        facts["rows"].append(("`python -m analysis run`, cold", cold, None))
        if naive_timings:
            facts["rows"].append(("ratio naive / cold run", naive_timings["total"] / cold, TARGETS["ratio"]))
        facts["rows"].append(("no-change re-run", again, TARGETS["no_change"]))
        facts["rows"].append((f"one force changed, median of {len(ones)} runs on different forces "
                              f"({', '.join(f'{s:.1f}' for s in ones)} s)", one, TARGETS["one_changed"]))
        facts["rows"].append(("one force changed, slowest run", max(ones), TARGETS["one_changed"]))
        facts["profile"] = prof
        facts["one_profiles"] = one_profiles
        facts["context"] = {
            "date": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}",
            "load average (1 min) before/after each phase": " -> ".join(str(v) for v in loads),
            "dataset": f"{data} ({len(forces)} forces)",
            "force notebook": str(args.force_notebook),
            "national notebook": str(args.national_notebook),
            "units re-run with nothing changed": ", ".join(reran) or "none",
            "units re-run after one force changed (each run)": "; ".join(reran_one),
            "naive failures": ", ".join(naive_timings["failed"]) if naive_timings and naive_timings["failed"] else "none",
            "run exit codes (cold, no change, one changed)": f"{done.returncode}, {done_again.returncode}, {'/'.join(codes_one)}",
        }
        text = section(args.label, facts)
        write_section(args.label, text)
        print(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
