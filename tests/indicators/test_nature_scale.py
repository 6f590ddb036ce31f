"""Nature and scale indicators on the hand-made SYN01 return, against hand-computed figures.

SYN01 covers 2021/22 to 2023/24. Offences O1 (2021-07-01), O2 (2021-08-15), O3 (2023-02-20), O4 (2023-11-30);
victims first reported 2021-07-01, 2021-08-15, 2023-02-20; suspects S1 and S2 first offend in 2021/22 (O1),
S3 in 2023/24 (O4); networks N1, N2 identified in 2021/22; 95,000 children.
"""

import numpy as np
import pandas as pd
import pytest

from analysis.indicators import nature_scale as ns

from .helpers import row

YEARS = ["2021/22", "2022/23", "2023/24"]


def test_period_years(syn01):
    assert ns.period_years(syn01) == YEARS


@pytest.mark.parametrize(
    "breakdown, expected",
    [("offences", [2, 1, 1]), ("victims", [2, 1, 0]), ("suspects", [2, 0, 1]), ("networks", [2, 0, 0])],
)
def test_counts_per_year(syn01, breakdown, expected):
    table = ns.counts_per_year(syn01, "SYN01")
    got = [row(table, "NS01", breakdown, y)["value"] for y in YEARS]
    assert got == expected
    first = row(table, "NS01", breakdown, "2021/22")
    # exact Poisson 95% interval for a count of 2 (chi-square limits)
    assert first["lower"] == pytest.approx(0.2422093, rel=1e-6)
    assert first["upper"] == pytest.approx(7.2246877, rel=1e-6)
    assert first["method"].startswith("exact Poisson") or "exact" in first["method"].lower()


def test_offence_rate_per_10000_children(syn01):
    table = ns.offence_rate(syn01, "SYN01")
    assert row(table, "NS02", "financial_year", "2021/22")["value"] == pytest.approx(2 / 95_000 * 10_000)
    whole = row(table, "NS02", "total", "all years (annual average)")
    assert whole["numerator"] == 4
    assert whole["denominator"] == 95_000 * 3
    assert whole["value"] == pytest.approx(4 / (95_000 * 3) * 10_000)


def test_trend_is_estimated_with_its_method(syn01):
    table = ns.offence_trend(syn01, "SYN01")
    r = row(table, "NS03", "total", "rate ratio per year")
    # counts 2, 1, 1 at t = 0, 1, 2: the score equations give c(1 + r + r^2) = 4 and c(r + 2r^2) = 3,
    # so 5r^2 + r - 3 = 0 and the rate ratio r = (sqrt(61) - 1) / 10
    assert r["value"] == pytest.approx((61 ** 0.5 - 1) / 10, rel=1e-6)
    assert r["lower"] < r["value"] < r["upper"]
    assert "Poisson GLM" in r["method"]


def test_network_linked_share(syn01):
    r = row(ns.network_linked(syn01, "SYN01"), "NS04", "total", "linked to a network")
    assert (r["numerator"], r["denominator"], r["value"]) == (3, 3, 1.0)


def test_network_sizes(syn01):
    table = ns.network_sizes(syn01, "SYN01")
    assert row(table, "NS05", "size_band", "2 suspects")["numerator"] == 1
    assert row(table, "NS05", "size_band", "1 suspect or none recorded")["numerator"] == 1
    assert row(table, "NS05", "size_band", "10 or more suspects")["numerator"] == 0
    median = row(table, "NS05", "summary", "median suspects per network")
    assert (median["value"], median["lower"], median["upper"]) == (1.0, 0.5, 1.5)


@pytest.mark.parametrize(
    "field, numerator, denominator",
    [
        ("suspect self-defined ethnicity", 2, 3),
        ("suspect officer-defined ethnicity", 2, 3),
        ("suspect nationality", 2, 3),
        ("suspect age", 2, 3),
        ("suspect sex", 2, 3),
        ("victim self-defined ethnicity", 2, 3),
        ("victim age", 3, 3),
        ("offence outcome assigned", 2, 4),
    ],
)
def test_completeness(syn01, field, numerator, denominator):
    r = row(ns.completeness(syn01, "SYN01"), "NS06", "field", field)
    assert (r["numerator"], r["denominator"]) == (numerator, denominator)
    assert r["value"] == pytest.approx(numerator / denominator)


def test_flag_consistency(syn01):
    r = row(ns.flag_consistency(syn01, "SYN01"), "NS07", "total", "group flag carried")
    assert (r["numerator"], r["denominator"]) == (1, 1)


def test_force_capability(syn01):
    table = ns.force_capability(syn01, "SYN01")
    # profile 2023-09-01, extraction 2024-05-15: 257 days
    assert row(table, "NS08", "fact", "months since problem profile")["value"] == pytest.approx(257 / 30.4375)
    assert row(table, "NS08", "fact", "problem profile within 12 months")["value"] == 1.0
    assert row(table, "NS08", "fact", "current profile using partner data")["value"] == 1.0


def test_force_capability_without_profile(syn01):
    syn01.tables["force_profile"].loc[0, "problem_profile_date"] = np.datetime64("NaT")
    table = ns.force_capability(syn01, "SYN01")
    months = row(table, "NS08", "fact", "months since problem profile")
    assert pd.isna(months["value"]) and months["note"] == "no problem profile"
    assert row(table, "NS08", "fact", "problem profile uses partner data")["value"] == 0.0
