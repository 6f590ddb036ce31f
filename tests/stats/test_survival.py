"""Kaplan-Meier, quantiles, log-rank, Aalen-Johansen and Cox against the aml and competing-risk references."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import survdiff

from analysis.stats.survival import aalen_johansen, cox_regression, kaplan_meier, logrank_test

MAINTAINED = [(9, 1), (13, 1), (13, 0), (18, 1), (23, 1), (28, 0), (31, 1), (34, 1), (45, 0), (48, 1), (161, 0)]
NONMAINTAINED = [(5, 1), (5, 1), (8, 1), (8, 1), (12, 1), (16, 0), (23, 1), (27, 1), (30, 1), (33, 1), (43, 1),
                 (45, 1)]
AML = pd.DataFrame(MAINTAINED + NONMAINTAINED, columns=["time", "status"]).assign(
    arm=["Maintained"] * 11 + ["Nonmaintained"] * 12)


def km_value(km, t, col):
    return float(km.table.loc[km.table["time"] == t, col].iloc[0])


def test_aml_pooled_survival_and_greenwood_se():
    km = kaplan_meier(AML["time"], AML["status"])
    assert km.status == "ok" and km.n == 23 and km.n_events == 18
    assert km_value(km, 5, "survival") == pytest.approx(0.9130, abs=5e-5)
    assert km_value(km, 5, "se") == pytest.approx(0.0588, abs=5e-5)
    assert km_value(km, 23, "survival") == pytest.approx(0.5466, abs=5e-5)
    assert km_value(km, 23, "se") == pytest.approx(0.1073, abs=5e-5)
    assert km_value(km, 27, "survival") == pytest.approx(0.4969, abs=5e-5)
    assert km_value(km, 48, "survival") == pytest.approx(0.0828, abs=5e-5)


@pytest.mark.parametrize(("transform", "lower", "upper"), [("log", 18, 45), ("log-log", 13, 34)])
def test_aml_median_and_interval_on_both_transforms(transform, lower, upper):
    med = kaplan_meier(AML["time"], AML["status"], transform=transform).median()
    assert (med.value, med.lower, med.upper) == (27, lower, upper)
    assert med.status == "ok" and med.transform == transform
    assert transform in med.method


def test_quartiles_table_names_transform_and_flags_unreached_upper_limit():
    q = kaplan_meier(AML["time"], AML["status"]).quantiles()
    assert list(q.columns) == ["quantile", "value", "lower", "upper", "status", "note", "transform", "level"]
    assert q["value"].tolist() == [12.0, 27.0, 43.0]
    assert q["transform"].unique().tolist() == ["log"]
    last = q.iloc[2]
    assert np.isnan(last["upper"]) and last["note"] == "upper confidence limit not reached"


def test_curve_never_reaching_half_gives_not_reached_not_a_number():
    # most cases still open: 3 events among 20, survival never falls to 0.5
    t = np.arange(1, 21, dtype=float)
    e = np.zeros(20)
    e[[2, 6, 11]] = 1
    med = kaplan_meier(t, e).median()
    assert med.status == "not_reached"
    assert np.isnan(med.value) and np.isnan(med.lower) and np.isnan(med.upper)
    assert med.note == "survival did not fall to 0.5 within follow-up"


def test_midpoint_rule_when_curve_sits_exactly_at_half():
    # S = 0.5 exactly from t = 2 (2 events of 4) until the next event at t = 6: median (2 + 6) / 2 = 4
    km = kaplan_meier([1, 2, 6, 8], [1, 1, 1, 1])
    assert km.median().value == 4.0


def test_survival_at_step_function_and_no_extrapolation():
    km = kaplan_meier(AML["time"], AML["status"])
    at = km.survival_at([0, 5, 6, 161, 200])
    assert at["value"].iloc[0] == 1.0
    assert at["value"].iloc[1] == pytest.approx(21 / 23) and at["value"].iloc[2] == pytest.approx(21 / 23)
    assert at["value"].iloc[3] == pytest.approx(0.0828, abs=5e-5)
    assert np.isnan(at["value"].iloc[4]) and at["note"].iloc[4] == "beyond follow-up"


def test_km_drops_missing_rows_and_rejects_bad_input():
    km = kaplan_meier([5, np.nan, 8, 9], [1, 1, None, 0])
    assert km.n == 2 and km.n_dropped == 2
    with pytest.raises(ValueError, match="events must be 0/1 or boolean"):
        kaplan_meier([1, 2], [1, 2])
    with pytest.raises(ValueError, match="durations must be finite and non-negative"):
        kaplan_meier([-1, 2], [1, 0])
    empty = kaplan_meier([], [])
    assert empty.status == "insufficient_data"
    assert kaplan_meier([], []).median().status == "insufficient_data"


def test_aml_logrank():
    lr = logrank_test(AML["time"], AML["status"], AML["arm"])
    assert lr.statistic == pytest.approx(3.396, abs=5e-4)
    assert lr.p_value == pytest.approx(0.0653, abs=5e-5)
    assert lr.df == 1 and lr.status == "ok"
    assert lr.table["observed"].sum() == 18
    stat, p = survdiff(AML["time"].to_numpy(float), AML["status"].to_numpy(), AML["arm"].to_numpy())
    assert lr.statistic == pytest.approx(stat, rel=1e-10)


def test_logrank_three_groups_agrees_with_statsmodels():
    rng = np.random.default_rng(5)
    g = rng.integers(0, 3, 120)
    t = rng.exponential(10 / (1 + g), 120).round(1)
    e = rng.random(120) < 0.8
    lr = logrank_test(t, e.astype(int), g)
    stat, _ = survdiff(t, e.astype(int), g)
    assert lr.df == 2 and lr.statistic == pytest.approx(stat, rel=1e-8)


@pytest.mark.parametrize(("ties", "coef", "se"), [("efron", 0.9155, 0.5119), ("breslow", 0.9042, 0.5122)])
def test_aml_cox(ties, coef, se):
    fit = cox_regression(AML["time"], AML["status"], AML[["arm"]], ties=ties)
    row = fit.table.iloc[0]
    assert fit.status == "ok" and row["term"] == "arm[T.Nonmaintained]"
    assert row["coef"] == pytest.approx(coef, abs=5e-5)
    assert row["se"] == pytest.approx(se, abs=5e-5)
    assert row["value"] == pytest.approx(np.exp(row["coef"]))
    assert row["measure"] == "hazard ratio" and ties.capitalize() in fit.method
    assert fit.n_events == 18 and fit.df_resid == 22


def test_cox_default_ties_are_efron():
    assert "Efron" in cox_regression(AML["time"], AML["status"], AML[["arm"]]).method


def test_cox_monotone_likelihood_is_reported_as_separation():
    t = np.arange(1, 21, dtype=float)
    e = np.r_[np.ones(10), np.zeros(10)]  # every event in group 1
    fit = cox_regression(t, e, pd.DataFrame({"group": np.r_[np.ones(10), np.zeros(10)]}))
    assert fit.status == "separation"
    assert fit.table["value"].isna().all()
    assert fit.notes == ("monotone likelihood: estimates diverge for group",)


def test_cox_non_convergence_is_reported():
    fit = cox_regression(AML["time"], AML["status"], AML[["arm"]], maxiter=1)
    assert fit.status == "not_converged" and fit.table["value"].isna().all()
    assert fit.notes == ("the fit did not converge within 1 iterations",)


def test_cox_cluster_robust_errors_and_missing_rows():
    cov = AML[["arm"]].copy()
    cov.loc[3, "arm"] = None
    fit = cox_regression(AML["time"], AML["status"], cov, cluster=np.arange(23) // 2)
    assert fit.n_obs == 22 and fit.n_dropped == 1 and fit.n_clusters == 12
    assert "cluster-robust" in fit.method and fit.status == "ok"


# --- competing risks ---------------------------------------------------------------------------------------
CR_T = [2, 3, 3, 5, 6, 7, 8, 9, 10, 12, 13, 15, 16, 18, 20, 22, 25, 30, 30, 30]
CR_S = [1, 2, 0, 1, 1, 2, 0, 1, 2, 1, 0, 2, 1, 0, 1, 2, 0, 0, 0, 0]


def test_aalen_johansen_reference():
    fit = aalen_johansen(CR_T, CR_S)
    assert fit.causes == (1, 2)
    at12 = {c: fit.cumulative_incidence_at(c, [12])["value"].iloc[0] for c in (1, 2)}
    assert at12[1] == pytest.approx(0.2699095, rel=1e-6)
    assert at12[2] == pytest.approx(0.1599548, rel=1e-6)
    final = fit.table.groupby("cause")["cif"].last()
    assert final[1] == pytest.approx(0.4071644, rel=1e-6)
    assert final[2] == pytest.approx(0.2972097, rel=1e-6)


def test_cif_plus_survival_is_one_and_competing_not_censored():
    fit = aalen_johansen(CR_T, CR_S)
    km_all = kaplan_meier(CR_T, (np.array(CR_S) > 0).astype(int))
    total = sum(fit.cumulative_incidence_at(c, [25])["value"].iloc[0] for c in fit.causes)
    assert total == pytest.approx(1 - km_all.survival_at([25])["value"].iloc[0])
    # 1 - KM treating the competing outcome as censoring overstates the cumulative incidence of cause 1
    naive = 1 - kaplan_meier(CR_T, (np.array(CR_S) == 1).astype(int)).survival_at([25])["value"].iloc[0]
    assert naive > fit.cumulative_incidence_at(1, [25])["value"].iloc[0]


def test_cif_variance_reduces_to_greenwood_with_a_single_cause():
    rng = np.random.default_rng(9)
    t = rng.integers(1, 40, 60).astype(float)
    e = (rng.random(60) < 0.7).astype(int)
    cif = aalen_johansen(t, e).table
    km = kaplan_meier(t, e).table.set_index("time")
    np.testing.assert_allclose(cif["cif"], 1 - km.loc[cif["time"], "survival"], rtol=1e-12)
    alive = (km.loc[cif["time"], "survival"] > 0).to_numpy()  # Greenwood's SE is undefined once S reaches 0
    assert alive.sum() > 10
    np.testing.assert_allclose(cif["se"][alive], km.loc[cif["time"], "se"][alive], rtol=1e-9)


def test_cif_standard_error_matches_bootstrap():
    rng = np.random.default_rng(21)
    n = 300
    t = rng.exponential(10, n).round(2)
    cause = np.where(rng.random(n) < 0.3, 0, rng.integers(1, 3, n))
    fit = aalen_johansen(t, cause)
    se = fit.table[fit.table["cause"] == 1].set_index("time")["se"]
    horizon = float(np.quantile(t, 0.5))
    formula_se = float(se[se.index <= horizon].iloc[-1])
    boot = []
    for _ in range(150):
        idx = rng.integers(0, n, n)
        b = aalen_johansen(t[idx], cause[idx])
        boot.append(b.cumulative_incidence_at(1, [horizon])["value"].iloc[0])
    assert formula_se == pytest.approx(np.std(boot, ddof=1), rel=0.15)


def test_cif_interval_and_follow_up_limits():
    fit = aalen_johansen(CR_T, CR_S)
    assert ((fit.table["lower"] <= fit.table["cif"]) & (fit.table["cif"] <= fit.table["upper"])).all()
    assert fit.max_time == 30
    out = fit.cumulative_incidence_at(2, [1, 40])
    assert out["value"].iloc[0] == 0.0 and np.isnan(out["value"].iloc[1])
    # no event of cause 2 by day 1: the value 0 stands, but there is no variance, so no interval (not "0 to 0")
    assert out["status"].tolist() == ["no_events", "beyond_follow_up"]
    assert np.isnan(out["lower"]).all() and np.isnan(out["upper"]).all()
    assert out["note"].tolist() == [
        "no event by this time: the cumulative incidence is 0 and no interval can be estimated", "beyond follow-up"]
    with pytest.raises(ValueError, match="cause 3 is not among the observed causes"):
        fit.cumulative_incidence_at(3, [1])
