"""`python -m analysis contract --docs [--out PATH]`: write the data dictionary generated from the contract."""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.paths import DOCS_DIR

DEFAULT_PATH = DOCS_DIR / "data_dictionary.md"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "contract",
        help="document the data contract",
        description="Write the data dictionary (Markdown) generated from src/analysis/contract.py.",
    )
    parser.add_argument("--docs", action="store_true", required=True,
                        help="write the data dictionary (the only action at present)")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH, metavar="PATH",
                        help="where to write it (default docs/data_dictionary.md)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis import data_dictionary

    path = data_dictionary.write(args.out)
    print(f"Data dictionary written to {path}")
    return 0
