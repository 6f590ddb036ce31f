"""Intervals that keep their promise when data are thin or degenerate (issue 17).

Each case is pinned to figures computed independently here (numpy by hand, or a published table value): the t-based
trend interval, statuses instead of numbers where the data cannot support one (no variation, no events, too few
clusters), limits that are estimable kept, and the n a stratified Cox fit actually used.
"""

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.hazard_regression import PHReg

from analysis.disclosure import gate_model_rows
from analysis.stats.competing import aalen_johansen, cumulative_incidence_at
from analysis.stats.cox import cox_regression
from analysis.stats.models import logistic_regression, poisson_regression
from analysis.stats.survival import kaplan_meier
from analysis.stats.trend import poisson_trend

#: Student t, 4 degrees of freedom, two-sided 95% (textbook tables: 2.776).
T4 = 2.7764451051977987


def _poisson_line_by_hand(y: np.ndarray) -> tuple[float, float, float]:
    """Slope, model-based SE and Pearson dispersion of log E[y] = a + b t by Newton-Raphson (numpy only)."""
    t = np.arange(y.size, dtype=float)
    x = np.column_stack([np.ones_like(t), t])
    beta = np.array([np.log(y.mean()), 0.0])
    for _ in range(100):
        mu = np.exp(x @ beta)
        step = np.linalg.solve(x.T @ (mu[:, None] * x), x.T @ (y - mu))
        beta += step
        if np.abs(step).max() < 1e-13:
            break
    mu = np.exp(x @ beta)
    cov = np.linalg.inv(x.T @ (mu[:, None] * x))
    phi = float(np.sum((y - mu) ** 2 / mu) / (y.size - 2))
    return float(beta[1]), float(np.sqrt(cov[1, 1])), phi


def test_trend_on_six_years_uses_t_on_four_df():
    y = np.array([40.0, 62, 45, 80, 58, 95])  # noisy: phi > 1, so the SE is scaled
    b, se, phi = _poisson_line_by_hand(y)
    assert phi > 2
    scaled = se * np.sqrt(phi)
    fit = poisson_trend(y)
    assert fit["status"] == "ok" and fit["df"] == 4
    assert fit["phi"] == pytest.approx(phi, rel=1e-8)
    assert fit["value"] == pytest.approx(np.exp(b), rel=1e-8)
    assert fit["lower"] == pytest.approx(np.exp(b - T4 * scaled), rel=1e-6)
    assert fit["upper"] == pytest.approx(np.exp(b + T4 * scaled), rel=1e-6)
    assert "t on 4 residual df" in fit["method"]
    # the old normal interval (z = 1.96) is strictly inside: it overstated precision
    assert fit["lower"] < np.exp(b - 1.959963985 * scaled) and fit["upper"] > np.exp(b + 1.959963985 * scaled)


def test_trend_without_overdispersion_keeps_scale_one_but_t_reference():
    y = np.array([50.0, 52, 55, 57, 60, 62])  # smooth: phi < 1 never narrows the interval
    b, se, phi = _poisson_line_by_hand(y)
    assert phi < 1
    fit = poisson_trend(y)
    assert fit["lower"] == pytest.approx(np.exp(b - T4 * se), rel=1e-6)
    assert fit["upper"] == pytest.approx(np.exp(b + T4 * se), rel=1e-6)
    assert "no overdispersion" in fit["method"]


def test_quasi_poisson_model_based_errors_use_t_on_residual_df():
    y = np.array([40.0, 62, 45, 80, 58, 95, 70, 120])
    b, se, phi = _poisson_line_by_hand(y)
    fit = poisson_regression(y, pd.DataFrame({"year": np.arange(8.0)}), scale="pearson")
    row = fit.table.iloc[0]
    assert fit.df_inference == 6 and "t on 6 residual df" in fit.method
    assert row["se"] == pytest.approx(se * np.sqrt(phi), rel=1e-6)
    t6 = 2.4469118511449692  # t, 6 df, two-sided 95% (tables: 2.447)
    assert row["lower"] == pytest.approx(np.exp(b - t6 * se * np.sqrt(phi)), rel=1e-6)
    assert row["upper"] == pytest.approx(np.exp(b + t6 * se * np.sqrt(phi)), rel=1e-6)
    # negative control: a plain Poisson fit (scale fixed at 1) keeps the normal reference
    plain = poisson_regression(y, pd.DataFrame({"year": np.arange(8.0)}))
    assert plain.df_inference is None
    assert plain.table["upper"].iloc[0] == pytest.approx(np.exp(b + 1.959963985 * se), rel=1e-6)


# ------------------------------------------------------------------------------------------ Kaplan-Meier limits
# 20 victims; withdrawals at days 10, 20, ..., 80 (8 events), the other 12 still supporting at 90..200 (censored).
KM_T = np.r_[np.arange(10, 90, 10), np.arange(90, 210, 10)].astype(float)
KM_E = np.r_[np.ones(8), np.zeros(12)]


def _loglog_lower_by_hand(z: float = 1.959963984540054) -> np.ndarray:
    n_at_risk = 20 - np.arange(8)
    surv = np.cumprod(1 - 1 / n_at_risk)
    var_log = np.cumsum(1 / (n_at_risk * (n_at_risk - 1)))
    return surv, surv ** np.exp(z * np.sqrt(var_log) / np.abs(np.log(surv)))


def test_median_not_reached_keeps_its_lower_limit():
    surv, lower = _loglog_lower_by_hand()
    assert surv.min() == pytest.approx(0.6)  # 12 of 20 still supporting: the median is not reached
    expected = float(KM_T[np.flatnonzero(lower <= 0.5)[0]])  # first day the lower band is at or below 0.5
    assert expected == 50.0
    med = kaplan_meier(KM_T, KM_E, transform="log-log").median()
    assert med.status == "not_reached" and np.isnan(med.value) and np.isnan(med.upper)
    assert med.lower == expected
    assert med.note == "survival did not fall to 0.5 within follow-up; the lower confidence limit was reached"


def test_survival_before_any_event_has_no_interval():
    km = kaplan_meier(KM_T, KM_E, transform="log-log")
    at = km.survival_at([5, 10, 500])
    assert at["status"].tolist() == ["no_events", "ok", "beyond_follow_up"]
    assert at["value"].iloc[0] == 1.0 and np.isnan(at["lower"].iloc[0]) and np.isnan(at["upper"].iloc[0])
    assert at["value"].iloc[1] == pytest.approx(0.95) and at["lower"].iloc[1] < 0.95 < at["upper"].iloc[1]
    everyone = kaplan_meier([1.0, 2.0, 3.0], [1, 1, 1]).survival_at([3])
    assert everyone["status"].tolist() == ["all_events"] and everyone["value"].iloc[0] == 0.0
    assert np.isnan(everyone["lower"].iloc[0])


# ------------------------------------------------------------------------------------------ Aalen-Johansen
def test_cumulative_incidence_with_no_event_by_the_time_point_is_a_status():
    # charges (cause 1) only after day 100; other outcomes (cause 2) from day 20
    t = np.array([20, 30, 45, 60, 75, 110, 130, 150, 170, 200, 220, 240], dtype=float)
    c = np.array([2, 2, 0, 2, 0, 1, 2, 1, 0, 1, 0, 0])
    fit = aalen_johansen(t, c)
    at = cumulative_incidence_at(fit, [90, 120])
    charge = at[at["cause"] == 1].reset_index(drop=True)
    assert charge["status"].tolist() == ["no_events", "ok"]
    assert charge["cif"].iloc[0] == 0.0 and np.isnan(charge["lower"].iloc[0]) and np.isnan(charge["upper"].iloc[0])
    # at 120 by hand: all-cause KM before day 110 is (1 - 1/12)(1 - 1/11)(1 - 1/9) = 0.740741 (censored at 45 and
    # 75 leave the risk set), 7 at risk at 110, so CIF_1(120) = 0.740741 / 7
    s_before = (11 / 12) * (10 / 11) * (8 / 9)
    assert charge["cif"].iloc[1] == pytest.approx(s_before / 7, rel=1e-12)
    assert charge["lower"].iloc[1] < charge["cif"].iloc[1] < charge["upper"].iloc[1]
    other = at[at["cause"] == 2].reset_index(drop=True)
    assert other["status"].tolist() == ["ok", "ok"]  # negative control: cause 2 had events by day 90


# ------------------------------------------------------------------------------------------ few clusters
def _clustered(n_clusters: int, seed: int = 2) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_clusters), 400 // n_clusters)
    x = rng.normal(size=g.size)
    y = (rng.random(g.size) < 1 / (1 + np.exp(-(0.3 + 0.5 * x + rng.normal(0, 0.5, n_clusters)[g])))).astype(float)
    return y, pd.DataFrame({"x": x}), g


def test_logistic_with_two_clusters_is_a_status_not_ok():
    y, covs, g = _clustered(2)
    # why: with 2 clusters the sandwich's middle matrix sum_g U_g U_g' has rank 1 (the two score sums add to 0
    # at the estimate), whatever the number of parameters: by hand from the model-based fit
    plain = logistic_regression(y, covs, include_intercept=True)
    beta = plain.table["coef"].to_numpy()
    xm = np.column_stack([np.ones(len(y)), covs["x"]])
    scores = xm * (y - 1 / (1 + np.exp(-xm @ beta)))[:, None]
    summed = np.vstack([scores[g == k].sum(axis=0) for k in range(2)])
    assert np.linalg.matrix_rank(summed.T @ summed, tol=1e-8) == 1
    fit = logistic_regression(y, covs, cluster=g)
    assert fit.status == "too_few_clusters" and fit.table["value"].isna().all()
    assert fit.notes == ("2 clusters, fewer than the 10 that cluster-robust standard errors need",)
    assert logistic_regression(y, covs, cluster=g, se="gee").status == "too_few_clusters"
    # negative control: 10 clusters are enough, with t on 9 df
    ok = logistic_regression(*_clustered(10))
    assert ok.status == "ok" and ok.df_inference == 9


def test_national_model_row_says_too_few_forces_in_words():
    from analysis.indicators.national import _model_rows, national_models

    y, covs, g = _clustered(2)
    fit = logistic_regression(y, covs, cluster=g)
    row = _model_rows(national_models.indicator, "odds of charge", fit, {"x": "x"}, ["x"], len(y), int(y.sum()))
    assert row["category"].tolist() == ["model status"] and row["value"].isna().all()
    assert row["note"].iloc[0] == "not estimated: 2 forces, fewer than the 10 that cluster-robust errors need"


def test_cox_cluster_robust_needs_enough_clusters():
    rng = np.random.default_rng(4)
    t = rng.exponential(1.0, 60)
    d = (rng.random(60) < 0.8).astype(int)
    covs = pd.DataFrame({"x": rng.normal(size=60)})
    few = cox_regression(t, d, covs, cluster=np.repeat(np.arange(3), 20))
    assert few.status == "too_few_clusters" and few.table["value"].isna().all()
    assert cox_regression(t, d, covs, cluster=np.repeat(np.arange(12), 5)).status == "ok"


# ------------------------------------------------------------------------------------------ dropped strata
def test_stratified_cox_reports_the_n_it_used_and_the_gate_reads_it():
    rng = np.random.default_rng(9)
    # stratum "A": 12 offences with events; stratum "B": 8 offences, all still open (no event)
    t = np.r_[rng.exponential(1.0, 12), rng.exponential(1.0, 8)]
    d = np.r_[np.array([1] * 9 + [0] * 3), np.zeros(8, dtype=int)]
    x = rng.normal(size=20)
    strata = np.array(["A"] * 12 + ["B"] * 8)
    fit = cox_regression(t, d, pd.DataFrame({"x": x}), strata=strata)
    assert fit.status == "ok"
    assert (fit.n_obs, fit.n_dropped, fit.n_strata_dropped, fit.df_resid) == (12, 8, 1, 11.0)
    assert fit.notes == ("1 of 2 strata have no event and were left out of the fit (8 rows); n counts the rows in "
                         "strata with an event",)
    # the estimate is that of stratum A alone (independent statsmodels fit on those rows)
    ref = PHReg(t[:12], x[:12, None], status=d[:12], ties="efron").fit()
    assert fit.table["coef"].iloc[0] == pytest.approx(ref.params[0], rel=1e-8)
    # the disclosure gate reads the df of the rows used: 11 fails a minimum of 15; the full 20 rows (19) would pass
    rows = pd.DataFrame({"value": [1.0], "suppressed": [False]})
    assert bool(gate_model_rows(rows, fit.df_resid, min_df=15)["suppressed"].iloc[0])
    assert not bool(gate_model_rows(rows, 20 - 1, min_df=15)["suppressed"].iloc[0])
    # negative control: with an event in every stratum nothing is dropped
    d_all = d.copy()
    d_all[12] = 1
    full = cox_regression(t, d_all, pd.DataFrame({"x": x}), strata=strata)
    assert (full.n_obs, full.n_strata_dropped, full.notes) == (20, 0, ())
