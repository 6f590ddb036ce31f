"""One notebook run, as executed by a worker: validate the force's data, execute the notebook with papermill in
the run's own working directory (its staging folder), check what it wrote, record provenance in the executed
notebook's metadata. The reviewer page is rendered afterwards by the orchestrator (analysis.pipeline.run,
in a background thread), from the committed notebook.

Everything is written inside the staging folder; the orchestrator commits the folder (layout.commit) only
after the run has ended, so an interrupted run leaves nothing half-written in place. A failure of the
notebook is not an exception here: it is returned as an outcome naming the failing cell and the error
(from papermill's PapermillExecutionError), so one force's failure never stops the others.

Tasks and outcomes are plain dataclasses so they travel to process-pool and Dask workers by pickling.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from analysis.pipeline import kernels
from analysis.pipeline.cache import FAILED, INVALID, NATIONAL, OK
from analysis.atomic import write_text_atomic
from analysis.pipeline.layout import ERROR, NOTEBOOK, RESULTS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotebookTask:
    """What a worker needs to run one notebook (paths absolute, visible to the worker)."""

    unit: str  # force code, or NATIONAL
    notebook: str
    parameters: dict[str, Any]
    staging_dir: str
    provenance: dict[str, Any]
    title: str = ""  # page title; for a force, built from its force_profile when empty
    synthetic: bool | None = None  # None: read from the force's force_profile.is_synthetic
    data_dir: str | None = None  # forces: validated before the run, profile read from here
    restricted_dir: str | None = None  # staging folder of the unit's unsuppressed results (results.parquet)
    pages_dir: str | None = None  # national: the committed force pages, audited with the national page
    kernel_name: str = "python3"
    reuse_kernel: bool = True
    warm_imports: tuple[str, ...] = ()
    start_timeout: float = 60.0
    cell_timeout: float | None = None
    kernel_silent_limit: float = 60.0
    run_id: str = ""  # Dask runs: kernels belong to the run and are shut down when it ends


@dataclass
class NotebookOutcome:
    """How a run ended. status: ok, failed or skipped-invalid."""

    unit: str
    status: str
    staging_dir: str
    seconds: float
    error: dict[str, Any] | None = None
    validation: str | None = None
    info: dict[str, Any] = field(default_factory=dict)  # force_name, region, synthetic, title, worker
    timings: dict[str, float] = field(default_factory=dict)


def run_notebook_task(task: NotebookTask) -> NotebookOutcome:
    """Run one notebook end to end inside its staging folder and say how it went (never raises for a
    notebook error; raises only for a broken set-up, e.g. an unreadable notebook file).

    A failure caused by the output folder's disk being full or read-only is returned as a failure of kind
    "storage" (analysis.pipeline.storage): recognised by the error itself, or, when a notebook failed, by a
    probe write in the staging folder (a full disk also shows as a truncated notebook file).
    """
    from analysis.pipeline.storage import probe, storage_fault

    began = time.perf_counter()
    out = Path(task.staging_dir).parent.parent

    def storage(fault) -> NotebookOutcome:
        return NotebookOutcome(task.unit, FAILED, task.staging_dir, round(time.perf_counter() - began, 3),
                               error=failure_record("storage", "StorageFault", str(fault)))

    try:
        outcome = _run_notebook_task(task, began)
    except Exception as error:  # noqa: BLE001 - re-raised unless the disk explains it
        fault = storage_fault(error, out) or probe(task.staging_dir, out)
        if fault is None:
            raise
        return storage(fault)
    if outcome.status == FAILED:
        fault = probe(task.staging_dir, out)
        if fault is not None:
            return storage(fault)
    return outcome


def _run_notebook_task(task: NotebookTask, began: float) -> NotebookOutcome:
    staging = Path(task.staging_dir)
    staging.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    info: dict[str, Any] = {"worker": f"{socket.gethostname()}:{os.getpid()}"}

    def done(status: str, **extra) -> NotebookOutcome:
        timings["total"] = round(time.perf_counter() - began, 3)
        return NotebookOutcome(task.unit, status, str(staging), timings["total"], info=info, timings=timings, **extra)

    synthetic = task.synthetic
    if task.unit != NATIONAL and task.data_dir is not None:
        try:
            info.update(force_profile_info(task.data_dir, task.unit))
        except Exception:  # noqa: BLE001 - an unreadable profile is reported by validation
            log.debug("could not read the force profile of %s", task.unit, exc_info=True)
        step = time.perf_counter()
        from analysis.validate import validate_force

        report = validate_force(task.data_dir, task.unit)
        timings["validate"] = round(time.perf_counter() - step, 3)
        if not report.ok:
            return done(INVALID, validation=report.summary(values=False))  # no value of the data in run state
        if synthetic is None:
            synthetic = info.get("synthetic", False)
    synthetic = bool(synthetic)
    info["synthetic"] = synthetic
    title = task.title or default_title(task.unit, info)
    info["title"] = title

    notebook_path = staging / NOTEBOOK
    error = execute(task, notebook_path, timings)
    results_dir = Path(task.restricted_dir) if task.restricted_dir else staging
    if error is None and task.unit != NATIONAL:
        error = check_results(results_dir / RESULTS, task.unit)
    if error is None and task.restricted_dir:
        step = time.perf_counter()
        error = audit_page(task, staging, results_dir)
        timings["audit"] = round(time.perf_counter() - step, 3)
    executed_at = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    provenance = {**task.provenance, "executed_at": executed_at, "synthetic": synthetic}
    if notebook_path.is_file():
        finish_notebook(notebook_path, provenance, status=OK if error is None else FAILED, error=error, timings=timings)
    if error is not None:
        if error.get("kind") == "disclosure audit":
            withdraw_page(staging)
        (staging / ERROR).write_text(format_error(task.unit, error) + "\n", encoding="utf-8")
        return done(FAILED, error=error)
    return done(OK)


def withdraw_page(staging: Path) -> None:
    """Remove everything a page that failed its disclosure audit wrote (the executed notebook holds every table
    the audit refused to publish; figures and the ledger go with it), so that nothing of it reaches the folder
    that may be shared. Only the error report is written afterwards."""
    import shutil

    for path in staging.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def execute(task: NotebookTask, output: Path, timings: dict[str, float]) -> dict[str, Any] | None:
    """Execute the notebook with papermill; None on success, else what failed (cell, error)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = nbformat.read(task.notebook, as_version=4)
    step = time.perf_counter()
    try:
        if task.reuse_kernel:
            kernel, started = kernels.acquire(task.kernel_name, task.start_timeout, task.kernel_silent_limit,
                                              task.run_id)
            nb.cells.insert(0, kernels.prelude_cell(str(output.parent), task.warm_imports))
        else:
            # A fresh kernel started in the run's folder (papermill's own `cwd` would chdir this whole process,
            # which is unsafe in a threaded Dask worker).
            kernel, started = kernels.WarmKernel(task.kernel_name, task.start_timeout, task.kernel_silent_limit), True
            kernel.run_id = task.run_id
            kernel.start(cwd=str(output.parent))
    except kernels.RunClosed:
        return failure_record("internal", "RunClosed", "the run ended before this notebook started")
    except Exception as failure:  # noqa: BLE001 - no kernel: this run fails, the worker goes on
        kernels.discard()
        return internal_error("the notebook's kernel could not be started", failure,
                              f"check that the Jupyter kernel '{task.kernel_name}' is installed in this environment "
                              "(`jupyter kernelspec list`) and run again")
    if started:
        timings["kernel_start"] = round(time.perf_counter() - step, 3)
    step = time.perf_counter()
    try:
        papermill.execute_notebook(
            nb,
            str(output),
            parameters=dict(task.parameters),
            kernel_name=task.kernel_name,
            request_save_on_cell_execute=False,
            progress_bar=False,
            log_output=False,
            start_timeout=task.start_timeout,
            execution_timeout=task.cell_timeout,
            engine_name=kernels.engine_name(),
            km=kernel.km,
            kc=kernel.watched_client(),
        )
    except PapermillExecutionError as failure:
        if task.reuse_kernel and failure.cell_index == 0:  # the pipeline's prelude, not a cell of the notebook
            kernels.discard()
            return internal_error("preparing the reused kernel for this notebook failed", failure,
                                  "run again (the worker starts a fresh kernel); if it fails again, set "
                                  "pipeline.reuse_kernels: false and report the error",
                                  detail=f"{failure.ename}: {str(failure.evalue).strip()}")
        return cell_error(failure, output, 1 if task.reuse_kernel else 0)
    except Exception as failure:  # noqa: BLE001 - a dead kernel, a timeout or the machinery's own failure: this run only
        name = type(failure).__name__
        if isinstance(failure, kernels.KernelDied) or name == "DeadKernelError":
            reason = str(failure) if isinstance(failure, kernels.KernelDied) else kernel.death_reason()
            if task.reuse_kernel:
                kernels.discard()
            else:
                kernel.shutdown()
            return failure_record("kernel", "KernelDied", reason, running_cell(failure, output))
        if task.reuse_kernel:
            kernels.discard()
        if name == "CellTimeoutError":
            return failure_record("timeout", "CellTimeoutError",
                                  f"cell timed out: it ran longer than pipeline.cell_timeout ({task.cell_timeout:g} s); "
                                  "the kernel was stopped", running_cell(failure, output))
        return internal_error("executing the notebook failed in the pipeline's machinery", failure,
                              "run again; if it fails again, report the error with this force's error.txt")
    finally:
        timings["execute"] = round(time.perf_counter() - step, 3)
        if not task.reuse_kernel:
            kernel.shutdown()
    return None


def running_cell(error: BaseException, output: Path) -> str:
    """The cell that was running when execution stopped (the last cell papermill recorded a start time for, in
    the notebook the engine attached to the error or saved at `output`), as `In [n]: first line` (n counted
    as the executed notebook numbers its cells); "" when unknown or when it was the pipeline's hidden prelude."""
    nb = getattr(error, "notebook", None)
    if nb is None:
        try:
            import nbformat

            nb = nbformat.read(output, as_version=4)
        except Exception:  # noqa: BLE001 - the error report must not fail
            return ""
    count, last = 0, ""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        hidden = kernels.PRELUDE_TAG in cell.get("metadata", {}).get("tags", [])
        if not hidden and cell.get("source", "").strip():
            count += 1
        if not cell.get("metadata", {}).get("papermill", {}).get("start_time"):
            break  # not started: the previous cell was the last one to run
        source = cell.get("source", "").strip().splitlines()
        last = "" if hidden else f"In [{count}]" + (f": {source[0].strip()[:80]}" if source else "")
    return last


def internal_error(what: str, failure: BaseException | None, todo: str, *, detail: str | None = None) -> dict[str, Any]:
    """The failure record of the pipeline's own machinery (not a cell of the notebook): what failed, the real
    cause and what to do, e.g. `internal error of the run: preparing the reused kernel ... failed
    (FileNotFoundError: ...); what to do: run again ...`."""
    if detail is None and failure is not None:
        text = str(failure).strip()
        detail = f"{type(failure).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")
    cause = f" ({detail})" if detail else ""
    return failure_record("internal", "InternalError", f"internal error of the run: {what}{cause}; what to do: {todo}")


def cell_error(failure, output: Path, offset: int) -> dict[str, Any]:
    """The failing cell (execution count, first line of its source, cell id) and the error."""
    source = (failure.source or "").strip().splitlines()
    first = source[0].strip() if source else ""
    cell_id = ""
    try:
        import nbformat

        nb = nbformat.read(output, as_version=4)
        failing = [c for c in nb.cells if c.get("cell_type") == "code" and c.get("execution_count") == failure.exec_count
                   and c.get("outputs") and any(o.get("output_type") == "error" for o in c.outputs)]
        cell_id = failing[0].get("id", "") if failing else ""
    except Exception:  # noqa: BLE001 - the error report must not fail
        log.debug("could not read the failed notebook %s", output, exc_info=True)
    label = f"In [{failure.exec_count}]" + (f": {first[:80]}" if first else "")
    return {
        "kind": "cell",
        "cell": label,
        "cell_index": max(int(failure.cell_index) - offset, 0),
        "cell_id": cell_id,
        "ename": failure.ename,
        "evalue": str(failure.evalue).strip(),
    }


def check_results(path: Path, force_code: str) -> dict[str, Any] | None:
    """The force notebook must leave a valid results table for its own force (analysis.results schema)."""
    from analysis import results

    if not path.is_file():
        return failure_record("results", "MissingResults", f"the notebook did not write {RESULTS}")
    try:
        frame = results.read(path)
    except Exception as failure:  # noqa: BLE001 - reported as this force's failure
        return failure_record("results", type(failure).__name__, str(failure))
    other = sorted(set(frame["force_code"]) - {force_code})
    if other:
        return failure_record("results", "ResultsSchemaError", f"{RESULTS} holds rows for other forces: {other}")
    return None


def audit_page(task: NotebookTask, staging: Path, results_dir: Path) -> dict[str, Any] | None:
    """The reader's audit of the page before it is published (analysis.disclosure.pages): None when no withheld
    count can be worked out, else a failure naming the exposed cells (the page is then not published)."""
    import pandas as pd

    from analysis import results
    from analysis.disclosure.audit import describe
    from analysis.disclosure.pages import audit_force, audit_national, groups_from_data
    from analysis.settings import disclosure_settings

    try:
        s = disclosure_settings(task.parameters.get("params_file"))
        threshold, width = s["threshold"], s["protection_width"]
        truth = results.read(results_dir / RESULTS)
        problems = []
        if task.unit != NATIONAL:
            found = audit_force(task.unit, staging, truth, threshold, width, every_withheld=s["protect_secondary"])
            problems.append(describe(found))
        else:
            forces_root = Path(task.parameters["results_dir"])
            pages = Path(task.pages_dir) if task.pages_dir else None
            codes = sorted(p.name for p in forces_root.iterdir() if (p / RESULTS).is_file())
            truths = {code: results.read(forces_root / code / RESULTS) for code in codes}
            # every force page and the national page read together (a national total less the forces whose own
            # pages publish their counts; each force's page with the national rows about it)
            every = pd.concat(list(truths.values()), ignore_index=True) if truths else None
            force_pages = {code: pages / code for code in codes} if pages is not None else {}
            groups = groups_from_data(task.parameters.get("data_dir"), codes)
            problems.append(describe(audit_national(staging, truth, set(codes), threshold, width, every,
                                                    force_pages, groups, s["protect_secondary"])))
    except Exception as failure:  # noqa: BLE001 - an audit that cannot run must not let the page through
        return exception_record(failure, kind="disclosure audit", cell="disclosure audit")
    text = "; ".join(p for p in problems if p)
    if text:
        return failure_record("disclosure audit", "DisclosureAuditFailed", f"page not published: {text}",
                              cell="disclosure audit")
    return None


def finish_notebook(path: Path, provenance: dict[str, Any], *, status: str, error: dict | None, timings: dict) -> None:
    """Drop the pipeline's prelude cell and record provenance in the executed notebook's metadata."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    prelude = [c for c in nb.cells if kernels.PRELUDE_TAG in c.get("metadata", {}).get("tags", [])]
    if prelude:  # warm-up imports on a new kernel, namespace reset on a reused one
        timings["prelude"] = round(float(prelude[0].get("metadata", {}).get("papermill", {}).get("duration") or 0.0), 3)
    nb.cells = [c for c in nb.cells if kernels.PRELUDE_TAG not in c.get("metadata", {}).get("tags", [])]
    durations = []
    for cell in nb.cells:
        seconds = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if cell.get("cell_type") == "code" and seconds is not None:
            source = cell.get("source", "").strip().splitlines()
            durations.append((round(float(seconds), 3), source[0][:60] if source else ""))
    timings["slowest_cells"] = sorted(durations, reverse=True)[:3]
    timings["first_cell"] = durations[0][0] if durations else 0.0
    nb.metadata["analysis"] = {"provenance": provenance, "status": status, "error": error,
                               "timings": {k: v for k, v in timings.items()}}
    text = nbformat.writes(nb)
    write_text_atomic(path, text if text.endswith("\n") else text + "\n")  # as nbformat.write does


def force_profile_info(data_dir: str, force_code: str) -> dict[str, Any]:
    """Name, region and synthetic flag of a force, from its force_profile table."""
    import pyarrow.parquet as pq

    path = Path(data_dir) / force_code / "force_profile.parquet"
    if not path.is_file():
        return {}
    table = pq.read_table(path, columns=None).to_pylist()
    if not table:
        return {}
    row = table[0]
    return {"force_name": row.get("force_name") or force_code, "region": row.get("region") or "",
            "synthetic": bool(row.get("is_synthetic"))}


def default_title(unit: str, info: dict[str, Any]) -> str:
    if unit == NATIONAL:
        return "National findings"
    name = info.get("force_name")
    return f"{name} ({unit}): force report" if name and name != unit else f"Force report: {unit}"


def failure_record(kind: str, ename: str, evalue: str, cell: str = "") -> dict[str, Any]:
    """How a run failed, as recorded in its outcome, state and executed notebook (`cell_id` is set only for
    a failing notebook cell, by `cell_error`)."""
    return {"kind": kind, "cell": cell, "cell_id": "", "ename": ename, "evalue": evalue}


def exception_record(error: BaseException, kind: str | None = None, cell: str = "") -> dict[str, Any]:
    """The failure record of an exception: its type and the first line of its message."""
    text = str(error).strip()
    return failure_record(kind or type(error).__name__, type(error).__name__, text.splitlines()[0] if text else "", cell)


#: Failures of the run's machinery rather than of a notebook cell: their message says it all.
PLAIN_KINDS = ("kernel", "timeout", "internal", "worker", "storage")


def format_failure(error: dict[str, Any]) -> str:
    """Where it failed and the error, e.g. `In [5]: # Charge rate: ValueError: no offences`; for a failure
    of the machinery the message alone, e.g. `kernel died: signal 9 (SIGKILL), possibly out of memory (...)
    while running In [4]: # Count offences`."""
    if error.get("kind") in PLAIN_KINDS:
        where = f" while running {error['cell']}" if error.get("cell") else ""
        return f"{error.get('evalue', '')}{where}"
    where = f"{error['cell']}: " if error.get("cell") else ""
    return f"{where}{error.get('ename', '')}: {error.get('evalue', '')}"


def format_error(unit: str, error: dict[str, Any]) -> str:
    """One line: the unit and its failure, e.g. `SYN02: In [5]: # Charge rate: ValueError: no offences`."""
    return f"{unit}: {format_failure(error)}"


def format_validation(summary: str, *, example: bool = True) -> str:
    """One line from a validation summary (analysis.validate.ValidationReport.summary): the count of
    failures and, with `example`, the first of them (`data failed validation: 1 failure, e.g. offences row 3,
    ...`). Failures quote values from the data, so pages for reviewers use example=False."""
    lines = (summary or "").splitlines()
    count = lines[0].split(": ", 1)[-1].rstrip(".") if lines else "failures"
    first = ""
    for i, line in enumerate(lines):
        if line.startswith("Failures") and not line.startswith("Failures by") and i + 1 < len(lines):
            first = lines[i + 1].strip()
            break
    return f"data failed validation: {count}" + (f", e.g. {first}" if first and example else "")


# ------------------------------------------------------------------------------------------------
# Local worker processes


def skip_slow_optional_imports() -> None:
    """Keep jsonschema from importing its optional `rfc3987_syntax` format checker in this process.

    nbformat (imported by papermill and nbconvert) imports jsonschema, whose `_format` module imports
    rfc3987_syntax when installed; that module builds a parser at import time, 1.5 s on an idle core and
    5 s on a busy one, paid by every process that touches a notebook. Only the "iri" string format of JSON
    Schema uses it, and nbformat validates notebooks without format checking, so marking the module absent
    (import raises ImportError, which jsonschema expects for optional checkers) changes nothing but speed.
    Applied only to processes the pipeline owns (local workers, the export command), never to kernels.
    """
    import sys

    if "jsonschema._format" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]



def init_local_worker(prewarm: tuple[str, float, tuple[str, ...]] | None = None) -> None:
    """Initialise a process-pool worker: the orchestrator handles Ctrl-C; SIGTERM (sent by the orchestrator
    when the run is interrupted) kills this worker's kernels and exits at once. The staging folder of the
    run in progress is removed by the orchestrator.

    With `prewarm` (kernel name, start timeout, warm-up imports) the worker's kernel is started now and
    imports its modules while the worker imports papermill and validates its first force's data; a kernel
    that fails here is replaced when the first notebook asks for it (kernels.acquire).
    """
    import signal

    skip_slow_optional_imports()
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(signum, frame):  # noqa: ARG001
        kernels.kill_all()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    watch_parent()
    from multiprocessing import util

    util.Finalize(None, kernels.shutdown_all, exitpriority=10)
    if prewarm is not None:
        try:
            kernels.prewarm(*prewarm)
        except Exception:  # noqa: BLE001 - an initializer that raises would break the whole pool
            log.warning("could not pre-start this worker's kernel; it will be started for the first notebook",
                        exc_info=True)
            kernels.discard()


def watch_parent(interval: float = 1.0) -> None:
    """End this worker (and its kernels) when the process that started it dies, e.g. a run killed with
    signal 9: a pool worker would otherwise wait for ever for work, or finish a notebook nobody collects."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                kernels.kill_all()
                os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
