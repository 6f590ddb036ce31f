"""Case-note text: lexicon phrases are matched, near misses and neutral wording never are."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis import reference
from analysis.synthetic import text
from analysis.synthetic.lexicon import matches_any

LEXICON = reference.load("victim_blaming_lexicon")
PATTERNS = {row.term_id: re.compile(row.pattern, re.IGNORECASE) for row in LEXICON.itertuples()}


def _forms(sentence: str) -> list[str]:
    return [sentence.format(**forms) for forms in text.PRONOUNS]


def _matched_terms(sentence: str) -> list[str]:
    return [term for term, pattern in PATTERNS.items() if pattern.search(sentence)]


def test_every_lexicon_term_has_an_insert_sentence_and_a_near_miss():
    assert set(text.LEXICON) == set(PATTERNS)
    assert set(text.NEAR_MISSES) == set(PATTERNS)


@pytest.mark.parametrize("term", sorted(text.LEXICON))
def test_insert_sentences_match_exactly_their_own_term(term):
    for sentence in text.LEXICON[term]:
        for form in _forms(sentence):
            assert _matched_terms(form) == [term], form


@pytest.mark.parametrize("term", sorted(text.NEAR_MISSES))
def test_near_misses_match_no_term(term):
    for sentence in text.NEAR_MISSES[term]:
        for form in _forms(sentence):
            assert _matched_terms(form) == [], form


def test_the_lexicon_examples_are_matched_by_their_own_pattern():
    # The inserted phrases are the lexicon's examples or forms of them: the lexicon itself must agree.
    for row in LEXICON.itertuples():
        assert PATTERNS[row.term_id].search(row.example), row.term_id


def test_neutral_sentences_match_no_term_and_name_no_one():
    for sentence in text.NEUTRAL:
        for form in _forms(sentence):
            assert _matched_terms(form) == [], form
    # No personal names or places: every capitalised word is a sentence start or from a fixed list of
    # agencies, processes and acronyms.
    allowed = {"Initial", "Strategy", "ABE", "Victim", "Intelligence", "Suspect", "Digital", "Supervisor", "The",
               "Missing", "CSE", "Case", "CPS", "Personal", "Statement", "Medical", "Multi-agency", "House-to-house",
               "CCTV", "Risk", "Telephone", "Analyst", "National", "Referral", "Mechanism", "Communications",
               "Officer", "Child", "Achieving", "Best", "Evidence", "Report", "Concerns", "Log", "Entry", "Note",
               "Questions", "Consent", "A", "Offences", "Street", "Engagement", "Risk-taking"}
    every = [*text.NEUTRAL, *(s for v in text.LEXICON.values() for s in v), *(s for v in text.NEAR_MISSES.values() for s in v)]
    words = {w.strip(".,;:'") for s in every for w in s.split() if w[:1].isupper()}
    assert words <= allowed, words - allowed


def test_fast_matcher_agrees_with_plain_regex(national):
    notes = national["case_notes"]["text"].iloc[:20_000]
    plain = notes.map(lambda t: any(p.search(t) for p in PATTERNS.values())).to_numpy(dtype=bool)
    assert np.array_equal(matches_any(notes), plain)
    assert plain.sum() > 100


def test_generated_notes_carry_near_misses_and_at_most_one_lexicon_phrase(national, default_config):
    notes = national["case_notes"]["text"]
    sample = notes.iloc[:20_000]
    counts = sample.map(lambda t: len(_matched_terms(t)))
    assert counts.max() == 1
    near = [form for v in text.NEAR_MISSES.values() for s in v for form in _forms(s)]
    has_near = sample.map(lambda t: any(n in t for n in near)).mean()
    assert abs(has_near - default_config.section("case_notes")["near_miss_rate"]) < 0.02
    # Notes attach to an offence, a victim or both; never to neither.
    cn = national["case_notes"]
    assert (cn["offence_id"].notna() | cn["victim_id"].notna()).all()
    assert cn["offence_id"].isna().any() and cn["victim_id"].isna().any()


def test_pronouns_follow_the_victim_sex(national):
    cn = national["case_notes"].dropna(subset=["victim_id"])
    sex = national["victims"].set_index(["force_code", "victim_id"])["sex"]
    joined = sex.reindex(pd.MultiIndex.from_frame(cn[["force_code", "victim_id"]])).to_numpy()
    male_text = cn["text"][joined == "male"]
    assert not male_text.str.contains(r"\b(?:she|herself)\b", regex=True).any()
    female_text = cn["text"][joined == "female"]
    # ("himself" does occur: a near miss says the suspect "presented himself" as a boyfriend.)
    assert not female_text.str.contains(r"\b(?:he|his|him)\b", regex=True).any()
    assert female_text.str.contains(r"\bher\b", regex=True).any() and male_text.str.contains(r"\bhis\b", regex=True).any()
