"""Multiple testing: Benjamini-Hochberg false discovery rate adjustment with missing p-values.

Benjamini and Hochberg (1995), JRSS B 57:289-300. The adjusted p-value of the i-th smallest of m p-values is
min over j >= i of p_(j) m / j, capped at 1; a hypothesis is rejected at FDR q when its adjusted p-value is at
most q. Missing p-values (units that could not be tested) are left missing and do not count in m.
statsmodels' multipletests is not used: its default method is Holm-Sidak and one nan turns every output nan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def benjamini_hochberg(p_values) -> np.ndarray | pd.Series:
    """BH adjusted p-values (q-values) in the input's order; a Series input returns a Series on its index."""
    index = p_values.index if isinstance(p_values, pd.Series) else None
    p = (p_values.to_numpy(dtype=float, na_value=np.nan) if index is not None
         else np.atleast_1d(np.asarray(p_values, dtype=float)))
    if p.ndim != 1:
        raise ValueError("p_values must be one-dimensional")
    present = ~np.isnan(p)
    if ((p[present] < 0) | (p[present] > 1)).any():
        raise ValueError("p-values must lie between 0 and 1")
    out = np.full(p.shape, np.nan)
    vals = p[present]
    m = vals.size
    if m:
        order = np.argsort(vals, kind="stable")
        ranked = vals[order] * m / np.arange(1, m + 1)
        adjusted = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
        back = np.empty(m)
        back[order] = adjusted
        out[present] = back
    return pd.Series(out, index=index, name="q_value") if index is not None else out


def bh_reject(p_values, q: float = 0.05) -> np.ndarray | pd.Series:
    """True where the hypothesis is rejected at false discovery rate q (missing p-values are never rejected)."""
    if not 0 < q < 1:
        raise ValueError(f"q must lie strictly between 0 and 1, got {q!r}")
    adjusted = benjamini_hochberg(p_values)
    rejected = np.asarray(adjusted <= q) & ~np.isnan(np.asarray(adjusted, dtype=float))
    if isinstance(adjusted, pd.Series):
        return pd.Series(rejected, index=adjusted.index, name="rejected")
    return rejected
