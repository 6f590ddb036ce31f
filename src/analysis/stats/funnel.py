"""Funnel plot control limits for proportions and rates, with or without an overdispersion adjustment.

Limits are returned as a tidy long DataFrame: denominator, level, lower, upper, adjusted, method.

Proportions, unadjusted (public-health indicator methods, PHE Fingertips technical guidance): the limit at
denominator N is the proportion whose Wilson bound equals the target p0, which is p0 +/- z sqrt(p0(1-p0)/N)
(clipped to [0, 1]); a unit is outside exactly when its Wilson interval excludes the target.

Rates, unadjusted (exact Poisson): with expected count E = theta0 N, the upper count limit U solves
P(U, E) = a/2 and the lower L solves P(L+1, E) = 1 - a/2, where P is the regularised lower incomplete gamma
function (for integer k, P(k, E) = Pr[Poisson(E) >= k]); L is 0 when no such L >= 0 exists. So a unit is outside
exactly when its exact Poisson interval (count_ci's exact method) excludes E. Limits are divided by N and
multiplied by the rate base.

Adjusted for overdispersion (Spiegelhalter 2005, additive random effects): on the transformed scale the limits
are T +/- z sqrt(s(N)^2 + tau^2), back-transformed: sin(.)^2 for proportions (angle clipped to [0, pi/2]) with
s(N) = 1/(2 sqrt N); theta0 exp(+/- z sqrt(1/(theta0 N) + tau^2)) for rates.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import optimize, special

from analysis.stats._arrays import check_level, z_value

DEFAULT_LEVELS = (0.95, 0.998)


def _denominators(denominators) -> np.ndarray:
    d = np.atleast_1d(np.asarray(denominators, dtype=float))
    if d.ndim != 1 or np.isnan(d).any() or (d <= 0).any():
        raise ValueError("denominators must be a one-dimensional set of positive numbers")
    return d


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["method"] = frame["method"].astype("str")
    return frame.sort_values(["level", "denominator"], kind="stable").reset_index(drop=True)


def proportion_funnel_limits(target: float, denominators, levels: Iterable[float] = DEFAULT_LEVELS,
                             tau2: float | None = None) -> pd.DataFrame:
    """Control limits for a proportion around `target` at each denominator and level.

    tau2=None gives the unadjusted (Wilson-equivalent) limits; a tau2 (from spiegelhalter_overdispersion, may be
    0) gives limits on the arcsine square-root scale widened by the between-unit variance.
    A target of exactly 0 or 1 is not an error but a status: there is no variation to control, the limits
    collapse onto the target and `method` says so ("not computed: ..."). Outside [0, 1] raises ValueError.
    """
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"target must lie between 0 and 1, got {target!r}")
    if target in (0.0, 1.0):
        d = _denominators(denominators)
        method = (f"not computed: the target proportion is {target:.0%}, so every unit equals it and there is no "
                  "variation to set control limits for")
        return _frame([{"denominator": n, "level": check_level(level) or level, "lower": target, "upper": target,
                        "adjusted": tau2 is not None, "method": method} for level in levels for n in d])
    d = _denominators(denominators)
    rows = []
    for level in levels:
        check_level(level)
        z = z_value(level)
        if tau2 is None:
            half = z * np.sqrt(target * (1 - target) / d)
            lower, upper = np.clip(target - half, 0, 1), np.clip(target + half, 0, 1)
            method = "Wilson-equivalent normal limits around the target"
        else:
            t = np.arcsin(np.sqrt(target))
            half = z * np.sqrt(1.0 / (4.0 * d) + _tau2(tau2))
            lower = np.sin(np.clip(t - half, 0, np.pi / 2)) ** 2
            upper = np.sin(np.clip(t + half, 0, np.pi / 2)) ** 2
            method = "arcsine square-root scale, additive random effects (Spiegelhalter 2005)"
        rows += [{"denominator": n, "level": level, "lower": lo, "upper": hi, "adjusted": tau2 is not None,
                  "method": method} for n, lo, hi in zip(d, lower, upper, strict=True)]
    return _frame(rows)


def _tau2(tau2: float) -> float:
    if not (np.isfinite(tau2) and tau2 >= 0):
        raise ValueError(f"tau2 must be a non-negative number, got {tau2!r}")
    return float(tau2)


def exact_poisson_count_limits(expected: float, level: float) -> tuple[float, float]:
    """Count limits (L, U) around an expected count E: a count O lies above exactly when O > U (its exact lower
    bound exceeds E) and below exactly when O < L (its exact upper bound is below E). See the module doc."""
    alpha = 1.0 - level
    if expected <= 0:
        raise ValueError(f"the expected count must be positive, got {expected!r}")

    def upper_eq(a: float) -> float:
        return special.gammainc(a, expected) - alpha / 2.0

    hi = max(2.0 * expected + 10.0, 10.0)
    while upper_eq(hi) > 0:
        hi *= 2.0
    upper = optimize.brentq(upper_eq, 1e-12, hi, xtol=1e-12, rtol=1e-14)

    def lower_eq(a: float) -> float:
        return special.gammainc(a + 1.0, expected) - (1.0 - alpha / 2.0)

    lower = 0.0 if lower_eq(0.0) <= 0 else optimize.brentq(lower_eq, 0.0, hi, xtol=1e-12, rtol=1e-14)
    return float(lower), float(upper)


def rate_funnel_limits(target: float, denominators, levels: Iterable[float] = DEFAULT_LEVELS, per: float = 1.0,
                       tau2: float | None = None) -> pd.DataFrame:
    """Control limits for a rate around `target` (expressed per `per` units of denominator, e.g. per 10,000).

    tau2=None gives exact Poisson limits; a tau2 (from spiegelhalter_overdispersion with kind="rate") gives
    limits on the log scale widened by the between-unit variance.
    """
    if not target > 0 or not per > 0:
        raise ValueError(f"target and per must be positive, got target={target!r}, per={per!r}")
    d = _denominators(denominators)
    theta = target / per
    rows = []
    for level in levels:
        check_level(level)
        for n in d:
            expected = theta * n
            if tau2 is None:
                lo, hi = exact_poisson_count_limits(expected, level)
                lower, upper = lo / n * per, hi / n * per
                method = "exact Poisson limits around the expected count"
            else:
                half = z_value(level) * np.sqrt(1.0 / expected + _tau2(tau2))
                lower, upper = target * np.exp(-half), target * np.exp(half)
                method = "log scale, additive random effects (Spiegelhalter 2005)"
            rows.append({"denominator": n, "level": level, "lower": lower, "upper": upper,
                         "adjusted": tau2 is not None, "method": method})
    return _frame(rows)
