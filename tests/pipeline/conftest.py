"""Helpers for the pipeline tests: tiny valid returns, a settings file, and run configurations that use the
fixture notebooks (tests/pipeline/fixtures) instead of the real ones.

The fixture force notebook (see fixtures/make_fixtures.py) counts the offences, draws one figure and writes a
valid results table; it fails in its cell "# Count offences" when the force recorded no disruptions (valid
data that the notebook cannot handle). Environment variables, inherited by worker processes and their kernels:
PIPELINE_FIXTURE_SLEEP=CODE=S,... makes those forces sleep S seconds, PIPELINE_FIXTURE_MARKERS=DIR records each kernel's pid and
working directory there.

The runs of these tests share a local executor (`executor` fixture): its workers and their warm kernels
are reused from run to run, as within one real run, which keeps these tests to seconds per notebook.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.paths import PARAMS_DIR
from analysis.pipeline.run import RunConfig
from fixtures.valid_return import valid_return, write_return

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FORCE_NB = FIXTURES / "force_fixture.ipynb"
NATIONAL_NB = FIXTURES / "national_fixture.ipynb"
FIXTURE_ENV = ("PIPELINE_FIXTURE_SLEEP", "PIPELINE_FIXTURE_MARKERS")


def write_force(data_dir: Path, code: str, *, extra_offences: int = 0, broken: bool = False,
                no_disruptions: bool = False) -> None:
    """Write the hand-made valid return (tests/fixtures/valid_return.py) as force `code` in validated Parquet.

    extra_offences adds that many valid offences (so the force's results change); broken drops offence O4,
    which offence_suspects still refers to, so the return fails validation (foreign key); no_disruptions
    empties the (optional) disruptions table: still valid, but the fixture notebook fails on it.
    """
    raw = valid_return()
    if no_disruptions:
        raw["disruptions"] = raw["disruptions"].iloc[0:0]
    offences = raw["offences"]
    added = [{**offences.iloc[1].to_dict(), "offence_id": f"X{i}", "recorded_date": f"2022-02-{i + 1:02d}",
              "outcome_code": "", "outcome_date": ""} for i in range(extra_offences)]
    if added:
        raw["offences"] = pd.concat([offences, pd.DataFrame(added)], ignore_index=True)
    if broken:
        raw["offences"] = raw["offences"][raw["offences"]["offence_id"] != "O4"]
    write_return(data_dir, code, raw)


def write_settings(path: Path, **pipeline) -> Path:
    """A settings file: the project's analysis sections with a `pipeline` section for tests (light warm-up)."""
    settings = yaml.safe_load((PARAMS_DIR / "pipeline.yaml").read_text(encoding="utf-8")) or {}
    settings["pipeline"] = {"warm_imports": ["pandas", "matplotlib.pyplot"], "start_timeout": 120, **pipeline}
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def executor():
    """One local worker shared by the runs of the pipeline tests (closed, with its kernels, at the end); its
    kernel is pre-warmed when the worker starts, as in a real run."""
    from analysis.pipeline.executors import LocalExecutor

    for name in FIXTURE_ENV:
        os.environ.pop(name, None)
    pool = LocalExecutor(jobs=1, prewarm=("python3", 120.0, ("pandas", "matplotlib.pyplot")))
    yield pool
    pool.close()


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A data folder with SYN01-SYN03, an output folder, a settings file and a fixed stand-in package."""
    for name in FIXTURE_ENV:
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    for code in ("SYN01", "SYN02", "SYN03"):
        write_force(data, code)
    package = tmp_path / "package"
    package.mkdir()
    (package / "module.py").write_text("VALUE = 1\n", encoding="utf-8")
    settings = write_settings(tmp_path / "pipeline.yaml")
    return {"data": data, "out": tmp_path / "out", "params": settings, "package": package, "tmp": tmp_path}


def make_config(ws: dict, **overrides) -> RunConfig:
    """A run of the fixture notebooks on the workspace (2 local workers, no progress bar)."""
    options = dict(data_dir=ws["data"], out_dir=ws["out"], params_file=ws["params"], force_notebook=FORCE_NB,
                   national_notebook=NATIONAL_NB, jobs=2, progress=False, package_dir=ws["package"])
    options.update(overrides)
    return RunConfig(**options)
