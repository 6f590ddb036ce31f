"""Publish a folder all at once: fill a temporary sibling folder, then rename it into place.

A reader (or a run interrupted half-way) sees either the previous folder or the new one, never a mix. When the
folder already exists it is moved aside, the new one renamed in, and the old one deleted; the two renames are on
the same file system, so each is atomic (POSIX rename(2)).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def publish_directory(final: Path, fill: Callable[[Path], None]) -> Path:
    """Create `final` with the contents `fill(staging)` writes; returns `final`.

    If `fill` raises, nothing is published and the temporary folder is removed.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        fill(staging)
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
            old.rmdir()
            final.rename(old)
            staging.rename(final)
            shutil.rmtree(old)
        else:
            staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return final
