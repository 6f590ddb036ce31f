"""What each results row counts: the kind of record behind its numerator and its denominator.

A results row's numerator and denominator are counts of records of one kind (suspects, victims, offences,
referrals, networks, case files, case notes) or of something else (uses of a disruption tactic, lexicon matches,
child-years of the resident population). The reader's audit (analysis.disclosure.audit) treats two cells with
the same value as one count only when they count the same kind of record: 21 victims aged 12 and under and 21
suspects with both ethnicity records are different counts, whatever their values. Without this, equal values
of different kinds are linked by chance and withhold figures that protect nothing.

The kinds follow the indicator catalogue (analysis.indicators.catalogue: each entry's numerator and
denominator); rows of indicators that count several kinds (NS01, NS06, RI05, RI06, VE07, the national rows
NA01/NA02 that repeat a force indicator) are told apart by their breakdown, category or basis. A row this module
does not know gets None for both: the audit then links it as before, by value alone (stricter, never weaker).
This module imports nothing from the package, so the disclosure and indicator modules can both use it.
"""

from __future__ import annotations

OFFENCES = "offences"
VICTIMS = "victims"
SUSPECTS = "suspects"
NETWORKS = "networks"
REFERRALS = "referrals"
CASE_FILES = "case files"
CASE_NOTES = "case notes"
TACTIC_USES = "uses of a disruption tactic"
LEXICON_MATCHES = "lexicon matches"
CHILDREN = "resident children"
CHILD_YEARS = "child-years"
FORCES = "forces"

#: indicator id -> (numerator kind, denominator kind) where one pair holds for every row of the indicator.
BY_INDICATOR: dict[str, tuple[str, str]] = {
    "NS03": (OFFENCES, OFFENCES),
    "NS04": (OFFENCES, OFFENCES),
    "NS05": (NETWORKS, NETWORKS),
    "NS07": (OFFENCES, OFFENCES),
    **{f"OC0{k}": (SUSPECTS, SUSPECTS) for k in range(1, 7)},
    **{f"PS0{k}": (REFERRALS, REFERRALS) for k in range(1, 5)},
    "RI01": (OFFENCES, OFFENCES),
    "RI02": (OFFENCES, OFFENCES),
    "RI03": (OFFENCES, OFFENCES),
    "RI04": (OFFENCES, OFFENCES),
    "RI07": (CASE_FILES, CASE_FILES),
    "VE01": (VICTIMS, VICTIMS),
    "VE02": (VICTIMS, VICTIMS),
    "VE03": (VICTIMS, VICTIMS),
    "VE04": (VICTIMS, VICTIMS),
    "VE05": (OFFENCES, OFFENCES),
    "VE06": (VICTIMS, VICTIMS),
    "NA03": (FORCES, FORCES),
}

#: words that name a kind of record at the start of a category, breakdown or basis (NS01, NS06, RI05, NA01...)
_LEADING_WORDS: tuple[tuple[str, str], ...] = (
    ("offence", OFFENCES), ("victim", VICTIMS), ("suspect", SUSPECTS), ("network", NETWORKS),
    ("referral", REFERRALS), ("case file", CASE_FILES), ("case note", CASE_NOTES),
)

#: national key indicators (NA01, NA02 breakdowns) -> the kinds of the force indicator they repeat
KEY_INDICATORS: dict[str, tuple[str, str]] = {
    "charge rate": (OFFENCES, OFFENCES),
    "case notes with victim-blaming language": (CASE_NOTES, CASE_NOTES),
    "offences per 10,000 children": (OFFENCES, CHILD_YEARS),
    "suspect ethnicity recorded": (SUSPECTS, SUSPECTS),
    "victims who withdrew support": (VICTIMS, VICTIMS),
}


#: National indicators whose rows about a force repeat one of that force's own rows (numerator and denominator):
#: NA01 compares each force's key indicator with England and Wales; NA04 tests each force's suspects with a stated
#: ethnicity. The audit links such a row to the force row it repeats by numerator and denominator together.
REPEATS_FORCE_ROW = frozenset({"NA01", "NA04"})


def _leading_kind(text: str) -> str | None:
    words = str(text).strip().lower()
    for word, kind in _LEADING_WORDS:
        if words.startswith(word):
            return kind
    return None


def record_kind(indicator_id: str, breakdown: str, category: str, basis: str) -> tuple[str | None, str | None]:
    """(numerator kind, denominator kind) of one results row, or (None, None) when the row is not one this
    module knows (see the module doc). Inputs are the row's key columns as strings."""
    indicator, breakdown, category, basis = (str(indicator_id), str(breakdown), str(category), str(basis))
    if indicator in BY_INDICATOR:
        return BY_INDICATOR[indicator]
    if indicator == "NS01":  # records by financial year: the breakdown names the table
        kind = _leading_kind(breakdown)
        return kind, kind
    if indicator == "NS02":
        return OFFENCES, (CHILD_YEARS if basis.startswith("child-years") else CHILDREN)
    if indicator == "NS06":  # completeness of a field: the category names the table ("suspect sex")
        kind = _leading_kind(category)
        return kind, kind
    if indicator == "RI05":  # days to an event: the basis names the cases ("victims with an ABE interview")
        kind = _leading_kind(basis)
        return kind, kind
    if indicator == "RI06":  # uses of tactics per network or per 100 suspects
        return TACTIC_USES, (NETWORKS if "network" in breakdown else SUSPECTS if "suspect" in breakdown else None)
    if indicator == "VE07":
        return (LEXICON_MATCHES if breakdown.startswith("matches") else CASE_NOTES), CASE_NOTES
    if indicator in ("NA01", "NA02"):  # a key indicator by name ("suspect sex recorded": suspects)
        lead = _leading_kind(breakdown)
        return KEY_INDICATORS.get(breakdown, (lead, lead))
    if indicator == "NA04":
        return (FORCES, FORCES) if basis.startswith("forces") else (SUSPECTS, SUSPECTS)
    if indicator == "NA05":
        if "charge" in breakdown:
            return OFFENCES, OFFENCES
        if "withdraw" in breakdown:
            return VICTIMS, VICTIMS
    return None, None


# --- counts a reader knows to be the same, or nested, across rows ------------------------------------------------
# A selector names cells of one unit's rows: (indicator_id, breakdown, category, basis, column); None matches any
# value; column is "numerator" or "denominator". These relations hold by construction of the indicators
# (analysis.indicators), so a reader of the catalogue knows them; the audit (analysis.disclosure.audit) adds them
# to what it reads from equal values.

ALL_RECORDED = "all recorded offences (incl. not yet assigned)"
ASSIGNED = "offences with an outcome assigned (1-22)"

#: Pairs of selectors showing one count (whatever its size).
SAME_COUNT: tuple[tuple[tuple, tuple], ...] = (
    # withdrawals: the events of the Kaplan-Meier median are the victims who withdrew
    (("VE03", "median days to withdrawal", None, None, "numerator"), ("VE02", "total", "withdrew support", None, "numerator")),
    # networks measured for the median size are the networks of the size bands
    (("NS05", "summary", None, None, "numerator"), ("NS05", "size_band", None, None, "denominator")),
    # referrals actioned: the share actioned, the days to action, and the days from referral to action
    (("PS04", "days to action", None, None, "numerator"), ("PS04", "actioned", None, None, "numerator")),
    (("RI05", "days", "referral received to action", None, "numerator"), ("PS04", "actioned", None, None, "numerator")),
    # suspects with a stated ethnicity: the goodness-of-fit test and the completeness of the field
    (("OC06", "goodness of fit", None, None, "numerator"), ("NS06", "field", "suspect self-defined ethnicity", None, "numerator")),
)

#: Nested counts: (inner, outer), each a tuple of (selector, coefficient) terms; the inner count is part of the
#: outer one, so inner <= outer and outer - inner is a count too (victims who withdrew after the last reading,
#: charged offences left out of a model).
NESTED: tuple[tuple[tuple, tuple], ...] = (
    # cumulative readings end inside their totals (the readings themselves nest day by day: CUMULATIVE)
    (((("VE03", "still supporting at", "@last", None, "numerator"), 1.0),),
     ((("VE02", "total", "withdrew support", None, "numerator"), 1.0),)),
    (((("RI03", "cumulative incidence: charged or summonsed", "@last", None, "numerator"), 1.0),),
     ((("RI02", "total", "charged or summonsed", ALL_RECORDED, "numerator"), 1.0),)),
    (((("RI03", "cumulative incidence: other outcome", "@last", None, "numerator"), 1.0),),
     ((("RI02", "total", "charged or summonsed", ASSIGNED, "denominator"), 1.0),
      (("RI02", "total", "charged or summonsed", ASSIGNED, "numerator"), -1.0))),
    # a model's complete cases are part of the population, and its events part of all events
    (((("RI04", "model", "offences charged", None, "numerator"), 1.0),),
     ((("RI02", "total", "charged or summonsed", ALL_RECORDED, "numerator"), 1.0),)),
    (((("RI04", "model", "offences charged", None, "denominator"), 1.0),),
     ((("RI02", "total", "charged or summonsed", ALL_RECORDED, "denominator"), 1.0),)),
    (((("RI04", "model", "offences charged", None, "denominator"), 1.0), (("RI04", "model", "offences charged", None, "numerator"), -1.0)),
     ((("RI02", "total", "charged or summonsed", ALL_RECORDED, "denominator"), 1.0),
      (("RI02", "total", "charged or summonsed", ALL_RECORDED, "numerator"), -1.0))),
    (((("VE04", "model", "victims who withdrew", None, "numerator"), 1.0),),
     ((("VE02", "total", "withdrew support", None, "numerator"), 1.0),)),
    (((("VE04", "model", "victims who withdrew", None, "denominator"), 1.0),),
     ((("VE02", "total", "withdrew support", None, "denominator"), 1.0),)),
    (((("VE04", "model", "victims who withdrew", None, "denominator"), 1.0), (("VE04", "model", "victims who withdrew", None, "numerator"), -1.0)),
     ((("VE02", "total", "withdrew support", None, "denominator"), 1.0),
      (("VE02", "total", "withdrew support", None, "numerator"), -1.0))),
    # the model's covariate groups are part of the victims in the same group
    (((("VE04", "odds ratio", "looked after (vs not looked after)", None, "numerator"), 1.0),),
     ((("VE01", "looked_after", "looked after", "share of all records ('not recorded' as its own row)", "numerator"), 1.0),)),
    (((("VE04", "model", None, None, "denominator"), 1.0), (("VE04", "odds ratio", "looked after (vs not looked after)", None, "numerator"), -1.0)),
     ((("VE01", "looked_after", "not looked after", "share of all records ('not recorded' as its own row)", "numerator"), 1.0),)),
    (((("VE04", "odds ratio", "aged 12 and under (vs 13-15)", None, "numerator"), 1.0),),
     ((("VE01", "age_band", "12 and under", "share of all records ('not recorded' as its own row)", "numerator"), 1.0),)),
    (((("VE04", "odds ratio", "aged 16-17 (vs 13-15)", None, "numerator"), 1.0),),
     ((("VE01", "age_band", "16-17", "share of all records ('not recorded' as its own row)", "numerator"), 1.0),)),
    (((("VE04", "model", None, None, "denominator"), 1.0), (("VE04", "odds ratio", "aged 12 and under (vs 13-15)", None, "numerator"), -1.0),
      (("VE04", "odds ratio", "aged 16-17 (vs 13-15)", None, "numerator"), -1.0)),
     ((("VE01", "age_band", "13-15", "share of all records ('not recorded' as its own row)", "numerator"), 1.0),)),
)

#: Breakdowns whose rows are cumulative counts read at increasing days ("90 days", "180 days"...): each reading is
#: part of the next, and the difference of two readings is a count.
CUMULATIVE: tuple[tuple[str, str], ...] = (
    ("VE03", "still supporting at"),
    ("RI03", "cumulative incidence: charged or summonsed"),
    ("RI03", "cumulative incidence: other outcome"),
)

#: Summaries computed from a table's cells: (summary indicator, summary breakdown, table indicator, table
#: breakdown). A summary of a table with a withheld cell can give the cell away: the interpolated quartiles of a
#: small group are order statistics that pin its band counts (NS05), and a goodness-of-fit p-value against the
#: published adult population pins the withheld ethnic groups (OC06 against OC03). So the summary is withheld
#: whenever a cell of its table is.
SUMMARIES_OF_TABLES: tuple[tuple[str, str, str, str], ...] = (
    ("NS05", "summary", "NS05", "size_band"),
    ("OC06", "goodness of fit", "OC03", "ethnic_group"),
)

#: National rows about a force computed from one of its tables (NA04: the force's goodness-of-fit p-value, FDR
#: adjusted): (national indicator, force table indicator, force table breakdown); withheld with the same rule.
NATIONAL_SUMMARIES_OF_TABLES: tuple[tuple[str, str, str], ...] = (
    ("NA04", "OC03", "ethnic_group"),
)

#: Rows of one unit that are the sum of rows of other units: (total selector, member selector). The total's unit
#: is a group (England and Wales, or a region) and the members are its forces (the audit is given the groups:
#: analysis.disclosure.audit.build_system's `groups`). A breakdown or basis of None in the member selector is the
#: total row's own (the region's charge rate is the sum of its forces' charge-rate rows).
CROSS_UNIT_SUMS: tuple[tuple, ...] = (
    # England and Wales and the regions pool the forces compared (a force left out has no such row: "present")
    (("NA02", None, None, None, "numerator"), ("NA01", None, "force vs national value", None, "numerator"), "present"),
    (("NA02", None, None, None, "denominator"), ("NA01", None, "force vs national value", None, "denominator"),
     "present"),
    # the funnel's national target pools the forces compared; "present": members without the row are skipped
    (("NA01", None, "national target", None, "numerator"), ("NA01", None, "force vs national value", None, "numerator"),
     "present"),
    (("NA01", None, "national target", None, "denominator"),
     ("NA01", None, "force vs national value", None, "denominator"), "present"),
    # the national charge model keeps every charged offence (checked on the true counts before it is used)
    (("NA05", "odds of charge", None, None, "numerator"), ("RI02", "total", "charged or summonsed", "*", "numerator")),
    # the national withdrawal model pools the forces' complete cases
    (("NA05", "odds of withdrawing support", None, None, "numerator"), ("VE04", "model", "victims who withdrew", "*", "numerator")),
    (("NA05", "odds of withdrawing support", None, None, "denominator"), ("VE04", "model", "victims who withdrew", "*", "denominator")),
)

#: Headline rows: the key indicators the national page compares (analysis.indicators.national.KEY_INDICATORS)
#: and the national page's own comparisons. Secondary suppression withholds them last (each of their rows costs
#: HEADLINE_WEIGHT times an ordinary row): a model's sample or a reading at set days is withheld before a
#: force's charge rate.
HEADLINE_ROWS: frozenset[tuple[str, str, str]] = frozenset({
    ("RI02", "total", "charged or summonsed"),
    ("RI01", "outcome_group", "Charged/Summonsed"),
    ("NS06", "field", "suspect self-defined ethnicity"),
    ("VE02", "total", "withdrew support"),
    ("VE07", "notes with a match", "any category"),
    ("NS02", "total", "all years (annual average)"),
})
HEADLINE_INDICATORS: frozenset[str] = frozenset({"NA01", "NA02"})
HEADLINE_WEIGHT = 50.0


def row_weight(indicator_id: str, breakdown: str, category: str) -> float:
    """The cost of withholding one row, relative to an ordinary row (see HEADLINE_ROWS)."""
    if indicator_id in HEADLINE_INDICATORS or (indicator_id, breakdown, category) in HEADLINE_ROWS:
        return HEADLINE_WEIGHT
    return 1.0
