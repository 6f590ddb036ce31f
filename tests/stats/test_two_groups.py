"""Two-proportion comparisons: z-test reference figure, Newcombe's worked examples, Katz ratio."""

import numpy as np
import pytest

from analysis.stats.two_groups import Significance, proportion_difference_ci, proportion_ratio_ci, two_proportion_ztest


def test_two_proportion_z_test_reference():
    r = two_proportion_ztest(45, 100, 30, 100)
    assert isinstance(r, Significance)
    assert r.statistic == pytest.approx(2.190890, rel=1e-6)
    assert r.p_value == pytest.approx(0.02846, abs=5e-6)


def test_z_test_vectorised_and_degenerate_pooled_proportion_is_missing():
    out = two_proportion_ztest([45, 0], [100, 50], [30, 0], [100, 50])
    assert out["statistic"].iloc[0] == pytest.approx(2.190890, rel=1e-6)
    assert np.isnan(out["statistic"].iloc[1]) and np.isnan(out["p_value"].iloc[1])


# Newcombe (1998b) Table II, hybrid score method 10, to 4 decimals.
NEWCOMBE_DIFF = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "limits"), NEWCOMBE_DIFF)
def test_newcombe_difference_examples(counts, limits):
    e = proportion_difference_ci(*counts)
    assert (round(e.lower, 4), round(e.upper, 4)) == limits
    assert e.method == "Newcombe hybrid score"


def test_katz_ratio_by_hand():
    e = proportion_ratio_ci(20, 100, 10, 100)
    se = np.sqrt(1 / 20 - 1 / 100 + 1 / 10 - 1 / 100)
    assert e.value == pytest.approx(2.0)
    assert e.lower == pytest.approx(2.0 * np.exp(-1.959963984540054 * se), rel=1e-12)
    assert e.upper == pytest.approx(2.0 * np.exp(1.959963984540054 * se), rel=1e-12)


def test_ratio_with_zero_counts_has_no_invented_interval():
    out = proportion_ratio_ci([0, 3], [10, 10], [5, 0], [10, 10])
    assert out["value"].tolist()[0] == 0.0
    assert out[["lower", "upper"]].isna().all().all()
    assert np.isnan(out["value"].iloc[1])
