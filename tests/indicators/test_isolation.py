"""Indicator-level isolation (issue 13): an indicator that raises on the data becomes one status row of the
results table (breakdown "indicator status", category "not computed", the reason in its note, no figures);
every other indicator's rows are exactly what they are without the failure."""

from __future__ import annotations

import pandas as pd

from analysis import results
from analysis.indicators import FUNCTIONS, compute_force


def test_an_indicator_that_raises_becomes_a_status_row_and_the_rest_is_unchanged(syn01, monkeypatch):
    whole = compute_force("SYN01", syn01, threshold=10)

    def cannot(*args, **kwargs):
        raise ValueError("the target proportion must lie strictly between 0 and 1, got 0.0")

    monkeypatch.setitem(FUNCTIONS, "RI02", cannot)
    isolated = compute_force("SYN01", syn01, threshold=10)
    status = isolated[isolated["indicator_id"] == "RI02"]
    assert status[["force_code", "breakdown", "category", "method"]].values.tolist() == [
        ["SYN01", "indicator status", "not computed", "not computed"]]
    assert status["note"].tolist() == ["not computed: the data cannot support this indicator (the target proportion "
                                       "must lie strictly between 0 and 1, got 0.0)"]
    assert status[["numerator", "denominator", "value", "lower", "upper"]].isna().all(axis=None)
    results.validate(isolated)
    others = isolated[isolated["indicator_id"] != "RI02"].reset_index(drop=True)
    expected = whole[whole["indicator_id"] != "RI02"].reset_index(drop=True)
    # RI02 shares linked-basis disclosure with RI01, so compare what does not depend on the other's rows
    keep = ~expected["indicator_id"].isin(["RI01"])
    pd.testing.assert_frame_equal(others[keep.to_numpy()].reset_index(drop=True),
                                  expected[keep].reset_index(drop=True))


def test_without_a_failure_no_status_row_is_added(syn01):
    table = compute_force("SYN01", syn01, threshold=10)
    assert not (table["breakdown"] == "indicator status").any()  # negative control


def test_funnel_limits_for_a_target_of_0_or_1_are_a_status_not_an_error():
    import pytest

    from analysis.stats.funnel import proportion_funnel_limits

    for target in (0.0, 1.0):
        limits = proportion_funnel_limits(target, [10, 200], levels=(0.95, 0.998))
        assert (limits["lower"] == target).all() and (limits["upper"] == target).all()
        assert len(limits) == 4 and limits["method"].str.startswith(
            f"not computed: the target proportion is {target:.0%}, so every unit equals it").all()
    with pytest.raises(ValueError, match=r"^target must lie between 0 and 1, got 1\.2$"):
        proportion_funnel_limits(1.2, [10])
    assert not proportion_funnel_limits(0.3, [10])["method"].str.startswith("not computed").any()
