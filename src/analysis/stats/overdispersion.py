"""Overdispersion of unit-level indicators: Spiegelhalter's additive random-effects method.

Spiegelhalter (2005) "Handling over-dispersion of performance indicators", Quality and Safety in Health Care
14:347-351; and "Funnel plots for comparing institutional performance", Statistics in Medicine 24:1185-1202.

Each unit i gives a transformed value Y_i with null standard error s_i around the target T:
- proportions: Y = asin(sqrt(x/n)), s = 1/(2 sqrt n), T = asin(sqrt(p0));
- rates: Y = log(x/n), s = 1/sqrt(theta0 n) (the Poisson standard error at the target), T = log(theta0); a zero
  count enters at half a count (log(0.5/n)), a usual continuity correction, so that it has a finite score.
z_i = (Y_i - T)/s_i is winsorised at its 10% and 90% quantiles (numpy's default linear quantile); phi is the mean
of the winsorised z^2; I phi is referred to chi-square on I-1 degrees of freedom as the test of overdispersion;
with w_i = 1/s_i^2, tau^2 = max(0, (I phi - (I-1)) / (sum w - sum w^2 / sum w)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.stats._arrays import broadcast, require, valid

ARCSINE = "arcsine square root"
LOG = "log"
KINDS = ("proportion", "rate")


@dataclass(frozen=True)
class Overdispersion:
    """Result of the overdispersion estimate; status is "ok" or "insufficient_data" (fewer than 3 units)."""

    phi: float
    tau2: float
    chi2: float
    df: int
    p_value: float
    n_units: int
    target: float
    transform: str
    winsor: float
    method: str
    status: str


@dataclass(frozen=True)
class Scores:
    """Transformed values, null standard errors and the transformed target for the units used."""

    y: np.ndarray
    s: np.ndarray
    target: float
    transform: str


def transformed_scores(x: np.ndarray, n: np.ndarray, kind: str, target: float) -> Scores:
    """Y_i and s_i on the variance-stabilising scale (arcsine for proportions, log for rates; see module doc).

    `target` is the proportion p0, or the rate theta0 per unit of denominator.
    """
    if kind == "proportion":
        return Scores(np.arcsin(np.sqrt(x / n)), 1.0 / (2.0 * np.sqrt(n)), float(np.arcsin(np.sqrt(target))), ARCSINE)
    if kind == "rate":
        return Scores(np.log(np.maximum(x, 0.5) / n), 1.0 / np.sqrt(target * n), float(np.log(target)), LOG)
    raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")


def check_units(x: np.ndarray, n: np.ndarray, kind: str) -> np.ndarray:
    """Validate unit counts; return the mask of units usable for estimation (present, denominator > 0)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    ok = valid(x, n)
    require(~ok | ((x >= 0) & (n >= 0)), "counts and denominators must be non-negative")
    if kind == "proportion":
        require(~ok | (x <= n), "the count must not exceed its denominator")
    return ok & (n > 0)


def pooled_target(x: np.ndarray, n: np.ndarray, kind: str, target: float | None, per: float = 1.0) -> float:
    """The target on the natural scale per unit of denominator: given, or sum x / sum n over usable units."""
    if target is not None:
        value = float(target) / per
    else:
        value = float(np.sum(x) / np.sum(n))
    if kind == "proportion" and not 0.0 < value < 1.0:
        raise ValueError(f"the target proportion must lie strictly between 0 and 1, got {value!r}")
    if kind == "rate" and not value > 0.0:
        raise ValueError(f"the target rate must be positive, got {value * per!r}")
    return value


def spiegelhalter_overdispersion(x, n, kind: str = "proportion", target: float | None = None,
                                 per: float = 1.0, winsor: float = 0.1) -> Overdispersion:
    """Estimate phi and tau^2 by Spiegelhalter's additive random-effects method with winsorised z-scores.

    x, n: counts and denominators per unit (scalars not allowed; missing or zero-denominator units are left out).
    kind: "proportion" (arcsine square-root scale) or "rate" (log scale).
    target: the value units are compared with, on the `per` scale (default: pooled sum x / sum n).
    winsor: fraction winsorised at each end (default 10%).
    """
    if not 0.0 <= winsor < 0.5:
        raise ValueError(f"winsor must lie in [0, 0.5), got {winsor!r}")
    b = broadcast(x, n)
    xs, ns = b.arrays
    use = check_units(xs, ns, kind)
    xs, ns = xs[use], ns[use]
    units = int(xs.size)
    transform = ARCSINE if kind == "proportion" else LOG
    method = f"Spiegelhalter additive random effects, {transform} scale, {winsor:.0%} winsorised z-scores"
    if units < 3:
        nan = float("nan")
        return Overdispersion(nan, nan, nan, max(units - 1, 0), nan, units, nan, transform, winsor, method,
                              "insufficient_data")
    theta = pooled_target(xs, ns, kind, target, per)
    sc = transformed_scores(xs, ns, kind, theta)
    z = (sc.y - sc.target) / sc.s
    lo, hi = np.quantile(z, [winsor, 1.0 - winsor])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    w = 1.0 / sc.s**2
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    chi2 = units * phi
    p = float(stats.chi2.sf(chi2, units - 1))
    return Overdispersion(phi, float(tau2), chi2, units - 1, p, units, theta * per, transform, winsor, method, "ok")
