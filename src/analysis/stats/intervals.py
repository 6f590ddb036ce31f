"""Confidence intervals for proportions, counts and rates.

Every function is vectorised: scalars give an `Estimate` (a frozen dataclass), lists, arrays or Series give a
DataFrame with columns value, lower, upper, method, level (a Series input keeps its index). Missing inputs give
missing outputs; impossible inputs (negative counts, x > n) raise ValueError. A denominator of 0 gives a missing
estimate rather than an error, because empty categories are common in breakdowns.

Methods and sources:
- Wilson score interval without continuity correction (Wilson 1927; Newcombe 1998, method 3), the default for
  proportions, as in the public-health indicator methods (PHE Fingertips technical guidance).
- Clopper-Pearson exact interval from beta quantiles (Clopper and Pearson 1934), on request.
- Counts: exact Poisson interval from chi-square quantiles (Garwood 1936) when the count is below 10, Byars'
  approximation (Breslow and Day 1987) from 10, as in the public-health indicator methods.
- Rates: the count interval divided by the denominator and multiplied by the rate base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.stats._arrays import as_frame, broadcast, check_level, require, valid, z_value

WILSON = "Wilson score"
CLOPPER_PEARSON = "Clopper-Pearson exact"
EXACT_POISSON = "exact Poisson (chi-square)"
BYARS = "Byars"

PROPORTION_METHODS = {"wilson": WILSON, "clopper-pearson": CLOPPER_PEARSON}
COUNT_METHODS = ("auto", "exact", "byars")


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval, the method that produced the interval and its level."""

    value: float
    lower: float
    upper: float
    method: str
    level: float


def _package(b, value, lower, upper, method, level) -> Estimate | pd.DataFrame:
    methods = np.broadcast_to(np.asarray(method, dtype=object), value.shape)
    if b.scalar:
        return Estimate(float(value[0]), float(lower[0]), float(upper[0]), str(methods[0]), float(level))
    return as_frame(
        {"value": value, "lower": lower, "upper": upper, "method": pd.array(list(methods), dtype="str"),
         "level": np.full(value.shape, float(level))},
        b.index,
    )


def wilson_limits(x: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for arrays with n > 0 (no checks): the roots in p of (x/n - p)^2 = z^2 p(1-p)/n."""
    centre = x + z * z / 2.0
    half = z * np.sqrt(x * (n - x) / n + z * z / 4.0)
    denom = n + z * z
    lower = np.where(x == 0, 0.0, (centre - half) / denom)
    upper = np.where(x == n, 1.0, (centre + half) / denom)
    return lower, upper


def proportion_ci(x, n, level: float = 0.95, method: str = "wilson") -> Estimate | pd.DataFrame:
    """Interval for the proportion x/n: Wilson score (default) or Clopper-Pearson exact.

    Wilson: the set of p with |x/n - p| <= z sqrt(p(1-p)/n) (Wilson 1927; Newcombe 1998 method 3), used by
    the public-health indicator methods; statsmodels' proportion_confint defaults to Wald, so it is not used.
    Clopper-Pearson: beta quantiles B(a/2; x, n-x+1) and B(1-a/2; x+1, n-x), with 0 and 1 at the edges.
    """
    if method not in PROPORTION_METHODS:
        raise ValueError(f"method must be one of {sorted(PROPORTION_METHODS)}, got {method!r}")
    check_level(level)
    b = broadcast(x, n)
    xs, ns = b.arrays
    ok = valid(xs, ns)
    require(~ok | ((xs >= 0) & (ns >= 0)), "counts and denominators must be non-negative")
    require(~ok | (xs <= ns), "the count must not exceed its denominator")
    use = ok & (ns > 0)
    value = np.full(xs.shape, np.nan)
    lower = np.full(xs.shape, np.nan)
    upper = np.full(xs.shape, np.nan)
    value[use] = xs[use] / ns[use]
    if method == "wilson":
        lower[use], upper[use] = wilson_limits(xs[use], ns[use], z_value(level))
    else:
        alpha = 1.0 - level
        xu, nu = xs[use], ns[use]
        with np.errstate(invalid="ignore"):
            lo = stats.beta.ppf(alpha / 2.0, xu, nu - xu + 1.0)
            hi = stats.beta.ppf(1.0 - alpha / 2.0, xu + 1.0, nu - xu)
        lower[use] = np.where(xu == 0, 0.0, lo)
        upper[use] = np.where(xu == nu, 1.0, hi)
    return _package(b, value, lower, upper, PROPORTION_METHODS[method], level)


def exact_poisson_limits(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits chi2(a/2; 2x)/2 and chi2(1-a/2; 2x+2)/2 (Garwood 1936); lower is 0 at x = 0.

    scipy's chi2.ppf(p, 0) is nan, so the x = 0 case is set explicitly.
    """
    alpha = 1.0 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * x) / 2.0, 0.0)
    upper = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * x + 2.0) / 2.0
    return lower, upper


def byars_limits(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Byars' approximation to the exact Poisson limits (Breslow and Day 1987):
    lower = x(1 - 1/(9x) - z/(3 sqrt x))^3, upper = (x+1)(1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3."""
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(x > 0, x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x))) ** 3, 0.0)
    x1 = x + 1.0
    upper = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * np.sqrt(x1))) ** 3
    return np.maximum(lower, 0.0), upper


def _count_limits(xs: np.ndarray, level: float, method: str, byars_from: float):
    if method not in COUNT_METHODS:
        raise ValueError(f"method must be one of {list(COUNT_METHODS)}, got {method!r}")
    ok = valid(xs)
    require(~ok | (xs >= 0), "counts must be non-negative")
    if method == "exact":
        use_byars = np.zeros(xs.shape, dtype=bool)
    elif method == "byars":
        use_byars = ok.copy()
    else:
        use_byars = ok & (xs >= byars_from)
    lower = np.full(xs.shape, np.nan)
    upper = np.full(xs.shape, np.nan)
    exact = ok & ~use_byars
    lower[exact], upper[exact] = exact_poisson_limits(xs[exact], level)
    lower[use_byars], upper[use_byars] = byars_limits(xs[use_byars], level)
    names = np.where(use_byars, BYARS, EXACT_POISSON).astype(object)
    return ok, lower, upper, names


def count_ci(x, level: float = 0.95, method: str = "auto", byars_from: float = 10) -> Estimate | pd.DataFrame:
    """Interval for a count treated as Poisson.

    method="auto" (default) follows the public-health indicator methods: exact Poisson (chi-square) below
    `byars_from` (10), Byars' approximation from 10; "exact" or "byars" force one method. The method column
    names the method used on each row.
    """
    check_level(level)
    b = broadcast(x)
    (xs,) = b.arrays
    ok, lower, upper, names = _count_limits(xs, level, method, byars_from)
    value = np.where(ok, xs, np.nan)
    return _package(b, value, lower, upper, names, level)


def rate_ci(x, denominator, per: float = 1.0, level: float = 0.95, method: str = "auto",
            byars_from: float = 10) -> Estimate | pd.DataFrame:
    """Interval for the rate x / denominator * per (e.g. per=10_000 for a rate per 10,000 children).

    The count interval (exact Poisson below 10, Byars from 10; see count_ci) is divided by the denominator and
    multiplied by the rate base, so the denominator is treated as known without error.
    """
    check_level(level)
    if not per > 0:
        raise ValueError(f"per must be positive, got {per!r}")
    b = broadcast(x, denominator)
    xs, ds = b.arrays
    ok = valid(xs, ds)
    require(~ok | (ds >= 0), "denominators must be non-negative")
    _, lower, upper, names = _count_limits(xs, level, method, byars_from)
    use = ok & (ds > 0)
    scale = np.where(use, per / np.where(use, ds, 1.0), np.nan)
    return _package(b, xs * scale, lower * scale, upper * scale, names, level)
