"""`python -m analysis export`: re-render the reviewer HTML from the executed notebooks of the last run.

    python -m analysis export [--out DIR] [--stale-only]

Renders OUT/forces/<code>/report.html for every force whose last run succeeded, OUT/national/report.html and
OUT/index.html, without re-running any notebook (use it after changing the export code or templates; `run`
does it automatically for pages whose export code changed). Provenance shown on each page is the one
recorded in its executed notebook. It holds OUT's lock while it writes (one run or export at a time per
output folder). Exit code 0; 1 when the output folder's disk is full or read-only (pages already published
stay as they were); 2 when OUT holds no run or another run or export holds its lock.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from analysis.paths import OUTPUTS_DIR
from analysis.paths import PIPELINE_YAML

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="re-render the reviewer HTML and the index page from the executed notebooks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=OUTPUTS_DIR, metavar="DIR", help=f"output folder of the run (default {OUTPUTS_DIR})")
    parser.add_argument("--stale-only", action="store_true", help="render only pages made by other export code (or missing)")
    parser.add_argument("--params", type=Path, default=PIPELINE_YAML, metavar="FILE", help="run settings (hidden cell tags)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis.pipeline.config import pipeline_settings
    from analysis.pipeline.publish import export_all
    from analysis.pipeline.run_force import skip_slow_optional_imports

    from analysis.pipeline.lock import LockedError, OutputFolderError, OutputLock
    from analysis.pipeline.storage import StorageFault, storage_fault

    skip_slow_optional_imports()
    settings = pipeline_settings(args.params)
    out = args.out.resolve()
    if not (out / "manifest.json").is_file():
        log.error("no run recorded in %s (manifest.json missing): run `python -m analysis run` first", out)
        return 2
    try:
        with OutputLock(out, "analysis export"):
            rendered, index = export_all(out, hidden_tags=tuple(settings["hidden_tags"]),
                                         only_stale=args.stale_only, progress=sys.stderr.isatty())
    except (FileNotFoundError, LockedError, OutputFolderError) as error:
        log.error("%s", error)
        return 2
    except OSError as error:
        fault = storage_fault(error, out)
        if fault is None:
            raise
        log.error("%s", fault)
        return 1
    except StorageFault as fault:
        log.error("%s", fault)
        return 1
    print(f"rendered {len(rendered)} page(s){': ' + ', '.join(rendered) if rendered else ''}")
    print(f"index: {index}")
    return 0
