"""The national report says when it is partial, and a key indicator that cannot be compared is marked rather
than failing the report (issue 13).

The session's `reports` run collates SYN01 and SYN02 of the 3 forces in the data (SYN03 not run), so its
national page must say it is partial at the top and word each key finding for the forces reported. A
national run on those results with the victim-blaming-language key indicator at 0% in every force must
complete, with that indicator marked "not compared" in the results and one sentence in its section, and the
other funnels unaffected.
"""

from __future__ import annotations

import html
import re
import shutil

import pandas as pd
import pytest

from analysis import results
from analysis.pipeline.layout import restricted_dir

from .conftest import NATIONAL_NB, run_papermill

pytestmark = pytest.mark.slow


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_a_national_report_from_fewer_forces_than_the_data_says_it_is_partial(reports):
    text = _text(reports.pages["national"].read_text(encoding="utf-8"))
    assert ("Partial report: collated from 2 of the 3 forces in the data. Not included (failed, data failed "
            "validation, or not run): SYN03. Every national figure below covers only the 2 forces reported.") in text
    start = text.index("Each finding is written from the results below")
    assert text.index("Partial report") < start  # at the top of the page
    findings = text[start:text.index("Each funnel plot shows every force")]
    for name in ("charge rate", "suspect ethnicity recorded", "victims who withdrew support",
                 "case notes with victim-blaming language"):
        assert f"In the 2 forces reported, {name}" in findings
    assert "Nationally," not in text
    assert "forces are not compared" not in text  # negative control: these data can be compared


def _zero_language(source, target) -> None:
    """Copy every force's results with the victim-blaming-language key indicator (VE07) set to 0% of its notes."""
    for path in sorted(source.glob("*/results.parquet")):
        table = results.read(path)
        key = ((table["indicator_id"] == "VE07") & (table["breakdown"] == "notes with a match")
               & (table["category"] == "any category"))
        assert key.sum() == 1
        table.loc[key, ["numerator", "value", "lower"]] = 0.0
        folder = target / path.parent.name
        folder.mkdir(parents=True)
        results.write(table, folder / "results.parquet")


def test_a_key_indicator_at_zero_in_every_force_is_marked_and_the_report_completes(reports, tmp_path):
    forces = tmp_path / "forces"
    _zero_language(restricted_dir(reports.out_dir) / "forces", forces)
    out = tmp_path / "national"
    done = run_papermill(NATIONAL_NB, out / "report.ipynb",
                         {"results_dir": str(forces), "data_dir": str(reports.data_dir), "output_dir": str(out),
                          "restricted_dir": str(tmp_path / "restricted")})
    assert done.returncode == 0, done.stdout[-3000:]
    table = results.read(tmp_path / "restricted" / "results.parquet")
    marked = table[(table["indicator_id"] == "NA01") & (table["breakdown"] == "case notes with victim-blaming language")]
    assert marked["category"].tolist() == ["not compared"]
    assert marked["note"].tolist() == ["not compared: it is 0% in every one of the 2 forces, so there is no variation "
                                       "between forces to compare"]
    assert pd.isna(marked["value"].iloc[0])
    charge = table[(table["indicator_id"] == "NA01") & (table["breakdown"] == "charge rate")]
    assert len(charge) == 3 and "national target" in charge["category"].tolist()  # the others are unaffected
    notebook = (out / "report.ipynb").read_text(encoding="utf-8")
    assert ("Case notes with victim-blaming language: forces are not compared.** It is 0% in every one of the 2 "
            "forces, so there is no variation between forces to compare.") in notebook
    funnels = sorted(p.name for p in (out / "figures").glob("funnel_*.png"))
    assert funnels == ["funnel_1.png", "funnel_2.png", "funnel_3.png", "funnel_5.png"]  # the others keep theirs
    shutil.rmtree(tmp_path / "forces")
