"""The tidy result of a regression fit (logistic, Poisson, Cox), shared by analysis.stats.models and .cox.

A fit that cannot give a trustworthy estimate says so in `status` ("separation", "not_converged",
"insufficient_data", "variance_not_estimable", "too_few_clusters") and its table carries the terms with missing estimates: never a
silent number.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    IterationLimitWarning,
    PerfectSeparationWarning,
)

STATUSES = ("ok", "separation", "not_converged", "insufficient_data", "variance_not_estimable", "too_few_clusters")
#: Fewest clusters for cluster-robust (sandwich) or GEE standard errors: below it the fit has status
#: "too_few_clusters" (Cameron and Miller 2015, "A practitioner's guide to cluster-robust inference", section VI).
MIN_CLUSTERS = 10
TABLE_COLUMNS = ["term", "value", "lower", "upper", "p_value", "coef", "se", "statistic", "measure"]


@dataclass(frozen=True)
class Dispersion:
    """Poisson overdispersion check: Pearson chi-square / residual df, referred to chi-square on df_resid.

    overdispersed is True when p_value < 0.05 and dispersion > 1. status "ok" or "insufficient_data"."""

    dispersion: float
    pearson_chi2: float
    deviance: float
    df_resid: float
    p_value: float
    overdispersed: bool
    method: str
    status: str


@dataclass(frozen=True)
class ModelResult:
    """A fitted model as a tidy table plus its diagnostics.

    table columns: term, value (odds, rate or hazard ratio), lower, upper, p_value, coef (log scale), se,
    statistic (z or t), measure ("odds ratio", "rate ratio" or "hazard ratio").
    n_obs: the rows the fit actually used (after dropping incomplete rows and, for a stratified Cox model, strata
    without events). df_resid: n_obs minus estimated parameters (used by the disclosure gate); df_inference: the
    t degrees of freedom of the intervals (clusters - 1 for cluster-robust or GEE fits, the residual df for
    quasi-Poisson), None when normal-based. n_strata_dropped: strata left out of a stratified Cox fit because
    they have no event (their rows are counted in n_dropped, not in n_obs).
    notes: plain-language remarks (e.g. the terms involved in separation). fit: the statsmodels results object,
    for diagnostics only (None when nothing was fitted).
    """

    table: pd.DataFrame
    status: str
    method: str
    n_obs: int
    n_dropped: int
    n_clusters: int | None
    df_resid: float
    df_inference: float | None
    level: float
    converged: bool
    notes: tuple[str, ...] = ()
    dispersion: Dispersion | None = None
    n_events: int | None = None
    fit: Any = field(default=None, repr=False, compare=False)
    n_strata_dropped: int = 0


def design_matrix(covariates: pd.DataFrame) -> pd.DataFrame:
    """Covariates as model columns: numbers as they are, booleans as 0/1, text or categorical columns as
    indicators against their first level (sorted; the first category of a pandas Categorical), named like
    statsmodels formulas: column[T.level]. A missing covariate stays missing in every column it makes."""
    if not isinstance(covariates, pd.DataFrame) or covariates.shape[1] == 0:
        raise ValueError("covariates must be a DataFrame with at least one column")
    parts = []
    for col in covariates.columns:
        s = covariates[col]
        if pd.api.types.is_numeric_dtype(s):  # booleans included: they become 0/1
            parts.append(s.astype(float).rename(str(col)))
        else:
            cat = s.astype("category")
            for lev in list(cat.cat.categories)[1:]:
                parts.append((cat == lev).astype(float).where(cat.notna()).rename(f"{col}[T.{lev}]"))
    return pd.concat(parts, axis=1)


def empty_table(terms: list[str], measure: str) -> pd.DataFrame:
    """A table with the terms and missing estimates, for fits whose estimates must not be reported."""
    nan = np.full(len(terms), np.nan)
    return pd.DataFrame({"term": pd.array(terms, dtype="str"), "value": nan, "lower": nan, "upper": nan,
                         "p_value": nan, "coef": nan, "se": nan, "statistic": nan,
                         "measure": pd.array([measure] * len(terms), dtype="str")})


def tidy_table(terms: list[str], coef: np.ndarray, se: np.ndarray, crit: float, p_value: np.ndarray,
               measure: str) -> pd.DataFrame:
    """Exponentiated estimates with intervals exp(coef +/- crit se)."""
    coef = np.asarray(coef, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = coef / se
    return pd.DataFrame({"term": pd.array(terms, dtype="str"), "value": np.exp(coef),
                         "lower": np.exp(coef - crit * se), "upper": np.exp(coef + crit * se),
                         "p_value": np.asarray(p_value, dtype=float), "coef": coef, "se": se, "statistic": stat,
                         "measure": pd.array([measure] * len(terms), dtype="str")})


def fit_collecting_warnings(fit):
    """Run a fit, collecting the warnings that decide the status instead of letting them pass silently."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit()
    kinds = {w.category for w in caught}
    other = [w for w in caught if w.category not in (ConvergenceWarning, IterationLimitWarning,
                                                     PerfectSeparationWarning)]
    for w in other:  # re-issue anything unexpected so it is seen, not swallowed
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result, kinds
