"""`python -m analysis ingest --returns DIR --out DIR [--reports DIR] [--pseudonymise]`.

Reads every force's return in DIR (FORCE.xlsx or FORCE/*.csv), writes validated Parquet (OUT/<force>/<table>.parquet)
for each return that passes, and an error report for every return (REPORTS/<force>/errors.csv, errors.md,
normalisations.csv, plus REPORTS/summary.csv). Exit code: 0 when every return passed, 1 when any failed or none
was found, 2 when the command cannot start (missing folder; returns, output and report folders the same or nested; a folder
that cannot be written; pseudonymisation key not set or too weak) or a report could not be written.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="validate force returns (xlsx or CSV) and write validated Parquet plus an error report per force",
        description="Read every force's return in --returns, correct only what cannot change meaning (and report "
        "it), check it against the data contract, and write validated Parquet for each return that passes. Each "
        "return gets a report in --reports whatever the outcome. A failing return does not stop the others.",
    )
    parser.add_argument("--returns", type=Path, required=True, metavar="DIR", help="folder holding FORCE.xlsx files and/or FORCE/ folders of CSV files")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="where validated Parquet goes (OUT/<force>/<table>.parquet)")
    parser.add_argument("--reports", type=Path, metavar="DIR", help="where reports go (default: OUT_reports beside OUT)")
    parser.add_argument("--pseudonymise", action="store_true",
                        help="replace identifiers with keyed pseudonyms (HMAC-SHA256; key from the CSE_PSEUDONYM_KEY environment variable)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis.ingest import default_reports_dir, ingest_directory
    from analysis.ingest.folders import FolderError, storage_words
    from analysis.ingest.pseudonymise import PseudonymisationError, key_from_environment

    key = None
    if args.pseudonymise:
        try:
            key = key_from_environment()
        except PseudonymisationError as error:
            print(f"error: {error}")
            return 2
    if not args.returns.is_dir():
        print(f"error: the returns folder {args.returns} does not exist")
        return 2
    reports_dir = args.reports or default_reports_dir(args.out)
    try:
        results = ingest_directory(args.returns, args.out, reports_dir, key=key)
    except (FolderError, PseudonymisationError) as error:
        print(f"error: {error}")
        return 2
    except OSError as error:
        print(f"error: ingest stopped: a report could not be written to {reports_dir} ({storage_words(error)}). Reports "
              "already written are complete; validated data already written is complete and was checked. Free space or "
              "fix the folder's permissions and run ingest again.")
        return 2
    if not results:
        print(f"no returns found in {args.returns}: expected FORCE.xlsx files or FORCE/ folders of CSV files")
        return 1
    for result in results:
        if result.passed:
            print(f"{result.name}: passed, written to {result.written_to}")
        else:
            n = len(result.issues)
            print(f"{result.name}: FAILED, {n} problem{'s' if n != 1 else ''} (see {reports_dir / result.name / 'errors.md'})")
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed} of {len(results)} returns passed; reports in {reports_dir}")
    return 0 if failed == 0 else 1
