"""The batch run behind `python -m analysis run` (DESIGN.md section 7).

Steps: find the data (generating the synthetic default when it is absent) -> plan (what changed since the
last run, and why) -> fan out the force runs to the executor (each validates its force's data, runs the force
notebook and checks its results table) -> the national notebook -> re-render pages whose export code changed
-> OUT/index.html -> OUT/manifest.json -> a summary table.

Reviewer pages are rendered by this process, in a background thread: the national page as soon as its run is
committed, and then the force pages, which show each force beside the national results (their "at a glance"
section), so they are rendered after the national run: those whose run, or whose national context, changed.
A page that fails to render fails its unit.

A failing force does not stop the others: its failing cell and error are recorded, shown in the summary and
on the index page, and the exit code is 1. A force whose data fail validation is skipped (exit code 1 too).
SIGINT/SIGTERM stop the run: workers and their kernels are stopped, staging folders removed, and whatever
completed stays committed with its state, so the next run does only what is missing.
"""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from analysis.paths import OUTPUTS_DIR, PACKAGE_DIR, PARAMS_DIR, PIPELINE_YAML, REFERENCE_DIR, SYNTHETIC_DIR
from analysis.pipeline import cache, layout, publish
from analysis.pipeline.cache import FAILED, INVALID, NATIONAL, OK, UnitState
from analysis.pipeline.config import pipeline_settings
from analysis.pipeline.executors import Executor, make_executor
from analysis.pipeline.lock import OutputLock
from analysis.pipeline.storage import StorageFault, storage_fault
from analysis.pipeline.hashing import Shared, export_digest, file_digest, notebook_digest, shared_components
from analysis.pipeline.manifest import build_manifest, display_path, git_state, notebook_provenance, now, package_versions, write_manifest
from analysis.pipeline.plan import (PlanError, UnitPlan, group_reasons, list_forces, notebooks, plan_forces, plan_national,
                                    select)
from analysis.pipeline.summary import CURRENT, RunReport, UnitResult
from analysis.pipeline.run_force import (NotebookOutcome, NotebookTask, exception_record, failure_record, format_error,
                                         format_failure, format_validation, internal_error, run_notebook_task)

log = logging.getLogger(__name__)

class Interrupted(BaseException):
    """The run received SIGINT or SIGTERM (a BaseException so that no `except Exception` swallows it)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class RunConfig:
    """Options of one run (the command line's, with None meaning "from params/pipeline.yaml")."""

    data_dir: Path | None = None  # None: data/synthetic, generated when absent
    out_dir: Path = OUTPUTS_DIR
    forces: list[str] | None = None
    jobs: int | None = None
    rerun: bool = False
    executor: str | None = None
    scheduler: str | None = None
    params_file: Path = PIPELINE_YAML
    force_notebook: Path | None = None
    national_notebook: Path | None = None
    progress: bool | None = None  # None: when stderr is a terminal
    package_dir: Path = PACKAGE_DIR  # whose source is hashed as the "package" input (tests use a fixed copy)


# ------------------------------------------------------------------------------------------------


def run_pipeline(config: RunConfig, *, executor: Executor | None = None,
                 echo: Callable[[str], None] = print) -> RunReport:
    """Run the pipeline; `executor` overrides the configured one (tests pass a Dask client's executor)."""
    began = time.perf_counter()
    report = RunReport()
    settings = pipeline_settings(config.params_file)
    if executor is None:
        check_executor(config, settings)
    out = Path(config.out_dir).resolve()
    params_file = Path(config.params_file).resolve()
    check_folders(out, Path(config.data_dir).resolve() if config.data_dir is not None else SYNTHETIC_DIR.resolve())
    with OutputLock(out, "analysis run", echo):
        return _run_locked(config, settings, out, params_file, executor, echo, began, report)


def check_executor(config: RunConfig, settings: dict) -> None:
    """Refuse executor settings that cannot be what the operator meant (PlanError, before anything runs)."""
    kind = config.executor or settings["executor"]
    if kind == "dask" and not (config.scheduler or settings["scheduler"]):
        raise PlanError("--executor dask needs --scheduler ADDRESS (the address of a running Dask scheduler), "
                        "or `scheduler:` in the pipeline settings")
    if kind != "dask" and config.scheduler:
        raise PlanError(f"--scheduler {config.scheduler} is given but the executor is {kind}: add --executor dask to run "
                        "on that Dask cluster, or leave out --scheduler to run on this machine")
    if kind != "dask" and config.executor is None and settings["scheduler"]:
        raise PlanError(f"the pipeline settings give scheduler: {settings['scheduler']} but executor: {kind}: set "
                        "executor: dask to use that cluster (or --executor local to run here on purpose)")


def check_folders(out: Path, data_dir: Path) -> None:
    """The output folder must be neither the data folder nor inside it, nor contain it (PlanError): outputs
    would be taken for forces' data on the next run, or a run's clean-up would remove data."""
    out, data_dir = Path(out).resolve(), Path(data_dir).resolve()
    if out == data_dir:
        raise PlanError(f"--out and --data are the same folder ({out}): give an output folder outside the data folder")
    if out.is_relative_to(data_dir):
        raise PlanError(f"the output folder {out} is inside the data folder {data_dir}: give an output folder outside it")
    if data_dir.is_relative_to(out):
        raise PlanError(f"the data folder {data_dir} is inside the output folder {out}: give an output folder that "
                        "does not contain the data")


def _run_locked(config: RunConfig, settings: dict, out: Path, params_file: Path, executor: Executor | None,
                echo: Callable[[str], None], began: float, report: RunReport) -> RunReport:
    step = time.perf_counter()
    data_dir = resolve_data(config.data_dir, echo)
    forces = list_forces(data_dir)
    selected = select(forces, config.forces)
    force_nb, national_nb = notebooks(settings, config.force_notebook, config.national_notebook)

    removed = layout.clean_leftovers(out) + layout.clean_leftovers(layout.restricted_dir(out))
    if removed:
        echo(f"removed {len(removed)} unfinished output(s) of an interrupted run")
    prune_forces_not_in_data(out, forces, echo)
    git = git_state()
    shared = shared_components(force_nb, params_file, package_dir=config.package_dir)
    export_code = export_digest()
    plans = plan_forces(out, data_dir, shared, forces, selected, rerun=config.rerun)
    due = [p for p in plans if p.due]
    for line in group_reasons(plans):
        echo(f"run {line}")
    if not due:
        echo(f"forces: {len(selected)} current, nothing to run")
    report.timings["plan"] = round(time.perf_counter() - step, 3)

    run = _Session(config, settings, out, data_dir, params_file, git, executor, echo, export_code)
    run.forces_in_data = forces
    with interrupt_signals():
        try:
            step = time.perf_counter()
            outcomes = run.forces(due, force_nb) if due else {}
            report.timings["forces"] = round(time.perf_counter() - step, 3)
            states = {code: s for code, s in cache.load_all(out).items() if code in forces}
            step = time.perf_counter()
            national_result = run.national(national_nb, states, plans, shared)
            report.timings["national"] = round(time.perf_counter() - step, 3)
            step = time.perf_counter()
            # Force pages show the force beside the national results (issue 15): rendered after the national run,
            # those whose run or national context changed (publish.stale_pages).
            for state in publish.stale_pages(out, list(cache.load_all(out).values()), export_code):
                if state.unit in forces:
                    run.render_page(state)
            run.finish_pages()
            report.timings["pages_wait"] = round(time.perf_counter() - step, 3)
        except Interrupted as stop:
            run.abort()
            echo(f"interrupted by {stop}: finished runs are kept; run again to complete the rest")
            report.interrupted = stop.signum
            report.units = [_force_result(p, outcomes_so_far=run.outcomes) for p in plans if p.selected]
            return report
        except (StorageFault, OSError) as error:
            fault = error if isinstance(error, StorageFault) else storage_fault(error, out)
            if fault is None:
                raise
            run.abort(rollback=True)
            return _storage_stop(report, fault, plans, run.outcomes, echo)
        finally:
            run.close()
    try:
        return _publish(config, settings, out, params_file, data_dir, forces, plans, shared, git, export_code,
                        outcomes, national_result, run, report, began)
    except OSError as error:
        fault = storage_fault(error, out)
        if fault is None:
            raise
        return _storage_stop(report, fault, plans, outcomes, echo)


def _storage_stop(report: RunReport, fault: StorageFault, plans: list[UnitPlan], outcomes: dict[str, NotebookOutcome],
                  echo: Callable[[str], None]) -> RunReport:
    """End a run on a storage fault: the message, and the summary of what completed."""
    echo(f"run stopped: {fault}")
    report.stopped = str(fault)
    report.units = [_force_result(p, outcomes_so_far={u: o for u, o in outcomes.items()
                                                      if not (o.error or {}).get("kind") == "storage"})
                    for p in plans if p.selected]
    return report


def _publish(config: RunConfig, settings: dict, out: Path, params_file: Path, data_dir: Path, forces: list[str],
             plans: list[UnitPlan], shared: Shared, git: dict, export_code: str, outcomes: dict[str, NotebookOutcome],
             national_result: UnitResult, run: _Session, report: RunReport, began: float) -> RunReport:
    """Stale pages, the index page and the manifest, once the units have run."""
    national_state = cache.load(out, NATIONAL)
    states = {code: s for code, s in cache.load_all(out).items() if code in forces}  # with the pages rendered
    synthetic = config.data_dir is None or Path(data_dir) == SYNTHETIC_DIR.resolve() or any(
        s.info.get("synthetic") for s in states.values())
    step = time.perf_counter()
    publish.render_pages(out, list(states.values()), national_state, export_code, tuple(settings["hidden_tags"]),
                         only_stale=True, progress=run.progress)
    report.timings["export"] = round(time.perf_counter() - step, 3)

    step = time.perf_counter()
    run_provenance = {
        "git_commit": git["commit"], "git_dirty": git["dirty"], "executed_at": now(),
        "data_dir": display_path(data_dir), "synthetic": synthetic,
        "input_hashes": {"force notebook": shared.notebook, "parameters": shared.parameters,
                         "package": shared.package, "lock": shared.lock},
        "package_versions": package_versions(),
    }
    publish.write_site_index(out, forces, states, national_state, synthetic=synthetic, provenance=run_provenance)
    report.timings["index"] = round(time.perf_counter() - step, 3)

    report.units = [_force_result(p, outcomes_so_far=outcomes) for p in plans if p.selected]
    report.units.append(national_result)
    report.timings["total"] = round(time.perf_counter() - began, 3)
    write_manifest(out / layout.MANIFEST, build_manifest(
        config=config, data_dir=data_dir, out=out, params_file=params_file, git=git, synthetic=synthetic,
        shared=shared, plans=plans, states=states, national=national_state, report=report,
        executor=run.described))
    return report


class _Session:
    """The executor and bookkeeping of one run (created lazily: a run with nothing to do starts no worker)."""

    def __init__(self, config: RunConfig, settings: dict, out: Path, data_dir: Path, params_file: Path,
                 git: dict, executor: Executor | None, echo: Callable[[str], None], export_code: str):
        self.config, self.settings, self.out, self.data_dir = config, settings, out, data_dir
        self.export_code = export_code  # digest of the page-rendering code, recorded with each page
        self.params_file, self.git, self.echo = params_file, git, echo
        self._given = executor
        self._executor: Executor | None = None
        self.outcomes: dict[str, NotebookOutcome] = {}
        self.in_flight: list[Path] = []
        self.described: dict[str, Any] = {"kind": "none", "workers": 0}
        self.progress = sys.stderr.isatty() if config.progress is None else config.progress
        self._pages = None  # a one-thread pool rendering pages (created with the first page)
        self.replaced: dict[str, tuple[Path | None, Path | None]] = {}  # unit -> previous folder, state kept aside
        self.forces_in_data: list[str] = []
        self._page_futures: dict[str, Any] = {}

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            if self._given is not None:
                self._executor = self._given
            else:
                kind = self.config.executor or self.settings["executor"]
                s = self.settings
                prewarm = ((s["kernel_name"], float(s["start_timeout"]), tuple(s["warm_imports"]))
                           if s["reuse_kernels"] else None)
                self._executor = make_executor(kind, jobs=self.config.jobs or s["jobs"],
                                               scheduler=self.config.scheduler or s["scheduler"], prewarm=prewarm)
            self.described = {**self._executor.describe(), "reuse_kernels": self.settings["reuse_kernels"]}
        return self._executor

    def task(self, unit: str, notebook: Path, parameters: dict[str, Any], staging: Path, final: Path,
             plan: UnitPlan, **extra) -> NotebookTask:
        shown = {**parameters, "output_dir": str(final)}
        provenance = notebook_provenance(git=self.git, data_dir=self.data_dir, parameters=shown,
                                         input_hashes=plan.inputs.flat())
        s = self.settings
        return NotebookTask(
            unit=unit, notebook=str(notebook), parameters=parameters, staging_dir=str(staging),
            provenance=provenance, kernel_name=s["kernel_name"],
            reuse_kernel=s["reuse_kernels"], warm_imports=tuple(s["warm_imports"]),
            start_timeout=float(s["start_timeout"]), cell_timeout=s["cell_timeout"],
            kernel_silent_limit=float(s["kernel_silent_limit"]), run_id=getattr(self.executor, "run_id", ""),
            **extra)

    def forces(self, due: list[UnitPlan], notebook: Path) -> dict[str, NotebookOutcome]:
        executor = self.executor
        futures = {}
        for plan in due:
            staging = layout.new_staging(self.out, plan.unit)
            restricted = layout.new_staging(layout.restricted_dir(self.out), plan.unit)
            parameters = {"force_code": plan.unit, "data_dir": str(self.data_dir), "output_dir": str(staging),
                          "params_file": str(self.params_file), "restricted_dir": str(restricted)}
            task = self.task(plan.unit, notebook, parameters, staging, layout.force_dir(self.out, plan.unit), plan,
                             data_dir=str(self.data_dir), restricted_dir=str(restricted))
            self.in_flight.extend([staging, restricted])
            futures[executor.submit(run_notebook_task, task)] = (plan, task)
        failed = 0
        bar = _bar(len(futures), "force reports", self.progress)
        bar.set_postfix(running=min(executor.workers, len(futures)), failed=0)
        pending = len(futures)
        for future in executor.as_completed(futures):
            plan, task = futures[future]
            outcome = _outcome(future, task)
            self.commit(plan, outcome)  # its page is rendered after the national run (run_pipeline)
            pending -= 1
            failed += outcome.status != OK
            bar.update(1)
            bar.set_postfix(running=min(executor.workers, pending), failed=failed)
            if outcome.status == FAILED:
                bar.write(f"{plan.unit}: failed at {format_failure(outcome.error)}")
            elif outcome.status == INVALID:
                bar.write(f"{plan.unit}: data failed validation, skipped (see {layout.force_dir(self.out, plan.unit) / layout.VALIDATION})")
        bar.close()
        return self.outcomes

    def national(self, notebook: Path, states: dict[str, UnitState], plans: list[UnitPlan], shared: Shared) -> UnitResult:
        if not notebook.is_file():
            return UnitResult(NATIONAL, "not run", failure=f"national notebook not found: {notebook}")
        shared = replace(shared, notebook=notebook_digest(notebook))  # the forces' inputs, with this notebook
        plan = plan_national(self.out, shared, states, {p.unit: p.inputs for p in plans}, rerun=self.config.rerun)
        if not plan.inputs.components["results"]:
            return UnitResult(NATIONAL, "not run", failure="no force has results to collate")
        if not plan.reasons:
            previous = plan.previous
            return UnitResult(NATIONAL, CURRENT if previous.status == OK else previous.status,
                              failure=_failure_text(previous) or _partial_text(previous, self.forces_in_data))
        self.echo(f"run national: {'; '.join(plan.reasons)}")
        staging = layout.new_staging(self.out, NATIONAL)
        restricted = layout.new_staging(layout.restricted_dir(self.out), NATIONAL)
        parameters = {"results_dir": str(layout.restricted_dir(self.out) / layout.FORCES), "data_dir": str(self.data_dir),
                      "output_dir": str(staging), "params_file": str(self.params_file), "restricted_dir": str(restricted)}
        synthetic = any(s.info.get("synthetic") for s in states.values()) or self.config.data_dir is None
        task = self.task(NATIONAL, notebook, parameters, staging, layout.national_dir(self.out), plan,
                         title="National findings", synthetic=synthetic, restricted_dir=str(restricted),
                         pages_dir=str(self.out / layout.FORCES))
        self.in_flight.extend([staging, restricted])
        bar = _bar(1, "national report", self.progress)
        future = self.executor.submit(run_notebook_task, task)
        outcome = _outcome(next(iter(self.executor.as_completed([future]))), task)
        bar.update(1)
        bar.close()
        state = self.commit(plan, outcome)
        if state.status == OK:
            self.render_page(state)
        self.finish_pages()
        state = cache.load(self.out, NATIONAL) or state
        return UnitResult(NATIONAL, outcome.status, outcome.seconds, "; ".join(plan.reasons),
                          _failure_text(state) or _partial_text(state, self.forces_in_data))

    def commit(self, plan: UnitPlan, outcome: NotebookOutcome) -> UnitState:
        """Move a finished run into place and record its state (see layout.commit).

        For a successful run the previous folder and state file are kept aside until the unit's page is
        rendered (`render_page`): a storage fault before then puts them back (`abort(rollback=True)`), so
        published work is replaced only by a complete replacement. A run that failed for lack of space is
        not committed at all (StorageFault)."""
        if (outcome.error or {}).get("kind") == "storage":
            raise StorageFault(outcome.error["evalue"])
        staging = Path(outcome.staging_dir)
        staging.mkdir(parents=True, exist_ok=True)
        final = publish.unit_dir(self.out, plan.unit)
        restricted = self._restricted_staging(plan.unit)
        results_digest = None
        if outcome.status == OK:
            if restricted is not None and (restricted / layout.RESULTS).is_file():
                results_digest = file_digest(restricted / layout.RESULTS)
                layout.commit(restricted, restricted_unit_dir(self.out, plan.unit))
        else:
            # a unit that failed keeps no results, restricted or not (as its page folder is replaced)
            if restricted is not None:
                layout.discard(restricted)
            shutil.rmtree(restricted_unit_dir(self.out, plan.unit), ignore_errors=True)
        if outcome.status == OK:
            pass
        elif outcome.status == FAILED:
            _keep_only(staging, {layout.NOTEBOOK, layout.ERROR})
            if not (staging / layout.ERROR).is_file():
                (staging / layout.ERROR).write_text(format_error(plan.unit, outcome.error) + "\n", encoding="utf-8")
        else:
            _keep_only(staging, set())
            (staging / layout.VALIDATION).write_text((outcome.validation or "") + "\n", encoding="utf-8")
        state = UnitState(
            unit=plan.unit, status=outcome.status, components=plan.inputs.components, digest=plan.inputs.digest,
            finished_at=now(), seconds=outcome.seconds, results_digest=results_digest, html_digest=None,
            error=outcome.error, validation=outcome.validation, reason="; ".join(plan.reasons),
            info={**outcome.info, "timings": outcome.timings},
        )
        if outcome.status == OK:
            backup = cache.keep_previous(self.out, plan.unit)
            aside = layout.commit(staging, final, keep_previous=True)
            self.replaced[plan.unit] = (aside, backup)
        else:
            layout.commit(staging, final)
        cache.save(self.out, state)
        self.outcomes[plan.unit] = outcome
        for folder in (staging, restricted):
            if folder in self.in_flight:
                self.in_flight.remove(folder)
        return state

    def _restricted_staging(self, unit: str) -> Path | None:
        root = layout.restricted_dir(self.out) / layout.STAGING
        for folder in self.in_flight:
            if folder.parent == root and folder.name.startswith(f"{unit}-"):
                return folder
        return None

    def render_page(self, state: UnitState) -> None:
        """Render a committed unit's page in the background (publish.export_unit writes it atomically and
        records it in the unit's state)."""
        if self._pages is None:
            from concurrent.futures import ThreadPoolExecutor

            from analysis.pipeline.run_force import skip_slow_optional_imports

            skip_slow_optional_imports()
            self._pages = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pages")

        def render() -> float:
            began = time.perf_counter()
            publish.export_unit(self.out, state, self.export_code, tuple(self.settings["hidden_tags"]))
            seconds = round(time.perf_counter() - began, 3)
            state.info.setdefault("timings", {})["export"] = seconds
            cache.save(self.out, state)
            self.release(state.unit)  # the replacement is complete: the previous outputs can go
            return seconds

        self._page_futures[state.unit] = self._pages.submit(render)

    def finish_pages(self) -> None:
        """Wait for the pages being rendered; a page that failed fails its unit (state, error.txt, summary)."""
        futures, self._page_futures = self._page_futures, {}
        for unit, future in futures.items():
            try:
                seconds = future.result()
            except Exception as error:  # noqa: BLE001 - one page's failure fails that force only
                log.debug("page export failed for %s", unit, exc_info=True)
                fault = storage_fault(error, self.out)
                if fault is not None:  # no room for the page: the run stops, the previous outputs come back
                    raise fault from None
                self.release(unit)
                failure = exception_record(error, kind="export", cell="page export")
                state = cache.load(self.out, unit)
                if state is not None:
                    state.status, state.error, state.html_digest = FAILED, failure, None
                    cache.save(self.out, state)
                (publish.unit_dir(self.out, unit) / layout.ERROR).write_text(format_error(unit, failure) + "\n",
                                                                            encoding="utf-8")
                outcome = self.outcomes.get(unit)
                if outcome is not None:
                    outcome.status, outcome.error = FAILED, failure
                self.echo(f"{unit}: failed at {format_failure(failure)}")
                continue
            outcome = self.outcomes.get(unit)
            if outcome is not None:
                outcome.timings["export"] = round(seconds, 3)
                outcome.seconds = round(outcome.seconds + seconds, 3)

    def release(self, unit: str) -> None:
        """Remove what a unit's commit kept aside (its previous folder and state file)."""
        aside, backup = self.replaced.pop(unit, (None, None))
        if aside is not None:
            layout.discard(aside)
        if backup is not None:
            backup.unlink(missing_ok=True)

    def rollback(self) -> list[str]:
        """Put back the previous outputs and state of every unit committed by this run whose page was not
        rendered (renames only: no space needed); returns those units."""
        units = sorted(self.replaced)
        for unit in units:
            aside, backup = self.replaced.pop(unit)
            final = publish.unit_dir(self.out, unit)
            if aside is not None:
                layout.restore(aside, final)
            else:
                layout.discard(final)
            cache.restore_previous(self.out, unit, backup)
            self.outcomes.pop(unit, None)
        return units

    def abort(self, rollback: bool = False) -> None:
        """Stop the run: drop queued pages, stop the workers, remove staging folders; with `rollback`, units
        committed without their page get their previous outputs back (storage faults)."""
        if self._pages is not None:  # the page being rendered finishes (atomic write); queued ones are dropped
            self._pages.shutdown(wait=True, cancel_futures=True)
            self._page_futures.clear()
        if self._executor is not None:
            self._executor.interrupt()
        for staging in self.in_flight:
            layout.discard(staging)
        if rollback:
            restored = self.rollback()
            if restored:
                self.echo(f"previous outputs put back: {', '.join(restored)}")
        layout.clean_leftovers(self.out)

    def close(self) -> None:
        if self._pages is not None:
            self._pages.shutdown(wait=True, cancel_futures=True)
        if self._executor is not None and self._given is None:
            self._executor.close()


def _outcome(future, task: NotebookTask) -> NotebookOutcome:
    """The future's outcome; a worker that crashed (or raised) makes a failed outcome, not a crashed run."""
    from analysis.pipeline.executors import WorkerDied

    try:
        return future.result()
    except WorkerDied as died:
        return NotebookOutcome(task.unit, FAILED, task.staging_dir, 0.0,
                               error=failure_record("worker", "WorkerDied", str(died)))
    except Exception as error:  # noqa: BLE001 - isolate the failure to this unit
        log.debug("worker failed for %s", task.unit, exc_info=True)
        if type(error).__name__ == "KilledWorker":  # distributed: the task's workers died, one after another
            return NotebookOutcome(task.unit, FAILED, task.staging_dir, 0.0, error=failure_record(
                "worker", "KilledWorker", "worker process died: the Dask workers running it died (each time "
                "it was retried), possibly out of memory"))
        return NotebookOutcome(task.unit, FAILED, task.staging_dir, 0.0, error=internal_error(
            "the worker could not run the notebook", error,
            "check that every worker sees the project, the data and the output folder at the same paths "
            "(docs/pipeline.md), then run again"))


def _keep_only(folder: Path, names: set[str]) -> None:
    for path in folder.iterdir():
        if path.name not in names:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def _partial_text(state: UnitState | None, forces: list[str]) -> str:
    """The summary's note for a national report collated from fewer forces than the data holds."""
    missing = publish.not_collated(state, forces) if state is not None and state.status == OK else []
    if not missing:
        return ""
    return f"partial: collated from {len(forces) - len(missing)} of {len(forces)} forces; not included: {', '.join(missing)}"


def _failure_text(state: UnitState | NotebookOutcome | None) -> str:
    """The summary's failure column for a unit's state or a run's outcome."""
    if state is None:
        return ""
    if state.status == FAILED and state.error:
        return format_failure(state.error)
    if state.status == INVALID:
        return format_validation(state.validation or "")
    return ""


def _force_result(plan: UnitPlan, *, outcomes_so_far: dict[str, NotebookOutcome]) -> UnitResult:
    """The summary line of a force: how its run ended, or its recorded status when it did not run."""
    outcome = outcomes_so_far.get(plan.unit)
    if outcome is not None:
        return UnitResult(plan.unit, outcome.status, outcome.seconds, "; ".join(plan.reasons), _failure_text(outcome))
    previous = plan.previous
    if plan.due:  # the run was interrupted before this unit finished
        return UnitResult(plan.unit, "interrupted", reason="; ".join(plan.reasons), failure="run again to complete it")
    if previous is None:
        return UnitResult(plan.unit, "not run")
    if previous.status == OK:
        return UnitResult(plan.unit, CURRENT)
    return UnitResult(plan.unit, previous.status, failure=_failure_text(previous))


def restricted_unit_dir(out: Path, unit: str) -> Path:
    """Where a unit's unsuppressed results live: OUT-restricted/forces/<code> or OUT-restricted/national."""
    root = layout.restricted_dir(out)
    return root / layout.NATIONAL_DIR if unit == NATIONAL else root / layout.FORCES / unit


def prune_forces_not_in_data(out: Path, forces: list[str], echo: Callable[[str], None]) -> None:
    """Remove outputs and state of forces that are no longer in the data (the national notebook must not
    collate results of a force that is not part of this dataset)."""
    gone = sorted(set(cache.load_all(out)) - set(forces))
    folder = out / layout.FORCES
    if folder.is_dir():
        gone = sorted(set(gone) | {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in forces})
    for code in gone:
        shutil.rmtree(layout.force_dir(out, code), ignore_errors=True)
        shutil.rmtree(restricted_unit_dir(out, code), ignore_errors=True)
        cache.remove(out, code)
    if gone:
        echo(f"removed outputs of force(s) no longer in the data: {', '.join(gone)}")


def resolve_data(data_dir: Path | None, echo: Callable[[str], None]) -> Path:
    """The data folder; without one, data/synthetic, generated by `generate --if-missing` when needed.

    The generator's check imports the generator (scipy, pandas: seconds), so it is made only when the
    dataset's stamp is absent or older than params/synthetic.yaml or the generator's source; otherwise the
    dataset is the one those settings made.
    """
    if data_dir is not None:
        return Path(data_dir).resolve()
    if not _synthetic_may_be_stale():
        return SYNTHETIC_DIR.resolve()
    from analysis.cli import build_parser

    args = build_parser().parse_args(["generate", "--if-missing", "--out", str(SYNTHETIC_DIR)])
    code = int(args.func(args) or 0)
    if code != 0:
        raise PlanError(f"could not generate the synthetic dataset in {SYNTHETIC_DIR} (generate exited {code})")
    return SYNTHETIC_DIR.resolve()


def _synthetic_may_be_stale() -> bool:
    """True when data/synthetic has no generator stamp, or the stamp predates a file it depends on (its
    settings, the generator's source, the reference code lists: what the generator's own digest covers)."""
    stamp = SYNTHETIC_DIR / "_generator.json"
    if not stamp.is_file():
        return True
    made = stamp.stat().st_mtime
    sources = [PARAMS_DIR / "synthetic.yaml", *(PACKAGE_DIR / "synthetic").glob("*.py"), *REFERENCE_DIR.glob("*.csv")]
    return any(p.is_file() and p.stat().st_mtime > made for p in sources)


@contextmanager
def interrupt_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into `Interrupted` in the main thread for the duration of the block."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _bar(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="run", disable=not enabled, file=sys.stderr, dynamic_ncols=True)
