"""Look up one results row by its key, so tests read like the hand computation."""

import pandas as pd


def row(table: pd.DataFrame, indicator_id: str, breakdown: str, category: str, basis: str | None = None) -> pd.Series:
    hit = table[(table["indicator_id"] == indicator_id) & (table["breakdown"] == breakdown) & (table["category"] == category)]
    if basis is not None:
        hit = hit[hit["basis"] == basis]
    assert len(hit) == 1, f"expected one row for {indicator_id}/{breakdown}/{category}/{basis}, found {len(hit)}"
    return hit.iloc[0]
