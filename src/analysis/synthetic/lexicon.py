"""Which notes contain a victim-blaming phrase, for the data card: the indicators' own matcher.

The data card reports how many generated notes carry a lexicon phrase; it uses exactly the matcher the
indicator VE07 uses (analysis.indicators.language), so the card and the reports cannot disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.indicators.language import match_counts


def matches_any(texts: pd.Series) -> np.ndarray:
    """Boolean per text: does any lexicon pattern match it (whole phrases, case-insensitive)?"""
    if len(texts) == 0:
        return np.zeros(0, dtype=bool)
    return match_counts(pd.Series(texts).reset_index(drop=True))["any_match"].to_numpy(dtype=bool)
