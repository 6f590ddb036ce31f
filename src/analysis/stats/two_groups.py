"""Comparing two independent proportions: difference and ratio with intervals, and the two-proportion z-test.

Vectorised like analysis.stats.intervals: scalars give a dataclass, arrays or Series give a DataFrame.
- Difference p1 - p2: Newcombe's hybrid score interval from the two Wilson intervals (Newcombe 1998b,
  Statistics in Medicine 17:873-890, method 10), which keeps coverage near nominal for small counts.
- Ratio p1 / p2: Katz log interval (Katz et al. 1978), exp(log RR +/- z sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2));
  undefined when either count is 0 (the interval is then missing, never invented).
- z-test: pooled-variance two-proportion z statistic without continuity correction (as prop.test(correct=FALSE)
  in R and statsmodels' proportions_ztest), two-sided p-value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.stats._arrays import as_frame, broadcast, check_level, require, valid, z_value
from analysis.stats.intervals import Estimate, _package, wilson_limits

NEWCOMBE = "Newcombe hybrid score"
KATZ = "Katz log"
Z_TEST = "two-proportion z-test (pooled, no continuity correction)"


@dataclass(frozen=True)
class Significance:
    """A test statistic, its two-sided p-value and the method."""

    statistic: float
    p_value: float
    method: str


def _two(x1, n1, x2, n2):
    b = broadcast(x1, n1, x2, n2)
    a1, m1, a2, m2 = b.arrays
    ok = valid(a1, m1, a2, m2)
    require(~ok | ((a1 >= 0) & (a2 >= 0) & (m1 >= 0) & (m2 >= 0)), "counts and denominators must be non-negative")
    require(~ok | ((a1 <= m1) & (a2 <= m2)), "each count must not exceed its denominator")
    use = ok & (m1 > 0) & (m2 > 0)
    return b, a1, m1, a2, m2, use


def proportion_difference_ci(x1, n1, x2, n2, level: float = 0.95) -> Estimate | pd.DataFrame:
    """Difference x1/n1 - x2/n2 with Newcombe's hybrid score interval (Newcombe 1998b, method 10):
    lower = D - sqrt((p1 - l1)^2 + (u2 - p2)^2), upper = D + sqrt((u1 - p1)^2 + (p2 - l2)^2),
    where (l, u) are the Wilson limits of each proportion."""
    check_level(level)
    b, a1, m1, a2, m2, use = _two(x1, n1, x2, n2)
    z = z_value(level)
    value, lower, upper = (np.full(a1.shape, np.nan) for _ in range(3))
    p1, p2 = a1[use] / m1[use], a2[use] / m2[use]
    l1, u1 = wilson_limits(a1[use], m1[use], z)
    l2, u2 = wilson_limits(a2[use], m2[use], z)
    d = p1 - p2
    value[use] = d
    lower[use] = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper[use] = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return _package(b, value, lower, upper, NEWCOMBE, level)


def proportion_ratio_ci(x1, n1, x2, n2, level: float = 0.95) -> Estimate | pd.DataFrame:
    """Ratio (x1/n1)/(x2/n2) with the Katz log interval; value and limits are missing when x2 = 0 and the
    limits are missing when x1 = 0 (the log ratio has no finite standard error there)."""
    check_level(level)
    b, a1, m1, a2, m2, use = _two(x1, n1, x2, n2)
    z = z_value(level)
    value, lower, upper = (np.full(a1.shape, np.nan) for _ in range(3))
    has_den = use & (a2 > 0)
    value[has_den] = (a1[has_den] / m1[has_den]) / (a2[has_den] / m2[has_den])
    both = has_den & (a1 > 0)
    se = np.sqrt(1 / a1[both] - 1 / m1[both] + 1 / a2[both] - 1 / m2[both])
    lower[both] = value[both] * np.exp(-z * se)
    upper[both] = value[both] * np.exp(z * se)
    return _package(b, value, lower, upper, KATZ, level)


def two_proportion_ztest(x1, n1, x2, n2) -> Significance | pd.DataFrame:
    """Pooled two-proportion z-test, z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2)) with p = (x1+x2)/(n1+n2),
    no continuity correction, two-sided p = 2(1 - Phi(|z|)). Missing when the pooled p is 0 or 1."""
    b, a1, m1, a2, m2, use = _two(x1, n1, x2, n2)
    stat = np.full(a1.shape, np.nan)
    pooled = np.where(use, (a1 + a2) / np.where(use, m1 + m2, 1.0), np.nan)
    var = pooled * (1 - pooled) * (1 / np.where(use, m1, 1.0) + 1 / np.where(use, m2, 1.0))
    good = use & (var > 0)
    stat[good] = (a1[good] / m1[good] - a2[good] / m2[good]) / np.sqrt(var[good])
    p = 2.0 * stats.norm.sf(np.abs(stat))
    if b.scalar:
        return Significance(float(stat[0]), float(p[0]), Z_TEST)
    return as_frame({"statistic": stat, "p_value": p, "method": pd.array([Z_TEST] * len(stat), dtype="str")},
                    b.index)
