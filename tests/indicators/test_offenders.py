"""Offender characteristics on the hand-made SYN01 return, against hand-computed figures.

Suspects: S1 aged 31, male, W1/IC1, GBR; S2 aged 15, male, NS/IC9, NR; S3 age not recorded, sex not
recorded, A2/IC4, PAK. Adult population: asian 30,000, black 9,000, mixed 7,000, white 310,000, other 6,000.
"""

import numpy as np
import pandas as pd
from scipy import stats
import pytest

from analysis.indicators import offenders as oc
from analysis.indicators.rows import ALL_BASIS, RECORDED_BASIS

from .helpers import row

ADULTS = 362_000


def test_age_bands_on_both_bases(syn01):
    table = oc.suspect_age(syn01, "SYN01")
    assert row(table, "OC01", "age_band", "10-17", RECORDED_BASIS)["value"] == 0.5
    assert row(table, "OC01", "age_band", "25-34", RECORDED_BASIS)["value"] == 0.5
    assert row(table, "OC01", "age_band", "10-17", ALL_BASIS)["value"] == pytest.approx(1 / 3)
    nr = row(table, "OC01", "age_band", "not recorded", ALL_BASIS)
    assert (nr["numerator"], nr["denominator"]) == (1, 3)
    assert not ((table["category"] == "not recorded") & (table["basis"] == RECORDED_BASIS)).any()


def test_sex_and_nationality(syn01):
    sex = oc.suspect_sex(syn01, "SYN01")
    assert row(sex, "OC02", "sex", "male", RECORDED_BASIS)["value"] == 1.0
    assert row(sex, "OC02", "sex", "male", ALL_BASIS)["value"] == pytest.approx(2 / 3)
    nat = oc.suspect_nationality(syn01, "SYN01")
    assert row(nat, "OC04", "nationality", "British", RECORDED_BASIS)["value"] == 0.5
    assert row(nat, "OC04", "nationality", "not recorded", ALL_BASIS)["numerator"] == 1


def test_ethnic_group_shares_and_reliability_note(syn01):
    table = oc.suspect_ethnicity(syn01, "SYN01")
    assert row(table, "OC03", "ethnic_group", "asian", RECORDED_BASIS)["value"] == 0.5
    assert row(table, "OC03", "ethnic_group", "white", ALL_BASIS)["value"] == pytest.approx(1 / 3)
    assert row(table, "OC03", "ethnic_group", "asian", RECORDED_BASIS)["note"] == ""  # 2 of 3 recorded
    syn01.tables["suspects"].loc[0, "ethnicity_sde"] = "NS"  # now 1 of 3 recorded
    fresh = oc.ForceData(syn01.tables)
    noted = oc.suspect_ethnicity(fresh, "SYN01")
    assert row(noted, "OC03", "ethnic_group", "asian", RECORDED_BASIS)["note"] == oc.UNRELIABLE_NOTE


def test_ethnicity_agreement(syn01):
    table = oc.ethnicity_agreement(syn01, "SYN01")
    raw = row(table, "OC05", "agreement", "same ONS group")
    assert (raw["numerator"], raw["denominator"]) == (2, 2)
    kappa = row(table, "OC05", "agreement", "Cohen's kappa")
    assert kappa["value"] == pytest.approx(1.0)


def test_ratio_to_population_with_missing_data_bounds(syn01):
    table = oc.ethnicity_vs_population(syn01, "SYN01")
    asian_share = 30_000 / ADULTS
    ratio = row(table, "OC06", "ratio to adult population", "asian")
    assert ratio["value"] == pytest.approx(0.5 / asian_share)
    bounds = row(table, "OC06", "bounds allowed by missing records", "asian")
    assert bounds["lower"] == pytest.approx((1 / 3) / asian_share)
    assert bounds["upper"] == pytest.approx((2 / 3) / asian_share)
    black = row(table, "OC06", "bounds allowed by missing records", "black")
    assert black["lower"] == 0.0 and black["upper"] == pytest.approx((1 / 3) / (9_000 / ADULTS))


def test_disproportionality_by_hand():
    counts = pd.Series({"a": 30, "b": 10})
    population = pd.Series({"a": 500.0, "b": 500.0})
    t = oc.disproportionality(counts, missing=20, population=population).set_index("group")
    assert t.loc["a", "ratio"] == pytest.approx(0.75 / 0.5)
    assert t.loc["a", "bound_low"] == pytest.approx(30 / 60 / 0.5)
    assert t.loc["a", "bound_high"] == pytest.approx(50 / 60 / 0.5)
    # Wilson interval of 30/40 divided by 0.5
    assert t.loc["a", "lower"] == pytest.approx(0.5980 / 0.5, abs=2e-4)


def test_goodness_of_fit_detects_a_skewed_mix():
    population = pd.Series({"a": 800.0, "b": 200.0})
    assert oc.goodness_of_fit(pd.Series({"a": 80, "b": 20}), population) == (pytest.approx(1.0), "")
    p, status = oc.goodness_of_fit(pd.Series({"a": 50, "b": 50}), population)
    assert p < 1e-6 and status == ""


def test_goodness_of_fit_is_a_status_when_expected_counts_are_small():
    """Cochran's rule: with 20 recorded suspects and a group that is 10% of the population, that group
    expects 2 suspects, so no p-value is given; at 50 suspects it expects 5 and the test runs (control)."""
    population = pd.Series({"a": 90, "b": 10})
    p, status = oc.goodness_of_fit(pd.Series({"a": 15, "b": 5}), population)
    assert np.isnan(p) and status == oc.GOF_SMALL_EXPECTED
    p, status = oc.goodness_of_fit(pd.Series({"a": 40, "b": 10}), population)
    assert status == "" and p == pytest.approx(stats.chisquare([40, 10], [45, 5]).pvalue)
    p, status = oc.goodness_of_fit(pd.Series({"a": 0, "b": 0}), population)
    assert np.isnan(p) and status == oc.GOF_NO_RECORDS
