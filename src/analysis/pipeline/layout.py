"""Where the pipeline's outputs live, and how a finished run replaces the previous one atomically.

OUT/
  index.html                     the reviewers' entry page
  manifest.json                  provenance of the last run
  forces/<code>/                 one force: published.parquet (the page's publication ledger), figures/,
                                 report.ipynb (executed), report.html
                                 (a failed run keeps report.ipynb and error.txt; invalid data: validation.txt)
  national/                      the national run: report.ipynb, report.html and what the notebook writes
  .state/                        one JSON state file per unit (analysis.pipeline.cache)
  .staging/<unit>-<random>/      a run in progress: its working directory and output folder

OUT-restricted/ (a sibling of OUT, e.g. outputs-restricted/; git-ignored; never linked from a page; NOT to be shared)
  forces/<code>/results.parquet  one force's results with the true, unsuppressed counts (what the national
                                 notebook and the disclosure audit read)
  national/results.parquet       the national results, unsuppressed
  .staging/<unit>-<random>/      the restricted part of a run in progress

A run writes only inside its staging folders. When it ends, `commit` moves the staging folder into place with
renames on the same file system (old folder aside, staging folder in, old folder removed), so the unit's
folder is always either the previous complete run or the new complete run, never a mixture or a half file.
`clean_leftovers` removes what an interrupted run left in .staging/ (and folders set aside), so the next run
starts clean and simply runs again whatever did not complete.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

FORCES = "forces"
NATIONAL_DIR = "national"
STAGING = ".staging"
NOTEBOOK = "report.ipynb"
HTML = "report.html"
RESULTS = "results.parquet"  # in the restricted folder only
LEDGER = "published.parquet"
ERROR = "error.txt"
VALIDATION = "validation.txt"
INDEX = "index.html"
MANIFEST = "manifest.json"
_ASIDE = ".replaced-"
ASIDE = _ASIDE


def restricted_dir(out_dir: str | Path) -> Path:
    """The restricted folder of an output folder: its sibling `<name>-restricted` (outputs -> outputs-restricted).
    It holds the unsuppressed results; only OUT may be shared."""
    out = Path(out_dir)
    return out.parent / f"{out.name}-restricted"


def force_dir(out_dir: str | Path, force_code: str) -> Path:
    return Path(out_dir) / FORCES / force_code


def national_dir(out_dir: str | Path) -> Path:
    return Path(out_dir) / NATIONAL_DIR


def new_staging(out_dir: str | Path, unit: str) -> Path:
    """A fresh, empty staging folder for one run of `unit` (not created: the worker creates it)."""
    return Path(out_dir) / STAGING / f"{unit}-{uuid.uuid4().hex[:10]}"


def commit(staging: Path, final: Path, *, keep_previous: bool = False) -> Path | None:
    """Put a finished run's folder in place of the previous one (renames only, same file system).

    The previous folder is removed, or with `keep_previous` left aside and returned (None when there was
    none), so that the caller can `restore` it if the new run's publication cannot be completed, or `discard`
    it when it is. Folders are set aside in the staging area (OUT/.staging/, same file system), never beside
    the units: the national notebook collates every folder under OUT/forces/ while pages are still being
    rendered. An interrupted run's folders left aside are removed by `clean_leftovers`."""
    final.parent.mkdir(parents=True, exist_ok=True)
    aside = None
    if final.exists():
        aside = staging.parent / f"{_ASIDE}{final.name}-{uuid.uuid4().hex[:8]}"
        os.replace(final, aside)
    os.replace(staging, final)
    if aside is not None and not keep_previous:
        shutil.rmtree(aside, ignore_errors=True)
        return None
    return aside


def restore(aside: Path, final: Path) -> None:
    """Put a folder set aside by `commit(keep_previous=True)` back in place of the new one (renames, then the
    new folder is removed)."""
    doomed = final.parent / f"{_ASIDE}{final.name}-{uuid.uuid4().hex[:8]}"
    if final.exists():
        os.replace(final, doomed)
    os.replace(aside, final)
    shutil.rmtree(doomed, ignore_errors=True)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def clean_leftovers(out_dir: str | Path) -> list[Path]:
    """Remove staging folders and folders set aside by an interrupted run; returns what was removed."""
    out_dir = Path(out_dir)
    removed = []
    staging_root = out_dir / STAGING
    if staging_root.is_dir():
        for path in staging_root.iterdir():
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            removed.append(path)
    for parent in (out_dir / FORCES, out_dir, out_dir / ".state"):
        if parent.is_dir():
            for path in parent.glob(f"{_ASIDE}*"):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def temporary_files(out_dir: str | Path) -> list[Path]:
    """Files or folders under OUT that belong to an unfinished write (used by the tests to check that nothing half-written is left)."""
    out_dir = Path(out_dir)
    found = [p for p in out_dir.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(_ASIDE)]
    staging_root = out_dir / STAGING
    if staging_root.is_dir():
        found.extend(staging_root.iterdir())
    return sorted(set(found))
