"""A report notebook's params_file sets the disclosure control of everything the report publishes: the
results table's flags, the tables shown and the point where curves stop (not only the last of these)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from analysis import results
from analysis.paths import PIPELINE_YAML
from analysis.report.context import ForceContext, ParameterError, prepare_force
from fixtures.valid_return import write_return


def _settings(path, threshold: int):
    settings = yaml.safe_load(PIPELINE_YAML.read_text(encoding="utf-8"))
    settings["disclosure"]["threshold"] = threshold
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


def test_params_file_threshold_reaches_the_results_flags(tmp_path):
    write_return(tmp_path / "data")
    default = prepare_force("SYN01", str(tmp_path / "data"), str(tmp_path / "a"), "", str(tmp_path / "ra"))
    low = prepare_force("SYN01", str(tmp_path / "data"), str(tmp_path / "b"), str(_settings(tmp_path / "p.yaml", 2)),
                        str(tmp_path / "rb"))
    assert (default.disclosure["threshold"], low.disclosure["threshold"]) == (10, 2)
    # The hand-made return has counts of 1 to 8: with threshold 2 only counts of 1 (and cells protecting them)
    # are withheld; with 10 every non-zero count is.
    counted = low.results["numerator"].between(2, 9).fillna(False) & low.results["denominator"].isna()
    assert default.results.loc[counted, "suppressed"].all()
    assert not low.results.loc[counted, "suppressed"].all()
    assert not (tmp_path / "b" / "results.parquet").exists()  # unsuppressed results never beside the page
    written = results.read(tmp_path / "rb" / "results.parquet")
    assert written["suppressed"].tolist() == low.results["suppressed"].tolist()


def test_tables_shown_follow_the_context_settings():
    table = results.make_rows([
        {"force_code": "SYN01", "indicator_id": "NS01", "domain": "nature and scale", "breakdown": "total",
         "category": c, "numerator": n, "denominator": None, "value": n, "lower": n - 1, "upper": n + 1,
         "method": "exact", "basis": "offences"} for c, n in (("a", 15.0), ("b", 40.0), ("all", 55.0))])
    shown = {}
    for threshold in (10, 20):
        ctx = ForceContext("SYN01", "Synthetic Force 01", "north_west", True, None, table, None,
                           {"threshold": threshold, "round_counts": False, "rounding_base": 5, "min_model_df": 10})
        shown[threshold] = ctx.published("NS01")["numerator"].isna().tolist()
    assert shown == {10: [False, False, False], 20: [True, True, False]}


def test_a_missing_params_file_is_named(tmp_path):
    write_return(tmp_path / "data")
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ParameterError, match=rf"^params_file {re.escape(str(missing))} does not exist$"):
        prepare_force("SYN01", str(tmp_path / "data"), str(tmp_path / "o"), str(missing))
