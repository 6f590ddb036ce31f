"""Funnel limits, Spiegelhalter overdispersion, unit comparison and Benjamini-Hochberg against reference values."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.stats.comparison import compare_units
from analysis.stats.funnel import exact_poisson_count_limits, proportion_funnel_limits, rate_funnel_limits
from analysis.stats.intervals import count_ci, proportion_ci
from analysis.stats.multiple import benjamini_hochberg, bh_reject
from analysis.stats.overdispersion import spiegelhalter_overdispersion


def wide(limits: pd.DataFrame) -> pd.DataFrame:
    return limits.pivot(index="denominator", columns="level", values=["lower", "upper"])


# --- unadjusted proportion funnel (PHE test data; per cent) ------------------------------------------------
PHE_TARGET = 0.8064244785714955
PHE_FUNNEL = {  # N: lower 95, upper 95, lower 99.8, upper 99.8
    30: (66.504234, 94.780661, 58.351036, 100),
    83: (72.142503, 89.142393, 67.240771, 94.044125),
    664: (77.637263, 83.647632, 75.904239, 85.380656),
    5348: (79.583537, 81.701359, 78.972886, 82.312010),
}


def test_phe_proportion_funnel_limits():
    w = wide(proportion_funnel_limits(PHE_TARGET, list(PHE_FUNNEL)))
    for n, (lo95, hi95, lo998, hi998) in PHE_FUNNEL.items():
        got = [w.loc[n, ("lower", 0.95)], w.loc[n, ("upper", 0.95)], w.loc[n, ("lower", 0.998)],
               w.loc[n, ("upper", 0.998)]]
        np.testing.assert_allclose(np.array(got) * 100, [lo95, hi95, lo998, hi998], rtol=1e-6)


def test_unit_outside_unadjusted_limits_exactly_when_wilson_interval_excludes_target():
    limits = wide(proportion_funnel_limits(PHE_TARGET, [83]))
    lo, hi = limits.loc[83, ("lower", 0.95)], limits.loc[83, ("upper", 0.95)]
    x = np.arange(0, 84)
    ci = proportion_ci(x, np.full(84, 83))
    excludes = (ci["lower"] > PHE_TARGET) | (ci["upper"] < PHE_TARGET)
    outside = (x / 83 < lo) | (x / 83 > hi)
    assert (excludes.to_numpy() == outside).all()
    assert outside.sum() > 0 and (~outside).sum() > 0


# --- overdispersion on the 43-unit test set -------------------------------------------------------------------
I = np.arange(43)
N43 = 50 + 37 * I
X43 = np.round(N43 * (0.3 + 0.15 * np.sin(I)))  # numpy rounds half to even, as the reference says
ADJUSTED = {  # N: lower 95, upper 95, lower 99.8, upper 99.8
    50: (0.1059541986, 0.5411645365, 0.0352243188, 0.6798348865),
    200: (0.1258113071, 0.5101653681, 0.0554676811, 0.6333742326),
    1000: (0.1318829890, 0.5011041053, 0.0621889647, 0.6195515611),
    1604: (0.1324747151, 0.5002305417, 0.0628558709, 0.6182137300),
}


def test_test_set_totals():
    assert X43.sum() == 10650 and N43.sum() == 35561


def test_spiegelhalter_phi_and_tau2():
    od = spiegelhalter_overdispersion(X43, N43)
    assert od.status == "ok" and od.n_units == 43 and od.df == 42
    assert od.target == pytest.approx(0.2994854, abs=5e-8)
    assert od.phi == pytest.approx(36.0976531455, rel=1e-9)
    assert od.tau2 == pytest.approx(1.0950114276e-02, rel=1e-9)
    assert od.chi2 == pytest.approx(43 * od.phi)
    assert od.p_value == pytest.approx(stats.chi2.sf(43 * od.phi, 42))
    assert od.transform == "arcsine square root"


def test_adjusted_proportion_funnel_limits():
    od = spiegelhalter_overdispersion(X43, N43)
    w = wide(proportion_funnel_limits(od.target, list(ADJUSTED), tau2=od.tau2))
    for n, ref in ADJUSTED.items():
        got = [w.loc[n, ("lower", 0.95)], w.loc[n, ("upper", 0.95)], w.loc[n, ("lower", 0.998)],
               w.loc[n, ("upper", 0.998)]]
        np.testing.assert_allclose(got, ref, atol=1e-7, rtol=0)


def test_no_overdispersion_in_binomial_data_gives_tau2_zero():
    rng = np.random.default_rng(11)
    n = rng.integers(200, 2000, 43)
    x = rng.binomial(n, 0.2)
    od = spiegelhalter_overdispersion(x, n)
    assert od.tau2 == 0.0
    assert od.phi < 1.5 and od.p_value > 0.05


def test_overdispersion_needs_three_units():
    od = spiegelhalter_overdispersion([1, 2], [10, 10])
    assert od.status == "insufficient_data" and np.isnan(od.phi) and np.isnan(od.tau2)


def test_rate_overdispersion_on_log_scale_by_hand():
    x = np.array([30.0, 12, 55, 80, 9, 41, 0])
    n = np.array([10_000.0, 8_000, 12_000, 15_000, 5_000, 9_000, 4_000])
    od = spiegelhalter_overdispersion(x, n, kind="rate", per=10_000)
    theta = x.sum() / n.sum()
    y = np.log(np.maximum(x, 0.5) / n)
    z = (y - np.log(theta)) * np.sqrt(theta * n)
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, lo, hi) ** 2)
    w = theta * n
    tau2 = max(0.0, (7 * phi - 6) / (w.sum() - (w**2).sum() / w.sum()))
    assert od.transform == "log"
    assert od.target == pytest.approx(theta * 10_000)
    assert od.phi == pytest.approx(phi, rel=1e-12)
    assert od.tau2 == pytest.approx(tau2, rel=1e-12) and od.tau2 > 0


# --- rates funnel --------------------------------------------------------------------------------------------
def test_exact_poisson_rate_funnel_hand_computed():
    # Expected count E = 5 (target 5 per 1 unit at N = 1): Pr[Y >= 10] = 0.0318 > 0.025 > Pr[Y >= 11] = 0.0137,
    # so the upper count limit lies between 10 and 11; Pr[Y <= 0] = 0.0067 < 0.025 < Pr[Y <= 1] = 0.0404, so the
    # lower count limit lies between 0 and 1.
    pmf = [math.exp(-5) * 5**k / math.factorial(k) for k in range(0, 60)]
    assert sum(pmf[10:]) > 0.025 > sum(pmf[11:])
    assert pmf[0] < 0.025 < pmf[0] + pmf[1]
    lo, hi = exact_poisson_count_limits(5.0, 0.95)
    assert 10 < hi < 11 and 0 < lo < 1
    # equivalent statement with the exact count intervals of count_ci
    assert count_ci(10, method="exact").lower < 5 < count_ci(11, method="exact").lower
    assert count_ci(0).upper < 5 < count_ci(1).upper
    # the limit solves the defining equation P(U, E) = a/2 (regularised incomplete gamma)
    assert stats.chi2.cdf(10.0, 2 * hi) == pytest.approx(0.025, abs=1e-10)
    assert stats.chi2.cdf(10.0, 2 * lo + 2) == pytest.approx(0.975, abs=1e-10)


def test_rate_funnel_scales_by_denominator_and_base():
    limits = rate_funnel_limits(50.0, [1_000, 100_000], per=10_000, levels=(0.95,))
    small = limits.iloc[0]
    lo, hi = exact_poisson_count_limits(5.0, 0.95)  # expected count 50/10,000 * 1,000 = 5
    assert small["lower"] == pytest.approx(lo / 1_000 * 10_000)
    assert small["upper"] == pytest.approx(hi / 1_000 * 10_000)
    big = limits.iloc[1]
    assert small["lower"] < big["lower"] < 50 < big["upper"] < small["upper"]


def test_small_expected_count_has_lower_limit_zero():
    lo, _ = exact_poisson_count_limits(3.0, 0.95)  # a count of 0 has exact upper bound 3.69 > 3
    assert lo == 0.0


def test_adjusted_rate_funnel_log_scale_formula():
    limits = rate_funnel_limits(20.0, [2_000], per=1_000, levels=(0.998,), tau2=0.04)
    half = stats.norm.ppf(0.999) * np.sqrt(1 / 40 + 0.04)
    assert limits["lower"].iloc[0] == pytest.approx(20 * np.exp(-half))
    assert limits["upper"].iloc[0] == pytest.approx(20 * np.exp(half))
    assert bool(limits["adjusted"].iloc[0])


# --- comparison of units -------------------------------------------------------------------------------------
def test_compare_units_bands_agree_with_funnel_limits():
    labels = [f"F{i:02d}" for i in I]
    result = compare_units(pd.Series(X43, index=labels), pd.Series(N43, index=labels))
    t = result.table
    assert list(t["unit"][:2]) == ["F00", "F01"]
    assert result.target == pytest.approx(10650 / 35561)
    lim = wide(proportion_funnel_limits(result.target, t["denominator"]))
    lim_od = wide(proportion_funnel_limits(result.target, t["denominator"], tau2=result.overdispersion.tau2))
    for row in t.itertuples():
        for frame, band in ((lim, row.band), (lim_od, row.band_od)):
            lo95, hi95 = frame.loc[row.denominator, ("lower", 0.95)], frame.loc[row.denominator, ("upper", 0.95)]
            lo998, hi998 = frame.loc[row.denominator, ("lower", 0.998)], frame.loc[row.denominator, ("upper", 0.998)]
            v = row.value
            expected = ("above 99.8%" if v > hi998 else "above 95%" if v > hi95 else
                        "below 99.8%" if v < lo998 else "below 95%" if v < lo95 else "within 95%")
            assert band == expected, (row.unit, band, expected)
    # strong overdispersion: many units outside unadjusted limits, far fewer once adjusted
    assert (t["band"] != "within 95%").sum() > 30
    assert (t["band_od"] != "within 95%").sum() < 5


def test_compare_units_rates_exact_test_and_planted_outlier():
    rng = np.random.default_rng(3)
    n = rng.integers(20_000, 200_000, 40).astype(float)
    x = rng.poisson(n * 5e-4).astype(float)
    x[7] = np.round(n[7] * 5e-4 * 2.5)  # planted high outlier
    res = compare_units(x, n, kind="rate", per=10_000)
    t = res.table
    assert t.loc[7, "band"] == "above 99.8%" and t.loc[7, "band_od"] == "above 99.8%"
    assert t.loc[7, "q_value"] < 0.001
    e = res.target / 10_000 * n[0]
    p = min(1, 2 * min(stats.poisson.sf(x[0] - 1, e), stats.poisson.cdf(x[0], e)))
    assert t.loc[0, "p_value"] == pytest.approx(p)


def test_units_with_missing_denominator_are_not_assessed():
    x = [10, 20, np.nan, 0, 30, 5]
    n = [100, 120, 90, 0, 200, 60]
    t = compare_units(x, n, units=list("abcdef")).table
    assert t.set_index("unit").loc[["c", "d"], "band"].tolist() == ["not assessed", "not assessed"]
    assert t["q_value"].isna().tolist() == [False, False, True, True, False, False]


# --- Benjamini-Hochberg -------------------------------------------------------------------------------------
BH_P = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528,
        0.7590, 1.000]
BH_ADJ = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.063857, 0.063857, 0.0645, 0.0765, 0.486, 0.581182,
          0.714875, 0.753231, 0.813214, 1]


def test_bh_reference_example():
    np.testing.assert_allclose(benjamini_hochberg(BH_P), BH_ADJ, rtol=1e-4)
    assert bh_reject(BH_P, 0.05).sum() == 4


def test_bh_keeps_missing_values_missing_and_excludes_them_from_m():
    shuffled = pd.Series(BH_P[::-1] + [np.nan], index=[f"u{i}" for i in range(16)])
    q = benjamini_hochberg(shuffled)
    assert np.isnan(q["u15"])
    np.testing.assert_allclose(q.iloc[:15], BH_ADJ[::-1], rtol=1e-4)
    assert not bh_reject(shuffled)["u15"] and bh_reject(shuffled).sum() == 4


def test_bh_rejects_out_of_range_p():
    with pytest.raises(ValueError, match="p-values must lie between 0 and 1"):
        benjamini_hochberg([0.2, 1.5])
