"""One run at a time per output folder: `run` and `export` hold OUT/.lock while they write.

The lock is an operating-system file lock taken with the `filelock` library (flock(2) on Linux), so it is
released by the kernel when its holder's process ends, however it ends (kill -9 included): a dead holder
never blocks the next run. Beside the lock the holder writes OUT/.lock.json: its process id, host, command and
start time, so that a second run that finds the folder locked refuses at once, naming the holder. When a run
takes the lock and finds a holder record of another process, that process died while holding the lock (a
live holder would still hold it): the record is reported ("took over the lock left by ...") and replaced.

`status` never takes the lock: it only reads; `holder` lets it say that a run is in progress.

Errors: LockedError (another run holds the lock: exit code 2 on the command line), OutputFolderError (the
output folder cannot be created or written, e.g. read-only).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

LOCK = ".lock"
HOLDER = ".lock.json"


class LockedError(RuntimeError):
    """Another process holds the output folder's lock."""


class OutputFolderError(RuntimeError):
    """The output folder cannot be created or written (read-only, full, not a folder)."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) an output folder's lock."""

    pid: int
    host: str
    started: str
    command: str

    def describe(self) -> str:
        return f"process {self.pid} on host {self.host}, started {self.started} ({self.command})"

    def alive(self) -> bool | None:
        """True/False when the holder ran on this host (its process exists or not); None for another host."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def holder(out_dir: str | Path) -> Holder | None:
    """The holder record of OUT's lock (None when there is none or it cannot be read). Reads only."""
    try:
        data = json.loads((Path(out_dir) / HOLDER).read_text(encoding="utf-8"))
        return Holder(int(data["pid"]), str(data["host"]), str(data["started"]), str(data.get("command", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class OutputLock:
    """The lock of one output folder, held for the life of a `with` block.

    `command` names what holds it (e.g. "analysis run"); `echo` receives the take-over message. Entering
    raises LockedError at once (no waiting) when another process holds it, OutputFolderError when the folder
    cannot be written.
    """

    def __init__(self, out_dir: str | Path, command: str, echo=print):
        self.out = Path(out_dir)
        self.command = command
        self.echo = echo
        self._lock: Any = None

    def __enter__(self) -> OutputLock:
        from filelock import FileLock, Timeout

        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputFolderError(f"cannot create the output folder {self.out}: {error.strerror or error}") from None
        lock = FileLock(str(self.out / LOCK), timeout=0, thread_local=False, is_singleton=False)
        try:
            lock.acquire()
        except Timeout:
            found = holder(self.out)
            who = found.describe() if found else "another process (its record could not be read)"
            raise LockedError(f"the output folder {self.out} is in use by another run: {who}. Wait for it to "
                              "finish, or give another --out folder") from None
        except OSError as error:
            raise OutputFolderError(f"cannot write to the output folder {self.out}: {error.strerror or error}") from None
        self._lock = lock
        previous = holder(self.out)
        if previous is not None and (previous.pid, previous.host) != (os.getpid(), socket.gethostname()):
            self.echo(f"took over the lock of {self.out} left by {previous.describe()}, which ended without releasing it")
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  "command": self.command, "argv": sys.argv}
        try:
            from analysis.atomic import write_text_atomic

            write_text_atomic(self.out / HOLDER, json.dumps(record, indent=1) + "\n")
        except OSError as error:
            lock.release()
            self._lock = None
            raise OutputFolderError(f"cannot write to the output folder {self.out}: {error.strerror or error}") from None
        return self

    def __exit__(self, *exc) -> None:
        if self._lock is None:
            return
        try:
            (self.out / HOLDER).unlink(missing_ok=True)
        except OSError:
            pass
        self._lock.release()
        self._lock = None
