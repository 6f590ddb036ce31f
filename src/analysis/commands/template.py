"""`python -m analysis template --out FILE.xlsx`: write the Excel return template a force analyst fills in."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "template",
        help="write the Excel return template (one sheet per table, drop-down lists, data dictionary)",
        description="Write the Excel workbook a force analyst fills in to make a return. It is generated from the "
        "data contract, so it always matches what `ingest` checks.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx", help="where to write the template")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis.template import build_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(f"error: the template is an Excel workbook: give a file name ending .xlsx (got {out})")
        return 2
    path = build_template(out)
    print(f"wrote the return template to {path}")
    return 0
