"""Detect victim-blaming language in case notes with the lexicon in params/reference/.

The lexicon (victim_blaming_lexicon.csv) holds one regular expression per term, written to match whole
phrases only (word boundaries), with its category and the recommended alternative wording. Matching is
case-insensitive. Only counts leave this module: note text is never returned, so nothing downstream can
publish it.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from analysis import reference


@cache
def lexicon() -> pd.DataFrame:
    """The lexicon with each pattern compiled (case-insensitive)."""
    table = reference.load("victim_blaming_lexicon")
    for pattern in table["pattern"]:
        re.compile(pattern)  # fail early, naming nothing from notes
    return table


def _combined(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def match_counts(texts: pd.Series) -> pd.DataFrame:
    """Per note: number of lexicon matches in each category and in total, and whether any matched.

    Returns a frame aligned to `texts` with one column per category, `matches` and `any_match`.
    """
    table = lexicon()
    text = texts.fillna("").astype("str")
    out = {}
    for category, group in table.groupby("category", sort=True):
        out[category] = text.str.count(_combined(group["pattern"].tolist()), flags=re.IGNORECASE).astype("int64")
    frame = pd.DataFrame(out, index=texts.index)
    frame["matches"] = frame.sum(axis=1).astype("int64")
    frame["any_match"] = frame["matches"] > 0
    return frame


def categories() -> list[str]:
    """Lexicon categories, sorted."""
    return sorted(lexicon()["category"].unique().tolist())
