"""Partnership indicators on the hand-built return (tests/indicators/fixtures.py).

Five referrals: R1 children's social care (actioned after 1 day, strategy meeting, feedback), R2 education (not
actioned), R3 children's social care (4 days, strategy meeting), R4 health (10 days, feedback), R5 children's
social care (0 days).
"""

import pandas as pd
import pytest
from scipy import stats

from analysis import results
from analysis.indicators import partnership as ps

from .fixtures import hand_raw, hand_return
from .helpers import row, wilson



def test_referrals_by_source_agency(data):
    table = ps.referrals_by_agency(data, "SYN01")
    results.validate(table)
    total = row(table, "PS01", "referrals received", "all agencies")
    assert total["value"] == 5
    # exact Poisson interval for 5 (Garwood): chi2(0.025; 10)/2 and chi2(0.975; 12)/2
    assert (total["lower"], total["upper"]) == pytest.approx((stats.chi2.ppf(0.025, 10) / 2,
                                                              stats.chi2.ppf(0.975, 12) / 2))
    assert row(table, "PS01", "referrals received", "childrens_social_care")["value"] == 3
    assert row(table, "PS01", "referrals received", "housing")["value"] == 0
    share = row(table, "PS01", "share of referrals", "childrens_social_care")
    assert (share["numerator"], share["denominator"], share["value"]) == (3, 5, 0.6)
    assert (share["lower"], share["upper"]) == pytest.approx(wilson(3, 5))
    assert row(table, "PS01", "share of referrals", "education")["value"] == 0.2
    assert table.loc[table["breakdown"] == "share of referrals", "value"].sum() == pytest.approx(1.0)


def test_strategy_meetings_and_feedback(data):
    meeting = row(ps.strategy_meetings(data, "SYN01"), "PS02", "total", "strategy meeting held")
    assert (meeting["numerator"], meeting["denominator"], meeting["value"]) == (2, 5, 0.4)
    feedback = row(ps.feedback_to_referrer(data, "SYN01"), "PS03", "total", "feedback given")
    assert (feedback["numerator"], feedback["denominator"], feedback["value"]) == (2, 5, 0.4)
    assert (feedback["lower"], feedback["upper"]) == pytest.approx(wilson(2, 5))


def test_days_to_action(data):
    table = ps.days_to_action(data, "SYN01")
    results.validate(table)
    actioned = row(table, "PS04", "actioned", "actioned by extraction")
    assert (actioned["numerator"], actioned["denominator"], actioned["value"]) == (4, 5, 0.8)
    days = row(table, "PS04", "days to action", "receipt to first action")
    # 0, 1, 4, 10 days: median 2.5, quartiles 0.75 and 5.5 (linear interpolation)
    assert (days["value"], days["lower"], days["upper"], days["numerator"]) == (2.5, 0.75, 5.5, 4)
    assert days["note"] == "excluded: not yet actioned (referrals received less referrals actioned)"
    assert days["basis"] == "referrals actioned"


def test_no_referrals_gives_empty_shares_not_errors():
    raw = hand_raw()
    empty = raw["referrals"].iloc[0:0]
    data = hand_return(referrals=empty)
    table = results.validate(ps.days_to_action(data, "SYN01"))
    days = row(table, "PS04", "days to action", "receipt to first action")
    assert pd.isna(days["value"]) and days["note"] == "no observations"
    assert pd.isna(row(table, "PS04", "actioned", "actioned by extraction")["value"])
    share = row(ps.strategy_meetings(data, "SYN01"), "PS02", "total", "strategy meeting held")
    assert (share["numerator"], share["denominator"]) == (0, 0) and pd.isna(share["value"])
