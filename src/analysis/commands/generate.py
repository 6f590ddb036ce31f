"""`python -m analysis generate`: write the synthetic national dataset (DESIGN.md section 6).

    python -m analysis generate [--out DIR] [--seed N] [--scale X] [--forces K]
                                [--format parquet|csv|xlsx] [--params FILE] [--if-missing]

Settings come from params/synthetic.yaml; the options override it. With --if-missing the dataset is
regenerated only when DIR has none, or its stamp (DIR/_generator.json) says it was made from other
settings, by another generator version or from other generator code or code lists ("stale").
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from analysis.paths import SYNTHETIC_DIR

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write the synthetic national dataset (every table, every synthetic force)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=SYNTHETIC_DIR, help=f"output folder (default {SYNTHETIC_DIR})")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: params/synthetic.yaml)")
    parser.add_argument("--scale", type=float, default=None, help="multiply the number of offences (25 gives about one million)")
    parser.add_argument("--forces", type=int, default=None, help="number of synthetic forces (default 43)")
    parser.add_argument("--format", choices=("parquet", "csv", "xlsx"), default="parquet", help="file format (default parquet)")
    parser.add_argument("--params", type=Path, default=None, help="settings file (default params/synthetic.yaml)")
    parser.add_argument("--if-missing", action="store_true", help="do nothing when DIR already holds this dataset")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis.synthetic import is_current, load_config, write_dataset
    from analysis.synthetic.write import STAMP_NAME

    try:
        config = load_config(args.params, seed=args.seed, scale=args.scale, forces=args.forces)
    except (OSError, ValueError) as error:
        log.error("cannot read the generator settings: %s", error)
        return 2
    out: Path = args.out
    if args.if_missing:
        if is_current(config, out, args.format):
            print(f"{out}: synthetic dataset is current (seed {config.seed}, scale {config.scale:g}, {config.n_forces} forces); nothing to do")
            return 0
        reason = "absent" if not (out / STAMP_NAME).exists() else "stale (made from other settings or by other generator code)"
        print(f"{out}: synthetic dataset {reason}; generating")
    started = time.perf_counter()
    stamp = write_dataset(config, out, args.format, on_force=lambda code, _tables: log.debug("wrote %s", code))
    print(
        f"{out}: wrote {stamp.forces} synthetic forces ({stamp.format}; seed {stamp.seed}, scale {stamp.scale:g}) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0
