"""Comparison of units (forces) with a target: z-scores, p-values, funnel bands and false discovery rates.

For each unit, two assessments are made side by side:
- unadjusted: proportions by the normal score z = (p - p0) / sqrt(p0(1-p0)/n), which is outside +/-z_level
  exactly when the unit's Wilson interval excludes p0 (the public-health funnel method); rates by the exact
  Poisson test of the count against E = theta0 n (two-sided p = min(1, 2 min(Pr[Y >= O], Pr[Y <= O]))),
  reported as the equivalent z = sign(O - E) Phi^-1(1 - p/2);
- adjusted for overdispersion (Spiegelhalter 2005): z = (Y - T) / sqrt(s^2 + tau^2) on the arcsine (proportion)
  or log (rate) scale, with tau^2 from spiegelhalter_overdispersion.
Each unit's band against the 95% and 99.8% limits follows from |z|, so it agrees with the funnel limits from
analysis.stats.funnel at the unit's own denominator. p-values are two-sided; q-values are Benjamini-Hochberg
adjusted over the assessed units (units with a missing or zero denominator are "not assessed", q missing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.stats._arrays import broadcast, check_level, z_value
from analysis.stats.multiple import benjamini_hochberg
from analysis.stats.overdispersion import (
    Overdispersion,
    check_units,
    pooled_target,
    spiegelhalter_overdispersion,
    transformed_scores,
)

NOT_ASSESSED = "not assessed"


@dataclass(frozen=True)
class UnitComparison:
    """The per-unit table and the overdispersion estimate it used.

    table columns: unit, numerator, denominator, value, target, z, p_value, q_value, band, z_od, p_value_od,
    q_value_od, band_od. band is one of "above 99.8%", "above 95%", "within 95%", "below 95%", "below 99.8%",
    "not assessed" (labels follow the levels passed in).
    """

    table: pd.DataFrame
    overdispersion: Overdispersion
    target: float
    kind: str
    method: str


def _band(z: np.ndarray, inner: float, outer: float) -> np.ndarray:
    zi, zo = z_value(inner), z_value(outer)
    labels = np.full(z.shape, NOT_ASSESSED, dtype=object)
    fin = ~np.isnan(z)
    labels[fin] = f"within {inner:.1%}".replace(".0%", "%")
    for cut, lab in ((zi, "{} " + f"{inner:.1%}"), (zo, "{} " + f"{outer:.1%}")):
        lab = lab.replace(".0%", "%")
        labels[fin & (z > cut)] = lab.format("above")
        labels[fin & (z < -cut)] = lab.format("below")
    return labels


def _exact_poisson_z(observed: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    upper_tail = stats.poisson.sf(observed - 1, expected)  # Pr[Y >= O]
    lower_tail = stats.poisson.cdf(observed, expected)  # Pr[Y <= O]
    p = np.minimum(1.0, 2.0 * np.minimum(upper_tail, lower_tail))
    z = np.sign(observed - expected) * stats.norm.isf(p / 2.0)
    return z, p


def compare_units(numerators, denominators, units=None, kind: str = "proportion", target: float | None = None,
                  per: float = 1.0, levels: tuple[float, float] = (0.95, 0.998),
                  winsor: float = 0.1) -> UnitComparison:
    """Compare each unit with the target, unadjusted and adjusted for overdispersion (see module doc).

    numerators, denominators: per-unit counts (arrays or Series); units: labels (default: the Series index or
    0..k-1); kind: "proportion" or "rate"; target: on the `per` scale (default pooled sum x / sum n);
    per: rate base for kind="rate" (value and target are reported per `per`); levels: inner and outer levels.
    """
    inner, outer = levels
    check_level(inner)
    check_level(outer)
    if not inner < outer:
        raise ValueError(f"levels must be (inner, outer) with inner < outer, got {levels!r}")
    if kind == "proportion" and per != 1.0:
        raise ValueError("per applies to rates only; express proportions as fractions")
    b = broadcast(numerators, denominators)
    x, n = b.arrays
    use = check_units(x, n, kind)
    labels = (list(units) if units is not None else list(b.index) if b.index is not None else list(range(len(x))))
    if len(labels) != len(x):
        raise ValueError(f"units has {len(labels)} labels for {len(x)} units")
    theta = pooled_target(x[use], n[use], kind, target, per)
    od = spiegelhalter_overdispersion(x[use], n[use], kind=kind, target=theta * per, per=per, winsor=winsor)

    z = np.full(x.shape, np.nan)
    p = np.full(x.shape, np.nan)
    z_od = np.full(x.shape, np.nan)
    if kind == "proportion":
        z[use] = (x[use] / n[use] - theta) / np.sqrt(theta * (1 - theta) / n[use])
        p[use] = 2.0 * stats.norm.sf(np.abs(z[use]))
    else:
        z[use], p[use] = _exact_poisson_z(x[use], theta * n[use])
    if od.status == "ok":
        sc = transformed_scores(x[use], n[use], kind, theta)
        z_od[use] = (sc.y - sc.target) / np.sqrt(sc.s**2 + od.tau2)
    p_od = 2.0 * stats.norm.sf(np.abs(z_od))

    value = np.where(use, x / np.where(use, n, 1.0) * per, np.nan)
    table = pd.DataFrame({
        "unit": labels, "numerator": x, "denominator": n, "value": value, "target": theta * per,
        "z": z, "p_value": p, "q_value": benjamini_hochberg(p), "band": pd.array(_band(z, inner, outer), dtype="str"),
        "z_od": z_od, "p_value_od": p_od, "q_value_od": benjamini_hochberg(p_od),
        "band_od": pd.array(_band(z_od, inner, outer), dtype="str"),
    })
    unadjusted = ("normal score test (Wilson-equivalent)" if kind == "proportion" else "exact Poisson test")
    method = f"{unadjusted}; adjusted: {od.method}; q-values by Benjamini-Hochberg"
    return UnitComparison(table, od, theta * per, kind, method)
