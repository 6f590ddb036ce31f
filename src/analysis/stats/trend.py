"""Trend in yearly counts as an incidence rate ratio per year (Poisson GLM with an overdispersion check).

A log-linear Poisson model count_t = exp(a + b t) over consecutive years; exp(b) is the rate ratio per
year. Overdispersion is judged by the Pearson chi-square over its residual degrees of freedom (phi); when
phi > 1 the standard errors are scaled by sqrt(phi) (quasi-Poisson; McCullagh and Nelder 1989, s4.5),
so a noisy series is not reported with false precision.
"""

from __future__ import annotations

import warnings

import numpy as np
import statsmodels.api as sm
from scipy import stats

MIN_YEARS = 3


def poisson_trend(counts, level: float = 0.95) -> dict:
    """Rate ratio per year for counts in consecutive years.

    Returns a dict with value, lower, upper, method, phi (Pearson dispersion), status and note. Status is
    "ok", "insufficient_data" (fewer than 3 years or no events) or "not_converged"; value and limits are
    nan unless status is "ok".
    """
    y = np.asarray(counts, dtype=float)
    result = {"value": np.nan, "lower": np.nan, "upper": np.nan, "phi": np.nan,
              "method": "Poisson GLM rate ratio per year, 95% interval"}
    if y.size < MIN_YEARS or y.sum() == 0:
        return {**result, "status": "insufficient_data", "note": "too few years or no offences to estimate a trend"}
    t = np.arange(y.size, dtype=float)
    design = sm.add_constant(t)
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=sm.tools.sm_exceptions.ConvergenceWarning)
        try:
            fit = sm.GLM(y, design, family=sm.families.Poisson()).fit()
        except (sm.tools.sm_exceptions.ConvergenceWarning, np.linalg.LinAlgError, ValueError):
            return {**result, "status": "not_converged", "note": "the trend model did not converge"}
    df = fit.df_resid
    phi = float(fit.pearson_chi2 / df) if df > 0 else np.nan
    scale = max(phi, 1.0) if np.isfinite(phi) else 1.0
    se = float(fit.bse[1]) * np.sqrt(scale)
    z = stats.norm.ppf(0.5 + level / 2)
    b = float(fit.params[1])
    method = result["method"] + (
        f", standard errors scaled for overdispersion (phi = {phi:.2f})" if scale > 1 else ", no overdispersion (phi <= 1)"
    )
    return {"value": np.exp(b), "lower": np.exp(b - z * se), "upper": np.exp(b + z * se), "phi": phi,
            "method": method, "status": "ok", "note": ""}
