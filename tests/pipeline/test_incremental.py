"""Incremental runs: nothing changed -> nothing runs; one force's data changed -> that force and the national
notebook run, and the run says why; `status` and `export` agree with what `run` did."""

from __future__ import annotations

import json

import nbformat
import pytest

from analysis import results
from analysis.pipeline import cache, layout, run
from analysis.pipeline.publish import export_all
from analysis.pipeline.run import run_pipeline
from analysis.pipeline.summary import format_summary
from analysis.pipeline.status import inspect

from .conftest import FORCE_NB, NATIONAL_NB, make_config, write_force

pytestmark = pytest.mark.slow


def test_second_run_reruns_nothing_and_a_data_change_reruns_that_force_and_national(workspace, executor):
    config = make_config(workspace)
    out = workspace["out"]

    first = run_pipeline(config, executor=executor, echo=lambda line: None)
    assert first.exit_code == 0, format_summary(first)
    assert sorted(first.ran()) == ["NATIONAL", "SYN01", "SYN02", "SYN03"]
    assert {u.unit: u.reason for u in first.units} == {u: "never run" for u in ("SYN01", "SYN02", "SYN03", "NATIONAL")}
    for code in ("SYN01", "SYN02", "SYN03"):
        folder = layout.force_dir(out, code)
        assert not (folder / "results.parquet").exists()  # unsuppressed results are never beside the page
        table = results.read(run.restricted_unit_dir(out, code) / "results.parquet")
        assert table["force_code"].tolist() == [code]
        assert table["numerator"].tolist() == [4.0]  # the fixture return has 4 offences
        assert (folder / "figures" / "offences_by_year.png").is_file()
        assert (folder / "report.html").is_file()
    national = results.read(run.restricted_unit_dir(out, "NATIONAL") / "results.parquet")
    assert national["numerator"].tolist() == [12.0]
    assert layout.temporary_files(out) == []

    # provenance in the executed notebook and in the manifest
    nb = nbformat.read(layout.force_dir(out, "SYN02") / "report.ipynb", as_version=4)
    provenance = nb.metadata["analysis"]["provenance"]
    assert provenance["parameters"]["force_code"] == "SYN02"
    assert set(provenance["input_hashes"]) == {"notebook", "parameters", "package", "lock", "data"}
    assert provenance["synthetic"] is True and provenance["package_versions"]["pandas"].startswith("3.")
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"][:2] == [1, 2]  # numbered as a fresh kernel
    assert not any("analysis-pipeline-prelude" in c.metadata.get("tags", []) for c in nb.cells)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["synthetic"] is True
    assert manifest["forces"]["SYN01"]["status"] == "ok" and manifest["forces"]["SYN01"]["ran"] is True
    assert set(manifest["timings"]) >= {"plan", "forces", "national", "export", "index", "total"}
    assert manifest["package_versions"]["papermill"]

    lines: list[str] = []
    second = run_pipeline(config, executor=executor, echo=lines.append)
    assert second.exit_code == 0
    assert second.ran() == []
    assert {u.status for u in second.units} == {"current"}
    assert "forces: 3 current, nothing to run" in lines
    assert all(r.current for r in inspect(out, data_dir=workspace["data"], params_file=workspace["params"],
                                          force_notebook=FORCE_NB, national_notebook=NATIONAL_NB,
                                          package_dir=workspace["package"]))

    write_force(workspace["data"], "SYN02", extra_offences=2)
    rows = {r.unit: r for r in inspect(out, data_dir=workspace["data"], params_file=workspace["params"],
                                       force_notebook=FORCE_NB, national_notebook=NATIONAL_NB,
                                       package_dir=workspace["package"])}
    assert rows["SYN02"].why == "data changed: offences.parquet" and not rows["SYN02"].current
    assert rows["SYN01"].current and rows["SYN03"].current
    assert rows["NATIONAL"].why == "data changed: SYN02"

    lines.clear()
    third = run_pipeline(config, executor=executor, echo=lines.append)
    assert third.exit_code == 0, format_summary(third)
    assert sorted(third.ran()) == ["NATIONAL", "SYN02"]
    assert third.unit("SYN02").reason == "data changed: offences.parquet"
    assert third.unit("NATIONAL").reason == "data changed: SYN02; results changed: SYN02"
    assert "run data changed: offences.parquet: SYN02" in lines
    assert "run national: data changed: SYN02; results changed: SYN02" in lines
    assert results.read(run.restricted_unit_dir(out, "SYN02") / "results.parquet")["numerator"].tolist() == [6.0]
    assert results.read(run.restricted_unit_dir(out, "NATIONAL") / "results.parquet")["numerator"].tolist() == [14.0]
    summary = format_summary(third)
    assert "SYN02     ok" in summary and "SYN01     current" in summary

    # export re-renders every page from the executed notebooks, without running anything
    before = {code: cache.load(out, code).finished_at for code in ("SYN01", "SYN02", "SYN03")}
    rendered, index = export_all(out, hidden_tags=("hide", "parameters", "injected-parameters"))
    assert sorted(rendered) == ["NATIONAL", "SYN01", "SYN02", "SYN03"]
    assert index == out / "index.html"
    assert {code: cache.load(out, code).finished_at for code in before} == before
