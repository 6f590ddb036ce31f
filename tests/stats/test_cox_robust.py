"""Cox score residuals and the Lin-Wei cluster-robust variance, against the hand formulas of Therneau and
Grambsch (2000, appendix E; the survival package's tests/book1.R and book2.R), against statsmodels where
statsmodels is right (no early-censored rows, no tie-method mismatch), and with rows censored before the first
event (statsmodels gives NaN there)."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.hazard_regression import PHReg

import analysis.stats.cox as cox_module
from analysis.stats.cox import cox_regression, cox_robust_covariance, cox_score_residuals

# Therneau and Grambsch's test data 1 (the row with a missing status left out), sorted by time
T1 = np.array([1.0, 1, 6, 6, 8, 9])
D1 = np.array([1, 0, 1, 1, 0, 1])
X1 = np.array([1.0, 1, 1, 0, 0, 0])
SHUFFLE = np.array([3, 0, 5, 2, 4, 1])  # the functions must not rely on sorted input
BRESLOW_BETA = float(np.log((3 + np.sqrt(33)) / 2))  # root of the Breslow score (6 + 3r - r^2) / ((r+1)(r+3))
EFRON_BETA = float(np.log(np.cos(np.arccos((45 / 23) * np.sqrt(3 / 23)) / 3) * 2 * np.sqrt(23 / 3)))


def breslow_by_hand(beta):
    """Score residuals and information of test data 1, Breslow ties (book1.R, byhand1)."""
    r = np.exp(beta)
    a, b = 3 * (r + 1) ** 2, (r + 3) ** 2
    score = np.array([(2 * r + 3) / a, -r / a, -r / a + 3 * (3 - r) / b, r / a - r * (r + 1) / b,
                      r / a + 2 * r / b, r / a + 2 * r / b])
    return score, r / (r + 1) ** 2 + 6 * r / (r + 3) ** 2


def efron_by_hand(beta):
    """Score residuals and information of test data 1, Efron ties (book2.R, byhand)."""
    r = np.exp(beta)
    a, b, c = r + 1, r + 3, r + 5
    tail = 2 * r * (177 + r * (282 + r * (182 + r * (50 + 5 * r)))) / (3 * (a * b * c) ** 2)
    score = np.array([(2 * r + 3) / (3 * a**2), -r / (3 * a**2),
                      (675 + r * (1305 + r * (756 + r * (-4 + r * (-79 - 13 * r))))) / (3 * (a * b * c) ** 2),
                      r * (1 / (3 * a**2) - a / (2 * b**2) - b / (2 * c**2)), tail, tail])

    def tfun(p):
        return p - p**2

    return score, tfun(r / (r + 1)) + tfun(r / (r + 5)) + tfun(r / (r + 3))


HAND = {"breslow": breslow_by_hand, "efron": efron_by_hand}


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("beta", [0.0, -0.7, BRESLOW_BETA, EFRON_BETA])
def test_score_residuals_match_the_hand_formulas(ties, beta):
    got = cox_score_residuals(T1[SHUFFLE], D1[SHUFFLE], X1[SHUFFLE, None], [beta], ties)
    assert got.shape == (6, 1)
    np.testing.assert_allclose(got[:, 0], HAND[ties](beta)[0][SHUFFLE], rtol=0, atol=1e-14)


def test_hand_betas_are_the_fitted_ones():
    for ties, beta in [("breslow", BRESLOW_BETA), ("efron", EFRON_BETA)]:
        fit = cox_regression(T1, D1, pd.DataFrame({"x": X1}), ties=ties)
        assert fit.table["coef"].iloc[0] == pytest.approx(beta, abs=1e-7)
        assert fit.table["se"].iloc[0] == pytest.approx(HAND[ties](beta)[1] ** -0.5, rel=1e-6)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_robust_se_by_hand(ties):
    # coxph(Surv(time, status) ~ x, test1, cluster = id): V = I^-1 (sum_g U_g^2) I^-1, no small-sample factor
    cluster = np.array(["a", "a", "b", "c", "c", "b"])
    beta = {"breslow": BRESLOW_BETA, "efron": EFRON_BETA}[ties]
    score, info = HAND[ties](beta)
    by_group = pd.Series(score).groupby(cluster).sum().to_numpy()
    expected = np.sqrt((by_group**2).sum()) / info
    # R's arithmetic on 3 clusters: the project's minimum of 10 clusters is lowered for this reference check only
    fit = cox_regression(T1[SHUFFLE], D1[SHUFFLE], pd.DataFrame({"x": X1[SHUFFLE]}), ties=ties,
                         cluster=cluster[SHUFFLE], min_clusters=2)
    assert fit.status == "ok" and fit.n_clusters == 3 and "Lin-Wei" in fit.method
    row = fit.table.iloc[0]
    assert row["se"] == pytest.approx(expected, rel=1e-6)  # the fitted beta is within 1e-8 of the exact root
    assert row["upper"] == pytest.approx(np.exp(row["coef"] + 1.959963984540054 * row["se"]))
    assert fit.fit.bse[0] == pytest.approx(row["se"], rel=1e-12)  # the statsmodels object carries it too


def simulated(n, seed, ties_in_time=True, early_censored=0):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.random(n) < 0.4, rng.normal(size=n)]).astype(float)
    t = rng.exponential(30 * np.exp(-x @ [0.5, 0.3]))
    c = rng.uniform(1, 60, n)
    t = np.ceil(t) if ties_in_time else t
    c = np.ceil(c) if ties_in_time else c
    d = (t <= c).astype(int)
    t = np.minimum(t, c)
    t = t + 1.0  # every time >= 1: time 0.5 is free for the rows censored before the first event
    if early_censored:
        t[:early_censored], d[:early_censored] = 0.5, 0
    return t, d, x, rng.integers(0, 25, n), rng.integers(0, 3, n)


@pytest.mark.parametrize(("ties", "ties_in_time"), [("breslow", True), ("efron", False)])
def test_robust_se_agrees_with_statsmodels_where_statsmodels_is_right(ties, ties_in_time):
    # statsmodels' residuals are Breslow-type with no early-censored rows handled: right for Breslow ties, and for
    # Efron when no event times are tied (Efron = Breslow then)
    t, d, x, g, s = simulated(300, 3, ties_in_time)
    ref = PHReg(t, x, status=d, ties=ties).fit(groups=g)
    fit = cox_regression(t, d, pd.DataFrame(x, columns=["a", "b"]), ties=ties, cluster=g)
    np.testing.assert_allclose(fit.table["coef"], ref.params, rtol=1e-8)
    np.testing.assert_allclose(fit.table["se"], ref.bse, rtol=1e-8)
    assert not np.allclose(ref.bse, np.sqrt(np.diag(PHReg(t, x, status=d, ties=ties).fit().cov_params())))


def test_stratified_robust_se_agrees_with_statsmodels():
    t, d, x, g, s = simulated(300, 4, ties_in_time=False)
    first_event = {k: t[(s == k) & (d == 1)].min() for k in range(3)}
    keep = t >= np.array([first_event[k] for k in s])  # statsmodels is NaN for early censoring within a stratum
    t, d, x, g, s = t[keep], d[keep], x[keep], g[keep], s[keep]
    ref = PHReg(t, x, status=d, ties="efron", strata=s).fit(groups=g)
    fit = cox_regression(t, d, pd.DataFrame(x, columns=["a", "b"]), strata=s, cluster=g)
    assert np.isfinite(ref.bse).all()
    np.testing.assert_allclose(fit.table["se"], ref.bse, rtol=1e-8)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_residuals_add_up_to_the_score_with_ties_and_strata(ties):
    t, d, x, g, s = simulated(400, 5, early_censored=7)
    model = PHReg(t, x, status=d, ties=ties, strata=s)
    for beta in ([0.0, 0.0], [0.4, -0.2], [1.5, 0.8]):
        resid = cox_score_residuals(t, d, x, beta, ties, strata=s)
        np.testing.assert_allclose(resid.sum(axis=0), model.score(np.array(beta)), rtol=1e-9, atol=1e-9)
        assert (resid[:7] == 0).all()


def test_rows_censored_before_the_first_event_contribute_nothing():
    t, d, x, g, s = simulated(300, 6, early_censored=12)
    covs = pd.DataFrame(x, columns=["a", "b"])
    # the pitfall: statsmodels' score residuals are NaN for those rows, so its clustered errors are NaN
    assert np.isnan(PHReg(t, x, status=d, ties="efron").fit(groups=g).bse).all()
    fit = cox_regression(t, d, covs, cluster=g)
    assert fit.status == "ok" and np.isfinite(fit.table["se"]).all() and fit.n_obs == 300
    # those rows are in no risk set: the fit without them is the same, errors included
    without = cox_regression(t[12:], d[12:], covs.iloc[12:], cluster=g[12:])
    np.testing.assert_allclose(fit.table["se"], without.table["se"], rtol=1e-9)
    np.testing.assert_allclose(fit.table["coef"], without.table["coef"], rtol=1e-9)


def test_cluster_robust_se_reflects_clustering():
    # offences against the same victim share a frailty: robust errors exceed the model-based ones
    rng = np.random.default_rng(11)
    victims = np.repeat(np.arange(150), 4)
    frailty = rng.gamma(0.5, 2.0, 150)[victims]
    x = (rng.random(150) < 0.5)[victims].astype(float)
    t = rng.exponential(1 / (frailty * np.exp(0.5 * x)))
    d = (t < 2).astype(int)
    t = np.minimum(t, 2)
    covs = pd.DataFrame({"x": x})
    robust = cox_regression(t, d, covs, cluster=victims)
    model = cox_regression(t, d, covs)
    assert robust.table["coef"].iloc[0] == model.table["coef"].iloc[0]
    assert robust.table["se"].iloc[0] > 1.3 * model.table["se"].iloc[0]


def test_robust_covariance_sums_within_clusters():
    resid = np.array([[1.0, 0.0], [2.0, 1.0], [-3.0, 1.0]])
    naive = np.array([[2.0, 0.5], [0.5, 1.0]])
    summed = np.array([[3.0, 1.0], [-3.0, 1.0]])  # clusters "p" (rows 0, 1) and "q" (row 2)
    np.testing.assert_allclose(cox_robust_covariance(resid, naive, ["p", "p", "q"]),
                               naive @ summed.T @ summed @ naive, rtol=1e-15)


def test_nan_standard_error_is_its_own_status_not_separation(monkeypatch):
    monkeypatch.setattr(cox_module, "cox_robust_covariance", lambda resid, naive, groups: np.full(naive.shape, np.nan))
    t, d, x, g, s = simulated(200, 7)
    fit = cox_regression(t, d, pd.DataFrame(x, columns=["a", "b"]), cluster=g)
    assert fit.status == "variance_not_estimable" and fit.table["value"].isna().all()
    assert fit.notes == ("standard error not estimable for a, b",)


def test_large_input_is_vectorised():
    # 20,000 rows in 3 strata with many ties: the residuals still add up to the score (timing on 100,000 rows:
    # benchmarks/cox_robust_speed.py)
    t, d, x, g, s = simulated(20_000, 8, early_censored=50)
    model = PHReg(t, x, status=d, ties="efron", strata=s)
    beta = np.array([0.5, 0.3])
    resid = cox_score_residuals(t, d, x, beta, "efron", strata=s)
    assert np.isfinite(resid).all() and (resid[:50] == 0).all()
    np.testing.assert_allclose(resid.sum(axis=0), model.score(beta), rtol=1e-7, atol=1e-6)


def test_bad_ties_raise():
    with pytest.raises(ValueError, match=r"ties must be one of \['efron', 'breslow'\], got 'exact'"):
        cox_score_residuals(T1, D1, X1, [0.0], "exact")
