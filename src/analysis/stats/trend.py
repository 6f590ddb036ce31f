"""Trend in yearly counts as an incidence rate ratio per year (Poisson GLM with an overdispersion check).

A log-linear Poisson model count_t = exp(a + b t) over consecutive years (analysis.stats.models
.poisson_regression); exp(b) is the rate ratio per year. Overdispersion is judged by the Pearson
chi-square over its residual degrees of freedom (phi); the standard error is scaled by sqrt(max(phi, 1))
(quasi-Poisson with the dispersion floored at 1; McCullagh and Nelder 1989, s4.5), so a noisy series is not
reported with false precision, while phi < 1 never narrows the interval.

Reference distribution: the scale max(phi, 1) is estimated from the same few counts (6 years leave 4 residual
degrees of freedom), so the interval and p-value use Student's t on the residual degrees of freedom (years - 2),
as R's summary.glm does for a quasi-Poisson fit, not the normal: with 6 years the 95% multiplier is 2.776, not
1.960. The t reference is used whether or not the floor binds, so the interval does not jump when phi crosses 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.stats._arrays import check_level, t_value
from analysis.stats.models import poisson_regression

MIN_YEARS = 3


def poisson_trend(counts, level: float = 0.95) -> dict:
    """Rate ratio per year for counts in consecutive years (one count per year, oldest first).

    Returns a dict with value, lower, upper, p_value (two-sided t test of no trend), method, phi (Pearson
    dispersion), df (residual degrees of freedom: years - 2), status and note. Status is "ok",
    "insufficient_data" (fewer than 3 years or no events) or the model's own status (e.g. "not_converged",
    "separation"); value, limits and p_value are nan unless status is "ok".
    """
    check_level(level)
    y = np.asarray(counts, dtype=float)
    pct = f"{level:.1%}".replace(".0%", "%")
    result = {"value": np.nan, "lower": np.nan, "upper": np.nan, "p_value": np.nan, "phi": np.nan,
              "df": float(max(y.size - 2, 0)), "method": f"Poisson GLM rate ratio per year, {pct} interval"}
    if y.size < MIN_YEARS or y.sum() == 0:
        return {**result, "status": "insufficient_data", "note": "too few years or no offences to estimate a trend"}
    fit = poisson_regression(y, pd.DataFrame({"year": np.arange(y.size, dtype=float)}), se="model", level=level)
    if fit.status != "ok":
        return {**result, "status": fit.status,
                "note": f"the trend model was not estimated: {fit.status.replace('_', ' ')}"}
    phi = fit.dispersion.dispersion if fit.dispersion is not None else np.nan
    scale = max(phi, 1.0) if np.isfinite(phi) else 1.0
    row = fit.table.set_index("term").loc["year"]
    se = float(row["se"]) * np.sqrt(scale)
    df = float(fit.df_resid)
    crit = t_value(level, df)
    b = float(row["coef"])
    scaled = (f"standard errors scaled for overdispersion (phi = {phi:.2f})" if scale > 1
              else "no overdispersion (phi <= 1, scale 1)")
    method = f"{result['method']}, {scaled}, t on {df:g} residual df"
    return {"value": np.exp(b), "lower": np.exp(b - crit * se), "upper": np.exp(b + crit * se),
            "p_value": float(2 * stats.t.sf(abs(b / se), df)), "phi": phi, "df": df, "method": method,
            "status": "ok", "note": ""}
