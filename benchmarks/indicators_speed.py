"""Benchmark: indicator catalogue on the ~1 million-offence synthetic dataset (issue 5).

Measures, on this machine:
- compute_force for the largest force (target: at most 30 s), reading its validated Parquet included;
- compute_national on every force's results and the stacked data (target: at most 30 s);
- against the naive alternative in the same run: every indicator computed with its own fresh ForceData,
  so derived tables (financial years, bands, joins) are rebuilt per indicator instead of once per force.

Usage: python benchmarks/indicators_speed.py [--scale 25] [--data DIR] [--out benchmarks/results/indicators_speed.md]
The dataset is generated into DIR (default: a folder under /tmp) unless it is already there.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import pandas as pd

from analysis import returns_io
from analysis.indicators import ForceData, compute_force, compute_national, entries
from analysis.indicators.catalogue import FUNCTIONS
from analysis.synthetic import load_config, write_dataset

HERE = Path(__file__).resolve().parent


def ensure_dataset(directory: Path, scale: float) -> float:
    if (directory / "SYN01" / "offences.parquet").exists():
        return 0.0
    started = time.perf_counter()
    write_dataset(load_config(scale=scale), directory, "parquet")
    return time.perf_counter() - started


def naive_force(tables: dict, force_code: str) -> float:
    started = time.perf_counter()
    for entry in entries("force"):
        FUNCTIONS[entry.id](ForceData(dict(tables)), force_code)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=25.0)
    parser.add_argument("--data", type=Path, default=Path("/tmp/cse_benchmark_1m"))
    parser.add_argument("--out", type=Path, default=HERE / "results" / "indicators_speed.md")
    args = parser.parse_args()

    generated = ensure_dataset(args.data, args.scale)
    forces = returns_io.list_forces(args.data)
    sizes = {code: len(pd.read_parquet(args.data / code / "offences.parquet", columns=["offence_id"])) for code in forces}
    largest = max(sizes, key=sizes.get)

    started = time.perf_counter()
    tables = returns_io.read_force(args.data, largest)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    largest_results = compute_force(largest, tables)
    force_seconds = time.perf_counter() - started
    naive_seconds = naive_force(tables, largest)

    started = time.perf_counter()
    all_results = [largest_results] + [compute_force(code, returns_io.read_force(args.data, code))
                                       for code in forces if code != largest]
    all_forces_seconds = time.perf_counter() - started
    force_results = pd.concat(all_results, ignore_index=True)
    started = time.perf_counter()
    stacked = returns_io.read_all(args.data)
    read_all_seconds = time.perf_counter() - started
    started = time.perf_counter()
    national = compute_national(force_results, ForceData(stacked))
    national_seconds = time.perf_counter() - started

    lines = [
        "# Indicator catalogue speed",
        "",
        f"Recorded by `benchmarks/indicators_speed.py` on {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Synthetic dataset at scale {args.scale}: "
        f"{sum(sizes.values()):,} offences in {len(forces)} forces"
        + (f" (generated in {generated:.1f} s)." if generated else " (already generated)."),
        "",
        "| step | seconds | target |",
        "|---|---:|---|",
        f"| read the largest force ({largest}, {sizes[largest]:,} offences) from Parquet | {read_seconds:.1f} | |",
        f"| `compute_force` on it ({len(largest_results):,} result rows) | {force_seconds:.1f} | at most 30 s |",
        f"| naive: each indicator with its own fresh ForceData | {naive_seconds:.1f} | |",
        f"| ratio naive / compute_force | {naive_seconds / force_seconds:.1f}x | |",
        f"| `compute_force` on all {len(forces)} forces, one after another | {all_forces_seconds:.1f} | |",
        f"| read every force's validated data (stacked) | {read_all_seconds:.1f} | |",
        f"| `compute_national` ({len(national):,} result rows) | {national_seconds:.1f} | at most 30 s |",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
