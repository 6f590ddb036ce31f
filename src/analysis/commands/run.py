"""`python -m analysis run`: the batch run (DESIGN.md section 7).

    python -m analysis run [--data DIR] [--out DIR] [--forces CODE,...] [--jobs N] [--rerun]
                           [--executor local|dask] [--scheduler ADDRESS]

Validates the data (without --data: data/synthetic, generated when absent), runs the force notebook for every
force whose inputs changed (in parallel, each in its own working directory), then the national notebook, the
reviewer HTML, OUT/index.html and OUT/manifest.json, and prints a summary. Exit code: 0 when every force and
the national report are ok; 1 when a force failed or its data failed validation (the others still run);
2 when the run cannot start (including: another run holds the output folder's lock, the output folder is the
data folder or nested with it, --scheduler without --executor dask); 130/143 when interrupted by SIGINT/SIGTERM (finished runs are kept).
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
        "run",
        help="run every force's notebook, the national notebook and the HTML export (incremental, parallel)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=None, metavar="DIR",
                        help="validated Parquet returns, DIR/<force>/<table>.parquet (default: data/synthetic, generated when absent)")
    parser.add_argument("--out", type=Path, default=OUTPUTS_DIR, metavar="DIR", help=f"output folder (default {OUTPUTS_DIR})")
    parser.add_argument("--forces", type=_codes, default=None, metavar="CODE,...", help="run only these forces")
    parser.add_argument("--jobs", type=_positive, default=None, metavar="N", help="worker processes (default: one per core)")
    parser.add_argument("--rerun", action="store_true", help="run everything, even what is current")
    parser.add_argument("--executor", choices=("local", "dask"), default=None, help="where notebooks run (default local)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--params", type=Path, default=PIPELINE_YAML, metavar="FILE", help="run settings (default params/pipeline.yaml)")
    parser.add_argument("--force-notebook", type=Path, default=None, metavar="PATH", help="force notebook (default: pipeline.force_notebook)")
    parser.add_argument("--national-notebook", type=Path, default=None, metavar="PATH", help="national notebook (default: pipeline.national_notebook)")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show progress bars")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show progress bars")
    parser.set_defaults(func=run)


def _codes(text: str) -> list[str]:
    codes = [c.strip() for c in text.split(",") if c.strip()]
    if not codes:
        raise argparse.ArgumentTypeError("give at least one force code")
    return codes


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace) -> int:
    from analysis.pipeline.plan import PlanError
    from analysis.pipeline.run import RunConfig, run_pipeline
    from analysis.pipeline.summary import format_summary

    config = RunConfig(
        data_dir=args.data.resolve() if args.data else None,
        out_dir=args.out.resolve(),
        forces=args.forces,
        jobs=args.jobs,
        rerun=args.rerun,
        executor=args.executor,
        scheduler=args.scheduler,
        params_file=args.params.resolve(),
        force_notebook=args.force_notebook.resolve() if args.force_notebook else None,
        national_notebook=args.national_notebook.resolve() if args.national_notebook else None,
        progress=args.progress,
    )
    from analysis.pipeline.lock import LockedError, OutputFolderError

    try:
        report = run_pipeline(config)
    except (PlanError, FileNotFoundError, ValueError, LockedError, OutputFolderError) as error:
        log.error("%s", error)
        return 2
    print(format_summary(report), flush=True)
    if not report.interrupted and not report.stopped:
        print(f"index: {config.out_dir / 'index.html'}", flush=True)
    return report.exit_code
