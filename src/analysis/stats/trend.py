"""Trend in yearly counts as an incidence rate ratio per year (Poisson GLM with an overdispersion check).

A log-linear Poisson model count_t = exp(a + b t) over consecutive years (analysis.stats.models
.poisson_regression); exp(b) is the rate ratio per year. Overdispersion is judged by the Pearson
chi-square over its residual degrees of freedom (phi); when phi > 1 the standard error is scaled by
sqrt(phi) (quasi-Poisson; McCullagh and Nelder 1989, s4.5), so a noisy series is not reported with false
precision, while phi < 1 never narrows the interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.stats._arrays import z_value
from analysis.stats.models import poisson_regression

MIN_YEARS = 3


def poisson_trend(counts, level: float = 0.95) -> dict:
    """Rate ratio per year for counts in consecutive years.

    Returns a dict with value, lower, upper, method, phi (Pearson dispersion), status and note. Status is
    "ok", "insufficient_data" (fewer than 3 years or no events) or the model's own status (e.g.
    "not_converged", "separation"); value and limits are nan unless status is "ok".
    """
    y = np.asarray(counts, dtype=float)
    result = {"value": np.nan, "lower": np.nan, "upper": np.nan, "phi": np.nan,
              "method": "Poisson GLM rate ratio per year, 95% interval"}
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
    z = z_value(level)
    b = float(row["coef"])
    method = result["method"] + (
        f", standard errors scaled for overdispersion (phi = {phi:.2f})" if scale > 1 else ", no overdispersion (phi <= 1)"
    )
    return {"value": np.exp(b), "lower": np.exp(b - z * se), "upper": np.exp(b + z * se), "phi": phi,
            "method": method, "status": "ok", "note": ""}
