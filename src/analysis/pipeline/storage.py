"""Storage faults of the output folder: a full disk (or quota) and a read-only folder.

They are not failures of a force: every force would fail the same way, and a force's failure would replace
its previously published outputs with an error. So a storage fault ends the run (StorageFault) with one
clear message; units not yet completely replaced keep their previous outputs (analysis.pipeline.run rolls
back a unit committed but whose page could not be written), and the next run, once there is room, does
what is missing.

`storage_fault(error, path)` recognises an OSError as a storage fault by its errno; `probe(folder)` tells
whether a folder can still take a small write, used after a notebook failed to recognise failures that a
full disk causes indirectly (a truncated notebook file: "Notebook does not appear to be JSON").
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
PROBE_BYTES = 64 * 1024


class StorageFault(RuntimeError):
    """The output folder cannot take the run's writes (full or read-only); the message says what to do."""


def describe(error: OSError, where: str | Path) -> str:
    """The user's message for a storage error met while writing under `where`."""
    reason = error.strerror or str(error)
    if error.errno in FULL:
        return (f"the disk of the output folder {where} is full ({reason}): free space on it (or give another --out) "
                "and run again; outputs already published are unchanged and the next run does only what is missing")
    return (f"the output folder {where} cannot be written ({reason}): make it writable (or give another --out) and "
            "run again; outputs already published are unchanged")


def storage_fault(error: BaseException, where: str | Path) -> StorageFault | None:
    """A StorageFault for `error` when it (or its cause) is an OSError of a full or read-only file system."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, OSError) and error.errno in FULL | READ_ONLY:
            return StorageFault(describe(error, where))
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def probe(folder: str | Path, where: str | Path | None = None) -> StorageFault | None:
    """Try to write PROBE_BYTES in `folder` (then remove it): a StorageFault when the disk is full or the folder
    read-only, else None. `where` is the folder named in the message (default `folder`)."""
    folder = Path(folder)
    path = folder / f".write-probe-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as stream:
            stream.write(b"\0" * PROBE_BYTES)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as error:
        return storage_fault(error, where or folder)
    finally:
        try:
            path.unlink()
        except OSError:
            pass
    return None
