"""analysis.explore against the project's own computations, and its errors (fast, in-process)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import explore, returns_io
from analysis.indicators import compute_force, compute_national
from analysis.indicators.national import KEY_INDICATORS
from analysis.report.parameters import ParameterError
from analysis.results import NATIONAL


@pytest.fixture(scope="module")
def every(explore_data):
    return explore.load(data_dir=explore_data)


def test_load_stacks_forces_with_their_code(every, explore_data):
    for name, frame in every.items():
        assert sorted(frame["force_code"].unique()) == ["SYN01", "SYN02", "SYN03"], name
    one = explore.load("SYN02", data_dir=explore_data)
    expected = returns_io.read_force(explore_data, "SYN02")
    for name, frame in one.items():
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), expected[name].reset_index(drop=True))


def test_indicator_rows_are_the_force_reports_rows(every):
    report = compute_force("SYN03", every)
    mine = explore.indicator("VE02", data=every)
    pd.testing.assert_frame_equal(mine[mine["force_code"] == "SYN03"].reset_index(drop=True),
                                  report[report["indicator_id"] == "VE02"].reset_index(drop=True))


def test_compare_agrees_with_the_national_results(every):
    force_results = pd.concat([compute_force(code, every) for code in ("SYN01", "SYN02", "SYN03")], ignore_index=True)
    national = compute_national(force_results, every)
    comparison = explore.compare("SYN02", data=every).set_index("indicator")
    for key in KEY_INDICATORS:
        rows = national[(national["indicator_id"] == "NA01") & (national["breakdown"] == key.name)]
        target = rows.loc[rows["force_code"] == NATIONAL, "value"].iloc[0]
        force = rows.loc[rows["force_code"] == "SYN02", "value"].iloc[0]
        assert np.isclose(comparison.loc[key.name, "national_value"], target), key.name
        assert np.isclose(comparison.loc[key.name, "value"], force), key.name
        assert comparison.loc[key.name, "limit_lower"] <= comparison.loc[key.name, "national_value"] \
            <= comparison.loc[key.name, "limit_upper"]


def test_sql_agrees_with_the_charge_rate_indicator(every, explore_data):
    share = explore.sql("SELECT force_code, avg(CASE WHEN outcome_code = 1 THEN 1.0 ELSE 0.0 END) AS charged "
                        "FROM offences GROUP BY force_code ORDER BY force_code", data_dir=explore_data)
    rows = explore.indicator("RI02", data=every)
    rows = rows[rows["basis"] == "all recorded offences (incl. not yet assigned)"].sort_values("force_code")
    assert np.allclose(share["charged"].to_numpy(), rows["value"].to_numpy(dtype=float))


def test_show_withholds_small_counts(every):
    rows = explore.indicator("VE01", "SYN02", data=every)
    assert ((rows["numerator"] > 0) & (rows["numerator"] < 10)).any()  # there is something to withhold
    shown = explore.publishable(rows)
    small = (shown["numerator"] > 0) & (shown["numerator"] < 10)
    assert not small.fillna(False).any()
    assert shown.loc[shown["suppressed"], ["numerator", "denominator", "value", "lower", "upper"]].isna().all().all()


@pytest.mark.parametrize(("call", "message"), [
    (lambda d: explore.load("SYN99", data_dir=d), r"unknown force_code 'SYN99': .* has data for 3 forces \(SYN01, SYN02, SYN03\)"),
    (lambda d: explore.load(data_dir=d / "missing"), r"data_dir .*missing does not exist"),
    (lambda d: explore.load(data_dir=2024), r"data_dir must be a folder path \(text\), not the int 2024"),
    (lambda d: explore.indicator("NA01", data_dir=d), r"NA01 is a national indicator"),
    (lambda d: explore.indicator("XX99", data_dir=d), r"unknown indicator 'XX99'"),
    (lambda d: explore.key_indicator("charge"), r"'charge' is not a key indicator; they are charge rate \(RI02\)"),
])
def test_errors_name_the_problem(explore_data, call, message):
    with pytest.raises(ParameterError, match=message):
        call(explore_data)


def test_sql_refuses_frames_that_hide_tables_and_takes_parameters(explore_data):
    with pytest.raises(ValueError, match=r"frames \['offences'\] would hide the contract tables"):
        explore.sql("SELECT 1", data_dir=explore_data, frames={"offences": pd.DataFrame({"a": [1]})})
    n = explore.sql("SELECT count(*) AS n FROM victims WHERE force_code = ?", data_dir=explore_data, params=["SYN02"])
    assert n["n"].iloc[0] == len(returns_io.read_force(explore_data, "SYN02")["victims"])
