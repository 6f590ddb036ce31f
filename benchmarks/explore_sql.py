"""Does DuckDB earn its place in analysis.explore? Writes benchmarks/results/explore_sql.md.

A question a researcher asks across forces: "per force and financial year, how many offences were recorded
and what share was charged or summonsed?". Answered three ways on the same synthetic national dataset
(43 forces by default, generated into a temporary folder):

1. `explore.sql` (DuckDB over the Parquet files: reads only the two columns it needs, in parallel);
2. the pandas route a researcher takes without it: `explore.load(tables=["offences"])` (every force's
   offences read and typed, as returns_io.read_all does) then groupby;
3. pandas reading only the needed columns of each force's file (`pd.read_parquet(columns=...)`), then groupby.

The three answers are checked equal. Times are the best of `--repeat` runs, each in the same process
(files in the page cache after the first run for all three alike).

Usage: python benchmarks/explore_sql.py [--forces 43] [--scales 1,10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "explore_sql.md"

QUERY = """
    SELECT force_code,
           CASE WHEN month(recorded_date) >= 4
                THEN printf('%d/%02d', year(recorded_date), (year(recorded_date) + 1) % 100)
                ELSE printf('%d/%02d', year(recorded_date) - 1, year(recorded_date) % 100) END AS financial_year,
           count(*) AS offences,
           avg(CASE WHEN outcome_code = 1 THEN 1.0 ELSE 0.0 END) AS share_charged
    FROM offences
    GROUP BY 1, 2
    ORDER BY 1, 2
"""


def financial_year(dates: pd.Series) -> pd.Series:
    start = dates.dt.year - (dates.dt.month < 4)
    return start.astype(str) + "/" + ((start + 1) % 100).astype(str).str.zfill(2)


def summarise(offences: pd.DataFrame) -> pd.DataFrame:
    frame = offences.assign(financial_year=financial_year(offences["recorded_date"]),
                            charged=(offences["outcome_code"] == 1).fillna(False).astype(float))
    out = (frame.groupby(["force_code", "financial_year"]).agg(offences=("charged", "size"), share_charged=("charged", "mean"))
           .reset_index())
    return out


def best(function, repeat: int) -> tuple[float, pd.DataFrame]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forces", type=int, default=43)
    parser.add_argument("--scales", default="1,10", help="generator scales to run, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from analysis import explore

    lines = [
        "# SQL across forces: DuckDB against pandas",
        "",
        f"Recorded by `python benchmarks/explore_sql.py` on {dt.date.today().isoformat()}: Python "
        f"{platform.python_version()}, pandas {pd.__version__}, duckdb {__import__('duckdb').__version__}, "
        f"{platform.machine()} with 2 cores shared with other work (best of {args.repeat} runs; the machine was not "
        "idle, so times are upper bounds).",
        "",
        "Question: offences and share charged or summonsed per force and financial year; the three answers were "
        "checked equal at every scale. Times include opening the files (DuckDB: the view over every force's "
        "offences file; pandas: reading them).",
        "",
        "| forces | scale | offences | route | time (s) | DuckDB is faster by |",
        "|---|---|---|---|---|---|",
    ]
    for scale in (float(x) for x in args.scales.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            subprocess.run([sys.executable, "-m", "analysis", "generate", "--out", str(data), "--forces",
                            str(args.forces), "--scale", str(scale)], cwd=ROOT, check=True, capture_output=True)
            codes = explore.forces(data)
            n_offences = sum(len(pd.read_parquet(data / c / "offences.parquet", columns=["force_code"])) for c in codes)

            def by_duckdb():
                return explore.sql(QUERY, data_dir=data)

            def by_load():
                return summarise(explore.load(tables=["offences"], data_dir=data)["offences"])

            def by_columns():
                parts = [pd.read_parquet(data / c / "offences.parquet",
                                         columns=["force_code", "recorded_date", "outcome_code"]) for c in codes]
                offences = pd.concat(parts, ignore_index=True)
                offences["recorded_date"] = pd.to_datetime(offences["recorded_date"])
                return summarise(offences)

            runs = {name: best(function, args.repeat) for name, function in
                    (("duckdb", by_duckdb), ("load", by_load), ("columns", by_columns))}
        answers = {name: result.sort_values(["force_code", "financial_year"]).reset_index(drop=True)
                   for name, (_, result) in runs.items()}
        reference = answers["load"]
        for name, answer in answers.items():
            assert list(answer["force_code"]) == list(reference["force_code"]), name
            assert list(answer["financial_year"]) == list(reference["financial_year"]), name
            assert (answer["offences"].to_numpy() == reference["offences"].to_numpy()).all(), name
            assert np.allclose(answer["share_charged"].to_numpy(float), reference["share_charged"].to_numpy(float)), name
        duck = runs["duckdb"][0]
        lead = f"| {len(codes)} | {scale:g} | {n_offences:,} |"
        lines += [
            f"{lead} `explore.sql` (DuckDB over the Parquet files) | {duck:.3f} | - |",
            f"{lead} `explore.load(tables=['offences'])` then pandas groupby | {runs['load'][0]:.3f} | "
            f"{runs['load'][0] / duck:.1f}x |",
            f"{lead} pandas reading only the 3 needed columns per force, then groupby | {runs['columns'][0]:.3f} | "
            f"{runs['columns'][0] / duck:.1f}x |",
        ]
    lines.append("")
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
