"""Check ingest's three folders before anything is read or written, and keep reading inside the returns folder.

- `check_folders`: the returns folder, the output folder (validated Parquet) and the reports folder must be three
  separate places: none may be the same as another or inside another, in either direction (`--out` equal to
  `--returns` would put Parquet where the submitted files are; `--reports` inside `--out` would be read as a
  force). Paths are compared after resolving symbolic links and `..`. Then the output and report folders are
  created if needed and a probe file is written and removed in each, so a read-only or missing disk is reported
  in plain words before any return is read, and a folder this check created is removed again if the other fails.
- `outside`: whether a path (a return, or a file in a CSV return) resolves to somewhere outside the returns
  folder (a symbolic link to another folder or file); such paths are refused and reported, never followed.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


class FolderError(Exception):
    """The folders given to ingest cannot be used (same or nested, not writable); nothing was read or written."""


def _nested(a: Path, b: Path) -> bool:
    return a == b or a.is_relative_to(b) or b.is_relative_to(a)


def storage_words(error: OSError) -> str:
    """A plain description of a storage fault, e.g. 'the disk is full' or 'the folder is read-only'."""
    return {
        errno.ENOSPC: "the disk is full (no space left on the device)",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the folder is on a read-only file system",
        errno.EACCES: "permission to write there is denied",
        errno.EPERM: "permission to write there is denied",
    }.get(error.errno or 0, error.strerror or str(error))


def check_folders(returns: Path, out: Path, reports: Path) -> None:
    """Refuse folders that are the same or nested, and make sure `out` and `reports` can be written.

    Raises FolderError with a message naming the folders; writes nothing that it does not remove on failure.
    """
    named = {"--returns": Path(returns).resolve(), "--out": Path(out).resolve(), "--reports": Path(reports).resolve()}
    items = list(named.items())
    for i, (name_a, a) in enumerate(items):
        for name_b, b in items[i + 1:]:
            if _nested(a, b):
                how = "the same folder" if a == b else "inside one another"
                raise FolderError(
                    f"{name_a} {a} and {name_b} {b} are {how}: the returns, the validated data and the reports must be "
                    "three separate folders, none inside another, so that submitted files are never overwritten and "
                    "outputs are never read as returns. Nothing was read or written.")
    created: list[Path] = []
    try:
        for name in ("--out", "--reports"):
            folder = named[name]
            missing = []
            parent = folder
            while not parent.exists():
                missing.append(parent)
                parent = parent.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
                created += reversed(missing)
                handle, probe = tempfile.mkstemp(prefix=".ingest-probe-", dir=folder)
                os.close(handle)
                os.unlink(probe)
            except OSError as error:
                raise FolderError(f"cannot write to the {name} folder {folder}: {storage_words(error)}. Nothing was "
                                  "read or written; choose a folder that can be written and run ingest again.") from None
    except FolderError:
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise


def outside(path: Path, root: Path) -> bool:
    """True when `path` resolves (following symbolic links) to a place outside the folder `root`."""
    try:
        return not Path(path).resolve(strict=True).is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError):  # a broken or looping link
        return True
