"""Sentences for synthetic case notes: neutral entries, lexicon phrases and near misses.

NEUTRAL sentences are professional, victim-centred record entries and contain no phrase of the
victim-blaming lexicon (params/reference/victim_blaming_lexicon.csv). LEXICON sentences each contain one
lexicon phrase (keyed by term_id; a phrase is the lexicon `example` or a form its `pattern` matches): they
stand for the poor practice the inspection found, and are inserted at force-specific rates. NEAR_MISSES
resemble a lexicon phrase (same words, different meaning: "the suspect put her at risk", "risk assessment
completed", "willing to take part") and must NOT be counted by a whole-phrase matcher; tests check both
directions against the lexicon's regexes for every pronoun form. No sentence names a person or a place.

Placeholders: {subj} she/he/they, {obj} her/him/them, {pos} her/his/their, {refl} herself/himself/
themselves, {was} was/was/were, {is} is/is/are.
"""

from __future__ import annotations

import pyarrow as pa

#: Pronoun forms by victim: 0 female, 1 male, 2 other or not recorded.
PRONOUNS = (
    {"subj": "she", "obj": "her", "pos": "her", "refl": "herself", "was": "was", "is": "is"},
    {"subj": "he", "obj": "him", "pos": "his", "refl": "himself", "was": "was", "is": "is"},
    {"subj": "they", "obj": "them", "pos": "their", "refl": "themselves", "was": "were", "is": "are"},
)

NEUTRAL = (
    "Initial account taken from the victim with {pos} carer present; safeguarding referral made to children's social care.",
    "Strategy discussion held with children's social care and health; a safety plan was agreed.",
    "ABE interview planned; the victim was offered a choice of interview date and location.",
    "Victim seen at home and told about the support available from the independent sexual violence adviser.",
    "Intelligence submitted on vehicles and addresses linked to the suspect.",
    "Suspect arrested and interviewed under caution; released on bail with conditions not to contact the victim.",
    "Digital devices seized from the suspect for forensic examination.",
    "Supervisor reviewed the investigation plan and set actions for the officer in the case.",
    "The victim's welfare was checked and {subj} {was} updated on the progress of the investigation.",
    "Missing episode recorded; return home interview arranged through children's services.",
    "The victim was supported by a specialist CSE worker throughout the visit.",
    "Case file submitted to the CPS for a charging decision.",
    "CPS advice received; further enquiries requested before a decision.",
    "Victim Personal Statement explained to the victim and {pos} parent.",
    "Medical examination arranged at the sexual assault referral centre with agreement from the victim and {pos} carer.",
    "Multi-agency meeting held; information shared with education and health partners.",
    "House-to-house enquiries and a CCTV trawl completed near the reported locations.",
    "The victim asked to speak to an officer of {pos} choosing; this was arranged.",
    "Risk to the victim reviewed; safeguarding measures remain in place.",
    "Telephone contact with the victim's carer to arrange the next visit.",
    "Analyst linked the offence to other reports involving the same suspects.",
    "Victim referred to the National Referral Mechanism as a potential victim of trafficking.",
    "Communications data for the suspect's phone requested.",
    "Officer explained the investigation process to the victim in language suited to {pos} age.",
    "The victim has been exploited by the suspect and is being supported by the specialist team.",
    "Child abduction warning notice served on the suspect to protect the victim.",
    "Officer in the case updated the victim's family on the bail conditions.",
    "Achieving Best Evidence interview completed by a trained officer; the victim was supported by an intermediary.",
)

#: One or more sentences per lexicon term; each contains exactly that term's phrase.
LEXICON: dict[str, tuple[str, ...]] = {
    "VB01": ("Officer notes that {subj} {is} putting {refl} at risk by going missing.",),
    "VB02": ("Report states the victim placed {refl} at risk by meeting the suspects.",),
    "VB03": ("Concerns about {pos} risk-taking behaviour were noted.",),
    "VB04": ("Officer described the contact with the suspects as a lifestyle choice.",),
    "VB05": ("Officer recorded the sexual contact as consensual.",),
    "VB06": ("The victim was described as a willing participant.",),
    "VB07": ("Log entry refers to the victim as a child prostitute.",),
    "VB08": ("Entry states that {subj} {was} prostituting {refl}.",),
    "VB09": ("Victim described in the log as promiscuous.",),
    "VB10": ("Note records that the victim is sexually active.",),
    "VB11": ("Entry states the victim was exchanging sex for cigarettes and lifts.",),
    "VB12": ("The victim was seen getting into a car with {pos} older boyfriend.",),
    "VB13": ("The victim is believed to be in a relationship with the suspect.",),
    "VB14": ("Officer describes the victim as streetwise.",),
    "VB15": ("The victim refused to engage with the officer at the visit.",),
    "VB16": ("Victim not engaging with the investigation at present.",),
    "VB17": ("The log states that {subj} {is} making {pos} own choices.",),
    "VB18": ("The victim came back of {pos} own accord after the missing episode.",),
}

#: Near misses, keyed by the lexicon term each resembles: none may match ANY lexicon pattern.
NEAR_MISSES: dict[str, tuple[str, ...]] = {
    "VB01": ("The suspect put {obj} at risk by arranging the meetings.",),
    "VB02": ("The victim was placed at risk by the suspects' control.",),
    "VB03": ("Risk assessment completed and shared with partners.", "Risk-taking by the suspects in approaching children at the school gates was noted."),
    "VB04": ("Questions about health and lifestyle were covered in the medical.",),
    "VB05": ("Consent for the medical examination was recorded.",),
    "VB06": ("The victim is willing to take part in an ABE interview.",),
    "VB07": ("A child protection conference has been arranged.",),
    "VB08": ("Offences of paying for the sexual services of a child are being considered against the suspect.",),
    "VB09": ("The suspect made promises of gifts and money to the victim.",),
    "VB10": ("The offence recorded is sexual activity with a child.",),
    "VB11": ("The suspect exchanged messages with the victim on social media.",),
    "VB12": ("The suspect presented himself to the victim as a boyfriend to gain {pos} trust.",),
    "VB13": ("The suspect claimed to be in a relationship with {obj}; this is recorded as grooming.",),
    "VB14": ("Street enquiries completed with the neighbourhood team.",),
    "VB15": ("The suspect refused to answer questions in interview.",),
    "VB16": ("Engagement with the independent sexual violence adviser is continuing.",),
    "VB17": ("The victim was supported to make choices about the interview arrangements.",),
    "VB18": ("The victim was found by officers and returned to {pos} carer.",),
}


def render(sentences: tuple[str, ...] | list[str]) -> pa.Array:
    """The sentences in each pronoun form, flattened: sentence i in form f is at 3 * i + f."""
    return pa.array([s.format(**forms) for s in sentences for forms in PRONOUNS], type=pa.string())


def _flatten(groups: dict[str, tuple[str, ...]]) -> tuple[list[str], list[str]]:
    """(term_id per sentence, sentence) flattened from `groups`, in term order."""
    terms, sentences = [], []
    for term, items in groups.items():
        for sentence in items:
            terms.append(term)
            sentences.append(sentence)
    return terms, sentences


def lexicon_sentences() -> tuple[list[str], list[str]]:
    """(term_id per sentence, sentence) flattened from LEXICON, in term order."""
    return _flatten(LEXICON)


def near_miss_sentences() -> tuple[list[str], list[str]]:
    """(term_id per sentence, sentence) flattened from NEAR_MISSES, in term order."""
    return _flatten(NEAR_MISSES)
