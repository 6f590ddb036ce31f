"""Where notebook runs execute, behind one interface so the orchestration does not care.

- LocalExecutor: a pool of worker processes on this machine (concurrent.futures.ProcessPoolExecutor, "spawn"
  start method, default one worker per core). Each worker keeps a warm kernel (analysis.pipeline.kernels).
  `interrupt` sends SIGTERM to the workers, which kill their kernels and exit at once.
- DaskExecutor: an existing Dask cluster, reached through distributed.Client at a scheduler address (or a
  Client/LocalCluster given by the caller, as the tests do). The workers must see the project and the data at
  the same paths as this machine (a shared file system): tasks carry absolute paths, not data.

Both return futures with .result(); `as_completed` yields them as they finish.
"""

from __future__ import annotations

import logging
import os
import signal
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from analysis.pipeline.plan import PlanError

log = logging.getLogger(__name__)


class Executor(ABC):
    """Runs functions on workers and hands back futures."""

    kind: str = ""
    workers: int = 1

    @abstractmethod
    def submit(self, fn: Callable, /, *args: Any) -> Any:
        """Schedule fn(*args); returns a future with .result() and .cancel()."""

    @abstractmethod
    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        """Yield the futures as they finish."""

    @abstractmethod
    def interrupt(self) -> None:
        """Stop all work now (runs in progress are abandoned; their staging folders are removed by the caller)."""

    @abstractmethod
    def close(self) -> None:
        """Release the workers (and their kernels) after the run."""

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers}


class WorkerDied(RuntimeError):
    """The worker process running a task ended before the task did (killed, out of memory, crashed)."""


class LocalExecutor(Executor):
    """A pool of `jobs` worker processes (default: os.cpu_count()), each running one task at a time.

    Each worker is its own single-process ProcessPoolExecutor (a "slot") and is given a task only when it is
    idle, so the task a worker holds is always known: when a worker process dies (kill -9, the out-of-memory
    killer), only that task fails (WorkerDied, naming the signal) and the slot is rebuilt with a fresh worker
    for the tasks still queued; the other workers are not touched. (One shared ProcessPoolExecutor would fail
    every queued task with BrokenProcessPool and terminate the other workers.)

    `prewarm` (kernel name, start timeout, warm-up imports): each worker starts its kernel as soon as the
    worker starts, so kernel start-up overlaps the worker's own imports and its first validation.
    """

    kind = "local"

    def __init__(self, jobs: int | None = None, prewarm: tuple[str, float, tuple[str, ...]] | None = None):
        import threading

        self.workers = max(1, int(jobs or os.cpu_count() or 1))
        self._prewarm = prewarm
        self._lock = threading.RLock()
        self._queue: list[tuple[Any, Callable, tuple]] = []  # (outer future, fn, args) waiting for a worker
        self._slots: list[dict[str, Any]] = [self._new_slot() for _ in range(self.workers)]
        self._closed = False

    def _new_slot(self) -> dict[str, Any]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from analysis.pipeline.run_force import init_local_worker

        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=init_local_worker, initargs=(self._prewarm,))
        return {"pool": pool, "busy": None, "process": None}

    def submit(self, fn, /, *args):
        from concurrent.futures import Future

        outer: Future = Future()
        with self._lock:
            self._queue.append((outer, fn, args))
            self._dispatch()
        return outer

    def _dispatch(self) -> None:
        """Give queued tasks to idle workers (called with the lock held)."""
        if self._closed:
            return
        for index, slot in enumerate(self._slots):
            if slot["busy"] is not None:
                continue
            while self._queue and not self._queue[0][0].set_running_or_notify_cancel():
                self._queue.pop(0)  # cancelled while queued
            if not self._queue:
                return
            outer, fn, args = self._queue.pop(0)
            slot["busy"] = outer
            inner = slot["pool"].submit(fn, *args)
            processes = list(getattr(slot["pool"], "_processes", {}).values())
            slot["process"] = processes[0] if processes else slot["process"]
            inner.add_done_callback(lambda done, i=index, o=outer: self._finished(i, o, done))

    def _finished(self, index: int, outer, inner) -> None:
        from concurrent.futures.process import BrokenProcessPool

        with self._lock:
            slot = self._slots[index]
            error = inner.exception() if not inner.cancelled() else None
            if isinstance(error, BrokenProcessPool):
                process = slot["process"]
                if process is not None:
                    process.join(timeout=5)
                code = getattr(process, "exitcode", None)
                error = WorkerDied(worker_death_reason(code))
                slot["pool"].shutdown(wait=False, cancel_futures=True)
                if not self._closed:
                    self._slots[index] = slot = self._new_slot()
            slot["busy"] = None
            if inner.cancelled():
                outer.cancel()
            elif error is not None:
                outer.set_exception(error)
            else:
                outer.set_result(inner.result())
            self._dispatch()

    def processes(self) -> list[Any]:
        """The live worker processes (multiprocessing.Process), for signalling them."""
        found = []
        with self._lock:
            for slot in self._slots:
                found += list(getattr(slot["pool"], "_processes", {}).values())
        return found

    def as_completed(self, futures):
        from concurrent.futures import as_completed

        return as_completed(list(futures))

    def interrupt(self) -> None:
        with self._lock:
            self._closed = True
            for outer, _, _ in self._queue:
                outer.cancel()
            self._queue.clear()
        # ProcessPoolExecutor has no public way to stop running work: signal its worker processes.
        processes = self.processes()
        for process in processes:
            if process.is_alive():
                try:
                    os.kill(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in processes:
            process.join(timeout=10)
        for slot in self._slots:
            slot["pool"].shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            slots = list(self._slots)
        for slot in slots:
            slot["pool"].shutdown(wait=True, cancel_futures=True)


def worker_death_reason(exitcode: int | None) -> str:
    """Words for how a worker process ended (exitcode negative: the signal that killed it)."""
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        if number == signal.SIGKILL:
            return f"worker process died: signal {number}, possibly out of memory"
        try:
            return f"worker process died: signal {number} ({signal.Signals(number).name})"
        except ValueError:
            return f"worker process died: signal {number}"
    if exitcode is None:
        return "worker process died"
    return f"worker process died: it exited with code {exitcode}"


class DaskExecutor(Executor):
    """Runs tasks on an existing Dask cluster: `address` of its scheduler, or a ready `client`.

    Everything goes through this executor's own client (never Dask's default client, which a command-line
    run does not have). On start it checks that every worker runs the same project as this machine
    (`worker_identity`: analysis version and the digest of its source, Python, core packages) and refuses
    the cluster otherwise (ClusterMismatch). Tasks carry `run_id`; when the run ends, however it ends,
    `close` shuts down the kernels of this run on every worker and marks the run closed there, so a task
    still running cannot start another (analysis.pipeline.kernels.close_run).
    """

    kind = "dask"

    def __init__(self, address: str | None = None, *, client: Any = None):
        import uuid

        from distributed import Client

        if client is None and not address:
            raise ValueError("the dask executor needs a scheduler address (--scheduler tcp://host:8786)")
        self._own_client = client is None
        try:
            self.client = client if client is not None else Client(address, set_as_default=False, timeout="20s")
        except OSError as error:
            raise ClusterMismatch(f"cannot reach the Dask scheduler at {address}: {error}. Start it with "
                                  "`dask scheduler` and its workers with `dask worker ADDRESS` (docs/pipeline.md)") from None
        self.address = address or getattr(getattr(self.client, "scheduler", None), "address", "")
        self.run_id = uuid.uuid4().hex
        info = self.client.scheduler_info()
        if not info.get("workers"):
            self.client.wait_for_workers(1, timeout=30)
            info = self.client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
        self._futures: list[Any] = []
        try:
            self.check_workers()
        except BaseException:
            if self._own_client:
                self.client.close()
            raise

    def check_workers(self) -> None:
        """Raise ClusterMismatch unless every worker runs the project as this machine does."""
        here = worker_identity()
        try:
            theirs = self.client.run(worker_identity)
        except Exception as error:  # noqa: BLE001 - a worker without the project cannot import it
            raise ClusterMismatch(f"the Dask workers at {self.address} could not report their environment "
                                  f"({type(error).__name__}: {error}): every worker needs this project's environment "
                                  "(docs/pipeline.md, 'Same environment')") from None
        for worker, identity in sorted(theirs.items()):
            differences = [f"{key} {identity.get(key)!r} (here {value!r})" for key, value in here.items()
                           if identity.get(key) != value]
            if differences:
                raise ClusterMismatch(
                    f"Dask worker {worker} runs a different version of the project: {'; '.join(differences)}. "
                    "Install the same version and environment on every worker, from the same shared project "
                    "folder (docs/pipeline.md, 'Same environment'), and restart the workers")

    def submit(self, fn, /, *args):
        future = self.client.submit(fn, *args, pure=False)
        self._futures.append(future)
        return future

    def as_completed(self, futures):
        from distributed import as_completed

        return iter(as_completed(list(futures), loop=self.client.loop))

    def interrupt(self) -> None:
        if self._futures:
            self.client.cancel(self._futures, force=True)

    def close(self) -> None:
        from analysis.pipeline.kernels import close_run

        try:
            self.client.run(close_run, self.run_id)
        except Exception:  # noqa: BLE001 - workers may be gone; their kernels exit with them
            log.warning("could not shut down this run's kernels on the Dask workers", exc_info=True)
        self._futures.clear()
        if self._own_client:
            self.client.close()

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers, "scheduler": self.address}


class ClusterMismatch(PlanError):
    """The Dask cluster cannot run this project's notebooks (unreachable, or workers on another version)."""


def worker_identity() -> dict[str, str]:
    """What must match between this machine and every worker: the analysis package's version and the digest
    of its source (the "package" input of every unit), Python's version and the core packages' versions."""
    import analysis
    from analysis.pipeline.hashing import package_digest
    from analysis.pipeline.manifest import package_versions

    return {**package_versions(), "analysis": analysis.__version__, "analysis source": package_digest()[:16]}


def make_executor(kind: str, *, jobs: int | None = None, scheduler: str | None = None,
                  prewarm: tuple[str, float, tuple[str, ...]] | None = None) -> Executor:
    """The executor named on the command line (`local` or `dask`); `prewarm` applies to local workers."""
    if kind == "local":
        return LocalExecutor(jobs, prewarm=prewarm)
    if kind == "dask":
        return DaskExecutor(scheduler)
    raise ValueError(f"unknown executor '{kind}': use local or dask")
