"""Response and investigation indicators on the hand-built return (tests/indicators/fixtures.py).

Ten offences O1-O10: outcomes 1, 16, open (blank), open (0), 14, 15, 1, 18, 16, 8. Days from recording to
outcome 335, 198, -, -, 41, 426, 45, 30, 62, 379; open offences are followed to extraction (450 and 167 days).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from analysis import results
from analysis.indicators import response as ri

from .fixtures import charge_offences, empty_return, hand_return
from .helpers import row, wilson

ASSIGNED = ri.ASSIGNED_BASIS
RECORDED = ri.RECORDED_BASIS


def test_outcome_groups_on_both_bases(data):
    table = ri.outcomes_by_group(data, "SYN01")
    results.validate(table)
    expected = {  # group: offences
        "Charged/Summonsed": 2,  # O1, O7
        "Evidential difficulties (victim does not support action)": 3,  # O2 (16), O5 (14), O9 (16)
        "Evidential difficulties (suspect identified; victim supports action)": 1,  # O6 (15)
        "Investigation complete: no suspect identified": 1,  # O8 (18)
        "Out-of-court (informal)": 1,  # O10 (8)
        "Out-of-court (formal)": 0,
    }
    for group, k in expected.items():
        on_all = row(table, "RI01", "outcome_group", group, RECORDED)
        on_assigned = row(table, "RI01", "outcome_group", group, ASSIGNED)
        assert (on_all["numerator"], on_all["denominator"]) == (k, 10)
        assert (on_assigned["numerator"], on_assigned["denominator"], on_assigned["value"]) == (k, 8, k / 8)
    open_ = row(table, "RI01", "outcome_group", "Not yet assigned", RECORDED)
    assert (open_["numerator"], open_["value"]) == (2, 0.2)
    assert not ((table["category"] == "Not yet assigned") & (table["basis"] == ASSIGNED)).any()
    # the retired outcome's group is shown only when an offence carries it
    assert "Retired outcome not in use" not in set(table["category"])
    # shares on each basis add up to one
    assert table.groupby("basis")["value"].sum().to_dict() == pytest.approx({RECORDED: 1.0, ASSIGNED: 1.0})


def test_charge_rate_on_both_bases(data):
    table = ri.charge_rate(data, "SYN01")
    on_all = row(table, "RI02", "total", "charged or summonsed", RECORDED)
    on_assigned = row(table, "RI02", "total", "charged or summonsed", ASSIGNED)
    assert (on_all["numerator"], on_all["denominator"], on_all["value"]) == (2, 10, 0.2)
    assert (on_assigned["numerator"], on_assigned["denominator"], on_assigned["value"]) == (2, 8, 0.25)
    assert (on_assigned["lower"], on_assigned["upper"]) == pytest.approx(wilson(2, 8))


def test_time_to_outcome_competing_risks(data):
    table = ri.time_to_outcome(data, "SYN01")
    results.validate(table)
    # times 30 o, 41 o, 45 c, 62 o, 167 open, 198 o, 335 c, 379 o, 426 o, 450 open (c = charge, o = other).
    # All-cause S before each event: 1, .9, .8, .7, -, .6, .48, .36, .24 with 10, 9, 8, 7, -, 5, 4, 3, 2 at risk:
    # charge CIF = .8/8 = .1 at 45, + .48/4 = .22 at 335; other CIF = .1, .2, .3 (62), .42 (198), .54, .66
    charge = "cumulative incidence: charged or summonsed"
    other = "cumulative incidence: other outcome"
    expected = {(charge, "90 days"): (0.1, 1), (charge, "180 days"): (0.1, 1), (charge, "365 days"): (0.22, 2),
                (other, "90 days"): (0.3, 3), (other, "180 days"): (0.3, 3), (other, "365 days"): (0.42, 4)}
    for (breakdown, at), (value, events) in expected.items():
        r = row(table, "RI03", breakdown, at)
        assert r["value"] == pytest.approx(value)
        assert (r["numerator"], r["denominator"]) == (events, 10)
        assert r["lower"] < r["value"] < r["upper"]
        assert "Aalen-Johansen" in r["method"]
    # follow-up ends at 450 days: 730 days is not extrapolated
    beyond = row(table, "RI03", charge, "730 days")
    assert pd.isna(beyond["value"]) and beyond["note"] == "beyond the longest follow-up: not estimated"


def test_share_still_open_after_a_year(data):
    table = ri.time_to_outcome(data, "SYN01")
    r = row(table, "RI03", "still open", "365 days after recording")
    # recorded 365+ days before 2024-05-15: O1 O2 O3 O5 O6 O7 O10; open at day 365: O3 (open), O6 (426), O10 (379)
    assert (r["numerator"], r["denominator"]) == (3, 7)
    assert (r["lower"], r["upper"]) == pytest.approx(wilson(3, 7))
    assert r["basis"] == "offences recorded at least 365 days before extraction"


def test_charge_model_not_fitted_with_few_charges(data):
    table = ri.charge_model(data, "SYN01")
    results.validate(table)
    status = row(table, "RI04", "model", "offences charged")
    # offences with a suspect: O1 O2 O4 O6 O7 O9 O10 (victims' looked-after status all recorded); charged O1 O7
    assert (status["numerator"], status["denominator"]) == (2, 7)
    assert status["note"].startswith("not fitted: 2 charges among 7 offences")


NOT_WITHDREW = [(False, d, 1) for d in (100, 100, 200, 300, 400, 500, 700)] + \
    [(False, d, 16) for d in (50, 150, 250)] + [(False, 865, 0)] * 6
WITHDREW = [(True, d, 1) for d in (100, 350, 600)] + [(True, d, 16) for d in (100, 120, 200, 220, 300)] + \
    [(True, 865, 0)] * 7


def efron_log_likelihood(beta: float, x: np.ndarray, t: np.ndarray, d: np.ndarray) -> float:
    """Efron (1977) partial log-likelihood of one covariate, written out from its definition."""
    total = 0.0
    for time in np.unique(t[d == 1]):
        at_risk = t >= time
        tied = (t == time) & (d == 1)
        m = tied.sum()
        risk_sum = np.exp(beta * x[at_risk]).sum()
        tied_sum = np.exp(beta * x[tied]).sum()
        total += beta * x[tied].sum() - sum(np.log(risk_sum - l / m * tied_sum) for l in range(m))
    return total


def test_charge_model_hazard_ratio_matches_the_efron_partial_likelihood():
    records = NOT_WITHDREW + WITHDREW
    table = ri.charge_model(hand_return(**charge_offences(records)), "SYN01")
    results.validate(table)
    x = np.array([float(w) for w, _, _ in records])
    t = np.array([float(days) for _, days, _ in records])
    d = np.array([1 if code == 1 else 0 for _, _, code in records])  # other outcomes and open offences censor
    best = optimize.minimize_scalar(lambda b: -efron_log_likelihood(b, x, t, d), bounds=(-5, 5), method="bounded",
                                    options={"xatol": 1e-10})
    hr = row(table, "RI04", "hazard ratio", "victim withdrew support (vs did not)")
    assert hr["value"] == pytest.approx(np.exp(best.x), rel=1e-5)
    assert hr["lower"] < hr["value"] < hr["upper"]
    assert (hr["numerator"], hr["denominator"]) == (15, 31)
    assert "Efron" in hr["method"]
    model = row(table, "RI04", "model", "offences charged")
    assert (model["numerator"], model["denominator"]) == (10, 31)
    # network link and looked-after status do not vary here: reported, not estimated
    assert "not estimable (no variation)" in hr["note"]


def test_charge_model_separation_is_a_status():
    # every charge is for a victim who did not withdraw: the hazard ratio runs off to zero
    charged = [(False, d, 1) for d in (100, 100, 150, 200, 250, 300, 400, 500, 700, 800)] + [(False, 865, 0)] * 6
    records = charged + [(True, d, 16) for d in (100, 120, 200, 220, 300, 350, 600)] + [(True, 865, 0)] * 8
    table = ri.charge_model(hand_return(**charge_offences(records)), "SYN01")
    results.validate(table)
    assert list(table["breakdown"]) == ["model"]
    status = row(table, "RI04", "model", "offences charged")
    assert status["note"].startswith("not estimated: separation")


def test_timeliness_quartiles_and_exclusions(data):
    table = ri.timeliness(data, "SYN01")
    results.validate(table)
    abe = row(table, "RI05", "days", "first report to ABE interview")
    # ABE after 9, 5, 50, 19, 61 days; V3, V5, V8 have none
    assert (abe["value"], abe["lower"], abe["upper"]) == (19, 9, 50)
    assert (abe["numerator"], abe["denominator"]) == (5, 8)
    assert abe["note"] == "excluded: no ABE interview recorded (the denominator less the number of cases)"
    referral = row(table, "RI05", "days", "referral received to action")
    # 1, 0, 4, 10 days (R2 not actioned); numpy's linear quantiles of 0, 1, 4, 10
    assert (referral["value"], referral["lower"], referral["upper"]) == (2.5, 0.75, 5.5)
    assert referral["note"] == "excluded: not yet actioned (the denominator less the number of cases)"
    arrest = row(table, "RI05", "days", "first linked offence recorded to first arrest")
    # S1 123, S3 5, S4 102 days; S2 not arrested; S5 has no linked offence and is not counted
    assert (arrest["value"], arrest["lower"], arrest["upper"]) == (102, 53.5, 112.5)
    assert (arrest["numerator"], arrest["denominator"]) == (3, 4)
    assert arrest["note"] == "excluded: not arrested (the denominator less the number of cases)"


def test_disruption_rates(data):
    table = ri.disruption_rates(data, "SYN01")
    results.validate(table)
    # 5 uses (cawn 2, sro 1, shpo 1, closure order 1); 2 networks; 5 suspects
    everything = row(table, "RI06", "tactic per network", "all")
    assert (everything["numerator"], everything["denominator"], everything["value"]) == (5, 2, 2.5)
    assert everything["lower"] == pytest.approx(stats.chi2.ppf(0.025, 10) / 2 / 2)
    assert row(table, "RI06", "tactic per 100 suspects", "cawn")["value"] == pytest.approx(40)
    assert row(table, "RI06", "tactic per 100 suspects", "stro")["value"] == 0
    # statuses: served 1, applied 1, granted 2, breached 1
    granted = row(table, "RI06", "status per network", "granted")
    assert (granted["numerator"], granted["value"]) == (2, 1.0)
    assert row(table, "RI06", "status per 100 suspects", "refused")["numerator"] == 0


def test_case_review_grades(data):
    table = ri.case_review_grades(data, "SYN01")
    results.validate(table)
    expected = {
        "overall grade": (2, 1, 1),
        "initial_response": (3, 1, 0),
        "victim_care": (2, 1, 1),
        "investigation_plan": (1, 2, 1),
        "supervision": (2, 0, 2),
        "safeguarding": (3, 1, 0),
    }
    for breakdown, counts in expected.items():
        for grade, k in zip(("good", "requires_improvement", "inadequate"), counts, strict=True):
            r = row(table, "RI07", breakdown, grade)
            assert (r["numerator"], r["denominator"], r["value"]) == (k, 4, k / 4)


def test_a_return_without_records_gives_valid_tables_and_statuses():
    data = empty_return()
    for function in (ri.outcomes_by_group, ri.charge_rate, ri.time_to_outcome, ri.charge_model, ri.timeliness,
                     ri.disruption_rates, ri.case_review_grades):
        results.validate(function(data, "SYN01"))
    cif = row(ri.time_to_outcome(data, "SYN01"), "RI03", "cumulative incidence: charged or summonsed", "90 days")
    assert pd.isna(cif["value"]) and cif["note"] == "no offences"
    status = row(ri.charge_model(data, "SYN01"), "RI04", "model", "offences charged")
    assert status["note"].startswith("not fitted: 0 charges among 0 offences")
    abe = row(ri.timeliness(data, "SYN01"), "RI05", "days", "first report to ABE interview")
    assert abe["note"] == "no observations" and abe["numerator"] == 0
