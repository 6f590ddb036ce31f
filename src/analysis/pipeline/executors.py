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


class LocalExecutor(Executor):
    """A pool of `jobs` worker processes (default: os.cpu_count()).

    `prewarm` (kernel name, start timeout, warm-up imports): each worker starts its kernel as soon as the
    worker starts, so kernel start-up overlaps the worker's own imports and its first validation.
    """

    kind = "local"

    def __init__(self, jobs: int | None = None, prewarm: tuple[str, float, tuple[str, ...]] | None = None):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from analysis.pipeline.run_force import init_local_worker

        self.workers = max(1, int(jobs or os.cpu_count() or 1))
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_local_worker,
            initargs=(prewarm,),
        )

    def submit(self, fn, /, *args):
        return self._pool.submit(fn, *args)

    def as_completed(self, futures):
        from concurrent.futures import as_completed

        return as_completed(list(futures))

    def interrupt(self) -> None:
        # ProcessPoolExecutor has no public way to stop running work: signal its worker processes.
        processes = list(getattr(self._pool, "_processes", {}).values())
        for process in processes:
            if process.is_alive():
                try:
                    os.kill(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in processes:
            process.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """Runs tasks on an existing Dask cluster: `address` of its scheduler, or a ready `client`."""

    kind = "dask"

    def __init__(self, address: str | None = None, *, client: Any = None):
        from distributed import Client

        if client is None and not address:
            raise ValueError("the dask executor needs a scheduler address (--scheduler tcp://host:8786)")
        self._own_client = client is None
        self.client = client if client is not None else Client(address, set_as_default=False)
        self.address = address or getattr(getattr(self.client, "scheduler", None), "address", "")
        info = self.client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
        self._futures: list[Any] = []

    def submit(self, fn, /, *args):
        future = self.client.submit(fn, *args, pure=False)
        self._futures.append(future)
        return future

    def as_completed(self, futures):
        from distributed import as_completed

        return iter(as_completed(list(futures)))

    def interrupt(self) -> None:
        if self._futures:
            self.client.cancel(self._futures, force=True)

    def close(self) -> None:
        from analysis.pipeline.kernels import shutdown_all

        try:
            self.client.run(shutdown_all)
        except Exception:  # noqa: BLE001 - workers may be gone; their kernels exit with them
            log.debug("could not shut down kernels on the dask workers", exc_info=True)
        self._futures.clear()
        if self._own_client:
            self.client.close()

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers, "scheduler": self.address}


def make_executor(kind: str, *, jobs: int | None = None, scheduler: str | None = None,
                  prewarm: tuple[str, float, tuple[str, ...]] | None = None) -> Executor:
    """The executor named on the command line (`local` or `dask`); `prewarm` applies to local workers."""
    if kind == "local":
        return LocalExecutor(jobs, prewarm=prewarm)
    if kind == "dask":
        return DaskExecutor(scheduler)
    raise ValueError(f"unknown executor '{kind}': use local or dask")
