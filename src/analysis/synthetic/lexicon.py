"""Fast whole-phrase lexicon matching for the data card (which notes contain a victim-blaming phrase).

The lexicon's patterns (params/reference/victim_blaming_lexicon.csv) are Python regular expressions and
may use lookbehind, which the fast RE2 engine in pyarrow lacks. Removing negative lookarounds only
widens a pattern, so RE2 first finds the candidate notes with the widened patterns, then Python's `re`
confirms each candidate with the exact patterns. The result equals a plain `re.search` of every
pattern on every note (tests check), in a fraction of the time.
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


def _widened() -> str:
    return "|".join(f"(?:{_NEGATIVE_LOOKAROUND.sub('', p.pattern)})" for p in patterns())


def matches_any(texts: pd.Series) -> np.ndarray:
    """Boolean per text: does any lexicon pattern match it (whole phrases, case-insensitive)?"""
    values = texts.to_numpy(dtype=object, na_value="")
    if values.size == 0:
        return np.zeros(0, dtype=bool)
    try:
        candidate = pc.match_substring_regex(pa.array(values, type=pa.string()), _widened(), ignore_case=True)
        candidate = candidate.to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # a pattern RE2 cannot compile even widened: check every text exactly
        candidate = np.ones(values.size, dtype=bool)
    result = np.zeros(values.size, dtype=bool)
    compiled = patterns()
    for i in np.flatnonzero(candidate):
        text = values[i]
        result[i] = any(p.search(text) for p in compiled)
    return result
