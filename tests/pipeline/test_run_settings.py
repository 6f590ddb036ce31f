"""Checks `run` makes before it starts: the Dask executor needs a scheduler address (from the command line or
the settings file), and the synthetic default is regenerated when a file the generator reads is newer than it."""

from __future__ import annotations

import os

import pytest

from analysis.pipeline import run as run_module
from analysis.pipeline.plan import PlanError
from analysis.pipeline.run import run_pipeline

from .conftest import make_config, write_settings


class _Stop(Exception):
    pass


def test_dask_without_a_scheduler_is_refused_before_anything_runs(workspace):
    with pytest.raises(PlanError, match=r"^--executor dask needs --scheduler ADDRESS \(the address of a running Dask "
                                        r"scheduler\), or `scheduler:` in the pipeline settings$"):
        run_pipeline(make_config(workspace, executor="dask"), echo=lambda line: None)
    assert not workspace["out"].exists()


def test_a_scheduler_in_the_settings_file_is_enough(workspace, monkeypatch):
    params = write_settings(workspace["tmp"] / "dask.yaml", executor="dask", scheduler="tcp://scheduler-host:8786")
    asked = {}

    def fake_executor(kind, *, jobs=None, scheduler=None, prewarm=None):
        asked.update(kind=kind, scheduler=scheduler)
        raise _Stop

    monkeypatch.setattr(run_module, "make_executor", fake_executor)
    with pytest.raises(_Stop):
        run_pipeline(make_config(workspace, params_file=params), echo=lambda line: None)
    assert asked == {"kind": "dask", "scheduler": "tcp://scheduler-host:8786"}


@pytest.mark.parametrize("newer", ["params/synthetic.yaml", "synthetic/generate.py", "reference/outcome_types.csv", None])
def test_synthetic_default_is_stale_when_a_file_it_reads_is_newer(tmp_path, monkeypatch, newer):
    folders = {"params": tmp_path / "params", "synthetic": tmp_path / "package" / "synthetic",
               "reference": tmp_path / "params" / "reference", "data": tmp_path / "data"}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    files = [folders["params"] / "synthetic.yaml", folders["synthetic"] / "generate.py",
             folders["reference"] / "outcome_types.csv"]
    stamp = folders["data"] / "_generator.json"
    for path in [*files, stamp]:
        path.write_text("x", encoding="utf-8")
        os.utime(path, (1_000, 1_000))
    os.utime(stamp, (2_000, 2_000))
    if newer is not None:
        os.utime(tmp_path / newer.replace("synthetic/", "package/synthetic/").replace("reference/", "params/reference/"),
                 (3_000, 3_000))
    monkeypatch.setattr(run_module, "SYNTHETIC_DIR", folders["data"])
    monkeypatch.setattr(run_module, "PARAMS_DIR", folders["params"])
    monkeypatch.setattr(run_module, "PACKAGE_DIR", tmp_path / "package")
    monkeypatch.setattr(run_module, "REFERENCE_DIR", folders["reference"])
    assert run_module._synthetic_may_be_stale() is (newer is not None)
    stamp.unlink()
    assert run_module._synthetic_may_be_stale() is True
