"""Agreement between two classifications of the same cases: Cohen's kappa with its large-sample interval.

Used for self-defined against officer-defined ethnicity. Cohen (1960): kappa = (p_o - p_e) / (1 - p_e), with p_o
the observed agreement and p_e the agreement expected from the margins. Standard error (non-null, for the
interval) of Fleiss, Cohen and Everitt (1969), Psychological Bulletin 72:323-327:
  var = [sum_i p_ii (1 - (p_i. + p_.i)(1 - kappa))^2 + (1 - kappa)^2 sum_{i != j} p_ij (p_.i + p_j.)^2
         - (kappa - p_e (1 - kappa))^2] / (n (1 - p_e)^2),
and the interval is kappa +/- z se, clipped to [-1, 1]. Pairs with either rating missing are dropped.

Where the data cannot support a kappa, a status replaces the number (the observed agreement p_o is still given):
- "no_variation": one rating puts every case in one category. Then p_e = p_o and kappa is 0 by construction
  whatever the agreement (the formula's SE is 0 too, so "0 (0 to 0)" would be reported): kappa, its SE and
  interval are missing. This is common when officer-defined codes put every suspect of a small force in one group.
- "interval_not_estimable": perfect agreement with variation in both ratings (kappa = 1): the large-sample SE is
  0 at the boundary, so the value 1 is given with no interval rather than the empty interval "1 to 1".
- "insufficient_data": no pair rated by both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.stats._arrays import check_level, z_value

METHOD = "Cohen's kappa, Fleiss-Cohen-Everitt large-sample SE, normal interval"


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa (value) with interval; status "ok", "no_variation", "interval_not_estimable" or
    "insufficient_data" (see the module doc); note explains a status other than "ok" in words. observed_agreement
    (p_o) is given whenever a pair was rated."""

    value: float
    se: float
    lower: float
    upper: float
    observed_agreement: float
    expected_agreement: float
    n: int
    n_dropped: int
    level: float
    method: str
    status: str
    note: str = ""


def kappa_from_table(table, level: float = 0.95, n_dropped: int = 0) -> Kappa:
    """Cohen's kappa from a square table of counts (rows: first rater, columns: second, same category order)."""
    check_level(level)
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"the agreement table must be square, got shape {counts.shape}")
    if (counts < 0).any():
        raise ValueError("the agreement table must hold non-negative counts")
    n = counts.sum()
    nan = float("nan")
    if n == 0:
        return Kappa(nan, nan, nan, nan, nan, nan, 0, n_dropped, level, METHOD, "insufficient_data",
                     "no cases rated by both")
    p = counts / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po = float(np.trace(p))
    pe = float(rows @ cols)
    constant = [name for name, margin in (("first", rows), ("second", cols)) if margin.max() >= 1.0 - 1e-12]
    if constant:
        which = "both ratings put" if len(constant) == 2 else f"the {constant[0]} rating puts"
        return Kappa(nan, nan, nan, nan, po, pe, int(n), n_dropped, level, METHOD, "no_variation",
                     f"{which} every case in one category, so kappa would be 0 whatever the agreement: not "
                     "estimated (the observed agreement is still reported)")
    kappa = (po - pe) / (1 - pe)
    diag = np.diag(p)
    first = float(np.sum(diag * (1 - (rows + cols) * (1 - kappa)) ** 2))
    off = p.copy()
    np.fill_diagonal(off, 0.0)
    second = (1 - kappa) ** 2 * float(np.sum(off * (cols[:, None] + rows[None, :]) ** 2))
    var = (first + second - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    se = float(np.sqrt(max(var, 0.0)))
    if se < 1e-9:
        return Kappa(float(kappa), se, nan, nan, po, pe, int(n), n_dropped, level, METHOD, "interval_not_estimable",
                     "perfect agreement: the large-sample standard error is 0, so no interval can be given")
    z = z_value(level)
    return Kappa(float(kappa), se, max(-1.0, kappa - z * se), min(1.0, kappa + z * se), po, pe, int(n), n_dropped,
                 level, METHOD, "ok")


def cohens_kappa(first, second, categories=None, level: float = 0.95) -> Kappa:
    """Cohen's kappa for two ratings of the same cases (e.g. self- and officer-defined ethnic group, mapped to
    common categories first). categories: the full category list (default: every value seen in either)."""
    a = pd.Series(first).reset_index(drop=True)
    b = pd.Series(second).reset_index(drop=True)
    if len(a) != len(b):
        raise ValueError(f"the two ratings differ in length ({len(a)} and {len(b)})")
    keep = a.notna() & b.notna()
    a, b = a[keep], b[keep]
    cats = list(categories) if categories is not None else sorted(set(a) | set(b), key=str)
    unknown = sorted((set(a) | set(b)) - set(cats), key=str)
    if unknown:
        raise ValueError(f"ratings outside the categories: {unknown[:5]}")
    table = pd.crosstab(pd.Categorical(a, categories=cats), pd.Categorical(b, categories=cats), dropna=False)
    return kappa_from_table(table.to_numpy(), level=level, n_dropped=int((~keep).sum()))
