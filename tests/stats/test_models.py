"""GLM wrappers: planted effects recovered, cluster alignment after missing rows, explicit failure statuses."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.stats.models import logistic_regression, poisson_dispersion, poisson_regression


@pytest.fixture(scope="module")
def clustered():
    rng = np.random.default_rng(42)
    n, g = 3000, 30
    force = rng.integers(0, g, n)
    frame = pd.DataFrame({
        "force": [f"F{i:02d}" for i in force],
        "looked_after": rng.random(n) < 0.3,
        "age_band": rng.choice(["10-13", "14-15", "16-17"], n),
        "delay": rng.exponential(20, n),
    })
    force_effect = rng.normal(0, 0.3, g)[force]
    logit = -1.0 + np.log(2.0) * frame["looked_after"] + 0.01 * frame["delay"] + force_effect
    frame["withdrew"] = rng.random(n) < 1 / (1 + np.exp(-logit))
    return frame


def test_planted_odds_ratio_recovered_with_cluster_robust_t_on_g_minus_1(clustered):
    fit = logistic_regression(clustered["withdrew"], clustered[["looked_after", "age_band", "delay"]],
                              cluster=clustered["force"])
    assert fit.status == "ok" and fit.converged
    t = fit.table.set_index("term")
    assert list(t.index) == ["looked_after", "age_band[T.14-15]", "age_band[T.16-17]", "delay"]
    assert t.loc["looked_after", "lower"] < 2.0 < t.loc["looked_after", "upper"]
    assert t.loc["looked_after", "value"] == pytest.approx(2.0, rel=0.2)
    assert fit.n_clusters == 30 and fit.df_inference == 29
    assert "t on 29 df" in fit.method and (t["measure"] == "odds ratio").all()
    # intervals use the t quantile on G - 1 df
    from scipy import stats
    crit = stats.t.ppf(0.975, 29)
    row = t.loc["looked_after"]
    assert row["upper"] == pytest.approx(np.exp(row["coef"] + crit * row["se"]))


def test_missing_rows_are_dropped_before_clusters_are_aligned(clustered):
    data = clustered.copy()
    data.loc[[0, 5, 17, 400], "delay"] = np.nan
    data.loc[[9, 31], "force"] = None
    fit = logistic_regression(data["withdrew"], data[["looked_after", "delay"]], cluster=data["force"])
    assert fit.n_dropped == 6 and fit.n_obs == len(data) - 6
    keep = data.dropna(subset=["delay", "force"])
    x = sm.add_constant(keep[["looked_after", "delay"]].astype(float))
    ref = sm.GLM(keep["withdrew"].astype(float), x, family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(keep["force"])[0]}, use_t=True)
    np.testing.assert_allclose(fit.table["se"], ref.bse.iloc[1:], rtol=1e-8)
    # the pitfall this guards against: letting the fit drop rows but passing the full cluster column
    full_x = sm.add_constant(data[["looked_after", "delay"]].astype(float))
    naive = sm.GLM(data["withdrew"].astype(float), full_x, family=sm.families.Binomial(), missing="drop")
    with pytest.raises(ValueError):
        naive.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(data["force"])[0]}, use_t=True)


def test_gee_bias_reduced(clustered):
    fit = logistic_regression(clustered["withdrew"], clustered[["looked_after"]], cluster=clustered["force"],
                              se="gee")
    assert fit.status == "ok" and fit.df_inference == 29
    assert "bias-reduced" in fit.method
    assert fit.table["value"].iloc[0] == pytest.approx(2.0, rel=0.2)
    assert fit.fit.cov_type == "bias_reduced"


def test_robust_and_model_se(clustered):
    cols = ["looked_after", "delay"]
    robust = logistic_regression(clustered["withdrew"], clustered[cols], se="robust")
    model = logistic_regression(clustered["withdrew"], clustered[cols])
    assert model.df_inference is None and "model-based" in model.method and "HC1" in robust.method
    x = sm.add_constant(clustered[cols].astype(float))
    glm = sm.GLM(clustered["withdrew"].astype(float), x, family=sm.families.Binomial())
    np.testing.assert_allclose(model.table["se"], glm.fit().bse.iloc[1:], rtol=1e-8)
    n, k = x.shape
    np.testing.assert_allclose(robust.table["se"], glm.fit(cov_type="HC0").bse.iloc[1:] * np.sqrt(n / (n - k)),
                               rtol=1e-8)


def hc1_by_hand(x, y, mu, weight):
    """HC1 sandwich by numpy: B^-1 (sum s_i s_i') B^-1 n/(n-k), score s_i = (y_i - mu_i) x_i, B = X' diag(w) X
    (canonical links: w = mu(1-mu) for the logit, mu for the log)."""
    n, k = x.shape
    bread = np.linalg.inv(x.T @ (weight[:, None] * x))
    scores = (y - mu)[:, None] * x
    return bread @ scores.T @ scores @ bread * n / (n - k)


def test_robust_logistic_se_is_hc1_by_hand():
    rng = np.random.default_rng(3)
    n = 80
    frame = pd.DataFrame({"looked_after": rng.random(n) < 0.4, "delay": rng.exponential(20, n)})
    eta = -0.5 + 0.8 * frame["looked_after"] + 0.02 * frame["delay"]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta.to_numpy()))).astype(float)
    fit = logistic_regression(y, frame, se="robust", include_intercept=True)
    x = np.column_stack([np.ones(n), frame.to_numpy(float)])
    mu = 1 / (1 + np.exp(-x @ fit.table["coef"].to_numpy()))
    hand = np.sqrt(np.diag(hc1_by_hand(x, y, mu, mu * (1 - mu))))
    np.testing.assert_allclose(fit.table["se"], hand, rtol=1e-8)
    # intervals and p-values use it, on the normal scale
    from scipy import stats
    row = fit.table.iloc[1]
    assert row["lower"] == pytest.approx(np.exp(row["coef"] - stats.norm.ppf(0.975) * hand[1]), rel=1e-10)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(row["coef"]) / hand[1]), rel=1e-10)
    assert fit.df_inference is None and fit.method == "logistic regression (robust (HC1) SE)"


def test_statsmodels_hc1_pitfall_is_still_there():
    # statsmodels 0.15: GLM and discrete Logit accept cov_type="HC1" but return HC0; OLS's HC1 is HC0 * n/(n-k),
    # the definition used here. If statsmodels ever implements HC1 for these, this test says so.
    rng = np.random.default_rng(4)
    x = sm.add_constant(rng.normal(size=(60, 2)))
    y = (rng.random(60) < 1 / (1 + np.exp(-x @ [0.2, 1.0, -0.5]))).astype(float)
    n, k = x.shape
    logit_hc0 = sm.Logit(y, x).fit(disp=0, cov_type="HC0").bse
    np.testing.assert_allclose(sm.Logit(y, x).fit(disp=0, cov_type="HC1").bse, logit_hc0, rtol=1e-12)
    glm = sm.GLM(y, x, family=sm.families.Binomial())
    np.testing.assert_allclose(glm.fit(cov_type="HC1").bse, glm.fit(cov_type="HC0").bse, rtol=1e-12)
    ols = sm.OLS(y, x)
    np.testing.assert_allclose(ols.fit(cov_type="HC1").bse, ols.fit(cov_type="HC0").bse * np.sqrt(n / (n - k)),
                               rtol=1e-12)
    ours = logistic_regression(y, pd.DataFrame(x[:, 1:], columns=["a", "b"]), se="robust", include_intercept=True)
    np.testing.assert_allclose(ours.table["se"], logit_hc0 * np.sqrt(n / (n - k)), rtol=1e-7)


def test_saturated_logistic_robust_se_is_the_cell_formula_times_hc1_factor():
    # one binary factor: the sandwich equals the model-based 1/a + 1/b + 1/c + 1/d, HC1 adds n/(n-k)
    y = np.r_[np.ones(6), np.zeros(24), np.ones(15), np.zeros(15)]
    referred = np.r_[np.ones(30), np.zeros(30)]
    fit = logistic_regression(y, pd.DataFrame({"referred": referred}), se="robust")
    row = fit.table.iloc[0]
    assert row["value"] == pytest.approx(0.25)
    assert row["se"] == pytest.approx(np.sqrt((1 / 6 + 1 / 24 + 1 / 15 + 1 / 15) * 60 / 58), rel=1e-8)


def test_robust_poisson_se_is_hc1_by_hand_with_exposure_and_quasi_scale():
    rng = np.random.default_rng(5)
    n = 50
    years = np.arange(n) % 10
    pop = rng.integers(20_000, 200_000, n).astype(float)
    counts = rng.poisson(pop * 3e-4 * 1.05**years * rng.gamma(2.0, 0.5, n)).astype(float)
    fit = poisson_regression(counts, pd.DataFrame({"year": years}), exposure=pop, se="robust",
                             include_intercept=True)
    x = np.column_stack([np.ones(n), years.astype(float)])
    mu = pop * np.exp(x @ fit.table["coef"].to_numpy())
    np.testing.assert_allclose(fit.table["se"], np.sqrt(np.diag(hc1_by_hand(x, counts, mu, mu))), rtol=1e-8)
    # the sandwich does not depend on the dispersion: quasi-Poisson gives the same robust errors
    quasi = poisson_regression(counts, pd.DataFrame({"year": years}), exposure=pop, se="robust",
                               scale="pearson", include_intercept=True)
    np.testing.assert_allclose(quasi.table["se"], fit.table["se"], rtol=1e-8)


def test_complete_separation_is_a_status_not_an_estimate():
    x = pd.DataFrame({"specialist_support": [0] * 10 + [1] * 10})
    y = [0] * 10 + [1] * 10
    fit = logistic_regression(y, x)
    assert fit.status == "separation" and not fit.converged
    assert fit.table["value"].isna().all() and fit.table["term"].tolist() == ["specialist_support"]
    assert fit.notes == ("maximum likelihood estimate does not exist; terms involved: specialist_support",)


def test_quasi_complete_separation_is_detected():
    # every looked-after victim withdrew; the others are mixed: statsmodels would report a huge finite OR
    rng = np.random.default_rng(1)
    la = np.r_[np.ones(15), np.zeros(85)]
    y = np.r_[np.ones(15), rng.integers(0, 2, 85)]
    fit = logistic_regression(y, pd.DataFrame({"looked_after": la, "noise": rng.normal(size=100)}))
    assert fit.status == "separation"
    assert "looked_after" in fit.notes[0] and "noise" not in fit.notes[0]


def test_non_convergence_is_a_status(clustered):
    fit = logistic_regression(clustered["withdrew"], clustered[["looked_after", "delay"]], maxiter=1)
    assert fit.status == "not_converged" and fit.table["value"].isna().all()
    assert fit.notes == ("the fit did not converge within 1 iterations",)


@pytest.mark.parametrize(("outcome", "covariates", "cluster", "note"), [
    ([1, 0, 1], pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.0, 1.0, 1.0]}), None, "3 complete rows for 3 parameters"),
    ([1] * 6, pd.DataFrame({"a": np.arange(6.0)}), None, "the outcome does not vary"),
    ([0, 1] * 5, pd.DataFrame({"a": np.arange(10.0)}), ["x"] * 10, "fewer than two clusters"),
    ([0, 1, 1, 0, 1, 0], pd.DataFrame({"a": np.arange(6.0), "b": 2 * np.arange(6.0)}), None,
     "the design matrix is rank deficient (collinear or constant terms)"),
])
def test_insufficient_data_statuses(outcome, covariates, cluster, note):
    fit = logistic_regression(outcome, covariates, cluster=cluster)
    assert fit.status == "insufficient_data" and fit.notes == (note,)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="the outcome of a logistic regression must be 0/1 or boolean"):
        logistic_regression([0, 2, 1, 0], pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]}))
    with pytest.raises(ValueError, match="se='gee' needs cluster labels"):
        logistic_regression([0, 1], pd.DataFrame({"a": [1.0, 2.0]}), se="gee")
    with pytest.raises(ValueError, match="outcome has 3 rows but covariates have 2"):
        logistic_regression([0, 1, 1], pd.DataFrame({"a": [1.0, 2.0]}))


def test_poisson_trend_rate_ratio_with_exposure():
    rng = np.random.default_rng(7)
    years = np.repeat(np.arange(6), 43)
    pop = rng.integers(20_000, 300_000, years.size)
    counts = rng.poisson(pop * 4e-4 * 1.15**years)
    fit = poisson_regression(counts, pd.DataFrame({"year": years}), exposure=pop)
    row = fit.table.iloc[0]
    assert fit.status == "ok" and row["measure"] == "rate ratio"
    assert row["lower"] < 1.15 < row["upper"]
    assert fit.dispersion.status == "ok" and not fit.dispersion.overdispersed
    assert fit.notes == ()


def test_poisson_overdispersion_detected_and_quasi_poisson_widens():
    rng = np.random.default_rng(8)
    years = np.repeat(np.arange(8), 20)
    mu = 30 * 1.05**years * rng.gamma(2.0, 0.5, years.size)  # gamma-mixed Poisson: overdispersed
    counts = rng.poisson(mu)
    plain = poisson_regression(counts, pd.DataFrame({"year": years}))
    quasi = poisson_regression(counts, pd.DataFrame({"year": years}), scale="pearson")
    assert plain.dispersion.overdispersed and plain.dispersion.dispersion > 2
    assert plain.notes[0].startswith("Poisson overdispersion")
    ratio = quasi.table["se"].iloc[0] / plain.table["se"].iloc[0]
    assert ratio == pytest.approx(np.sqrt(plain.dispersion.dispersion), rel=1e-6)
    assert "quasi-Poisson" in quasi.method


def test_poisson_dispersion_by_hand():
    y = np.array([2.0, 4, 1, 7, 3, 9])
    x = np.column_stack([np.ones(6), np.arange(6.0)])
    d = poisson_dispersion(y, x)
    fit = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    pearson = float(np.sum((y - fit.mu) ** 2 / fit.mu))
    assert d.pearson_chi2 == pytest.approx(pearson) and d.df_resid == 4
    assert d.dispersion == pytest.approx(pearson / 4)


def test_poisson_zero_category_is_separation():
    counts = [0, 0, 0, 0, 3, 5, 2, 4]
    fit = poisson_regression(counts, pd.DataFrame({"tactic": ["SRO"] * 4 + ["CAWN"] * 4}))
    assert fit.status == "separation" and "tactic[T.SRO]" in fit.notes[0]
