"""`run` audits every page before publishing it: a page whose publication ledger lets a withheld count be
worked out (here: a fixture page that publishes its unsuppressed count of 4 offences) is not published, its
unit fails with the audit's finding, its unsuppressed results are not kept, and the other forces complete.
`python -m analysis audit OUT` then reports the published pages as clean, and catches a leak planted in a
ledger afterwards."""

from __future__ import annotations

import subprocess
import sys

import pytest

from analysis.disclosure.ledger import read_ledger
from analysis.pipeline import layout, run
from analysis.pipeline.run import run_pipeline
from analysis.pipeline.summary import format_summary

from .conftest import make_config

pytestmark = pytest.mark.slow


def test_a_page_that_fails_the_audit_is_not_published(workspace, executor):
    out = workspace["out"]
    (workspace["params"].parent / "leak-SYN02").write_text("")
    report = run_pipeline(make_config(workspace), executor=executor, echo=lambda line: None)
    assert report.exit_code == 1, format_summary(report)
    syn02 = report.unit("SYN02")
    assert syn02.status == "failed"
    assert syn02.failure.startswith("disclosure audit: DisclosureAuditFailed: page not published: 1 withheld count(s) "
                                    "can be worked out from what is published: fixture_offences total / all")
    assert "published count below the threshold 10" in syn02.failure
    # the executed notebook holds the table the audit refused: it does not stay in the folder that may be shared
    assert sorted(p.name for p in layout.force_dir(out, "SYN02").iterdir()) == ["error.txt"]
    assert not (run.restricted_unit_dir(out, "SYN02") / "results.parquet").exists()
    for code in ("SYN01", "SYN03"):
        assert report.unit(code).status == "ok"
        assert (layout.force_dir(out, code) / "report.html").is_file()
        assert read_ledger(layout.force_dir(out, code))["suppressed"].tolist() == [True]  # 4 offences: [c]
    assert report.unit("NATIONAL").status == "ok"
    assert "forces/SYN02/report.html" not in (out / "index.html").read_text()

    audit = subprocess.run([sys.executable, "-m", "analysis", "audit", str(out)], capture_output=True, text=True,
                           timeout=300)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "0 of 3 unit(s) with an exposed count" in audit.stdout  # SYN01, SYN03 and the national page

    # negative control: a ledger changed after the run to show the count is caught by the command
    ledger = read_ledger(layout.force_dir(out, "SYN01"))
    ledger.loc[:, "suppressed"] = False
    ledger.loc[:, "numerator"] = 4.0
    ledger.to_parquet(layout.force_dir(out, "SYN01") / "published.parquet", index=False)
    audit = subprocess.run([sys.executable, "-m", "analysis", "audit", str(out)], capture_output=True, text=True,
                           timeout=300)
    assert audit.returncode == 1
    assert "SYN01: 1 withheld count(s) audited; narrowest range 0" in audit.stdout
    assert "EXPOSED: published count below the threshold 10" in audit.stdout
