"""Cells linked across two bases of one breakdown are protected together: the two denominators differ by the
records the narrower basis leaves out, so when that difference is small the narrower basis is withheld."""

from __future__ import annotations

import pandas as pd

from analysis import results
from analysis.indicators import flag_linked
from analysis.indicators.response import ASSIGNED_BASIS, RECORDED_BASIS as ALL_OFFENCES_BASIS
from analysis.indicators.rows import ALL_BASIS, RECORDED_BASIS


def _rows(indicator: str, breakdown: str, basis: str, cells: dict[str, float], denominator: float) -> list[dict]:
    return [{"force_code": "SYN01", "indicator_id": indicator, "domain": "response", "breakdown": breakdown,
             "category": category, "numerator": n, "denominator": denominator, "value": n / denominator,
             "lower": 0.0, "upper": 1.0, "method": "Wilson score 95%", "basis": basis} for category, n in cells.items()]


def _outcomes(not_yet_assigned: float) -> pd.DataFrame:
    """RI01 and RI02 as compute_force builds them: outcome groups of all offences (with 'Not yet assigned')
    and of assigned offences; the charge rate on both bases."""
    assigned = {"Charged/Summonsed": 54.0, "Evidential difficulties": 163.0, "Other": 157.0}
    total = sum(assigned.values()) + not_yet_assigned
    return results.make_rows(
        _rows("RI01", "outcome_group", ALL_OFFENCES_BASIS, {**assigned, "Not yet assigned": not_yet_assigned}, total)
        + _rows("RI01", "outcome_group", ASSIGNED_BASIS, assigned, sum(assigned.values()))
        + _rows("RI02", "total", ALL_OFFENCES_BASIS, {"charged or summonsed": 54.0}, total)
        + _rows("RI02", "total", ASSIGNED_BASIS, {"charged or summonsed": 54.0}, sum(assigned.values())))


def _withheld(table: pd.DataFrame, indicator: str, basis: str) -> list[bool]:
    return table.loc[(table["indicator_id"] == indicator) & (table["basis"] == basis), "suppressed"].tolist()


def test_a_small_not_yet_assigned_count_withholds_the_assigned_basis():
    flagged = flag_linked(_outcomes(not_yet_assigned=5.0), threshold=10)
    # 379 - 374 = 5 would be given away by the two denominators: the assigned basis is withheld.
    assert _withheld(flagged, "RI01", ASSIGNED_BASIS) == [True, True, True]
    assert _withheld(flagged, "RI02", ASSIGNED_BASIS) == [True]
    # On all offences the small cell is withheld with the next smallest (secondary suppression), so it cannot
    # be recovered from the total; the rest stays published, and so does the charge rate of all offences,
    # which gives nothing away.
    all_offences = flagged[(flagged["indicator_id"] == "RI01") & (flagged["basis"] == ALL_OFFENCES_BASIS)]
    assert all_offences.set_index("category")["suppressed"].to_dict() == {
        "Charged/Summonsed": True, "Evidential difficulties": False, "Other": False, "Not yet assigned": True}
    assert _withheld(flagged, "RI02", ALL_OFFENCES_BASIS) == [False]


def test_a_large_not_yet_assigned_count_withholds_nothing():
    flagged = flag_linked(_outcomes(not_yet_assigned=239.0), threshold=10)
    assert not flagged["suppressed"].any()


def test_shares_on_two_bases_follow_the_same_rule():
    table = results.make_rows(
        _rows("OC03", "ethnic group", RECORDED_BASIS, {"Asian": 40.0, "White": 60.0}, 100.0)
        + _rows("OC03", "ethnic group", ALL_BASIS, {"Asian": 40.0, "White": 60.0, "not recorded": 3.0}, 103.0))
    flagged = flag_linked(table, threshold=10)
    assert _withheld(flagged, "OC03", RECORDED_BASIS) == [True, True]
    all_records = flagged[(flagged["indicator_id"] == "OC03") & (flagged["basis"] == ALL_BASIS)]
    assert all_records.set_index("category")["suppressed"].to_dict() == {"Asian": True, "White": False, "not recorded": True}
