"""`python -m analysis audit OUT`: the reader's audit of every published page in an output folder.

    python -m analysis audit [OUT] [--restricted DIR] [--params FILE] [--cells]

For each unit (force pages, each with the national page's rows about it; then the national page's own rows)
it reads the page's publication ledger (OUT/.../published.parquet) and the restricted results (default: OUT's
sibling OUT-restricted) and prints the number of withheld counts, the narrowest feasible range found and any
exposed count (analysis.disclosure.audit). With --cells every withheld count is listed with its range. Exit
code 0 when nothing is exposed, 1 when something is, 2 when the folders cannot be read.
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

from analysis.paths import OUTPUTS_DIR, PIPELINE_YAML

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="audit every published page as a reader would: can a withheld count be worked out?",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path, nargs="?", default=OUTPUTS_DIR, metavar="OUT",
                        help=f"output folder of a run (default {OUTPUTS_DIR})")
    parser.add_argument("--restricted", type=Path, default=None, metavar="DIR",
                        help="restricted results folder (default: OUT's sibling OUT-restricted)")
    parser.add_argument("--params", type=Path, default=PIPELINE_YAML, metavar="FILE",
                        help="settings with the disclosure section (default params/pipeline.yaml)")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR",
                        help="validated data folder whose force profiles give each region's forces (default: the "
                             "data folder named in OUT/manifest.json)")
    parser.add_argument("--cells", action="store_true", help="list every withheld count with its feasible range")
    parser.set_defaults(func=run)


def _range(low: float, high: float) -> str:
    return f"{low:g} to {'unbounded' if not math.isfinite(high) else f'{high:g}'}"


def run(args: argparse.Namespace) -> int:
    from analysis.disclosure.pages import audit_output
    from analysis.pipeline.layout import restricted_dir
    from analysis.settings import disclosure_settings

    restricted = args.restricted or restricted_dir(args.out)
    try:
        s = disclosure_settings(args.params)
        found = audit_output(args.out, restricted, s["threshold"], s["protection_width"], data_dir=args.data,
                             every_withheld=s["protect_secondary"])
    except (FileNotFoundError, ValueError) as error:
        log.error("%s", error)
        return 2
    if not found:
        log.error("no page with a publication ledger under %s: run `python -m analysis run` first", args.out)
        return 2
    print(f"reader's audit of {args.out} (threshold {s['threshold']}, protection width {s['protection_width']}; "
          f"restricted results from {restricted})")
    bad_units = 0
    for unit, table in found.items():
        exposed = table[table["exposed"]]
        bad_units += bool(len(exposed))
        narrowest = table.loc[table["width"].idxmin()] if len(table) else None
        line = f"{unit}: {len(table)} withheld count(s) audited"
        if narrowest is not None:
            line += (f"; narrowest range {narrowest['width']:g} ({narrowest['indicator_id']} "
                     f"{narrowest['breakdown']} / {narrowest['category']}, {narrowest['column']})")
        line += f"; {len(exposed)} exposed" if len(exposed) else "; none exposed"
        print(line)
        shown = table if args.cells else exposed
        for r in shown.itertuples():
            flag = f"EXPOSED: {r.reason}" if r.exposed else "protected"
            print(f"  {r.indicator_id} {r.breakdown} / {r.category} ({r.basis}; {r.column}) in {r.source}: "
                  f"range {_range(r.low, r.high)}, {flag}")
    print(f"{bad_units} of {len(found)} unit(s) with an exposed count")
    return 1 if bad_units else 0
