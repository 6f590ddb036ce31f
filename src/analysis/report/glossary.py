"""Plain words for the reports: the glossary, and links from each term's first use on a page to its entry.

`TERMS` is the glossary (one entry per term: the words a page uses for it, and a definition written for an
inspector, not a statistician). `link_terms` takes a finished page and links the first use of every term
in its main text to the glossary page (outputs/glossary.html#<id>); headings, links, the banner, the
contents list and the footer are left alone. The glossary page itself is written by
analysis.report.reference_pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.disclosure import SUPPRESSED_SYMBOL


@dataclass(frozen=True)
class Term:
    """One glossary entry: `id` (the page anchor), the `term` as headed, the `patterns` (regular
    expressions) that find its use in a page, and its `definition`."""

    id: str
    term: str
    definition: str
    patterns: tuple[str, ...]


def _words(*words: str, case: bool = False) -> tuple[str, ...]:
    body = [r"(?<![\w\-])" + re.escape(w) + r"(?![\w])" for w in words]
    return tuple(b if case else f"(?i:{b})" for b in body)


TERMS: tuple[Term, ...] = (
    Term("abe", "ABE interview",
         "Achieving Best Evidence interview: a video-recorded interview of a victim or witness, held under the "
         "Ministry of Justice guidance 'Achieving Best Evidence in Criminal Proceedings', that can be used as their "
         "evidence in chief in court.", _words("ABE", case=True)),
    Term("outcome-types", "Outcome types (Home Office outcomes framework)",
         "Every recorded crime is given an outcome type from 1 to 22 when the police finish with it, e.g. 1 "
         "charged or summonsed, 14 evidential difficulties: the victim does not support action, 15 evidential "
         "difficulties: suspect identified, victim supports action, 16 evidential difficulties: victim does not "
         "support further action, 18 investigation complete, no suspect identified. The reports group them as "
         "the Home Office publishes. 'Not yet assigned' means the investigation is still open.",
         _words("outcome group", "outcome type", "outcome types", "Home Office outcome")),
    Term("charge-rate", "Charge rate",
         "The share of offences whose outcome is 'charged or summonsed'. On the assigned basis the denominator is "
         "offences with an outcome assigned; on the recorded basis it is all recorded offences, including those "
         "still open.", _words("charge rate")),
    Term("basis", "Basis",
         "What the denominator of a figure counts, e.g. 'all victims', 'offences with an outcome assigned', or "
         "'share of records with a recorded value'. The same numerator on two bases gives two different shares.",
         _words("basis", "bases")),
    Term("numerator", "Numerator and denominator",
         "A share or rate is the numerator (the records counted) divided by the denominator (the records they "
         "are counted among). Tables show both, so a reader can check the arithmetic.",
         _words("numerator", "denominator")),
    Term("not-recorded", "Not recorded",
         "A field the force's record does not fill in (for ethnicity: 'not stated' or IC9). Shares are shown on "
         "two bases: among records with the value, and among all records with 'not recorded' as its own row.",
         _words("not recorded", "unrecorded")),
    Term("confidence-interval", "95% confidence interval (CI)",
         "The range of values consistent with the data, allowing for chance (a sampling or process-variation "
         "model: the table's method names it). It does not allow for recording errors. Wider intervals mean "
         "less certainty. Shares use the Wilson score interval; counts and rates exact Poisson limits below 10 "
         "and Byars' approximation from 10.", _words("95% CI", "confidence interval", "95% interval")),
    Term("interquartile-range", "Interquartile range",
         "The lower and upper quartiles: half of the cases lie between them. It describes spread; it is not an "
         "estimate of uncertainty.", _words("interquartile range", "quartiles", "quartile")),
    Term("control-limits", "Control limits",
         "Lines on a funnel plot around the national value: a force inside the 95% limits differs from the "
         "national value by no more than chance and ordinary variation between forces would explain; outside "
         "the 99.8% limits, it differs by much more. They widen for smaller forces. Being outside them is a "
         "prompt to ask why, not a verdict.", _words("control limits", "99.8% limits", "95% limits", "limits adjusted")),
    Term("funnel-plot", "Funnel plot",
         "A chart of every force's value against its size (the denominator), with control limits that narrow as "
         "size grows, so that small forces are not singled out for chance variation.", _words("funnel plot", "funnel plots")),
    Term("overdispersion", "Overdispersion",
         "More variation between forces than chance alone would give, because forces genuinely differ (recording "
         "practice, population). The limits are widened for it (Spiegelhalter 2005, additive random effects "
         "estimated from 10% winsorised z-scores: the most extreme 10% at each end are pulled in so that a few "
         "outliers do not widen the limits for everyone). phi is the overdispersion factor (1 means none); tau^2 "
         "the variance between forces added to the limits.",
         _words("overdispersion", "overdispersed", "winsorised") + _words("phi", case=True)),
    Term("p-value", "p-value",
         "How often a difference at least this large would arise by chance alone if there were no real "
         "difference. A small p-value (below 0.05, and much more so below 0.001) is evidence of a real difference; "
         "a large one means the data do not show one, not that there is none.", _words("p-value", "p-values")),
    Term("fdr", "False discovery rate (FDR) and q-value",
         "When many forces are tested at once, some will look unusual by chance. The Benjamini-Hochberg method "
         "adjusts each p-value to a q-value so that, among forces flagged at q below 0.05, about 5% at most are "
         "expected to be false alarms.",
         _words("FDR", case=True) + _words("q-value", "q-values", "false discovery rate", "false-discovery-rate",
                                          "Benjamini-Hochberg") + (r"(?<![\w\-])q = ",)),
    Term("kaplan-meier", "Kaplan-Meier estimate",
         "The share of victims still supporting the investigation at each time since their first report, allowing "
         "for victims followed for different lengths of time (censored). It is not simply the count still "
         "supporting divided by all victims.", _words("Kaplan-Meier")),
    Term("censored", "Censored",
         "A victim (or offence) whose follow-up ended before the event happened, e.g. still supporting the "
         "investigation at the extraction date. Censored records count for the time they were followed, not as "
         "never having the event.", _words("censored", "censoring")),
    Term("aalen-johansen", "Cumulative incidence (Aalen-Johansen)",
         "The share of offences that have reached an outcome (e.g. charge) by each day, when other outcomes can "
         "happen first (competing risks); open offences are censored at the extraction date.",
         _words("Aalen-Johansen", "cumulative incidence", "competing risks", "competing event", "competing events")),
    Term("hazard-ratio", "Hazard ratio",
         "From a Cox proportional hazards model: how much faster (above 1) or slower (below 1) an event such as "
         "charge happens for offences with a characteristic than without it, at any point in time. The intervals "
         "allow for several offences of one victim (Lin-Wei robust errors).",
         _words("hazard ratio", "hazard ratios", "Cox", "Lin-Wei")),
    Term("odds-ratio", "Odds ratio",
         "From a logistic regression: how the odds of an event (e.g. withdrawing support) differ with a "
         "characteristic, other things in the model held equal: above 1 more likely, below 1 less likely. HC1 "
         "marks intervals robust to a misfitting variance; cluster-robust intervals allow for forces.",
         _words("odds ratio", "odds ratios", "logistic regression") + _words("HC1", case=True)),
    Term("rate-ratio", "Rate ratio per year",
         "The factor by which the yearly number of offences changes each year (from a Poisson model): 1.10 is a "
         "rise of about 10% a year.", _words("rate ratio", "incidence rate ratio")),
    Term("kappa", "Cohen's kappa",
         "Agreement between two ways of recording the same thing (self-defined and officer-defined ethnicity) "
         "beyond what chance would give: 1 is perfect, 0 no better than chance.", _words("Cohen's kappa", "kappa")),
    Term("missing-bounds", "Range allowed by unrecorded values",
         "The values a figure would take if none, or all, of the unrecorded records belonged to the group. It "
         "shows how much the unrecorded records could change the figure; it is not a sampling interval.",
         _words("bounds allowed by missing records", "range allowed by unrecorded values")),
    Term("disclosure-control", "Statistical disclosure control",
         "Rules that stop a published table revealing anything about an individual: small counts, figures derived "
         "from them, and cells that would let one be worked out, are withheld.",
         _words("disclosure control", "disclosure-controlled", "disclosure threshold")),
    Term("symbol-c", f"{SUPPRESSED_SYMBOL} (confidential)",
         "Withheld by statistical disclosure control: a count from 1 to 9, a figure derived from one, or a cell "
         "that would let one be worked out.", (re.escape(SUPPRESSED_SYMBOL),)),
    Term("symbol-x", "[x] (not available)",
         "Not available: the figure could not be computed (e.g. too few records for a model), or the force did "
         "not return it.", (re.escape("[x]"),)),
    Term("symbol-z", "[z] (not applicable)",
         "Not applicable: the cell has no meaning for that row (e.g. a denominator for a count).", (re.escape("[z]"),)),
    Term("cse", "Group-based child sexual exploitation (CSE)",
         "Child sexual exploitation committed by two or more offenders acting together. The CSE flag and the "
         "group-based flag mark such records on the force's crime system.", _words("CSE", case=True)),
    Term("looked-after", "Looked after",
         "A child in the care of a local authority.", _words("looked after", "looked-after")),
    Term("nrm", "NRM",
         "National Referral Mechanism: the framework for identifying and supporting victims of modern slavery "
         "and trafficking.", _words("NRM", case=True)),
    Term("ons-groups", "Ethnic groups (self-defined and officer-defined)",
         "Self-defined ethnicity is the person's own answer (18 categories plus 'not stated', grouped into the 5 "
         "ONS high-level groups); officer-defined ethnicity is an officer's perception (IC1 to IC6, IC9 = not "
         "recorded).", _words("self-defined", "officer-defined", "ONS") + _words("IC9", case=True)),
    Term("problem-profile", "Problem profile",
         "A force's assessment of the nature and scale of group-based CSE in its area; the inspection recommended "
         "one every year that uses partner agencies' data.", _words("problem profile", "problem profiles")),
    Term("disruption", "Disruption tactics",
         "Orders and notices used to disrupt exploitation without a charge, e.g. child abduction warning notice "
         "(CAWN), sexual risk order (SRO), sexual harm prevention order (SHPO), slavery and trafficking risk and "
         "prevention orders (STRO, STPO).", _words("disruption", "disruptions") + _words("CAWN", "SHPO", "SRO", case=True)),
)

TERM_IDS = frozenset(t.id for t in TERMS)

#: Elements whose text is never linked (already a link, a heading, the page furniture, code).
SKIP_ELEMENTS = frozenset({"a", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style", "title", "code", "pre",
                           "header", "footer", "nav", "button", "label", "option", "textarea"})
#: Classes of elements whose text is never linked (the synthetic banner, the contents list).
SKIP_CLASSES = frozenset({"analysis-banner", "analysis-toc", "analysis-provenance", "analysis-breadcrumb"})


def compiled() -> list[tuple[Term, re.Pattern]]:
    """Each term with one pattern matching any of its spellings."""
    return [(t, re.compile("|".join(f"(?:{p})" for p in t.patterns))) for t in TERMS]


def _skipped(node) -> bool:
    for parent in node.parents:
        name = getattr(parent, "name", None)
        if name in SKIP_ELEMENTS:
            return True
        classes = parent.get("class") if hasattr(parent, "get") else None
        if classes and SKIP_CLASSES.intersection(classes):
            return True
    return False


def text_nodes(soup):
    """The page's linkable text nodes in document order (inside <main> when the page has one)."""
    root = soup.find("main") or soup.body or soup
    from bs4 import Comment, NavigableString

    for node in root.find_all(string=True):
        if isinstance(node, Comment) or not isinstance(node, NavigableString) or not node.strip():
            continue
        if _skipped(node):
            continue
        yield node


def link_terms(page: str, glossary_href: str) -> str:
    """The page with the first use of every glossary term (in the main text, outside headings and links)
    linked to its entry at `glossary_href#<id>`; text is kept exactly (BeautifulSoup re-escapes it)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    pending = compiled()
    for node in list(text_nodes(soup)):
        if not pending:
            break
        text = str(node)
        hits = []
        for term, pattern in pending:
            match = pattern.search(text)
            if match:
                hits.append((match.start(), match.end(), term))
        if not hits:
            continue
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        chosen, end = [], -1
        for start, stop, term in hits:  # non-overlapping, earliest first
            if start >= end:
                chosen.append((start, stop, term))
                end = stop
        pieces, at = [], 0
        for start, stop, term in chosen:
            if start > at:
                pieces.append(text[at:start])
            link = soup.new_tag("a", href=f"{glossary_href}#{term.id}", attrs={"class": "glossary-link"})
            link.string = text[start:stop]
            pieces.append(link)
            at = stop
        if at < len(text):
            pieces.append(text[at:])
        node.replace_with(*pieces)
        linked = {t.id for _, _, t in chosen}
        pending = [(t, p) for t, p in pending if t.id not in linked]
    return str(soup)
