"""Input digests, reasons for re-running, and the atomic commit of a unit's folder (no notebook runs)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from analysis.pipeline import cache, layout
from analysis.pipeline.cache import UnitState
from analysis.pipeline.hashing import (Inputs, describe_changes, export_digest, force_inputs, notebook_digest,
                                       package_digest, parameters_digest, partition_digests, shared_components)
from analysis.pipeline.plan import PlanError, list_forces, plan_forces, select

from .conftest import FORCE_NB, write_force, write_settings


def test_notebook_digest_follows_sources_and_tags_not_outputs(tmp_path):
    nb = nbformat.read(FORCE_NB, as_version=4)
    base = notebook_digest(FORCE_NB)
    executed = nbformat.from_dict(json.loads(json.dumps(nb)))
    executed.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="4 offences\n")]
    executed.cells[3].execution_count = 7
    executed.metadata["papermill"] = {"duration": 1.0}
    nbformat.write(executed, tmp_path / "executed.ipynb")
    assert notebook_digest(tmp_path / "executed.ipynb") == base

    edited = nbformat.from_dict(json.loads(json.dumps(nb)))
    edited.cells[3].source += "\n"
    nbformat.write(edited, tmp_path / "edited.ipynb")
    assert notebook_digest(tmp_path / "edited.ipynb") != base

    retagged = nbformat.from_dict(json.loads(json.dumps(nb)))
    retagged.cells[3].metadata["tags"] = ["hide"]
    nbformat.write(retagged, tmp_path / "retagged.ipynb")
    assert notebook_digest(tmp_path / "retagged.ipynb") != base


def test_parameters_digest_ignores_the_pipeline_section_and_follows_the_rest(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "regions.csv").write_text("code,label\nnorth_west,North West\n")
    base = parameters_digest(write_settings(tmp_path / "a.yaml"), reference)
    assert parameters_digest(write_settings(tmp_path / "b.yaml", jobs=7, reuse_kernels=False), reference) == base
    other = tmp_path / "c.yaml"
    other.write_text((tmp_path / "a.yaml").read_text().replace("threshold: 10", "threshold: 5"))
    assert parameters_digest(other, reference) != base
    (reference / "regions.csv").write_text("code,label\nnorth_west,North-West\n")
    assert parameters_digest(tmp_path / "a.yaml", reference) != base


def test_package_digest_leaves_out_orchestration_and_export_code(tmp_path):
    package = tmp_path / "analysis"
    for relative in ("stats/rates.py", "pipeline/run.py", "commands/run.py", "cli.py", "report/export.py",
                     "report/templates/reviewer/index.html.j2", "report/figures.py"):
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_text(f"# {relative}\n")
    base, base_export = package_digest(package), export_digest(package)
    for relative in ("pipeline/run.py", "commands/run.py", "cli.py", "report/export.py", "report/templates/reviewer/index.html.j2"):
        (package / relative).write_text("# changed\n")
    assert package_digest(package) == base
    assert export_digest(package) != base_export
    (package / "report/figures.py").write_text("# changed\n")
    assert package_digest(package) != base
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (package / "stats" / "notes.txt").write_text("data file\n")
    assert package_digest(package) != base


def test_describe_changes_names_components_and_files():
    before = {"notebook": "n1", "package": "p1", "data": {"offences.parquet": "a", "victims.parquet": "b", "old.parquet": "c"}}
    after = {"notebook": "n2", "package": "p1", "data": {"offences.parquet": "A", "victims.parquet": "b", "new.parquet": "d"}}
    assert describe_changes(before, after) == [
        "notebook changed", "data changed: offences.parquet; added new.parquet; removed old.parquet"]
    assert describe_changes(before, before) == []
    assert describe_changes({"package": "p1", "lock": "l1"}, {"package": "p2", "lock": "l2"}) == [
        "analysis package source changed", "requirements.lock changed"]


def _state(unit: str, inputs: Inputs, status: str = "ok") -> UnitState:
    return UnitState(unit=unit, status=status, components=inputs.components, digest=inputs.digest, finished_at="t")


def test_stale_reasons():
    inputs = Inputs({"notebook": "n", "data": {"offences.parquet": "a"}})
    assert cache.stale_reasons(None, inputs) == ["never run"]
    assert cache.stale_reasons(_state("X", inputs), inputs) == []
    assert cache.stale_reasons(_state("X", inputs), inputs, rerun=True) == ["--rerun requested"]
    assert cache.stale_reasons(_state("X", inputs, "failed"), inputs) == ["last run failed"]
    assert cache.stale_reasons(_state("X", inputs, "skipped-invalid"), inputs) == []
    assert cache.stale_reasons(_state("X", inputs), inputs, problems=["outputs missing: results.parquet"]) == [
        "outputs missing: results.parquet"]
    changed = Inputs({"notebook": "n", "data": {"offences.parquet": "b"}})
    assert cache.stale_reasons(_state("X", inputs, "skipped-invalid"), changed) == ["data changed: offences.parquet"]


def test_plan_finds_changed_data_missing_outputs_and_unknown_forces(tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    for code in ("SYN01", "SYN02"):
        write_force(data, code)
    (data / "notes").mkdir()  # not a force: no Parquet files
    assert list_forces(data) == ["SYN01", "SYN02"]
    assert select(["SYN01", "SYN02"], ["SYN02"]) == ["SYN02"]
    with pytest.raises(PlanError, match="unknown force code.s. SYN09: the data folder holds SYN01, SYN02"):
        select(["SYN01", "SYN02"], ["SYN09"])
    package = tmp_path / "package"
    package.mkdir()
    (package / "m.py").write_text("x = 1\n")
    shared = shared_components(FORCE_NB, write_settings(tmp_path / "p.yaml"), package_dir=package)
    for code in ("SYN01", "SYN02"):
        inputs = force_inputs(shared, data, code)
        folder = layout.force_dir(out, code)
        folder.mkdir(parents=True)
        (folder / "report.ipynb").write_text("report.ipynb")
        restricted = layout.restricted_dir(out) / layout.FORCES / code  # unsuppressed results live apart
        restricted.mkdir(parents=True)
        (restricted / "results.parquet").write_text("results.parquet")
        state = _state(code, inputs)
        state.results_digest = partition_digests(restricted.parent, code)["results.parquet"]
        cache.save(out, state)
    assert [p.reasons for p in plan_forces(out, data, shared, ["SYN01", "SYN02"], ["SYN01", "SYN02"])] == [[], []]

    write_force(data, "SYN02", extra_offences=1)
    (layout.restricted_dir(out) / layout.FORCES / "SYN01" / "results.parquet").write_text("tampered")
    plans = plan_forces(out, data, shared, ["SYN01", "SYN02"], ["SYN02"])
    assert [(p.unit, p.reasons, p.due) for p in plans] == [
        ("SYN01", ["results.parquet changed since it was written"], False),  # not selected
        ("SYN02", ["data changed: offences.parquet"], True)]
    (layout.force_dir(out, "SYN01") / "report.ipynb").unlink()
    assert plan_forces(out, data, shared, ["SYN01"], ["SYN01"])[0].reasons == ["outputs missing: report.ipynb"]

    empty = tmp_path / "csv"
    (empty / "SYN01").mkdir(parents=True)
    (empty / "SYN01" / "offences.csv").write_text("x\n")
    with pytest.raises(PlanError, match="python -m analysis ingest"):
        list_forces(empty)


def test_commit_replaces_a_folder_whole_and_leftovers_are_cleaned(tmp_path):
    out = tmp_path / "out"
    final = layout.force_dir(out, "SYN01")
    final.mkdir(parents=True)
    (final / "old.txt").write_text("old")
    staging = layout.new_staging(out, "SYN01")
    staging.mkdir(parents=True)
    (staging / "new.txt").write_text("new")
    layout.commit(staging, final)
    assert [p.name for p in final.iterdir()] == ["new.txt"]
    assert not staging.exists()
    assert layout.temporary_files(out) == []

    # what an interrupted run leaves behind: a staging folder and a folder set aside mid-commit
    abandoned = layout.new_staging(out, "SYN02")
    abandoned.mkdir(parents=True)
    (abandoned / "results.parquet").write_text("half")
    aside = out / "forces" / ".replaced-SYN01-0000"
    aside.mkdir()
    assert set(layout.temporary_files(out)) == {abandoned, aside}
    assert set(layout.clean_leftovers(out)) == {abandoned, aside}
    assert layout.temporary_files(out) == []
    assert [p.name for p in final.iterdir()] == ["new.txt"]
