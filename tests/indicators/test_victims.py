"""Victim indicators on the hand-built return (tests/indicators/fixtures.py), against hand-computed figures.

Eight victims V1-V8. Ages 14, 15, 13, 11, 16, not recorded, 17, 12 -> 13-15: V1 V2 V3; 12 and under: V4 V8;
16-17: V5 V7; not recorded: V6. Withdrawals at 20 (V7), 30 (V4), 108 (V2) and 335 (V5) days; the rest are
censored at 166 (V8), 257 (V6), 450 (V3) and 1049 (V1) days.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import results
from analysis.indicators import language
from analysis.indicators import victims as ve
from analysis.indicators.rows import ALL_BASIS, RECORDED_BASIS

from .fixtures import empty_return, hand_raw, hand_return, model_victims
from .helpers import Z, row, wilson


def test_profile_on_both_bases(data):
    table = ve.victim_profile(data, "SYN01")
    results.validate(table)
    young = row(table, "VE01", "age_band", "12 and under", RECORDED_BASIS)
    assert (young["numerator"], young["denominator"], young["value"]) == (2, 7, pytest.approx(2 / 7))
    assert row(table, "VE01", "age_band", "13-15", ALL_BASIS)["value"] == pytest.approx(3 / 8)
    assert row(table, "VE01", "age_band", "not recorded", ALL_BASIS)["numerator"] == 1
    # sex: 5 female, 2 male, 1 not recorded
    assert row(table, "VE01", "sex", "female", RECORDED_BASIS)["value"] == pytest.approx(5 / 7)
    assert row(table, "VE01", "sex", "male", ALL_BASIS)["value"] == pytest.approx(2 / 8)
    # looked after: V1, V4, V8 yes; V2, V5, V6, V7 no; V3 not recorded
    la = row(table, "VE01", "looked_after", "looked after", RECORDED_BASIS)
    assert (la["numerator"], la["denominator"]) == (3, 7)
    assert row(table, "VE01", "looked_after", "not recorded", ALL_BASIS)["value"] == pytest.approx(1 / 8)
    # missing episodes 6, 0, -, 2, 1, -, 4, 0 -> none 2, 1-2 2, 3 or more 2, not recorded 2
    for band in ("none", "1-2", "3 or more"):
        r = row(table, "VE01", "missing_episodes", band, RECORDED_BASIS)
        assert (r["numerator"], r["denominator"]) == (2, 6)
    assert row(table, "VE01", "missing_episodes", "not recorded", ALL_BASIS)["value"] == pytest.approx(2 / 8)
    none = row(table, "VE01", "missing_episodes", "none", RECORDED_BASIS)
    assert (none["lower"], none["upper"]) == pytest.approx(wilson(2, 6))


def test_withdrawal_share(data):
    r = row(ve.withdrawal_share(data, "SYN01"), "VE02", "total", "withdrew support")
    assert (r["numerator"], r["denominator"], r["value"]) == (4, 8, 0.5)
    assert (r["lower"], r["upper"]) == pytest.approx(wilson(4, 8))
    assert r["method"] == "Wilson score 95%"


def test_time_to_withdrawal_kaplan_meier(data):
    table = ve.time_to_withdrawal(data, "SYN01")
    results.validate(table)
    # at risk 8, 7, 6 at the events 20, 30, 108; censored 166 and 257; at risk 3 at the event 335
    s90 = row(table, "VE03", "still supporting at", "90 days")
    assert (s90["numerator"], s90["denominator"], s90["value"]) == (2, 8, pytest.approx(6 / 8))
    assert row(table, "VE03", "still supporting at", "180 days")["value"] == pytest.approx(6 / 8 * 5 / 6)
    s365 = row(table, "VE03", "still supporting at", "365 days")
    assert (s365["numerator"], s365["value"]) == (4, pytest.approx(6 / 8 * 5 / 6 * 2 / 3))
    # log-log interval at 90 days: Greenwood var of log S = 1/(8*7) + 1/(7*6)
    se_theta = np.sqrt(1 / 56 + 1 / 42) / abs(np.log(0.75))
    assert s90["lower"] == pytest.approx(0.75 ** np.exp(Z * se_theta))
    assert s90["upper"] == pytest.approx(0.75 ** np.exp(-Z * se_theta))
    assert "log-log" in s90["method"]
    median = row(table, "VE03", "median days to withdrawal", "median")
    # S falls from 0.625 to 0.417 at 335 days: the median is 335
    assert (median["value"], median["numerator"], median["denominator"]) == (335, 4, 8)
    assert "log-log" in median["method"] and "Brookmeyer-Crowley" in median["method"]


def test_time_to_withdrawal_median_not_reached():
    raw = hand_raw()
    victims = raw["victims"].copy()
    victims.loc[victims["victim_id"].isin(["V2", "V4", "V5"]), "support_withdrawn_date"] = ""
    table = ve.time_to_withdrawal(hand_return(victims=victims), "SYN01")
    median = row(table, "VE03", "median days to withdrawal", "median")
    assert pd.isna(median["value"]) and pd.isna(median["upper"])
    # one withdrawal (day 20) among 8: S = 7/8 never reaches 0.5, but the log-log lower band there,
    # (7/8)^exp(Z sqrt(1/56) / |log(7/8)|) = 0.387, is below 0.5: the median is at least 20 days (limit kept)
    assert 0.875 ** np.exp(Z * np.sqrt(1 / 56) / abs(np.log(0.875))) < 0.5
    assert median["lower"] == 20
    assert median["note"] == ("not reached: fewer than half of victims withdrew within follow-up; at least 20 days "
                              "(the lower 95% limit was reached, the upper was not)")
    assert median["numerator"] == 1
    assert row(table, "VE03", "still supporting at", "365 days")["value"] == pytest.approx(7 / 8)


def test_withdrawal_design_matches_the_generator_definition(data):
    design, withdrew, _ = ve.withdrawal_design(data.victims)
    # V3 (looked-after not recorded) and V6 (age not recorded) are left out
    assert list(data.victims.loc[design.index, "victim_id"]) == ["V1", "V2", "V4", "V5", "V7", "V8"]
    # ABE after 9, 5, 50, none, 61, none days
    assert design["abe_delayed"].tolist() == [0, 0, 1, 0, 1, 0]
    assert design["abe_none"].tolist() == [0, 0, 0, 1, 0, 1]
    assert design["looked_after"].tolist() == [1, 0, 1, 0, 0, 1]
    assert design["specialist_support"].tolist() == [1, 0, 0, 0, 0, 1]
    assert design["age_12_under"].tolist() == [0, 0, 1, 0, 0, 1]
    assert design["age_16_17"].tolist() == [0, 0, 0, 1, 1, 0]
    assert withdrew.tolist() == [0, 1, 1, 1, 1, 0]


def test_withdrawal_model_not_fitted_with_too_few_events(data):
    table = ve.withdrawal_factors(data, "SYN01")
    results.validate(table)
    assert len(table) == 1
    status = row(table, "VE04", "model", "victims who withdrew")
    assert (status["numerator"], status["denominator"]) == (4, 6)
    assert pd.isna(status["lower"])
    assert status["note"].startswith("not fitted: fewer than 10 victims who withdrew or who did not (4 of 6 withdrew)")
    assert "victims with looked-after status or age not recorded left out" in status["note"]
    assert "left out" in status["note"] and "2 victims" not in status["note"]  # no count of them in words


SUPPORT = "referred to specialist support (vs not referred)"


def test_withdrawal_model_odds_ratio_from_a_two_by_two_table():
    # only specialist support varies: referred 6 withdrew / 24 did not, not referred 15 / 15
    table = ve.withdrawal_factors(hand_return(victims=model_victims({True: (6, 24), False: (15, 15)})), "SYN01")
    results.validate(table)
    r = row(table, "VE04", "odds ratio", SUPPORT)
    assert r["value"] == pytest.approx(6 * 15 / (24 * 15))
    assert (r["numerator"], r["denominator"]) == (30, 60)
    assert "HC1" in r["method"]
    assert "not estimable (no variation)" in r["note"]
    model = row(table, "VE04", "model", "victims who withdrew")
    assert (model["numerator"], model["denominator"]) == (21, 60)
    # every other term is constant, so it is not in the table
    assert set(table["category"]) == {SUPPORT, "victims who withdrew"}


def test_withdrawal_model_interval_is_hc1():
    table = ve.withdrawal_factors(hand_return(victims=model_victims({True: (6, 24), False: (15, 15)})), "SYN01")
    r = row(table, "VE04", "odds ratio", SUPPORT)
    # saturated model: the sandwich equals the model-based variance 1/a + 1/b + 1/c + 1/d; HC1 scales by n/(n-k)
    se = np.sqrt((1 / 6 + 1 / 24 + 1 / 15 + 1 / 15) * 60 / 58)
    assert r["lower"] == pytest.approx(0.25 * np.exp(-Z * se))
    assert r["upper"] == pytest.approx(0.25 * np.exp(Z * se))


def test_withdrawal_model_separation_is_a_status_not_an_estimate():
    # no referred victim withdrew: the odds ratio runs off to zero
    table = ve.withdrawal_factors(hand_return(victims=model_victims({True: (0, 24), False: (15, 15)})), "SYN01")
    results.validate(table)
    assert list(table["breakdown"]) == ["model"]
    status = row(table, "VE04", "model", "victims who withdrew")
    assert status["note"].startswith("not estimated: separation")
    assert pd.isna(status["lower"]) and pd.isna(status["upper"])
    assert (status["numerator"], status["denominator"]) == (15, 54)


def test_outcomes_where_victim_does_not_support_action(data):
    table = ve.victim_not_supporting(data, "SYN01")
    # assigned outcomes: 1, 16, 14, 15, 1, 18, 16, 8 (O3 blank and O4 0 are open)
    both = row(table, "VE05", "outcome", "outcome 14 or 16")
    assert (both["numerator"], both["denominator"], both["value"]) == (3, 8, 0.375)
    assert row(table, "VE05", "outcome", "outcome 14")["numerator"] == 1
    assert row(table, "VE05", "outcome", "outcome 16")["numerator"] == 2
    assert both["basis"] == "assigned outcomes"


def test_victims_treated_as_suspects(data):
    r = row(ve.treated_as_suspect(data, "SYN01"), "VE06", "total", "treated as a suspect")
    assert (r["numerator"], r["denominator"], r["value"]) == (2, 8, 0.25)
    assert (r["lower"], r["upper"]) == pytest.approx(wilson(2, 8))


def test_victim_blaming_language_counts_only(data):
    table = ve.victim_blaming_language(data, "SYN01")
    results.validate(table)
    # CN2: "putting herself at risk" + "streetwise"; CN3: "her older boyfriend" + "her boyfriend";
    # CN5: "PUTTING HERSELF AT RISK"; CN4's "putting anyone at risk" and "non-consensual" are near misses
    any_ = row(table, "VE07", "notes with a match", "any category")
    assert (any_["numerator"], any_["denominator"], any_["value"]) == (3, 6, 0.5)
    assert (any_["lower"], any_["upper"]) == pytest.approx(wilson(3, 6))
    per = row(table, "VE07", "matches per 100 notes", "all categories")
    assert (per["numerator"], per["denominator"], per["value"]) == (5, 6, pytest.approx(500 / 6))
    assert per["lower"] == pytest.approx(stats.chi2.ppf(0.025, 10) / 2 / 6 * 100)
    responsibility = row(table, "VE07", "matches per 100 notes", "responsibility_placed_on_child")
    assert responsibility["numerator"] == 2
    relationship = row(table, "VE07", "notes with a match", "relationship_framing")
    assert relationship["numerator"] == 1
    assert row(table, "VE07", "matches per 100 notes", "relationship_framing")["numerator"] == 2
    assert row(table, "VE07", "notes with a match", "adultifying_language")["numerator"] == 1
    assert row(table, "VE07", "notes with a match", "implied_choice_or_consent")["numerator"] == 0
    text = " ".join(table.astype("str").fillna("").to_numpy().ravel())
    assert "herself" not in text.lower() and "boyfriend" not in text.lower()


def test_screened_matching_equals_matching_every_note(data):
    texts = pd.concat([data.case_notes["text"], pd.Series(["non-consensual", "NOT ENGAGING", "", None, "engaging"])],
                      ignore_index=True)
    screened = language.match_counts(texts)
    exact = language.exact_match_counts(texts)
    pd.testing.assert_frame_equal(screened, exact)
    assert screened["any_match"].tolist() == [False, True, True, False, True, False, False, True, False, False, False]


def test_a_return_without_records_gives_valid_tables_and_statuses():
    data = empty_return()
    for function in (ve.victim_profile, ve.withdrawal_share, ve.time_to_withdrawal, ve.withdrawal_factors,
                     ve.victim_not_supporting, ve.treated_as_suspect, ve.victim_blaming_language):
        results.validate(function(data, "SYN01"))
    median = row(ve.time_to_withdrawal(data, "SYN01"), "VE03", "median days to withdrawal", "median")
    assert pd.isna(median["value"]) and median["note"] == "not estimated: insufficient data"
    status = row(ve.withdrawal_factors(data, "SYN01"), "VE04", "model", "victims who withdrew")
    assert status["note"].startswith("not fitted") and status["denominator"] == 0
    share = row(ve.withdrawal_share(data, "SYN01"), "VE02", "total", "withdrew support")
    assert (share["numerator"], share["denominator"]) == (0, 0) and pd.isna(share["value"])
