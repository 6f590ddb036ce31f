"""Detect victim-blaming language in case notes with the lexicon in params/reference/.

The lexicon (victim_blaming_lexicon.csv) holds one regular expression per term, written to match whole
phrases only (word boundaries), with its category and the recommended alternative wording. Matching is
case-insensitive. Only counts leave this module: note text is never returned, so nothing downstream can
publish it.

Speed: Python's regex engine costs about 0.1 ms per note per category, too slow for a million notes. A
vectorised RE2 pass (pyarrow) first keeps the notes that could match: lookarounds, which RE2 lacks, are
removed, which can only widen a pattern, so the screen keeps a superset. The exact patterns then count
matches on those notes only; the notes the screen drops match nothing, so the counts are exact (tests
compare with matching every note). Patterns using \\w, \\s or \\d are not screened, because RE2 reads those
classes as ASCII where Python reads Unicode; then every note is matched exactly.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import reference

_LOOKAROUND = re.compile(r"\(\?<?[=!][^()]*\)")
_PYTHON_ONLY_CLASSES = re.compile(r"\\[wWsSdD]")


@cache
def lexicon() -> pd.DataFrame:
    """The lexicon, with every pattern checked to compile."""
    table = reference.load("victim_blaming_lexicon")
    for pattern in table["pattern"]:
        re.compile(pattern)  # fail early, naming nothing from notes
    return table


def categories() -> list[str]:
    """Lexicon categories, sorted."""
    return sorted(lexicon()["category"].unique().tolist())


def _combined(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


@cache
def _screen_pattern() -> str | None:
    """One RE2 pattern matching every note that any lexicon pattern could match (a superset), or None."""
    stripped = [_LOOKAROUND.sub("", p) for p in lexicon()["pattern"]]
    if any("(?<" in p or "(?=" in p or "(?!" in p or _PYTHON_ONLY_CLASSES.search(p) for p in stripped):
        return None
    return _combined(stripped)


def exact_match_counts(texts: pd.Series) -> pd.DataFrame:
    """Per note: matches in each category, `matches` in total and `any_match`, by matching every note."""
    text = texts.fillna("").astype("str")
    out = {}
    for category, group in lexicon().groupby("category", sort=True):
        out[category] = text.str.count(_combined(group["pattern"].tolist()), flags=re.IGNORECASE).astype("int64")
    frame = pd.DataFrame(out, index=texts.index)
    frame["matches"] = frame.sum(axis=1).astype("int64")
    frame["any_match"] = frame["matches"] > 0
    return frame


def match_counts(texts: pd.Series) -> pd.DataFrame:
    """Per note: matches in each category, `matches` in total and `any_match` (screened first; see module doc)."""
    screen = _screen_pattern()
    if screen is None or texts.empty:
        return exact_match_counts(texts)
    values = pa.array(texts.fillna("").astype("str").to_numpy(dtype=object), type=pa.string())
    try:
        candidate = pc.match_substring_regex(values, screen, ignore_case=True).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # a pattern RE2 cannot compile: match every note exactly
        return exact_match_counts(texts)
    found = exact_match_counts(texts[candidate])
    full = pd.DataFrame(0, index=texts.index, columns=found.columns.drop("any_match"), dtype="int64")
    full.loc[found.index, full.columns] = found[full.columns]
    full["any_match"] = full["matches"] > 0
    return full
