"""Look up one results row by its key, so tests read like the hand computation."""

import numpy as np
import pandas as pd
from scipy import stats

Z = stats.norm.ppf(0.975)


def row(table: pd.DataFrame, indicator_id: str, breakdown: str, category: str, basis: str | None = None) -> pd.Series:
    hit = table[(table["indicator_id"] == indicator_id) & (table["breakdown"] == breakdown) & (table["category"] == category)]
    if basis is not None:
        hit = hit[hit["basis"] == basis]
    assert len(hit) == 1, f"expected one row for {indicator_id}/{breakdown}/{category}/{basis}, found {len(hit)}"
    return hit.iloc[0]


def wilson(x, n):
    """Wilson score 95% limits written out by hand (independent of analysis.stats), for expected values."""
    centre, half = x + Z * Z / 2, Z * np.sqrt(x * (n - x) / n + Z * Z / 4)
    return (centre - half) / (n + Z * Z), (centre + half) / (n + Z * Z)
