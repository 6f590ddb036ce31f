"""Offender characteristics: age, sex, ethnicity and nationality of suspects.

Every characteristic is shown on two bases (share of recorded values; share of all suspects with "not
recorded" as its own row). Ethnicity is compared with the force's adult population as a ratio with an
interval AND with the bounds that missing records allow; where fewer than half of suspects have a
recorded ethnicity the comparison is marked as not reliable. No value is imputed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis import reference
from analysis.contract import ETHNIC_GROUPS
from analysis.indicators import rows
from analysis.indicators.catalogue import indicator
from analysis.indicators.data import NOT_RECORDED, SUSPECT_AGE_BANDS, ForceData
from analysis.stats.agreement import cohens_kappa
from analysis.stats.intervals import proportion_ci

RELIABLE_SHARE = 0.5
UNRELIABLE_NOTE = "fewer than half of suspects have a recorded ethnicity: the comparison is not reliable"
POPULATION_BASIS = "adult"  # most suspects are adults; the generator's neutral default follows the adult mix


@indicator(
    id="OC01", strand="offenders", title="Suspects by age band",
    numerator="Suspects in the age band (age at first offence in the return)",
    denominator="Suspects with a recorded age; all suspects", basis="two bases: recorded values; all suspects",
    method="Share with Wilson score 95% interval",
    caveat="Suspects aged 10-17 are children; their exploitation by older suspects may also need safeguarding.",
)
def suspect_age(data: ForceData, force_code: str) -> pd.DataFrame:
    categories = [label for _, _, label in SUSPECT_AGE_BANDS]
    return rows.shares_both_bases(suspect_age.indicator, force_code, "age_band", data.suspects["age_band"],
                                  categories, NOT_RECORDED)


@indicator(
    id="OC02", strand="offenders", title="Suspects by sex",
    numerator="Suspects of each sex", denominator="Suspects with a recorded sex; all suspects",
    basis="two bases: recorded values; all suspects", method="Share with Wilson score 95% interval",
    caveat="As recorded by the force.",
)
def suspect_sex(data: ForceData, force_code: str) -> pd.DataFrame:
    labels = data.suspects["sex"].replace({"not_recorded": NOT_RECORDED})
    return rows.shares_both_bases(suspect_sex.indicator, force_code, "sex", labels,
                                  ["male", "female", "other", NOT_RECORDED], NOT_RECORDED)


@indicator(
    id="OC03", strand="offenders", title="Suspects by self-defined ethnic group",
    numerator="Suspects in the ONS ethnic group (from the 18+1 self-defined code)",
    denominator="Suspects with a stated ethnicity; all suspects", basis="two bases: recorded values; all suspects",
    method="Share with Wilson score 95% interval",
    caveat="Where much is unrecorded, shares of recorded values may not represent all suspects; read both bases.",
)
def suspect_ethnicity(data: ForceData, force_code: str) -> pd.DataFrame:
    s = data.suspects
    share = float((s["ethnic_group"] != NOT_RECORDED).mean()) if len(s) else np.nan
    note = UNRELIABLE_NOTE if not share >= RELIABLE_SHARE else ""
    return rows.shares_both_bases(suspect_ethnicity.indicator, force_code, "ethnic_group", s["ethnic_group"],
                                  [*ETHNIC_GROUPS, NOT_RECORDED], NOT_RECORDED, note_recorded=note)


@indicator(
    id="OC04", strand="offenders", title="Suspects by nationality",
    numerator="Suspects of British nationality (GBR) or another nationality",
    denominator="Suspects with a recorded nationality; all suspects", basis="two bases: recorded values; all suspects",
    method="Share with Wilson score 95% interval",
    caveat="Nationality is not ethnicity; recording became mandatory only recently.",
)
def suspect_nationality(data: ForceData, force_code: str) -> pd.DataFrame:
    nat = data.suspects["nationality"]
    labels = pd.Series(np.where(nat == "NR", NOT_RECORDED, np.where(nat == "GBR", "British", "other nationality")),
                       index=nat.index, dtype="str")
    return rows.shares_both_bases(suspect_nationality.indicator, force_code, "nationality", labels,
                                  ["British", "other nationality", NOT_RECORDED], NOT_RECORDED)


@indicator(
    id="OC05", strand="offenders", title="Agreement of self-defined and officer-defined ethnicity",
    numerator="Suspects whose two ethnicity records fall in the same ONS group",
    denominator="Suspects with both a stated self-defined and a known officer-defined ethnicity",
    basis="suspects with both ethnicity records",
    method="Cohen's kappa over the 5 ONS groups with 95% interval (not estimated when one record puts every suspect in one group, where kappa is 0 by construction); raw agreement with Wilson 95% interval",
    caveat="Officer-defined ethnicity is a perception and maps to ONS groups only approximately; its codes have no Mixed group, so suspects who self-define as Mixed can never agree.",
)
def ethnicity_agreement(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = ethnicity_agreement.indicator
    s = data.suspects
    both = s[(s["ethnic_group"] != NOT_RECORDED) & (s["ethnic_group_ode"] != NOT_RECORDED)]
    agree = int((both["ethnic_group"] == both["ethnic_group_ode"]).sum())
    unreachable = officer_unreachable_groups()
    caveat = (f"officer-defined codes have no '{' or '.join(unreachable)}' group, so suspects who self-define "
              f"as {' or '.join(unreachable)} can never agree: they count as disagreeing") if unreachable else ""
    raw = rows.proportions(entry, force_code, "agreement", ["same ONS group"], [agree], [len(both)], note=caveat)
    kappa = cohens_kappa(both["ethnic_group"], both["ethnic_group_ode"], categories=list(ETHNIC_GROUPS))
    status = {"no_variation": KAPPA_NO_VARIATION, "interval_not_estimable": KAPPA_PERFECT,
              "insufficient_data": "not estimated: no suspect with both ethnicity records"}.get(kappa.status, "")
    k = rows.estimates(entry, force_code, "agreement", ["Cohen's kappa"], kappa.value, kappa.lower, kappa.upper,
                       kappa.method, numerator=agree, denominator=len(both),
                       note="; ".join(x for x in (status, caveat) if x), interval_type="ci95")
    return rows.stack([raw, k])


KAPPA_NO_VARIATION = ("not estimated: one of the two records puts every suspect in the same group, so kappa would "
                      "be 0 whatever the agreement; the share in the same group (row above) is still given")
KAPPA_PERFECT = "perfect agreement: kappa is 1 and no interval can be estimated"


def officer_unreachable_groups() -> list[str]:
    """ONS groups that no officer-defined code maps to (params/reference/ethnicity_ode.csv): a suspect who
    self-defines in one of them can never agree with the officer's record."""
    reachable = set(reference.load("ethnicity_ode")["ons_group"].dropna())
    return [g for g in ETHNIC_GROUPS if g not in reachable]


def disproportionality(counts: pd.Series, missing: int, population: pd.Series, level: float = 0.95) -> pd.DataFrame:
    """Compare suspects' ethnic groups with the population, without imputing missing records.

    For group g with n_g recorded suspects out of n recorded and m not recorded, and population share p_g:
    - ratio = (n_g / n) / p_g, with the Wilson interval of n_g / n divided by p_g (population taken as known);
    - bounds that missing records allow: (n_g / (n + m)) / p_g if none of the missing are in g, and
      ((n_g + m) / (n + m)) / p_g if all of them are.
    """
    n = float(counts.sum())
    total = n + missing
    share = population / population.sum()
    ci = proportion_ci(counts.astype(float), n)
    return pd.DataFrame(
        {
            "group": counts.index,
            "count": counts.to_numpy(dtype=float),
            "recorded": n,
            "population_share": share.to_numpy(),
            "ratio": (ci["value"] / share).to_numpy(),
            "lower": (ci["lower"] / share).to_numpy(),
            "upper": (ci["upper"] / share).to_numpy(),
            "bound_low": (counts / total / share).to_numpy() if total else np.nan,
            "bound_high": ((counts + missing) / total / share).to_numpy() if total else np.nan,
        }
    )


MIN_EXPECTED = 5  # Cochran (1954): the chi-square approximation needs every expected count of at least 5
GOF_NO_RECORDS = "not estimated: no suspect has a stated ethnicity"
GOF_SMALL_EXPECTED = ("not estimated: some groups expect fewer than 5 suspects from the population mix, so the "
                      "chi-square approximation does not hold (Cochran's rule)")


def goodness_of_fit(counts: pd.Series, population: pd.Series) -> tuple[float, str]:
    """Chi-square goodness-of-fit test of recorded suspects' groups against the population mix.

    counts: suspects per group (same index as population); population: residents per group.
    Returns (p-value, status note). The p-value is NaN with a note in words when no suspect has a stated
    ethnicity, or when any group's expected count is below MIN_EXPECTED (Cochran 1954; the rule behind R's
    chisq.test warning "Chi-squared approximation may be incorrect"): there the data cannot support the test.
    """
    n = counts.sum()
    if n == 0:
        return np.nan, GOF_NO_RECORDS
    expected = population / population.sum() * n
    if (expected < MIN_EXPECTED).any():
        return np.nan, GOF_SMALL_EXPECTED
    return float(stats.chisquare(counts.to_numpy(dtype=float), expected.to_numpy(dtype=float)).pvalue), ""


@indicator(
    id="OC06", strand="offenders", title="Suspects' ethnic groups compared with the adult population",
    numerator="Share of suspects with a stated ethnicity who are in the group",
    denominator="Share of the force's adult population in the group",
    basis="suspects with a stated ethnicity, against adult residents",
    method="Ratio of shares with Wilson-based 95% interval; bounds if none or all of the unrecorded suspects were in the group; chi-square goodness-of-fit p-value across groups",
    caveat="A ratio describes recorded suspects, not offending by any group; where much is unrecorded the bounds are wide and the ratio is not reliable. Suspects aged 10-17 are compared with the adult population too.",
)
def ethnicity_vs_population(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = ethnicity_vs_population.indicator
    s = data.suspects
    counts = s["ethnic_group"].value_counts().reindex(list(ETHNIC_GROUPS), fill_value=0)
    missing = int((s["ethnic_group"] == NOT_RECORDED).sum())
    population = data.population_by_group(POPULATION_BASIS).loc[force_code, list(ETHNIC_GROUPS)]
    table = disproportionality(counts, missing, population)
    recorded_share = counts.sum() / (counts.sum() + missing) if len(s) else np.nan
    note = UNRELIABLE_NOTE if not recorded_share >= RELIABLE_SHARE else ""
    groups = list(ETHNIC_GROUPS)
    ratio = rows.estimates(entry, force_code, "ratio to adult population", groups, table["ratio"], table["lower"],
                           table["upper"], "ratio of shares, Wilson-based 95% interval",
                           numerator=table["count"], denominator=table["recorded"],
                           basis="suspects with a stated ethnicity", note=note, interval_type="ci95")
    bounds = rows.estimates(entry, force_code, "bounds allowed by missing records", groups, np.nan,
                            table["bound_low"], table["bound_high"],
                            "ratio if none (lower) or all (upper) of the unrecorded suspects were in the group",
                            numerator=table["count"], denominator=counts.sum() + missing,
                            basis="all suspects incl. not recorded", note=note, interval_type="missing_bounds")
    p, status = goodness_of_fit(counts, population)
    test = rows.estimates(entry, force_code, "goodness of fit", ["chi-square p-value"], p, np.nan, np.nan,
                          "chi-square goodness of fit of recorded groups to the adult population mix",
                          numerator=counts.sum(), denominator=counts.sum() + missing,
                          basis="suspects with a stated ethnicity", note="; ".join(x for x in (status, note) if x))
    return rows.stack([ratio, bounds, test])
