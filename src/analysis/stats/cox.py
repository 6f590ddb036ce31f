"""Cox proportional hazards regression with Efron's tie handling, as a tidy hazard-ratio table with a status.

Cox (1972); Efron (1977) approximation for tied event times, which is R's coxph default and closer to the exact
partial likelihood than Breslow's (statsmodels' PHReg defaults to Breslow, so ties="efron" is passed explicitly).
Fitted with statsmodels PHReg (Newton-Raphson on the partial likelihood); normal intervals and Wald p-values.
Standard errors are model-based, or with `cluster` the robust sandwich of Lin and Wei (1989) grouped by cluster
(e.g. several offences against one victim), computed here (`cox_robust_covariance`) from vectorised score
residuals that match the tie method of the fit, as R's coxph(..., cluster = id) does. statsmodels'
PHReg.score_residuals is not used: it loops over event times in Python (about a minute on 100,000 rows) and
returns NaN for rows censored before the first event, which made every clustered standard error NaN.

Strata without an event add nothing to the partial likelihood; their rows are left out before fitting, counted in
n_dropped and n_strata_dropped and named in a note, so n_obs and df_resid (read by the disclosure gate) are the
rows the fit used (R's coxph keeps them in n; statsmodels drops them silently).
Cluster-robust errors use normal intervals as R's coxph does, but need at least MIN_CLUSTERS clusters and more
clusters than coefficients (status "too_few_clusters" otherwise; the clusters here are victims, usually many).

Statuses: "insufficient_data" (no events, no more complete rows than parameters, or a constant covariate),
"separation" (monotone likelihood: a coefficient runs off, |coef| > 10 or its standard error > 1000, while the
fit fails to converge or the error explodes, e.g. when every event is in one group), "not_converged" (the fit
stops before converging otherwise), "variance_not_estimable" (the estimates exist but a standard error is NaN,
e.g. a singular information matrix; never read as separation). The monotone-likelihood rule is a heuristic,
unlike the exact linear programming check used for logistic models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg, PHRegResults
from statsmodels.tools.sm_exceptions import ConvergenceWarning, IterationLimitWarning

from analysis.stats._arrays import check_level, z_value
from analysis.stats._rows import complete_rows
from analysis.stats._survival_data import event_indicator
from analysis.stats.model_result import MIN_CLUSTERS, ModelResult, empty_table, fit_collecting_warnings, tidy_table

TIES = ("efron", "breslow")
_RUNAWAY_COEF = 10.0
_RUNAWAY_SE = 1000.0


def cox_score_residuals(durations, events, x, params, ties: str = "efron", strata=None) -> np.ndarray:
    """Score residuals (one row per observation, one column per coefficient) of the Cox partial likelihood.

    Row i's residual is U_i = sum over event times t_j <= t_i of (x_i - xbar_j) dM_ij (Therneau and Grambsch
    2000, section 4.6; Lin and Wei 1989), so that the rows add up to the score vector at `params`.
    ties="breslow": dM_ij = delta_ij - r_i d_j / S0_j, with r_i = exp(x_i b), d_j deaths at t_j and S0_j the sum
    of r over the risk set. ties="efron": the d_j tied deaths are taken in d_j steps l = 0..d_j-1 with denominator
    S0_j - (l/d_j) sum of r over the deaths and mean xbar_jl; a death at t_j counts with weight (1 - l/d_j) in
    step l and its own term uses the mean of the step means (R's coxph residuals(type = "score") for the Efron
    fit; the Efron form is used so that the residuals add up to the score of the likelihood actually fitted).
    A subject censored at an event time is in that risk set. Rows censored before the first event of their
    stratum are in no risk set and get 0 (statsmodels gives NaN). Each stratum has its own risk sets.
    Vectorised: suffix sums over the time-sorted rows, no loop over event times.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {list(TIES)}, got {ties!r}")
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=float)
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    beta = np.asarray(params, dtype=float)
    out = np.zeros(x.shape)
    if strata is None:
        out[:] = _stratum_score_residuals(t, d, x, beta, ties)
        return out
    codes = pd.factorize(pd.Series(strata).reset_index(drop=True), use_na_sentinel=False)[0]
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        out[rows] = _stratum_score_residuals(t[rows], d[rows], x[rows], beta, ties)
    return out


def _stratum_score_residuals(t, d, x, beta, ties):
    n, p = x.shape
    eta = x @ beta
    r_all = np.exp(eta - eta.max())  # the scale of r cancels in every ratio below
    order = np.argsort(t, kind="stable")
    ts, ds, xs, r = t[order], d[order], x[order], r_all[order]
    times, first, j = np.unique(ts, return_index=True, return_inverse=True)
    rx = r[:, None] * xs
    s0 = np.cumsum(r[::-1])[::-1][first]  # risk set {t_k >= time}: sums from the first row at that time onwards
    s1 = np.cumsum(rx[::-1], axis=0)[::-1][first]
    u = times.size
    deaths = np.bincount(j, weights=ds, minlength=u)
    d0 = np.bincount(j, weights=ds * r, minlength=u)
    d1 = np.column_stack([np.bincount(j, weights=ds * rx[:, c], minlength=u) for c in range(p)])
    ev = np.flatnonzero(deaths > 0)
    m = deaths[ev].astype(int)
    starts = np.cumsum(m) - m
    step_time = np.repeat(ev, m)  # one entry per Efron step (one per death)
    frac = np.arange(m.sum()) - np.repeat(starts, m)
    frac = frac / np.repeat(m, m) if ties == "efron" else np.zeros(m.sum())
    den = s0[step_time] - frac * d0[step_time]
    xbar = (s1[step_time] - frac[:, None] * d1[step_time]) / den[:, None]
    inv = 1.0 / den
    keep = 1.0 - frac

    def per_time(values):
        full = np.zeros((u,) + values.shape[1:])
        full[ev] = np.add.reduceat(values, starts, axis=0)
        return full

    a, b = per_time(inv), per_time(xbar * inv[:, None])  # hazard increments for subjects at risk throughout
    a_dead, b_dead = per_time(keep * inv), per_time(xbar * (keep * inv)[:, None])  # for the deaths at t_j
    xbar_mean = per_time(xbar) / np.maximum(deaths, 1)[:, None]
    cum_a, cum_b = np.cumsum(a), np.cumsum(b, axis=0)
    ja = cum_a[j] - ds * (a[j] - a_dead[j])
    jb = cum_b[j] - ds[:, None] * (b[j] - b_dead[j])
    resid = ds[:, None] * (xs - xbar_mean[j]) - r[:, None] * (xs * ja[:, None] - jb)
    out = np.empty((n, p))
    out[order] = resid
    return out


def cox_robust_covariance(score_residuals: np.ndarray, naive_cov: np.ndarray, groups) -> np.ndarray:
    """Lin-Wei (1989) robust sandwich V = I^-1 (sum over clusters of U_g U_g') I^-1, with U_g the sum of the
    score residuals of cluster g and I^-1 the model-based covariance (inverse information). No small-sample
    factor, as R's coxph robust variance (the "working independence" GEE variance, Therneau and Grambsch 2000,
    section 8.2)."""
    codes = pd.factorize(pd.Series(groups).reset_index(drop=True), use_na_sentinel=False)[0]
    n_groups = int(codes.max()) + 1 if codes.size else 0
    summed = np.column_stack([np.bincount(codes, weights=score_residuals[:, c], minlength=n_groups)
                              for c in range(score_residuals.shape[1])])
    return naive_cov @ (summed.T @ summed) @ naive_cov


def cox_regression(durations, events, covariates: pd.DataFrame, ties: str = "efron", strata=None, cluster=None,
                   level: float = 0.95, maxiter: int = 100, min_clusters: int = MIN_CLUSTERS) -> ModelResult:
    """Cox model of right-censored durations (events 1/True, censored 0/False) on the covariate columns.

    covariates: DataFrame; numeric and boolean columns enter as they are, text/categorical columns as
    indicators against their first level (term names column[T.level]). strata: optional labels for a
    stratified model (separate baseline hazard per stratum, e.g. per force). cluster: optional labels for
    cluster-robust (Lin-Wei) errors from `cox_score_residuals` of the same tie method; `fit` then carries that
    covariance. Rows with any missing value are dropped first (n_dropped); so are the rows of strata without an
    event (n_dropped, n_strata_dropped and a note), so n_obs and df_resid count the rows the fit used.
    min_clusters: fewest clusters for the robust errors; a fit with fewer, or with no more clusters than
    coefficients (the sandwich would be singular), has status "too_few_clusters". Returns hazard ratios.
    """
    check_level(level)
    if ties not in TIES:
        raise ValueError(f"ties must be one of {list(TIES)}, got {ties!r}")
    rows = complete_rows({"durations": durations, "events": events}, covariates,
                         {"strata": strata, "cluster": cluster})
    if not min_clusters >= 2:
        raise ValueError(f"min_clusters must be at least 2, got {min_clusters!r}")
    names = list(rows.design.columns)
    t = rows.outcomes["durations"].astype(float)
    if (~np.isfinite(t)).any() or (t < 0).any():
        raise ValueError("durations must be finite and non-negative")
    d = event_indicator(rows.outcomes["events"])
    x = rows.design.to_numpy(float)
    groups = rows.extras["cluster"]
    labels = rows.extras["strata"]
    n_dropped, n_strata_dropped, dropped_note = rows.n_dropped, 0, ()
    if labels is not None:
        # A stratum without events adds nothing to the partial likelihood and statsmodels leaves it out of the
        # fit: its rows are dropped here too, so that n_obs and df_resid (which the disclosure gate reads) count
        # only the rows the fit used, and the dropped strata are named in the notes.
        codes = pd.factorize(pd.Series(labels), use_na_sentinel=False)[0]
        has_event = np.bincount(codes, weights=d, minlength=codes.max() + 1 if codes.size else 0) > 0
        keep = has_event[codes]
        if not keep.all():
            n_strata_dropped = int((~has_event).sum())
            n_dropped += int((~keep).sum())
            dropped_note = (f"{n_strata_dropped} of {has_event.size} strata have no event and were left out of the "
                            f"fit ({int((~keep).sum())} rows); n counts the rows in strata with an event",)
            t, d, x, labels = t[keep], d[keep], x[keep], labels[keep]
            groups = groups[keep] if groups is not None else None
    n_obs, k = x.shape
    n_clusters = int(pd.Series(groups).nunique()) if groups is not None else None
    se_text = "cluster-robust (Lin-Wei) SE" if groups is not None else "model-based SE"
    method = f"Cox proportional hazards, {ties.capitalize()} ties, {se_text}"
    if strata is not None:
        method += ", stratified"

    def stop(status, note, fit=None):
        return ModelResult(empty_table(names, "hazard ratio"), status, method, n_obs, n_dropped, n_clusters,
                           float(n_obs - k), None, level, False, (note, *dropped_note), None, int(d.sum()), fit,
                           n_strata_dropped)

    if d.sum() == 0 or n_obs <= k:
        return stop("insufficient_data", f"{int(d.sum())} events in {n_obs} complete rows for {k} parameters")
    constant = [n for n, col in zip(names, x.T, strict=True) if np.ptp(col) == 0]
    if constant:
        return stop("insufficient_data", f"covariate(s) without variation: {', '.join(constant)}")
    if groups is not None and n_clusters < 2:
        return stop("insufficient_data", "fewer than two clusters")
    if groups is not None and n_clusters < max(min_clusters, k + 1):
        return stop("too_few_clusters", f"{n_clusters} clusters, fewer than the {max(min_clusters, k + 1)} that "
                                        f"cluster-robust standard errors need here (at least {min_clusters}, and "
                                        f"more than the {k} coefficients)")
    model = PHReg(t, x, status=d, ties=ties, strata=labels)
    fit, kinds = fit_collecting_warnings(lambda: model.fit(maxiter=maxiter))
    coef = np.asarray(fit.params, dtype=float)
    if groups is not None:
        with np.errstate(all="ignore"):  # a failed fit may overflow here: its status is decided below
            resid = cox_score_residuals(t, d, x, coef, ties, labels)
            cov = cox_robust_covariance(resid, np.asarray(fit.cov_params(), dtype=float), groups)
        fit = PHRegResults(model, coef, cov, covariance_type="robust")
    with np.errstate(invalid="ignore"):  # a negative variance from a failed fit is NaN, reported below
        bse = np.sqrt(np.diag(np.asarray(fit.cov_params(), dtype=float)))
    runaway = [n for n, b, s in zip(names, coef, bse, strict=True)
               if not np.isfinite(b) or np.isinf(s) or abs(b) > _RUNAWAY_COEF or s > _RUNAWAY_SE]
    failed = bool(kinds & {ConvergenceWarning, IterationLimitWarning})
    if runaway and (failed or any(np.isinf(s) or s > _RUNAWAY_SE for s in bse)):
        return stop("separation", f"monotone likelihood: estimates diverge for {', '.join(runaway)}", fit)
    if failed:
        return stop("not_converged", f"the fit did not converge within {maxiter} iterations", fit)
    if np.isnan(bse).any():
        missing = [n for n, s in zip(names, bse, strict=True) if np.isnan(s)]
        return stop("variance_not_estimable", f"standard error not estimable for {', '.join(missing)}", fit)
    crit = z_value(level)
    pvals = 2 * stats.norm.sf(np.abs(coef / bse))
    table = tidy_table(names, coef, bse, crit, pvals, "hazard ratio")
    return ModelResult(table, "ok", method, n_obs, n_dropped, n_clusters, float(n_obs - k), None, level, True,
                       dropped_note, None, int(d.sum()), fit, n_strata_dropped)
