"""What does the reader's audit cost, and what does it withhold? Writes benchmarks/results/disclosure_audit.md.

Given the output folder of a cold run made BEFORE the audit (results.parquet beside each page, the old layout)
and one made AFTER it (ledgers beside the pages, results in OUT-restricted), both on the same data:

1. the audit time per page (`analysis.disclosure.pages.audit_force` on each force page with the national rows
   about it, and the national page as a whole), and what it finds (must be 0 exposed);
2. the audit-driven protection's own cost per force (`compute_force` minus the cell rules alone:
   `protect_audited` against `flag_linked` on the same indicator rows), on `--forces` forces;
3. the share of published counts (numerators and denominators of every results row a page shows) withheld
   before and after, and the tables that now say "not published" (every row withheld);
4. the cold runs' wall times from their manifests (the run's own `timings`), and the ratio.

Usage: python benchmarks/disclosure_audit.py --before OUT_BEFORE --after OUT_AFTER [--data DIR] [--forces 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from pathlib import Path

import pandas as pd

from analysis import results, returns_io
from analysis.disclosure.ledger import read_ledger
from analysis.disclosure.pages import audit_force, audit_national
from analysis.indicators import ForceData, _run, entries, flag_linked, force_data, protect_audited
from analysis.pipeline.layout import restricted_dir
from analysis.settings import disclosure_settings

ROOT = Path(__file__).resolve().parents[1]


def withheld_share(tables: list[pd.DataFrame]) -> tuple[int, int]:
    """(withheld count cells, all count cells) over results rows: numerators and denominators present."""
    withheld = total = 0
    for t in tables:
        present = t["numerator"].notna().astype(int) + t["denominator"].notna().astype(int)
        total += int(present.sum())
        withheld += int(present[t["suppressed"].astype(bool)].sum())
    return withheld, total


def run_seconds(out: Path) -> float:
    manifest = json.loads((out / "manifest.json").read_text())
    timings = manifest.get("timings") or {}
    return float(timings.get("total") or timings.get("run") or sum(v for v in timings.values() if isinstance(v, (int, float))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "synthetic")
    parser.add_argument("--forces", type=int, default=8, help="forces for the protection-cost timing")
    parser.add_argument("--national-page", type=Path, default=None,
                        help="national page folder with its ledger (default AFTER/national)")
    parser.add_argument("--national-restricted", type=Path, default=None,
                        help="folder of the national results.parquet (default AFTER-restricted/national)")
    parser.add_argument("--before-seconds", type=float, default=None, help="cold run wall time before (s)")
    parser.add_argument("--after-seconds", type=float, default=None, help="cold run wall time after (s)")
    parser.add_argument("--before-cpu", type=float, default=None, help="cold run CPU time before (s, /usr/bin/time)")
    parser.add_argument("--runs", default="", help="how the two cold runs were made (recorded as given)")
    parser.add_argument("--after-cpu", type=float, default=None, help="cold run CPU time after (s, /usr/bin/time)")
    args = parser.parse_args()
    s = disclosure_settings()
    threshold, width = s["threshold"], s["protection_width"]
    restricted = restricted_dir(args.after)
    codes = sorted(p.name for p in (args.after / "forces").iterdir() if (p / "published.parquet").is_file())
    national_page = args.national_page or args.after / "national"
    national_ledger = read_ledger(national_page)
    national_results = results.read((args.national_restricted or restricted / "national") / "results.parquet")

    # 1. audit per page
    per_page, exposed, audited = [], 0, 0
    truths = {}
    for code in codes:
        truths[code] = results.read(restricted / "forces" / code / "results.parquet")
        began = time.perf_counter()
        found = audit_force(code, args.after / "forces" / code, truths[code], threshold, width, national_ledger,
                            national_results)
        per_page.append(time.perf_counter() - began)
        exposed += int(found["exposed"].sum())
        audited += len(found)
    force_exposed = 0
    for code in codes:
        force_exposed += int(audit_force(code, args.after / "forces" / code, truths[code], threshold, width)["exposed"].sum())
    began = time.perf_counter()
    nat = audit_national(national_page, national_results, set(codes), threshold, width,
                         pd.concat(truths.values(), ignore_index=True))
    national_seconds = time.perf_counter() - began
    exposed += int(nat["exposed"].sum())
    audited += len(nat)

    in_run = {}
    for state in sorted((args.after / ".state").glob("*.json")):
        timing = json.loads(state.read_text()).get("info", {}).get("timings", {})
        if "audit" in timing:
            in_run[state.stem] = float(timing["audit"])
    force_audits = [v for k, v in in_run.items() if not k.startswith("national")]

    # 2. protection cost per force: cell rules alone vs cell rules + audit-driven protection
    cells, audit_cost = [], []
    for code in codes[: args.forces]:
        fd = force_data(ForceData(returns_io.read_force(args.data, code)), code)
        rows = results.coerce(_run([e.id for e in entries("force")], lambda f: f(fd, code), code))
        began = time.perf_counter()
        flag_linked(rows, threshold)
        cells.append(time.perf_counter() - began)
        began = time.perf_counter()
        protect_audited(rows, threshold, width)
        audit_cost.append(time.perf_counter() - began)

    # 3. withheld before and after
    before_tables = [results.read(p) for p in sorted((args.before / "forces").glob("*/results.parquet"))]
    after_tables = list(truths.values())
    wb, tb = withheld_share(before_tables)
    wa, ta = withheld_share(after_tables)
    not_published = []
    for code in codes:
        ledger = read_ledger(args.after / "forces" / code)
        tables = ledger[ledger["kind"] == "table"]
        for name, part in tables.groupby("shown_in", sort=False):
            if len(part) and part["suppressed"].all():
                not_published.append((code, name, len(part)))
    by_table = pd.Series([n for _, n, _ in not_published]).value_counts() if not_published else pd.Series(dtype=int)
    # before: a table is "not published" when every row of its (indicator, breakdown, basis) is withheld
    before_not_published = 0
    for t in before_tables:
        counted = t[t["numerator"].notna()]
        groups = counted.groupby(["force_code", "indicator_id", "breakdown", "basis"], sort=False)["suppressed"].all()
        before_not_published += int(groups.sum())
    after_not_published = 0
    for t in after_tables:
        counted = t[t["numerator"].notna()]
        groups = counted.groupby(["force_code", "indicator_id", "breakdown", "basis"], sort=False)["suppressed"].all()
        after_not_published += int(groups.sum())

    before_s = args.before_seconds if args.before_seconds is not None else run_seconds(args.before)
    after_s = args.after_seconds if args.after_seconds is not None else run_seconds(args.after)
    lines = [
        "# Disclosure audit: cost and effect",
        "",
        f"Recorded {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPU cores shared with other work (load average {os.getloadavg()[0]:.1f} at the end), "
        f"Python {platform.python_version()}; threshold {threshold}, protection width {width}; data {args.data} "
        f"({len(codes)} forces). Command: `python benchmarks/disclosure_audit.py --before {args.before} --after "
        f"{args.after} --forces {args.forces}" + (f" --before-seconds {args.before_seconds:g} --after-seconds "
                                                   f"{args.after_seconds:g}" if args.before_seconds else "") + "`.",
        "",
        "## Audit of every page (the check `run` makes before publishing)",
        "",
        f"- force pages (each with the national page's rows about it): {len(per_page)}; audit time per page median "
        f"{statistics.median(per_page):.3f} s, slowest {max(per_page):.3f} s, total {sum(per_page):.1f} s",
        f"- national page as a whole: {national_seconds:.3f} s",
        (f"- inside the cold run (worker-side, before each page is published; `timings.audit` of each unit's "
         f"state): force pages median {statistics.median(force_audits):.2f} s, slowest {max(force_audits):.2f} s; "
         f"national page (all 43 forces' pages with it) {in_run.get('national', float('nan')):.2f} s"
         if force_audits else "- (no audit timings recorded in the run's state files)"),
        f"- withheld counts and small complements audited: {audited}; **exposed: {exposed}** "
        f"(force pages alone: {force_exposed}; with the national page: {exposed - force_exposed})",
        "",
        "## Audit-driven protection when the results are computed",
        "",
        f"Over {len(cells)} forces, on the same indicator rows: cell rules alone (`flag_linked`) median "
        f"{statistics.median(cells):.3f} s; cell rules with the audit-driven protection (`protect_audited`) median "
        f"{statistics.median(audit_cost):.3f} s, slowest {max(audit_cost):.3f} s (ratio of medians "
        f"{statistics.median(audit_cost) / statistics.median(cells):.1f}x).",
        "",
        "## Cold run of the whole default (43 forces and the national report)",
        "",
        f"- before the audit: {before_s:.1f} s; after: {after_s:.1f} s; ratio {after_s / before_s:.2f} "
        "(target: at most 1.20). Both runs on the same data on a 2-core machine shared with other work (run side "
        "by side, or one after the other: see the command), so wall-clock ratios carry that noise; CPU time is the "
        "better measure." + (f" Runs: {args.runs}." if args.runs else "") + (f" CPU time (user + system, the run and its workers): before "
        f"{args.before_cpu:.0f} s, after {args.after_cpu:.0f} s, ratio {args.after_cpu / args.before_cpu:.2f}."
        if args.before_cpu and args.after_cpu else ""),
        "",
        "## What is withheld",
        "",
        f"- counts (numerators and denominators of every results row) withheld before: {wb} of {tb} "
        f"({100 * wb / tb:.1f}%); after: {wa} of {ta} ({100 * wa / ta:.1f}%).",
        f"- tables that now say \"not published\" (every row withheld): {len(not_published)} tables on "
        f"{len({c for c, _, _ in not_published})} force pages.",
        f"- results breakdowns (indicator, breakdown, basis) with every row withheld, in the force results: before "
        f"{before_not_published}, after {after_not_published}.",
    ]
    if len(by_table):
        lines += ["", "| table (indicator/breakdown/basis) | force pages |", "|---|---|"]
        lines += [f"| {name} | {n} |" for name, n in by_table.items()]
    out = ROOT / "benchmarks" / "results" / "disclosure_audit.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
