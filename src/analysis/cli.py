"""`python -m analysis <command>`: the command-line front door.

Each command lives in its own module under `analysis.commands` and exposes
`register(subparsers)`, which adds its parser and sets `func` to a callable taking the parsed
arguments and returning an exit code. Commands are listed here in the order `--help` shows them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS = (
    "generate",
    "template",
    "validate",
    "ingest",
    "contract",
    "indicators",
    "run",
    "export",
    "status",
    "audit",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Group-based CSE inspection analysis: validate returns, compute indicators, build reports.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"analysis.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return int(args.func(args) or 0)
