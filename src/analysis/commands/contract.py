"""`python -m analysis contract --docs [--out PATH]`: write the data dictionary generated from the contract."""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis import data_dictionary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "contract",
        help="document the data contract",
        description="Write the data dictionary (Markdown) generated from src/analysis/contract.py.",
    )
    parser.add_argument("--docs", action="store_true", required=True,
                        help="write the data dictionary (the only action at present)")
    parser.add_argument("--out", type=Path, default=data_dictionary.DEFAULT_PATH, metavar="PATH",
                        help=f"where to write it (default {data_dictionary.DEFAULT_PATH.relative_to(data_dictionary.DEFAULT_PATH.parents[1])})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = data_dictionary.write(args.out)
    print(f"Data dictionary written to {path}")
    return 0
