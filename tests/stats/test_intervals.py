"""Proportion, count and rate intervals against the published figures in REFERENCE_VALUES.md."""

import numpy as np
import pandas as pd
import pytest

from analysis.stats.intervals import Estimate, count_ci, proportion_ci, rate_ci

# Newcombe (1998) examples: x, n, Wilson 95%, Clopper-Pearson 95% (published to 4 decimals).
NEWCOMBE = [
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]

# PHEindicatormethods proportion test data: x, n, lower/upper 95%, lower/upper 99.8%.
PHE_PROPORTIONS = [
    (1, 100, 0.001767432064, 0.054486196179, 0.000873065697, 0.104554452837),
    (20, 100, 0.133366933331, 0.288829165593, 0.105191620667, 0.347110941701),
    (65, 100, 0.552544432969, 0.736357517569, 0.495494657407, 0.778354061409),
    (222, 3215, 0.060791690364, 0.078339566814, 0.056471019646, 0.084184141853),
    (9856, 12345, 0.791210175291, 0.805364007361, 0.786992410842, 0.809306141259),
]


@pytest.mark.parametrize(("x", "n", "wilson", "exact"), NEWCOMBE)
def test_newcombe_examples(x, n, wilson, exact):
    w = proportion_ci(x, n)
    cp = proportion_ci(x, n, method="clopper-pearson")
    assert isinstance(w, Estimate) and w.method == "Wilson score" and w.level == 0.95
    assert (round(w.lower, 4), round(w.upper, 4)) == wilson
    assert (round(cp.lower, 4), round(cp.upper, 4)) == exact
    assert cp.method == "Clopper-Pearson exact"
    assert w.value == pytest.approx(x / n)


def test_phe_proportions_vectorised_at_both_levels():
    x = pd.Series([r[0] for r in PHE_PROPORTIONS], index=list("abcde"))
    n = pd.Series([r[1] for r in PHE_PROPORTIONS], index=list("abcde"))
    for level, cols in ((0.95, (2, 3)), (0.998, (4, 5))):
        out = proportion_ci(x, n, level=level)
        assert list(out.columns) == ["value", "lower", "upper", "method", "level"]
        assert list(out.index) == list("abcde")
        np.testing.assert_allclose(out["lower"], [r[cols[0]] for r in PHE_PROPORTIONS], rtol=1e-6)
        np.testing.assert_allclose(out["upper"], [r[cols[1]] for r in PHE_PROPORTIONS], rtol=1e-6)
        assert (out["level"] == level).all()
        assert str(out["method"].dtype) == "str"


# count, method, lower 95, upper 95, lower 99.8, upper 99.8 (None where the reference gives none)
COUNTS = [
    (0, "exact Poisson (chi-square)", 0.0, 3.688879, None, None),
    (1, "exact Poisson (chi-square)", 0.025317807984, 5.571643390939, 0.001000500334, 9.233413476452),
    (5, "exact Poisson (chi-square)", 1.623486390118, 11.668332079323, 0.739371731918, 16.454745203680),
    (9, "exact Poisson (chi-square)", 4.115373, 17.084803, None, None),
    (65, "Byars", 50.163187710459, 82.849138545940, 42.880261471480, 94.000290844318),
    (1045, "Byars", 982.593201807333, 1110.331212985650, 947.940703561037, 1148.806160988033),
]


@pytest.mark.parametrize(("x", "method", "lo95", "hi95", "lo998", "hi998"), COUNTS)
def test_count_intervals_exact_below_ten_byars_from_ten(x, method, lo95, hi95, lo998, hi998):
    e = count_ci(x)
    assert e.method == method
    # the reference rounds the 0 and 9 rows to 6 decimals
    tol = 1e-6 if x in (0, 9) else 1e-9
    assert e.lower == pytest.approx(lo95, rel=tol, abs=1e-6 if x in (0, 9) else 0)
    assert e.upper == pytest.approx(hi95, rel=tol, abs=1e-6 if x in (0, 9) else 0)
    if lo998 is not None:
        e = count_ci(x, level=0.998)
        assert e.lower == pytest.approx(lo998, rel=1e-6)
        assert e.upper == pytest.approx(hi998, rel=1e-6)


def test_count_of_zero_has_lower_limit_zero_not_nan():
    out = count_ci([0, 0], level=0.998)
    assert (out["lower"] == 0).all() and out["upper"].notna().all()


def test_count_method_can_be_forced():
    assert count_ci(5, method="byars").method == "Byars"
    assert count_ci(65, method="exact").method == "exact Poisson (chi-square)"
    # exact and Byars agree closely at 65, which is why the switch at 10 is harmless
    assert count_ci(65, method="exact").lower == pytest.approx(count_ci(65).lower, rel=2e-3)


def test_rates_per_hundred():
    out = rate_ci([20, 222], [100, 3215], per=100)
    np.testing.assert_allclose(out["lower"], [12.211428834876, 6.026574877653], rtol=1e-6)
    np.testing.assert_allclose(out["upper"], [30.889880369197, 7.875729370872], rtol=1e-6)
    np.testing.assert_allclose(out["value"], [20.0, 222 / 3215 * 100], rtol=1e-12)


def test_rate_per_ten_thousand_children_below_ten_is_exact():
    e = rate_ci(3, 25_000, per=10_000)
    ref = count_ci(3)
    assert e.method == "exact Poisson (chi-square)"
    assert e.lower == pytest.approx(ref.lower * 10_000 / 25_000)
    assert e.value == pytest.approx(1.2)


def test_missing_inputs_give_missing_outputs_and_zero_denominator_is_missing():
    out = proportion_ci([5, np.nan, 0], [10, 10, 0])
    assert out["value"].isna().tolist() == [False, True, True]
    assert out["lower"].isna().tolist() == [False, True, True]
    assert rate_ci([4], [0])["value"].isna().all()


@pytest.mark.parametrize(("call", "message"), [
    (lambda: proportion_ci(11, 10), "the count must not exceed its denominator (1 value(s) do not)"),
    (lambda: proportion_ci([-1, 2], [5, 5]), "counts and denominators must be non-negative (1 value(s) do not)"),
    (lambda: count_ci(-3), "counts must be non-negative (1 value(s) do not)"),
    (lambda: proportion_ci(1, 10, level=95), "level must lie strictly between 0 and 1, got 95"),
    (lambda: proportion_ci(1, 10, method="wald"), "method must be one of ['clopper-pearson', 'wilson'], got 'wald'"),
    (lambda: rate_ci(1, 10, per=0), "per must be positive, got 0"),
    (lambda: proportion_ci([1, 2, 3], [4, 5]), "inputs cannot be broadcast together: shapes (3,), (2,)"),
])
def test_invalid_inputs_raise_with_clear_message(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value) == message


def test_wilson_interval_excludes_target_exactly_when_normal_score_test_rejects():
    # The Wilson interval inverts the score test: |x/n - p| > z sqrt(p(1-p)/n) <=> p outside the interval.
    rng = np.random.default_rng(4)
    n = rng.integers(5, 500, 200)
    x = rng.binomial(n, 0.3)
    p0 = 0.3
    out = proportion_ci(x, n)
    outside = (out["lower"] > p0) | (out["upper"] < p0)
    score = np.abs(x / n - p0) / np.sqrt(p0 * (1 - p0) / n) > 1.959963984540054
    assert (outside.to_numpy() == score).all()
