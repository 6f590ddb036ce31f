"""Parameter checks and loading for the report notebooks, so their first cells stay one line each.

A notebook's parameters come from a person (JupyterLab) or papermill (`-p force_code X`); either way a
mistake must stop the run at once with a message that names the problem and what would fix it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import paths, results, returns_io, settings
from analysis.indicators import ForceData, compute_force
from analysis.report.parameters import ParameterError  # defined there (a light module); raised and imported here too

log = logging.getLogger(__name__)


def resolve_dir(value: str | Path | None, default: Path) -> Path:
    """Resolve a directory parameter: blank means the project default; relative paths are from the project root."""
    if value is None or str(value).strip() == "":
        return default
    path = Path(value).expanduser()
    return path if path.is_absolute() else (paths.PROJECT_ROOT / path)


def check_force(force_code: str, data_dir: Path) -> None:
    """Raise ParameterError unless `data_dir` holds validated data for `force_code`."""
    if not str(force_code).strip():
        raise ParameterError("force_code is empty: give a force code such as SYN01 (see `python -m analysis status`)")
    if not data_dir.is_dir():
        raise ParameterError(
            f"data_dir {data_dir} does not exist: run `python -m analysis generate` for the synthetic default "
            "or `python -m analysis ingest` for real returns")
    try:
        forces = returns_io.list_forces(data_dir)
    except ValueError as error:
        raise ParameterError(f"data_dir {data_dir} holds no validated returns ({error})") from None
    if force_code not in forces:
        shown = ", ".join(forces[:10]) + (" ..." if len(forces) > 10 else "")
        raise ParameterError(f"unknown force_code '{force_code}': {data_dir} has data for {len(forces)} forces ({shown})")


def params_path(params_file: str | Path | None) -> Path | None:
    """The settings file a notebook was given (None: params/pipeline.yaml); it must exist."""
    if params_file in (None, ""):
        return None
    path = resolve_dir(params_file, paths.PARAMS_DIR / "pipeline.yaml")
    if not path.is_file():
        raise ParameterError(f"params_file {path} does not exist")
    return path


class _Report:
    """What both report contexts share: where figures go, the publishable rows of an indicator under the
    disclosure settings of the notebook's params_file, and the page's publication ledger (every published row
    is recorded in output_dir/published.parquet, analysis.disclosure.ledger)."""

    @property
    def figures_dir(self) -> Path:
        return self.output_dir / "figures"

    @property
    def ledger(self):
        from analysis.disclosure.ledger import Ledger

        if getattr(self, "_ledger", None) is None:
            self._ledger = Ledger(self.output_dir)
        return self._ledger

    def published(self, indicator_id: str, breakdown: str | list[str] | None = None, basis: str | None = None, *,
                  table: pd.DataFrame | None = None) -> pd.DataFrame:
        """display.published on this report's results (or `table`) with its disclosure settings; the rows are
        recorded in the page's ledger as shown in a table named by the indicator (and breakdown, basis)."""
        from analysis.report.display import published

        rows = published(self.results if table is None else table, indicator_id, breakdown, basis, self.disclosure)
        name = "/".join(str(p) for p in (indicator_id, breakdown, basis) if p is not None)
        self.ledger.record(rows, name, "table")
        return rows


@dataclass
class ForceContext(_Report):
    """Everything a force report needs: its data, its results and where to write."""

    force_code: str
    force_name: str
    region: str
    synthetic: bool
    data: ForceData
    results: pd.DataFrame
    output_dir: Path
    disclosure: dict = field(default_factory=settings.disclosure_settings)
    params_file: Path | None = None  # the settings file the notebook was given (None: params/pipeline.yaml)


def prepare_force(force_code: str, data_dir: str | Path | None, output_dir: str | Path | None,
                  params_file: str | Path | None, restricted_dir: str | Path | None = None) -> ForceContext:
    """Check the parameters, load one force's validated data, compute its results table and write it, with its
    true (unsuppressed) counts, to `restricted_dir` (blank: scratch/restricted/forces/<force_code>), never beside
    the page."""
    data_path = resolve_dir(data_dir, paths.SYNTHETIC_DIR)
    check_force(force_code, data_path)
    disclosure = settings.disclosure_settings(params_path(params_file))
    out = resolve_dir(output_dir, paths.SCRATCH_DIR / "forces" / force_code)  # only `analysis run` writes outputs/
    restricted = resolve_dir(restricted_dir, paths.SCRATCH_DIR / "restricted" / "forces" / force_code)
    tables = returns_io.read_force(data_path, force_code)
    data = ForceData(tables)
    table = compute_force(force_code, data, disclosure["threshold"], disclosure["protection_width"],
                          disclosure["protect_secondary"])
    results.write(table, restricted / "results.parquet")
    profile = tables["force_profile"].iloc[0]
    return ForceContext(force_code, str(profile["force_name"]), str(profile["region"]), bool(profile["is_synthetic"]),
                        data, table, out, disclosure, params_path(params_file))


@dataclass
class NationalContext(_Report):
    """Every force's results, the stacked validated data and where to write."""

    synthetic: bool
    force_results: pd.DataFrame
    data: ForceData  # the validated tables the national indicators use (NATIONAL_TABLES), all forces
    results: pd.DataFrame
    output_dir: Path
    failed_forces: list[str]
    disclosure: dict = field(default_factory=settings.disclosure_settings)
    params_file: Path | None = None  # the settings file the notebook was given (None: params/pipeline.yaml)
    data_forces: list[str] = field(default_factory=list)  # every force in the data folder

    @property
    def reported(self) -> list[str]:
        """The forces whose results the report collates."""
        return sorted(self.force_results["force_code"].unique())

    @property
    def missing(self) -> list[str]:
        """Forces in the data (or with a failed run) whose results are not collated: failed, invalid, not run."""
        return sorted((set(self.data_forces) | set(self.failed_forces)) - set(self.reported))

    @property
    def partial(self) -> bool:
        """True when the report collates fewer forces than the data holds."""
        return bool(self.missing)


def read_force_results(results_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """Stack every force's results.parquet under results_dir; also list forces with no results file."""
    if not results_dir.is_dir():
        raise ParameterError(f"results_dir {results_dir} does not exist: run the force reports first (`python -m analysis run`)")
    found, missing = [], []
    for folder in sorted(p for p in results_dir.iterdir() if p.is_dir()):
        path = folder / "results.parquet"
        if path.exists():
            found.append(path)
        else:
            missing.append(folder.name)
    if not found:
        raise ParameterError(f"no force results found under {results_dir}")
    return results.read_many(found), missing


def prepare_national(results_dir: str | Path | None, data_dir: str | Path | None, output_dir: str | Path | None,
                     params_file: str | Path | None, restricted_dir: str | Path | None = None) -> NationalContext:
    """Check the parameters, read every force's results and the validated tables the national indicators use
    (indicators.national.NATIONAL_TABLES), compute the national table and write it to `restricted_dir` (blank:
    scratch/restricted/national). `results_dir` (blank: outputs-restricted/forces) holds the forces' restricted
    results."""
    from analysis.indicators import compute_national
    from analysis.indicators.national import NATIONAL_TABLES

    disclosure = settings.disclosure_settings(params_path(params_file))
    res_path = resolve_dir(results_dir, paths.RESTRICTED_DIR / "forces")
    data_path = resolve_dir(data_dir, paths.SYNTHETIC_DIR)
    if not data_path.is_dir():
        raise ParameterError(f"data_dir {data_path} does not exist")
    force_results, missing = read_force_results(res_path)
    forces = sorted(force_results["force_code"].unique())
    data = ForceData(returns_io.read_all(data_path, forces, tables=NATIONAL_TABLES))
    table = compute_national(force_results, data, disclosure["threshold"], disclosure["protection_width"],
                             disclosure["protect_secondary"])
    out = resolve_dir(output_dir, paths.SCRATCH_DIR / "national")  # only `analysis run` writes outputs/
    results.write(table, resolve_dir(restricted_dir, paths.SCRATCH_DIR / "restricted" / "national") / "results.parquet")
    try:
        data_forces = returns_io.list_forces(data_path)
    except ValueError:
        data_forces = forces
    return NationalContext(data.is_synthetic, force_results, data, table, out, missing, disclosure,
                           params_file=params_path(params_file), data_forces=list(data_forces))
