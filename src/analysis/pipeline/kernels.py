"""Warm Jupyter kernels: one kernel per worker (process or thread), reused for every notebook it runs.

Starting a kernel and importing pandas, matplotlib, seaborn and statsmodels in it costs several seconds, more
than a force's own computation; reusing the kernel pays that once per worker instead of once per force.
Isolation between runs comes from a prelude cell executed before each notebook (and removed from the
executed notebook afterwards), which
- clears the user namespace (IPython `%reset -f`), so no variable survives from the previous notebook;
- restores sys.path, os.environ and matplotlib's rcParams to their state just after the warm-up imports, and
  closes every open figure;
- moves into the run's own working directory; and
- restarts the execution counter, so the executed notebook numbers its cells from 1 as a fresh kernel would.
Imported modules stay loaded (that is the point); notebooks must not rely on module-level state changed by an
earlier run. With `reuse=False` every notebook gets a fresh kernel, as papermill does by default.

A local worker pre-warms its kernel when the worker starts (`prewarm`: the kernel is launched and the
warm-up queued without waiting), so the imports overlap the worker's own start-up; `acquire` then waits only
for what is left of the warm-up, and replaces a kernel that died meanwhile.

Kernels are started in their own session by jupyter_client (a Ctrl-C at the terminal does not reach them) and
exit by themselves when their parent process dies (ipykernel's parent poller). History is disabled: it is not
needed in batch runs and its SQLite file is shared by all kernels.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time

log = logging.getLogger(__name__)

PRELUDE_TAG = "analysis-pipeline-prelude"

_PRELUDE = """\
__import__("os").chdir({workdir})
get_ipython().run_line_magic("reset", "-f")
import os as _os, sys as _sys
_state = _sys.modules.get("_analysis_kernel_state")
if _state is None:
    import importlib as _importlib, types as _types
    for _name in {warm_imports}:
        try:
            _importlib.import_module(_name)
        except Exception:
            pass
    _state = _types.ModuleType("_analysis_kernel_state")
    _state.path = list(_sys.path)
    _state.environ = dict(_os.environ)
    _state.rc = _sys.modules["matplotlib"].rcParams.copy() if "matplotlib" in _sys.modules else None
    _sys.modules["_analysis_kernel_state"] = _state
else:
    _sys.path[:] = _state.path
    _os.environ.clear()
    _os.environ.update(_state.environ)
    if _state.rc is not None:
        _sys.modules["matplotlib"].rcParams.update(_state.rc)
    if "matplotlib.pyplot" in _sys.modules:
        _sys.modules["matplotlib.pyplot"].close("all")
_os.chdir({workdir})
get_ipython().execution_count = 1
for _name in ("_os", "_sys", "_state", "_importlib", "_types"):
    globals().pop(_name, None)
del _name
"""


def prelude_cell(workdir: str, warm_imports: tuple[str, ...]):
    """The cell run before each notebook in a reused kernel (see module docstring)."""
    import nbformat

    code = _PRELUDE.format(workdir=json.dumps(str(workdir)), warm_imports=repr(tuple(warm_imports)))
    return nbformat.v4.new_code_cell(code, metadata={"tags": [PRELUDE_TAG, "hide"]})


ENGINE = "analysis-warm-kernel"


def engine_name() -> str:
    """Register (once per process) the papermill engine that executes on a given, already started kernel.

    papermill's default engine hands `km` to nbclient but nbclient always opens a new kernel client and, as it
    does not own the kernel manager, never closes it; this engine gives nbclient the warm kernel's client
    (`kc`, passed through papermill.execute_notebook), so one client serves every notebook of the worker.
    Otherwise it is papermill's NBClientEngine.execute_managed_notebook.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    if ENGINE in papermill_engines._engines:
        return ENGINE

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kc = kwargs.pop("kc")
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = PapermillNotebookClient(nb_man, **final_kwargs)
            client.kc = kc
            try:
                return client.execute()
            except Exception as error:
                # papermill saves the notebook only when a cell raises: save it for a dead kernel or a timeout
                # too (the analyst sees how far it got), and tell the caller which cell was running.
                error.notebook = nb_man.nb
                try:
                    nb_man.save()
                except Exception:  # noqa: BLE001 - the original error matters more
                    log.debug("could not save the notebook after %r", error, exc_info=True)
                raise

    papermill_engines.register(ENGINE, WarmKernelEngine)
    return ENGINE


class KernelDied(RuntimeError):
    """The kernel running a notebook died or stopped answering; the message says how (e.g. "kernel died:
    signal 9, possibly out of memory")."""


#: Seconds between two checks of the kernel while the worker waits for one of its messages.
POLL_SECONDS = 0.5


def death_reason(returncode: int | None) -> str:
    """Words for how a kernel (or worker) process ended, from its return code (negative: killed by a signal)."""
    if returncode is None:
        return "kernel died"
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGKILL:  # what the out-of-memory killer sends
            return f"kernel died: signal {number}, possibly out of memory"
        return f"kernel died: signal {number} ({name})"
    return f"kernel died: it exited with code {returncode}"


class _WatchedChannel:
    """A channel of a blocking client whose get_msg is a coroutine: it polls the socket in slices of SLICE
    seconds, yields to nbclient's event loop between them, and checks the kernel (WarmKernel.check) every
    POLL_SECONDS; so a cell timeout, a dead kernel or a silent one end the wait. Everything else is the
    channel's own."""

    SLICE = 0.01

    def __init__(self, channel, kernel: WarmKernel):
        self._channel = channel
        self._kernel = kernel

    def __getattr__(self, name):
        return getattr(self._channel, name)

    async def get_msg(self, timeout: float | None = None):
        import asyncio
        from queue import Empty

        now = time.monotonic()
        deadline = None if timeout is None else now + timeout
        checked = now
        while True:
            try:
                return self._channel.get_msg(timeout=self.SLICE)
            except Empty:
                pass
            now = time.monotonic()
            if now - checked >= POLL_SECONDS:
                self._kernel.check()
                checked = now
            if deadline is not None and now >= deadline:
                self._kernel.check()
                raise Empty
            await asyncio.sleep(0)


class WatchedClient:
    """A kernel client for nbclient (given as `kc`): the kernel's blocking client with watched, cooperative
    shell and iopub channels. nbclient runs the reply wait, the output wait and its own liveness check as
    tasks of one event loop; with a plain blocking client the first wait blocks that loop, so neither a cell
    timeout nor a dead kernel is ever noticed (the worker waits for ever)."""

    def __init__(self, kernel: WarmKernel):
        self._kernel = kernel
        self._client = kernel.kc
        self.shell_channel = _WatchedChannel(kernel.kc.shell_channel, kernel)
        self.iopub_channel = _WatchedChannel(kernel.kc.iopub_channel, kernel)

    def __getattr__(self, name):
        return getattr(self._client, name)

    def is_alive(self) -> bool:
        return self._kernel.alive


class WarmKernel:
    """A started kernel and its client, handed to papermill (engine arguments `km` and `kc`).

    nbclient gets `watched_client()`: while the worker waits for a message from the kernel it checks, every
    POLL_SECONDS, that the kernel process is alive and that its heartbeat answered within `silent_limit`
    seconds; otherwise it raises KernelDied (killing a kernel that stopped answering), so a dead kernel fails
    its notebook in bounded time instead of leaving the worker waiting for ever.
    """

    def __init__(self, kernel_name: str = "python3", startup_timeout: float = 60.0, silent_limit: float = 60.0):
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.silent_limit = silent_limit
        self._silent_since: float | None = None
        self.run_id = ""  # the Dask run this kernel serves ("" for a local worker's)
        self.killed_because = ""  # set when the worker kills a kernel that stopped answering
        self.km = None
        self.kc = None
        self.start_seconds = 0.0
        self.pending: str | None = None  # msg_id of a queued warm-up not yet answered
        self._began = 0.0

    @property
    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    def launch(self, cwd: str | None = None) -> None:
        """Start the kernel process and open the client's channels, without waiting for the kernel."""
        from jupyter_client.manager import KernelManager
        from jupyter_core.paths import jupyter_runtime_dir

        self._began = time.perf_counter()
        runtime = jupyter_runtime_dir()
        os.makedirs(runtime, exist_ok=True)
        # IPC transport: local sockets only (no TCP port, no unencrypted-TCP warning from the kernel).
        self.km = KernelManager(kernel_name=self.kernel_name, transport="ipc",
                                ip=os.path.join(runtime, f"analysis-{os.getpid()}-{threading.get_ident()}"))
        self.km.start_kernel(extra_arguments=["--HistoryManager.enabled=False"], cwd=cwd)
        self.kc = self.km.client()
        self.kc.allow_stdin = False
        self.kc.start_channels()
        with _lock:
            _all.append(self)

    def watched_client(self) -> WatchedClient:
        """The client to hand to nbclient: this kernel's client whose shell and iopub waits are cooperative and
        watched (see WatchedClient)."""
        return WatchedClient(self)

    def death_reason(self) -> str:
        """How the kernel process ended, in words (see `death_reason`); why it was killed, when the worker
        killed it for not answering."""
        if self.killed_because:
            return self.killed_because
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            process.poll()
        return death_reason(getattr(process, "returncode", None))

    def check(self) -> None:
        """Raise KernelDied if the kernel process has ended, or if its heartbeat has not answered for
        `silent_limit` seconds (then the kernel is killed first)."""
        km, kc = self.km, self.kc
        if km is None:
            raise KernelDied("kernel died: it was shut down by the run")
        if not km.is_alive():
            raise KernelDied(self.death_reason())
        hb = getattr(kc, "_hb_channel", None)
        if hb is None or hb.is_beating():
            self._silent_since = None
            return
        now = time.monotonic()
        if self._silent_since is None:
            self._silent_since = now
        elif now - self._silent_since > self.silent_limit:
            self.killed_because = (f"kernel stopped answering: no heartbeat for {self.silent_limit:g} s "
                                   "(pipeline.kernel_silent_limit); it was killed")
            self.kill()
            raise KernelDied(self.killed_because)

    def start(self, cwd: str | None = None) -> None:
        """Start the kernel and wait until it answers."""
        self.launch(cwd)
        try:
            self.kc.wait_for_ready(timeout=self.startup_timeout)
        except RuntimeError:
            self.shutdown()
            raise
        self.start_seconds = time.perf_counter() - self._began

    def prewarm(self, code: str) -> None:
        """Start the kernel and queue `code` (the warm-up imports) without waiting: the worker goes on with
        its own start-up and validation while the kernel imports; `settle` waits for what is left."""
        self.launch()
        self.pending = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)

    def settle(self) -> None:
        """Wait for the queued warm-up to finish (raises RuntimeError if the kernel dies or times out)."""
        from queue import Empty

        deadline = time.monotonic() + self.startup_timeout
        while self.pending is not None:
            try:
                msg = self.kc.get_shell_msg(timeout=0.5)
            except Empty:
                if not self.km.is_alive():
                    raise RuntimeError("the kernel died while importing its warm-up modules") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the kernel's warm-up did not finish in {self.startup_timeout:g} s") from None
                continue
            if msg.get("parent_header", {}).get("msg_id") == self.pending:
                self.pending = None
        while True:  # the warm-up's status messages; papermill's client would ignore them, but leave none
            try:
                self.kc.get_iopub_msg(timeout=0.05)
            except Empty:
                break
        self.start_seconds = time.perf_counter() - self._began

    def shutdown(self) -> None:
        """Stop the client's channels and the kernel (quietly: called while cleaning up)."""
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001 - cleanup must not raise
                log.debug("stopping kernel channels failed", exc_info=True)
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001
                log.debug("kernel shutdown failed", exc_info=True)
                self.kill()
        self.km = self.kc = None
        with _lock:
            if self in _all:
                _all.remove(self)

    def kill(self) -> None:
        """Kill the kernel's process group at once (safe inside a signal handler: no event loop needed)."""
        km = self.km
        if km is None:
            return
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                process.kill()
        leftovers = [km.connection_file]
        if getattr(km, "transport", "") == "ipc":
            ports = (km.shell_port, km.iopub_port, km.stdin_port, km.hb_port, km.control_port)
            leftovers += [f"{km.ip}-{port}" for port in ports if port]
        for path in leftovers:
            try:
                os.unlink(path)
            except (OSError, TypeError):
                pass


_local = threading.local()
_all: list[WarmKernel] = []
_lock = threading.Lock()


class RunClosed(RuntimeError):
    """The run a task belongs to has ended (close_run): no kernel is started for it any more."""


def acquire(kernel_name: str, startup_timeout: float = 60.0, silent_limit: float = 60.0,
            run_id: str = "") -> tuple[WarmKernel, bool]:
    """This thread's warm kernel, started if needed; the flag says whether it was started (or finished its
    pre-warm) for this call, i.e. whether the caller waited for a kernel. With `run_id` (Dask runs) the
    kernel belongs to that run: a kernel of another run is replaced, and a closed run gets none (RunClosed)."""
    if run_id and run_id in _closed_runs:
        raise RunClosed("the run has ended")
    kernel = getattr(_local, "kernel", None)
    if kernel is not None and kernel.run_id != run_id:
        kernel.shutdown()
        kernel = _local.kernel = None
    if kernel is not None and kernel.kernel_name == kernel_name and kernel.alive:
        kernel.silent_limit = silent_limit
        if kernel.pending is None:
            return kernel, False
        try:
            kernel.settle()
            return kernel, True
        except RuntimeError:
            log.warning("the pre-warmed kernel failed; starting another", exc_info=True)
    if kernel is not None:
        kernel.shutdown()
    kernel = WarmKernel(kernel_name, startup_timeout, silent_limit)
    kernel.run_id = run_id
    kernel.start()
    _local.kernel = kernel
    with _lock:
        closed = run_id and run_id in _closed_runs
    if closed:  # the run ended while this kernel started
        discard()
        raise RunClosed("the run has ended")
    return kernel, True


_closed_runs: set[str] = set()


def close_run(run_id: str) -> int:
    """Kill every kernel of run `run_id` in this process and refuse it new ones (a Dask run's end, run on every
    worker by Client.run, in the worker's event-loop thread); returns how many kernels were killed.

    The kernels are killed and reaped directly (no kernel manager call, which could block the worker's event
    loop or race with the task thread using the same manager); a task still waiting on one of them sees it
    dead within POLL_SECONDS and ends, and its thread discards the manager."""
    with _lock:
        _closed_runs.add(run_id)
        kernels = [k for k in _all if k.run_id == run_id]
    for kernel in kernels:
        kernel.kill()
        process = getattr(getattr(kernel.km, "provisioner", None), "process", None)
        if process is not None:
            try:
                process.wait(timeout=10)
            except Exception:  # noqa: BLE001 - best effort: the kill was sent
                log.debug("kernel %s not reaped", getattr(process, "pid", "?"), exc_info=True)
        with _lock:
            if kernel in _all:
                _all.remove(kernel)
    return len(kernels)


def prewarm(kernel_name: str, startup_timeout: float, warm_imports: tuple[str, ...]) -> WarmKernel:
    """Start this thread's kernel now and let it import `warm_imports` in the background (a worker calls this
    when it starts, so the kernel is ready, or nearly, when the first notebook arrives)."""
    discard()
    kernel = WarmKernel(kernel_name, startup_timeout)
    kernel.prewarm(_PRELUDE.format(workdir=json.dumps(os.getcwd()), warm_imports=repr(tuple(warm_imports))))
    _local.kernel = kernel
    return kernel


def discard() -> None:
    """Shut down this thread's kernel (after a timeout or a dead kernel, its state is unknown)."""
    kernel = getattr(_local, "kernel", None)
    if kernel is not None:
        kernel.shutdown()
        _local.kernel = None


def shutdown_all() -> int:
    """Shut down every kernel started in this process; returns how many were running."""
    with _lock:
        kernels = list(_all)
    for kernel in kernels:
        kernel.shutdown()
    _local.kernel = None
    return len(kernels)


def kill_all() -> None:
    """Kill every kernel of this process at once (signal handlers)."""
    for kernel in list(_all):
        kernel.kill()
