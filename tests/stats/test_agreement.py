"""Cohen's kappa with the Fleiss-Cohen-Everitt standard error."""

import numpy as np
import pytest
from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

from analysis.stats.agreement import cohens_kappa, kappa_from_table


def test_two_by_two_by_hand():
    # p_o = 35/50 = 0.7, p_e = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4
    k = kappa_from_table([[20, 5], [10, 15]])
    assert k.value == pytest.approx(0.4) and k.observed_agreement == pytest.approx(0.7)
    assert k.expected_agreement == pytest.approx(0.5) and k.status == "ok"


@pytest.mark.parametrize("table", [[[20, 5], [10, 15]], [[88, 10, 2], [14, 40, 6], [5, 6, 29]],
                                   [[5, 0, 1, 0], [2, 9, 0, 1], [0, 1, 12, 3], [1, 0, 2, 7]]])
def test_standard_error_matches_statsmodels_asymptotic_se(table):
    ours = kappa_from_table(table)
    ref = sm_kappa(np.asarray(table))
    assert ours.value == pytest.approx(ref.kappa, rel=1e-12)
    assert ours.se == pytest.approx(ref.std_kappa, rel=1e-10)
    assert ours.lower == pytest.approx(max(-1, ref.kappa_low), rel=1e-10)


def test_ratings_with_missing_values_and_declared_categories():
    sde = ["White", "Asian", None, "Black", "White", "Mixed", "White", "Asian"]
    ode = ["White", "Asian", "White", "White", "White", "Other", None, "Asian"]
    cats = ["Asian", "Black", "Mixed", "Other", "White"]
    k = cohens_kappa(sde, ode, categories=cats)
    assert k.n == 6 and k.n_dropped == 2
    table = [[2, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 2]]
    assert k.value == pytest.approx(kappa_from_table(table).value)


def test_undefined_kappa_is_a_status():
    k = cohens_kappa(["White"] * 5, ["White"] * 5)
    assert k.status == "no_variation" and np.isnan(k.value) and np.isnan(k.lower) and np.isnan(k.upper)
    assert k.note.startswith("both ratings put every case in one category")
    assert k.observed_agreement == 1.0
    empty = cohens_kappa([], [])
    assert empty.status == "insufficient_data" and empty.note == "no cases rated by both"


@pytest.mark.parametrize(("agree", "n"), [(16, 20), (19, 20)])
def test_one_rater_without_variation_is_a_status_not_zero(agree, n):
    # The officer puts every suspect in "white"; self-defined: `agree` white, the rest asian. By hand
    # p_o = agree/n and p_e = sum_i p_i. p_.i = (agree/n) * 1 = p_o, so kappa = (p_o - p_e)/(1 - p_e) = 0 and the
    # Fleiss-Cohen-Everitt SE is 0 too: the old output was "0 (0 to 0)" whatever the agreement (80% or 95%).
    first = ["white"] * agree + ["asian"] * (n - agree)
    second = ["white"] * n
    table = [[0, n - agree], [0, agree]]  # rows: first rater (asian, white); columns: second rater
    p = np.asarray(table, float) / n
    assert np.trace(p) - p.sum(axis=1) @ p.sum(axis=0) == pytest.approx(0.0)  # kappa's numerator is 0 by construction
    # Fleiss-Cohen-Everitt variance by hand, q = p_o: diagonal q (1 - (q + 1))^2 = q^3, off-diagonal
    # (1 - q)(0 + q)^2, minus p_e^2 = q^2: q^3 + q^2 - q^3 - q^2 = 0, so the interval would be "0 to 0".
    q = agree / n
    assert q**3 + (1 - q) * q**2 - q**2 == pytest.approx(0.0, abs=1e-15)
    k = cohens_kappa(first, second, categories=["asian", "white"])
    assert k.status == "no_variation"
    assert np.isnan(k.value) and np.isnan(k.se) and np.isnan(k.lower) and np.isnan(k.upper)
    assert k.observed_agreement == pytest.approx(agree / n)
    assert k.note == ("the second rating puts every case in one category, so kappa would be 0 whatever the "
                      "agreement: not estimated (the observed agreement is still reported)")
    assert cohens_kappa(second, first, categories=["asian", "white"]).note.startswith("the first rating puts")


def test_perfect_agreement_has_no_interval():
    # kappa = 1; the large-sample variance is 0 at the boundary: [sum p_ii (1 - 2 p_i (1 - 1))^2 - 1] / ... = 0
    k = kappa_from_table([[7, 0], [0, 13]])
    assert k.value == pytest.approx(1.0) and k.status == "interval_not_estimable"
    assert np.isnan(k.lower) and np.isnan(k.upper)
    # negative control: one disagreement gives an ordinary interval
    assert kappa_from_table([[7, 1], [0, 13]]).status == "ok"


def test_unknown_category_rejected():
    with pytest.raises(ValueError, match=r"ratings outside the categories: \['Z'\]"):
        cohens_kappa(["A", "Z"], ["A", "A"], categories=["A", "B"])
