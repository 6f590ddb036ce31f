"""How fast is the clustered (Lin-Wei) Cox variance on a large force? Writes benchmarks/results/cox_robust_speed.md.

Synthetic offences (`--rows`, default 100,000): durations in whole days (many ties), 3 binary covariates, one
cluster (victim) per 3 offences on average, and 1% of rows censored before the first charge (which made
statsmodels' clustered errors NaN). Timed:

1. `cox_score_residuals` + `cox_robust_covariance` alone (Efron, the vectorised implementation);
2. `cox_regression(..., cluster=...)` end to end (the statsmodels PHReg fit dominates);
3. `cox_regression` without clusters (model-based errors), for the cost of the fit alone;
4. statsmodels' own `PHReg.robust_covariance` (its Python loop over event times in `score_residuals`), once;
   skip with --skip-statsmodels.

Usage: python benchmarks/cox_robust_speed.py [--rows 100000] [--repeat 3] [--skip-statsmodels]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.duration.hazard_regression import PHReg

from analysis.stats.cox import cox_regression, cox_robust_covariance, cox_score_residuals

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "cox_robust_speed.md"


def offences(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.random(n) < 0.3, rng.random(n) < 0.2, rng.random(n) < 0.4]).astype(float)
    charge = np.ceil(rng.exponential(300 * np.exp(-x @ [0.3, -0.2, 0.5])))
    extraction = np.ceil(rng.uniform(0, 1100, n))  # offences recorded over three years
    d = (charge <= extraction).astype(int)
    t = np.minimum(charge, extraction) + 1.0
    early = rng.random(n) < 0.01
    t[early], d[early] = 0.0, 0  # censored before the first charge
    victims = rng.integers(0, n // 3, n)
    return t, d, x, victims


def best_of(repeat: int, run) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-statsmodels", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    t, d, x, victims = offences(args.rows)
    covs = pd.DataFrame(x, columns=["withdrew", "network", "looked_after"])
    model = PHReg(t, x, status=d, ties="efron")
    naive = model.fit()
    naive_cov = np.asarray(naive.cov_params())
    rows = []
    sec, cov = best_of(args.repeat, lambda: cox_robust_covariance(
        cox_score_residuals(t, d, x, naive.params, "efron"), naive_cov, victims))
    rows.append(("score residuals + Lin-Wei sandwich (this module)", sec, np.sqrt(np.diag(cov))))
    sec, fit = best_of(args.repeat, lambda: cox_regression(t, d, covs, cluster=victims))
    assert fit.status == "ok", fit.notes
    rows.append(("cox_regression with cluster, end to end", sec, fit.table["se"].to_numpy()))
    sec, fit0 = best_of(args.repeat, lambda: cox_regression(t, d, covs))
    rows.append(("cox_regression, model-based errors", sec, fit0.table["se"].to_numpy()))
    if not args.skip_statsmodels:
        model.groups = victims
        sec, sm_cov = best_of(1, lambda: model.robust_covariance(naive.params))
        rows.append(("statsmodels PHReg.robust_covariance (once)", sec, np.sqrt(np.diag(sm_cov))))
    lines = [
        "# Clustered Cox variance speed", "",
        f"Recorded by `python benchmarks/cox_robust_speed.py` on {dt.date.today()}: Python "
        f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, {platform.machine()} with "
        "2 cores shared with other work (best of "
        f"{args.repeat} runs unless stated; the machine was not idle, so times are upper bounds).", "",
        f"Data: {args.rows:,} rows, {int(d.sum()):,} events at {np.unique(t[d == 1]).size} distinct days (Efron "
        f"ties), {int((t == 0).sum()):,} rows censored before the first event, {np.unique(victims).size:,} "
        "clusters, 3 covariates.", "",
        "| run | time (s) | standard errors |", "|---|---|---|",
    ]
    for name, sec, se in rows:
        lines.append(f"| {name} | {sec:.2f} | {', '.join(f'{v:.6f}' for v in se)} |")
    lines += ["", "statsmodels' standard errors are NaN: its score residuals are NaN for the rows censored before "
              "the first event. Ours give those rows 0 (they are in no risk set)." if not args.skip_statsmodels
              else "statsmodels' own robust covariance was not timed (--skip-statsmodels)."]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
