"""Case notes: synthetic free text assembled from the sentences in `text`, fully vectorised.

Each note is one or two neutral sentences; with the force's victim-blaming rate it also carries ONE
lexicon sentence (so the share of notes with a lexicon match equals the planted rate in expectation), and
with the near-miss rate one near-miss sentence (never a match). Pronouns follow the victim's recorded sex.
Notes belong to an offence (most also name its victim) or to a victim record only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.synthetic.config import SyntheticConfig
from analysis.synthetic.offences import Structure
from analysis.synthetic.people import Victims
from analysis.synthetic.sampling import DAY, choose, truncated_lognormal_days
from analysis.synthetic.text import NEUTRAL, lexicon_sentences, near_miss_sentences, render

_NEUTRAL = render(NEUTRAL)
_LEX_TERMS, _LEX = lexicon_sentences()
_LEXICON = render(_LEX)
_, _NEAR = near_miss_sentences()
_NEAR_MISS = render(_NEAR)


@dataclass
class Notes:
    offence: np.ndarray      # int, -1 none
    victim: np.ndarray       # int, -1 none
    date: np.ndarray         # datetime64[D]
    author_role: np.ndarray
    text: pa.Array           # string
    lexicon_term: np.ndarray  # object: the inserted term_id or None (not published; for checks)


def _part(sentences: pa.Array, index: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """The sentences at `index`, null where the part is not `present`."""
    mask = None if present is None else ~present
    return pc.take(sentences, pa.array(index, mask=mask))


def _pronoun_index(sex: np.ndarray) -> np.ndarray:
    return np.where(sex == "female", 0, np.where(sex == "male", 1, 2))


def build_notes(config: SyntheticConfig, force: dict, st: Structure, victims: Victims, rng: np.random.Generator) -> Notes:
    c = config.section("case_notes")
    per_offence = rng.poisson(c["per_offence"], st.n_offences)
    per_victim = rng.poisson(c["per_victim"], st.n_victims)
    if per_offence.sum() + per_victim.sum() == 0:
        per_offence[0] = 1
    note_offence = np.concatenate([np.repeat(np.arange(st.n_offences), per_offence), np.full(int(per_victim.sum()), -1)])
    victim_of_offence = st.offence_victim[np.maximum(note_offence, 0)]
    note_victim = np.where(note_offence >= 0, victim_of_offence, -1)
    note_victim[note_offence < 0] = np.repeat(np.arange(st.n_victims), per_victim)
    n = note_offence.size
    names_victim = (note_offence < 0) | (rng.random(n) < c["offence_note_names_victim"])
    published_victim = np.where(names_victim, note_victim, -1)

    base = np.where(note_offence >= 0, st.offence_recorded[np.maximum(note_offence, 0)], victims.first_report[note_victim])
    delay = truncated_lognormal_days(rng, c["delay_median_days"], 1.0, (config.extraction_date - base) / DAY)
    date = (base + delay * DAY).astype("datetime64[D]")

    # Each part is a sentence index (sentence x 3 pronoun forms, flattened) or null when the note lacks
    # it; the parts are joined with spaces, skipping nulls (pyarrow, so no Python string handling).
    pron = _pronoun_index(victims.sex[note_victim])
    first = rng.integers(0, len(NEUTRAL), n)
    has_lexicon = rng.random(n) < force["victim_blaming_rate"]
    lex = rng.integers(0, len(_LEX), n)
    has_near = rng.random(n) < c["near_miss_rate"]
    near = rng.integers(0, len(_NEAR), n)
    second = rng.random(n) < 0.5
    more = rng.integers(0, len(NEUTRAL), n)
    text = pc.binary_join_element_wise(
        _part(_NEUTRAL, first * 3 + pron),
        _part(_LEXICON, lex * 3 + pron, has_lexicon),
        _part(_NEAR_MISS, near * 3 + pron, has_near),
        _part(_NEUTRAL, more * 3 + pron, second),
        " ",
        null_handling="skip",
    )

    term = np.where(has_lexicon, np.array(_LEX_TERMS, dtype=object)[lex], None)
    return Notes(
        offence=note_offence,
        victim=published_victim,
        date=date,
        author_role=choose(rng, c["author_roles"], n),
        text=text,
        lexicon_term=term,
    )
