"""Every planted effect is recovered by the simple estimator named in params/synthetic.yaml, with the
true value inside the 95% interval (on the default dataset, generated once per session).

A 95% interval misses its true value one time in twenty by design; the default seed is fixed, so these
tests are deterministic, and a broken generator (a wrong sign, a lost effect, a confounded estimate) moves
the estimate far outside the interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.synthetic.lexicon import matches_any

from .estimators import charge_rates, charge_withdrawal_mh, spiegelhalter_limits, wilson, withdrawal_model

Z998 = 3.090232306167813


def test_charge_odds_ratio_when_victim_withdrew(national, default_config):
    truth = default_config.planted["charge_withdrawal_odds_ratio"]
    estimate, low, high = charge_withdrawal_mh(national)
    assert low < truth < high, f"MH odds ratio {estimate:.3f} ({low:.3f}-{high:.3f}) misses {truth}"
    assert high < 0.6  # a clear protective association, not a null one


@pytest.fixture(scope="module")
def withdrawal_fit(national, default_config):
    return withdrawal_model(national["victims"], default_config.planted["abe_delay_threshold_days"])


@pytest.mark.parametrize(
    ("term", "parameter"),
    [
        ("support", "withdrawal_specialist_support_odds_ratio"),
        ("delayed", "withdrawal_delayed_abe_odds_ratio"),
        ("no_abe", "withdrawal_no_abe_odds_ratio"),
        ("looked_after", "withdrawal_looked_after_odds_ratio"),
    ],
)
def test_withdrawal_odds_ratios(withdrawal_fit, default_config, term, parameter):
    model = withdrawal_fit
    truth = default_config.planted[parameter]
    estimate = float(np.exp(model.params[term]))
    low, high = np.exp(model.conf_int().loc[term])
    assert low < truth < high, f"{term}: odds ratio {estimate:.3f} ({low:.3f}-{high:.3f}) misses {truth}"



def test_charge_rate_outliers_fall_outside_adjusted_funnel(national, default_config):
    rates = charge_rates(national["offences"])
    low, high = spiegelhalter_limits(rates["x"].to_numpy(), rates["n"].to_numpy(), Z998)
    above = sorted(rates.index[rates["rate"].to_numpy() > high])
    below = sorted(rates.index[rates["rate"].to_numpy() < low])
    outliers = default_config.planted["charge_rate_outliers"]
    assert above == [outliers["high"]["force"]]
    assert below == [outliers["low"]["force"]]
    for side in ("high", "low"):
        code, truth = outliers[side]["force"], outliers[side]["charge_rate"]
        lo, hi = wilson(rates.loc[code, "x"], rates.loc[code, "n"])
        assert lo < truth < hi, f"{code}: charge rate interval {lo:.3f}-{hi:.3f} misses {truth}"


def test_victim_blaming_force_rate_recovered_and_highest(national, default_config):
    notes = national["case_notes"]
    hit = pd.Series(matches_any(notes["text"]), index=notes.index)
    by_force = hit.groupby(notes["force_code"]).agg(x="sum", n="size")
    planted = default_config.planted["victim_blaming"]
    code, truth = planted["force"], planted["note_rate"]
    lo, hi = wilson(by_force.loc[code, "x"], by_force.loc[code, "n"])
    assert lo < truth < hi
    others = by_force.drop(index=code)
    upper_others = max(wilson(x, n)[1] for x, n in zip(others["x"], others["n"], strict=True))
    assert lo > upper_others, "the planted force is not clearly above every other force"
    base_low, base_high = default_config.section("case_notes")["victim_blaming_rate"]
    # Every other force's interval is compatible with the base range of rates.
    for x, n in zip(others["x"], others["n"], strict=True):
        w_lo, w_hi = wilson(x, n)
        assert w_lo < base_high and w_hi > base_low
