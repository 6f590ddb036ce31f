"""Indicator rows say in words when the data cannot support a figure, keep the limits that can be estimated, and
carry the unit comparison columns through the schema and disclosure control (issue 17)."""

import numpy as np
import pandas as pd
import pytest

from analysis import results
from analysis.disclosure import suppress_results
from analysis.indicators import nature_scale, offenders, response, rows, victims
from analysis.indicators.data import ForceData
from analysis.report.display import format_table, interval_text
from fixtures.valid_return import typed, valid_return


def _row(table: pd.DataFrame, breakdown: str, category: str) -> pd.Series:
    hit = table[(table["breakdown"] == breakdown) & (table["category"] == category)]
    assert len(hit) == 1, (breakdown, category, len(hit))
    return hit.iloc[0]


def test_kappa_row_is_a_status_when_the_officer_codes_do_not_vary():
    tables = typed(valid_return())
    tables["suspects"]["ethnicity_ode"] = "IC1"  # every suspect "white" on the officer's record
    table = offenders.ethnicity_agreement(ForceData(tables), "SYN01")
    kappa = _row(table, "agreement", "Cohen's kappa")
    raw = _row(table, "agreement", "same ONS group")
    assert pd.isna(kappa["value"]) and pd.isna(kappa["lower"]) and pd.isna(kappa["upper"])
    assert kappa["note"].startswith("not estimated: one of the two records puts every suspect in the same group, "
                                    "so kappa would be 0 whatever the agreement")
    # raw agreement still reported: suspects recorded white by themselves over those with both records
    s = ForceData(tables).suspects
    both = s[(s["ethnic_group"] != "not recorded") & (s["ethnic_group_ode"] != "not recorded")]
    assert raw["numerator"] == int((both["ethnic_group"] == "white").sum()) and raw["denominator"] == len(both)
    assert "no 'mixed' group, so suspects who self-define as mixed can never agree" in raw["note"]


def test_time_points_without_events_have_no_interval_and_say_so(syn01):
    # SYN01: the one charge is at day 335 and the other outcome at day 198, so nothing by 90 or 180 days
    table = response.time_to_outcome(syn01, "SYN01")
    charge90 = _row(table, "cumulative incidence: charged or summonsed", "90 days")
    assert charge90["value"] == 0 and pd.isna(charge90["lower"]) and pd.isna(charge90["upper"])
    assert charge90["note"] == "no charge by this time: 0% with no interval (no variance can be estimated)"
    other = _row(table, "cumulative incidence: other outcome", "180 days")
    assert other["note"] == "no other outcome by this time: 0% with no interval (no variance can be estimated)"
    charge365 = _row(table, "cumulative incidence: charged or summonsed", "365 days")
    assert charge365["value"] > 0 and charge365["lower"] < charge365["value"] < charge365["upper"]
    # one withdrawal, at day 108: still supporting at 90 days is 100% with no interval
    table = victims.time_to_withdrawal(syn01, "SYN01")
    at90 = _row(table, "still supporting at", "90 days")
    assert at90["value"] == 1 and pd.isna(at90["lower"]) and pd.isna(at90["upper"])
    assert at90["note"] == "no victim withdrew by this time: 100% still supporting, no interval can be estimated"


def test_median_not_reached_keeps_its_lower_limit_and_reads_at_least(syn01):
    # 3 victims, one withdrawal at day 108 (all 3 at risk): S = 2/3 never reaches 0.5. Log-log lower band at 108:
    # sigma^2 = 1/(3 x 2); lower = (2/3)^exp(1.96 sigma / |log(2/3)|) = 0.054 <= 0.5, so the median is at least 108
    sigma = np.sqrt(1 / 6)
    assert (2 / 3) ** np.exp(1.959963984540054 * sigma / abs(np.log(2 / 3))) < 0.5
    table = victims.time_to_withdrawal(syn01, "SYN01")
    median = _row(table, "median days to withdrawal", "median")
    assert pd.isna(median["value"]) and median["lower"] == 108 and pd.isna(median["upper"])
    assert median["note"] == ("not reached: fewer than half of victims withdrew within follow-up; at least 108 days "
                              "(the lower 95% limit was reached, the upper was not)")
    shown = format_table(table[table["breakdown"] == "median days to withdrawal"])
    assert shown["95% confidence interval"].tolist() == ["at least 108 (upper limit not reached)"]


def test_interval_text_never_shows_a_dangling_to():
    assert interval_text("18", "45") == "18 to 45"
    assert interval_text("463", "") == "at least 463 (upper limit not reached)"
    assert interval_text("", "0.90") == "at most 0.90 (lower limit not estimable)"
    assert interval_text("", "") == ""


def test_trend_row_uses_t_on_years_minus_two(syn01):
    years = nature_scale.period_years(syn01)
    y = syn01.offences["financial_year"].value_counts().reindex(years, fill_value=0).to_numpy(float)
    assert len(years) == 3
    # Poisson line by Newton-Raphson (numpy), model-based SE; with 3 years the reference is t on 1 df (12.706)
    x = np.column_stack([np.ones(3), np.arange(3.0)])
    beta = np.array([np.log(y.mean()), 0.0])
    for _ in range(200):
        mu = np.exp(x @ beta)
        beta = beta + np.linalg.solve(x.T @ (mu[:, None] * x), x.T @ (y - mu))
    mu = np.exp(x @ beta)
    se = np.sqrt(np.linalg.inv(x.T @ (mu[:, None] * x))[1, 1]) * np.sqrt(max(1.0, np.sum((y - mu) ** 2 / mu)))
    row = nature_scale.offence_trend(syn01, "SYN01").iloc[0]
    assert row["method"].endswith("t on 1 residual df")
    assert row["lower"] == pytest.approx(np.exp(beta[1] - 12.706204736174698 * se), rel=1e-6)
    assert row["upper"] == pytest.approx(np.exp(beta[1] + 12.706204736174698 * se), rel=1e-6)


def test_comparison_columns_through_schema_and_disclosure():
    entry = nature_scale.offence_trend.indicator
    with pytest.raises(ValueError, match=r"NS03: unknown comparison columns \['phi'\]"):
        rows.estimates(entry, "SYN01", "b", ["c"], 1.0, 0.5, 1.5, "m", comparison={"phi": 1.0}, interval_type="ci95")
    block = rows.estimates(entry, ["SYN01", "SYN02"], "b", ["c", "c"], [0.5, 0.25], [0.4, 0.1], [0.6, 0.5], "m",
                           numerator=[50, 3], denominator=[100, 12], interval_type="ci95",
                           comparison={"overdispersion_phi": 2.5, "overdispersion_tau2": 0.01,
                                       "z_score": [0.123456789012, -2.5], "q_value": [0.9, 0.04],
                                       "control_lower_95": [0.3, 0.2], "control_upper_95": [0.7, 0.8],
                                       "control_lower_998": [0.2, 0.1], "control_upper_998": [0.8, 0.9]})
    table = results.validate(results.coerce(block))
    assert table["z_score"].iloc[0] == 0.123456789012  # full precision, not note text
    published = suppress_results(table, threshold=10, round_counts=False)
    withheld = published[published["force_code"] == "SYN02"].iloc[0]
    assert bool(withheld["suppressed"])  # numerator 3 is below the threshold
    for column in results.PER_UNIT_COLUMNS:  # z with the denominator would give the count away
        assert pd.isna(withheld[column]), column
    assert withheld["overdispersion_phi"] == 2.5  # phi and tau^2 describe all forces: kept
    kept = published[published["force_code"] == "SYN01"].iloc[0]
    assert kept["z_score"] == 0.123456789012 and kept["control_upper_998"] == 0.8
    # a table written before the comparison columns existed reads with them blank
    old = table.drop(columns=list(results.COMPARISON_COLUMNS))
    again = results.coerce(old)
    assert list(again.columns) == list(results.RESULT_COLUMNS)
    assert again[list(results.COMPARISON_COLUMNS)].isna().all().all()
    # negative control: a required column still cannot be missing
    with pytest.raises(results.ResultsSchemaError, match=r"missing columns \['basis'\]"):
        results.coerce(old.drop(columns="basis"))


def test_outside_table_puts_interval_and_control_limits_in_named_columns():
    from analysis.report.national_sections import outside_table

    frame = pd.DataFrame({
        "force_code": ["SYN01", "SYN02"], "suppressed": [False, True], "value": [0.25, np.nan],
        "lower": [0.2, np.nan], "upper": [0.31, np.nan], "control_lower_95": [0.08, np.nan],
        "control_upper_95": [0.16, np.nan], "control_lower_998": [0.05, np.nan],
        "control_upper_998": [0.19, np.nan], "z_score": [3.4567, np.nan], "q_value": [0.000123456, np.nan]})
    table = outside_table(frame, percent=True)
    assert table.to_dict("records") == [
        {"Force": "SYN01", "Value": "25.0%", "95% confidence interval": "20.0% to 31.0%",
         "95% control limits": "8.0% to 16.0%", "99.8% control limits": "5.0% to 19.0%", "z": "3.46",
         "q": "0.000123", "What q means": "q < 0.001: very strong evidence of a real difference: chance alone would "
         "give one this large less than 1 time in 1,000 after allowing for comparing every force at once."},
        {"Force": "SYN02", "Value": "[c]", "95% confidence interval": "[c]", "95% control limits": "[c]",
         "99.8% control limits": "[c]", "z": "[c]", "q": "[c]", "What q means": "[c]"}]
