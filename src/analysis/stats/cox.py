"""Cox proportional hazards regression with Efron's tie handling, as a tidy hazard-ratio table with a status.

Cox (1972); Efron (1977) approximation for tied event times, which is R's coxph default and closer to the exact
partial likelihood than Breslow's (statsmodels' PHReg defaults to Breslow, so ties="efron" is passed explicitly).
Fitted with statsmodels PHReg (Newton-Raphson on the partial likelihood); normal intervals and Wald p-values.
Standard errors are model-based, or with `cluster` the robust sandwich of Lin and Wei (1989) grouped by cluster
(e.g. several offences against one victim).

Statuses: "insufficient_data" (no events, no more complete rows than parameters, or a constant covariate),
"separation" (monotone likelihood: a coefficient runs off, |coef| > 10 or its standard error > 1000, while the
fit fails to converge or the error explodes, e.g. when every event is in one group), "not_converged" (the fit
stops before converging otherwise). The monotone-likelihood rule is a heuristic, unlike the exact linear
programming check used for logistic models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.tools.sm_exceptions import ConvergenceWarning, IterationLimitWarning

from analysis.stats._arrays import check_level
from analysis.stats._rows import complete_rows
from analysis.stats._survival_data import event_indicator
from analysis.stats.model_result import ModelResult, empty_table, fit_collecting_warnings, tidy_table

TIES = ("efron", "breslow")
_RUNAWAY_COEF = 10.0
_RUNAWAY_SE = 1000.0


def cox_regression(durations, events, covariates: pd.DataFrame, ties: str = "efron", strata=None, cluster=None,
                   level: float = 0.95, maxiter: int = 100) -> ModelResult:
    """Cox model of right-censored durations (events 1/True, censored 0/False) on the covariate columns.

    covariates: DataFrame; numeric and boolean columns enter as they are, text/categorical columns as
    indicators against their first level (term names column[T.level]). strata: optional labels for a
    stratified model (separate baseline hazard per stratum, e.g. per force). cluster: optional labels for
    cluster-robust errors. Rows with any missing value are dropped first (n_dropped). Returns hazard ratios.
    """
    check_level(level)
    if ties not in TIES:
        raise ValueError(f"ties must be one of {list(TIES)}, got {ties!r}")
    rows = complete_rows({"durations": durations, "events": events}, covariates,
                         {"strata": strata, "cluster": cluster})
    names = list(rows.design.columns)
    t = rows.outcomes["durations"].astype(float)
    if (~np.isfinite(t)).any() or (t < 0).any():
        raise ValueError("durations must be finite and non-negative")
    d = event_indicator(rows.outcomes["events"])
    x = rows.design.to_numpy(float)
    n_obs, k = x.shape
    groups = rows.extras["cluster"]
    n_clusters = int(pd.Series(groups).nunique()) if groups is not None else None
    se_text = "cluster-robust (Lin-Wei) SE" if groups is not None else "model-based SE"
    method = f"Cox proportional hazards, {ties.capitalize()} ties, {se_text}"
    if strata is not None:
        method += ", stratified"

    def stop(status, note, fit=None):
        return ModelResult(empty_table(names, "hazard ratio"), status, method, n_obs, rows.n_dropped, n_clusters,
                           float(n_obs - k), None, level, False, (note,), None, int(d.sum()), fit)

    if d.sum() == 0 or n_obs <= k:
        return stop("insufficient_data", f"{int(d.sum())} events in {n_obs} complete rows for {k} parameters")
    constant = [n for n, col in zip(names, x.T, strict=True) if np.ptp(col) == 0]
    if constant:
        return stop("insufficient_data", f"covariate(s) without variation: {', '.join(constant)}")
    if groups is not None and n_clusters < 2:
        return stop("insufficient_data", "fewer than two clusters")
    model = PHReg(t, x, status=d, ties=ties, strata=rows.extras["strata"])
    fit_kw = {"maxiter": maxiter}
    if groups is not None:
        fit_kw["groups"] = groups
    fit, kinds = fit_collecting_warnings(lambda: model.fit(**fit_kw))
    coef = np.asarray(fit.params, dtype=float)
    bse = np.asarray(fit.bse, dtype=float)
    runaway = [n for n, b, s in zip(names, coef, bse, strict=True)
               if not np.isfinite(b) or not np.isfinite(s) or abs(b) > _RUNAWAY_COEF or s > _RUNAWAY_SE]
    failed = bool(kinds & {ConvergenceWarning, IterationLimitWarning})
    if runaway and (failed or any(not np.isfinite(s) or s > _RUNAWAY_SE for s in bse)):
        return stop("separation", f"monotone likelihood: estimates diverge for {', '.join(runaway)}", fit)
    if failed:
        return stop("not_converged", f"the fit did not converge within {maxiter} iterations", fit)
    crit = float(stats.norm.ppf(1 - (1 - level) / 2))
    pvals = 2 * stats.norm.sf(np.abs(coef / bse))
    table = tidy_table(names, coef, bse, crit, pvals, "hazard ratio")
    return ModelResult(table, "ok", method, n_obs, rows.n_dropped, n_clusters, float(n_obs - k), None, level, True,
                       (), None, int(d.sum()), fit)
