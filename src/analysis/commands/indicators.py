"""`python -m analysis indicators --docs`: write docs/indicators.md from the catalogue; list the catalogue."""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.paths import DOCS_DIR

DEFAULT_DOCS = DOCS_DIR / "indicators.md"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("indicators", help="list the indicator catalogue or write docs/indicators.md")
    parser.add_argument("--docs", action="store_true", help="write the catalogue as markdown")
    parser.add_argument("--out", type=Path, default=DEFAULT_DOCS, help=f"where --docs writes (default {DEFAULT_DOCS})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis.indicators.catalogue import entries, render_markdown

    if args.docs:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(render_markdown(), encoding="utf-8")
        print(f"wrote {args.out}")
        return 0
    for e in entries():
        print(f"{e.id}  {e.strand:<12} {e.title}")
    return 0
