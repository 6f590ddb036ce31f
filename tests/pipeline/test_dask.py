"""The Dask executor runs force notebooks on a cluster through the same interface (here a LocalCluster of
threads in this process)."""

from __future__ import annotations

import shutil

import pytest

from analysis import results
from analysis.pipeline import run, layout
from analysis.pipeline.executors import DaskExecutor
from analysis.pipeline.run import run_pipeline
from analysis.pipeline.summary import format_summary

from .conftest import make_config

pytestmark = pytest.mark.slow


def test_dask_executor_runs_two_forces_on_a_local_cluster(workspace):
    distributed = pytest.importorskip("distributed")
    shutil.rmtree(workspace["data"] / "SYN03")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        executor = DaskExecutor(client=client)
        assert executor.describe()["workers"] == 2
        report = run_pipeline(make_config(workspace), executor=executor, echo=lambda line: None)
        executor.close()
    assert report.exit_code == 0, format_summary(report)
    assert sorted(report.ran()) == ["NATIONAL", "SYN01", "SYN02"]
    for code in ("SYN01", "SYN02"):
        assert results.read(run.restricted_unit_dir(workspace["out"], code) / "results.parquet")["force_code"].tolist() == [code]
    assert results.read(run.restricted_unit_dir(workspace["out"], "NATIONAL") / "results.parquet")["numerator"].tolist() == [8.0]
    assert layout.temporary_files(workspace["out"]) == []
