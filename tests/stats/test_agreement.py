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
    assert k.status == "insufficient_data" and np.isnan(k.value)
    assert k.note == "every case falls in one category: kappa is undefined"
    assert cohens_kappa([], []).status == "insufficient_data"


def test_unknown_category_rejected():
    with pytest.raises(ValueError, match=r"ratings outside the categories: \['Z'\]"):
        cohens_kappa(["A", "Z"], ["A", "A"], categories=["A", "B"])
