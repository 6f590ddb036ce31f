"""`python -m analysis validate DIR`: check every force return in DIR against the data contract.

Prints each force's summary (counts by table and rule, then the failures) and exits 0 only when every
return passes, 1 otherwise (also when DIR holds no return or a file cannot be read). `--report PATH`
writes every failure of every force to one CSV, so nothing is lost when the printed list is cut short.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path



def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check force returns against the data contract",
        description="Check every force return in DIR (<force>/<table>.csv, <force>/<table>.parquet or <force>.xlsx) "
        "against the data contract and list every failure. Exit code 0 when all pass, 1 otherwise.",
    )
    parser.add_argument("directory", type=Path, metavar="DIR", help="folder holding the returns")
    parser.add_argument("--force", metavar="CODE", help="validate only this force's return")
    parser.add_argument("--limit", type=int, default=50, metavar="N",
                        help="failures listed per force (default 50; a negative number lists all)")
    parser.add_argument("--report", type=Path, metavar="PATH",
                        help="also write every failure to this CSV (one row per failure, with its force code)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from analysis.ingest.issues import ReadError
    from analysis.ingest.safe import cut, neutralise_frame
    from analysis.validate import FAILURE_COLUMNS, validate_directory, validate_force

    try:
        if args.force:
            reports = {args.force: validate_force(args.directory, args.force)}
        else:
            reports = validate_directory(args.directory)
    except (FileNotFoundError, ValueError, UnicodeDecodeError, ReadError) as error:
        print(f"validate: {error}", file=sys.stderr)
        return 1
    for report in reports.values():
        print(report.summary(limit=args.limit))
        print()
    failed = [code for code, report in reports.items() if not report.ok]
    print(f"{len(reports) - len(failed)} of {len(reports)} returns passed" + (f"; failed: {', '.join(failed)}" if failed else "."))
    if args.report:
        frames = [r.to_frame().assign(force_code=code) for code, r in reports.items()]
        table = pd.concat(frames, ignore_index=True)[["force_code", *FAILURE_COLUMNS]]
        # Safe to open in Excel: values cut when long, formula triggers neutralised (analysis.ingest.safe).
        table["value"] = table["value"].map(lambda v: cut(v) if isinstance(v, str) else v)
        table = neutralise_frame(table.astype(object))
        args.report.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.report, index=False, encoding="utf-8", lineterminator="\n")
        print(f"Every failure written to {args.report}")
    return 1 if failed else 0
