"""`python -m analysis status`: per force (and the national report), are the outputs current, and if not, why.

    python -m analysis status [--out DIR] [--data DIR]

Compares the inputs of each unit now (notebook, parameters, the force's data, the analysis package, the lock)
with those of its last run, as `run` would, without running anything. The data folder is the one the last
run used unless --data is given. Exit code 0 when everything is current, 1 when something is not, 2 when
there is nothing to compare with. It never takes the output folder's lock: it only reads, and says when a run
holds the lock.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from analysis.paths import OUTPUTS_DIR
from analysis.paths import PIPELINE_YAML

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status",
        help="say, per force, whether its outputs are current and why not",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=OUTPUTS_DIR, metavar="DIR", help=f"output folder (default {OUTPUTS_DIR})")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR", help="data folder (default: the last run's)")
    parser.add_argument("--params", type=Path, default=PIPELINE_YAML, metavar="FILE", help="run settings (default params/pipeline.yaml)")
    parser.add_argument("--force-notebook", type=Path, default=None, metavar="PATH", help="force notebook (default: pipeline.force_notebook)")
    parser.add_argument("--national-notebook", type=Path, default=None, metavar="PATH", help="national notebook (default: pipeline.national_notebook)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis.pipeline.plan import PlanError
    from analysis.pipeline.status import format_rows, inspect

    try:
        rows = inspect(args.out, data_dir=args.data, params_file=args.params.resolve(),
                       force_notebook=args.force_notebook.resolve() if args.force_notebook else None,
                       national_notebook=args.national_notebook.resolve() if args.national_notebook else None)
    except (PlanError, FileNotFoundError, ValueError) as error:
        log.error("%s", error)
        return 2
    from analysis.pipeline.lock import holder

    running = holder(args.out)
    if running is not None and running.alive() is not False:
        print(f"a run holds this output folder: {running.describe()}; what follows may change when it ends")
    print(format_rows(rows))
    return 0 if all(r.current for r in rows) else 1
