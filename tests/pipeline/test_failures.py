"""Failure isolation: a force whose data make its notebook fail, and a force whose data fail validation, are
reported (force, failing cell, error) while the others complete; the exit code is non-zero; the index page
marks them; no results of a failed run are published; the next run after the data are mended completes."""

from __future__ import annotations

import re

import pytest

from analysis import results
from analysis.pipeline import cache, layout, run
from analysis.pipeline.run import run_pipeline
from analysis.pipeline.summary import format_summary

from .conftest import make_config, write_force

pytestmark = pytest.mark.slow


def test_failing_and_invalid_forces_are_reported_and_the_others_complete(workspace, executor):
    out = workspace["out"]
    write_force(workspace["data"], "SYN01", no_disruptions=True)  # valid, but the notebook raises
    write_force(workspace["data"], "SYN03", broken=True)  # fails validation
    config = make_config(workspace)

    first = run_pipeline(config, executor=executor, echo=lambda line: None)
    assert first.exit_code == 1
    syn01, syn02, syn03, national = (first.unit(u) for u in ("SYN01", "SYN02", "SYN03", "NATIONAL"))
    assert syn01.status == "failed"
    assert syn01.failure == ('In [4]: # Count offences: ValueError: no disruptions recorded for SYN01: '
                             'the tactics table cannot be drawn')
    assert syn02.status == "ok"
    assert syn03.status == "skipped-invalid"
    assert syn03.failure.startswith("data failed validation: 1 failure, e.g. offence_suspects row 5, column offence_id")
    assert national.status == "ok"
    assert results.read(run.restricted_unit_dir(out, "NATIONAL") / "results.parquet")["numerator"].tolist() == [4.0]  # SYN02 only

    summary = format_summary(first)
    assert re.search(r"SYN01\s+failed\s+\d+\.\d\s+never run\s+In \[4\]: # Count offences: ValueError: no disruptions", summary)
    assert re.search(r"SYN03\s+skipped-invalid", summary)

    failed = layout.force_dir(out, "SYN01")
    assert sorted(p.name for p in failed.iterdir()) == ["error.txt", "report.ipynb"]  # no results, no page
    assert (failed / "error.txt").read_text() == (
        "SYN01: In [4]: # Count offences: ValueError: no disruptions recorded for SYN01: the tactics table cannot be drawn\n")
    invalid = layout.force_dir(out, "SYN03")
    assert [p.name for p in invalid.iterdir()] == ["validation.txt"]
    listed = (invalid / "validation.txt").read_text()
    assert "offence_suspects row 5, column offence_id: rule foreign_key" in listed  # where and which rule,
    assert "'O4'" not in listed  # never a value from the validated file (issue 18)
    error = cache.load(out, "SYN01").error
    assert (error["cell"], error["ename"], error["cell_id"] != "") == ("In [4]: # Count offences", "ValueError", True)

    index = (out / "index.html").read_text()
    row = re.search(r"<tr>\s*<t[hd][^>]*>SYN01</t[hd]>.*?</tr>", index, re.DOTALL).group(0)
    assert 'class="status-failed">failed<' in row and "no disruptions recorded for SYN01" in row and "href" not in row
    row = re.search(r"<tr>\s*<t[hd][^>]*>SYN03</t[hd]>.*?</tr>", index, re.DOTALL).group(0)
    assert 'class="status-skipped-invalid">skipped-invalid<' in row and "'O4'" not in row  # no data values published
    row = re.search(r"<tr>\s*<t[hd][^>]*>SYN02</t[hd]>.*?</tr>", index, re.DOTALL).group(0)
    assert 'href="forces/SYN02/report.html"' in row

    # Unchanged inputs: the failed force runs again (the failure may have been transient), the invalid one not.
    again = run_pipeline(config, executor=executor, echo=lambda line: None)
    assert again.exit_code == 1
    assert again.ran() == ["SYN01"] and again.unit("SYN01").reason == "last run failed"
    assert again.unit("SYN03").status == "skipped-invalid" and again.unit("NATIONAL").status == "current"

    write_force(workspace["data"], "SYN01")
    write_force(workspace["data"], "SYN03")
    mended = run_pipeline(config, executor=executor, echo=lambda line: None)
    assert mended.exit_code == 0, format_summary(mended)
    assert sorted(mended.ran()) == ["NATIONAL", "SYN01", "SYN03"]
    assert mended.unit("SYN01").reason == "data changed: disruptions.parquet"
    assert mended.unit("NATIONAL").reason == "data changed: SYN01, SYN03; results changed: added SYN01, SYN03"
    assert results.read(run.restricted_unit_dir(out, "NATIONAL") / "results.parquet")["numerator"].tolist() == [12.0]
    assert layout.temporary_files(out) == []


def test_a_page_that_fails_to_render_fails_its_force_only(workspace, executor, monkeypatch):
    from analysis.pipeline import run, publish

    render = publish.export_unit

    def failing_for_syn02(out_dir, state, export_code, hidden_tags):
        if state.unit == "SYN02":
            raise OSError("disk full while writing the page")
        return render(out_dir, state, export_code, hidden_tags)

    monkeypatch.setattr(publish, "export_unit", failing_for_syn02)
    out = workspace["out"]
    report = run_pipeline(make_config(workspace), executor=executor, echo=lambda line: None)
    assert report.exit_code == 1
    assert report.unit("SYN02").status == "failed"
    assert report.unit("SYN02").failure == "page export: OSError: disk full while writing the page"
    assert [report.unit(u).status for u in ("SYN01", "SYN03", "NATIONAL")] == ["ok", "ok", "ok"]
    assert (layout.force_dir(out, "SYN02") / "error.txt").read_text() == (
        "SYN02: page export: OSError: disk full while writing the page\n")
    assert not (layout.force_dir(out, "SYN02") / "report.html").exists()
    assert (layout.force_dir(out, "SYN01") / "report.html").is_file() and (layout.national_dir(out) / "report.html").is_file()
    state = cache.load(out, "SYN02")
    assert (state.status, state.error["kind"], state.html_digest) == ("failed", "export", None)
    row = re.search(r"<tr>\s*<t[hd][^>]*>SYN02</t[hd]>.*?</tr>", (out / "index.html").read_text(), re.DOTALL).group(0)
    assert 'class="status-failed">failed<' in row and "href" not in row

    monkeypatch.setattr(publish, "export_unit", render)  # mended: the failed force runs again, and only it
    again = run_pipeline(make_config(workspace), executor=executor, echo=lambda line: None)
    assert again.exit_code == 0 and again.ran() == ["SYN02"]
    assert (layout.force_dir(out, "SYN02") / "report.html").is_file() and layout.temporary_files(out) == []
