"""Nature and scale: how much group-based CSE a force records, and how well it records it.

Terms of reference strand 1: offences, victims, suspects and networks per year, rates per 10,000
children, trend, network links and sizes, completeness of key fields, flag consistency and the currency
of the force's problem profile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.indicators import rows
from analysis.indicators.catalogue import indicator
from analysis.indicators.data import ForceData, band, financial_year
from analysis.stats.trend import poisson_trend

PER_CHILDREN = 10_000


def period_years(data: ForceData) -> list[str]:
    """Financial years the return covers (from period_start to period_end)."""
    p = data.profile
    start, end = p["period_start"].min(), p["period_end"].max()
    days = pd.Series(pd.date_range(start, end, freq="MS"))
    return sorted(financial_year(days).unique().tolist())


def _per_year(values: pd.Series, years: list[str]) -> np.ndarray:
    return values.value_counts().reindex(years, fill_value=0).to_numpy()


@indicator(
    id="NS01", strand="nature_scale", title="Recorded offences, victims, suspects and networks per financial year",
    numerator="Offences by recorded date; victims by first report date; suspects by date of their first linked offence; networks by date identified",
    denominator="None (counts)", basis="records in the return, by financial year",
    method="Count with exact Poisson 95% interval below 10 and Byars' approximation from 10",
    caveat="Counts reflect recording practice as well as offending: a rise can mean better identification.",
)
def counts_per_year(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = counts_per_year.indicator
    years = period_years(data)
    parts = []
    for name, frame in (("offences", data.offences), ("victims", data.victims), ("suspects", data.suspects),
                        ("networks", data.networks)):
        parts.append(rows.counts(entry, force_code, name, years, _per_year(frame["financial_year"], years)))
    return rows.stack(parts)


@indicator(
    id="NS02", strand="nature_scale", title="Offences per 10,000 children per financial year",
    numerator="Offences recorded in the financial year (all years: the whole period)",
    denominator="Resident population aged 0-17 (times the number of years for the whole period)",
    basis="resident children aged 0-17",
    method="Rate per 10,000 with exact Poisson 95% interval below 10 and Byars' approximation from 10",
    caveat="The population is held at one estimate for every year.",
)
def offence_rate(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = offence_rate.indicator
    years = period_years(data)
    per_year = _per_year(data.offences["financial_year"], years)
    children = float(data.child_population().sum())
    yearly = rows.rates(entry, force_code, "financial_year", years, per_year, children, PER_CHILDREN)
    whole = rows.rates(entry, force_code, "total", ["all years (annual average)"], [per_year.sum()],
                       [children * len(years)], PER_CHILDREN, basis="child-years (children x years)")
    return rows.stack([yearly, whole])


@indicator(
    id="NS03", strand="nature_scale", title="Trend in recorded offences (rate ratio per year)",
    numerator="Offences recorded in each financial year", denominator="Resident children (constant offset)",
    basis="financial years of the return",
    method="Poisson GLM of yearly counts on year; incidence rate ratio per year with 95% interval, standard error scaled by the Pearson dispersion when overdispersed, t on the residual degrees of freedom (years - 2) because that dispersion is estimated",
    caveat="Few years: a trend summarises direction, not a forecast; changes in recording practice also move it.",
)
def offence_trend(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = offence_trend.indicator
    years = period_years(data)
    per_year = _per_year(data.offences["financial_year"], years)
    fit = poisson_trend(per_year)
    note = fit["note"]
    return rows.estimates(entry, force_code, "total", ["rate ratio per year"], fit["value"], fit["lower"],
                          fit["upper"], fit["method"], numerator=float(per_year.sum()), note=note,
                          interval_type="ci95")


@indicator(
    id="NS04", strand="nature_scale", title="CSE offences linked to an identified network",
    numerator="CSE-flagged offences with a network", denominator="CSE-flagged offences",
    basis="CSE-flagged offences", method="Share with Wilson score 95% interval",
    caveat="Depends on how consistently forces link offences to networks.",
)
def network_linked(data: ForceData, force_code: str) -> pd.DataFrame:
    o = data.offences[data.offences["cse_flag"]]
    linked = int(o["network_id"].notna().sum())
    return rows.proportions(network_linked.indicator, force_code, "total", ["linked to a network"], [linked], [len(o)])


NETWORK_SIZE_BANDS = ((0, 1, "1 suspect or none recorded"), (2, 2, "2 suspects"), (3, 4, "3-4 suspects"),
                      (5, 9, "5-9 suspects"), (10, 10**9, "10 or more suspects"))


@indicator(
    id="NS05", strand="nature_scale", title="Network sizes",
    numerator="Networks in each size band (suspects linked to the network)", denominator="Networks",
    basis="networks identified in the return",
    method="Share with Wilson score 95% interval; median size with lower and upper quartiles",
    caveat="Size counts the suspects the force has linked, which may be fewer than the network's members.",
)
def network_sizes(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = network_sizes.indicator
    sizes = data.networks["n_suspects"]
    labels = [label for _, _, label in NETWORK_SIZE_BANDS]
    tally = band(sizes, NETWORK_SIZE_BANDS).value_counts()
    counts = [int(tally.get(label, 0)) for label in labels]
    bands = rows.proportions(entry, force_code, "size_band", labels, counts, len(sizes))
    median = rows.quartiles(entry, force_code, "summary", "median suspects per network", sizes.astype(float))
    return rows.stack([bands, median])


@indicator(
    id="NS06", strand="nature_scale", title="Completeness of key fields",
    numerator="Records with the field recorded (not 'not stated', 'not recorded', IC9 or blank)",
    denominator="All records of the table", basis="all records of the table",
    method="Share with Wilson score 95% interval",
    caveat="Recorded does not mean accurate: officer-defined ethnicity is an officer's perception.",
)
def completeness(data: ForceData, force_code: str) -> pd.DataFrame:
    s, v, o = data.suspects, data.victims, data.offences
    fields = {
        "suspect self-defined ethnicity": (s["ethnicity_sde"] != "NS", len(s)),
        "suspect officer-defined ethnicity": (s["ethnicity_ode"] != "IC9", len(s)),
        "suspect nationality": (s["nationality"] != "NR", len(s)),
        "suspect age": (s["age_at_first_offence"].notna() | s["birth_year"].notna(), len(s)),
        "suspect sex": (s["sex"] != "not_recorded", len(s)),
        "victim self-defined ethnicity": (v["ethnicity_sde"] != "NS", len(v)),
        "victim age": (v["age_at_first_offence"].notna(), len(v)),
        "offence outcome assigned": (o["assigned"], len(o)),
    }
    names = list(fields)
    numerators = [int(fields[k][0].sum()) for k in names]
    denominators = [fields[k][1] for k in names]
    return rows.proportions(completeness.indicator, force_code, "field", names, numerators, denominators)


@indicator(
    id="NS07", strand="nature_scale", title="Group flag on offences with two or more suspects",
    numerator="Offences with 2 or more linked suspects that carry the group-based CSE flag",
    denominator="Offences with 2 or more linked suspects", basis="offences with 2 or more suspects",
    method="Share with Wilson score 95% interval",
    caveat="Not every offence with several suspects is group-based CSE, so 100% is not the target; a low share suggests the flag is under-used.",
)
def flag_consistency(data: ForceData, force_code: str) -> pd.DataFrame:
    multi = data.offences[data.offences["n_suspects"] >= 2]
    flagged = int(multi["group_flag"].sum())
    return rows.proportions(flag_consistency.indicator, force_code, "total", ["group flag carried"], [flagged], [len(multi)])


@indicator(
    id="NS08", strand="nature_scale", title="Problem profile, group flag and specialist team",
    numerator="Facts returned by the force", denominator="None", basis="force profile as returned",
    method="As returned; months since the problem profile counted to the extraction date",
    caveat="Self-reported by the force.",
)
def force_capability(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = force_capability.indicator
    p = data.profile.iloc[0]
    profile_date = p["problem_profile_date"]
    if pd.isna(profile_date):
        months, current, note = np.nan, 0.0, "no problem profile"
    else:
        months = (p["extraction_date"] - profile_date).days / 30.4375
        current, note = float(months <= 12), ""
    uses_partner = float(bool(p["problem_profile_uses_partner_data"]) and not pd.isna(profile_date))
    facts = {
        "months since problem profile": (months, note),
        "problem profile within 12 months": (current, note),
        "problem profile uses partner data": (uses_partner, note),
        "current profile using partner data": (float(current == 1.0 and uses_partner == 1.0), note),
        "group-based CSE flag available": (float(bool(p["group_flag_available"])), ""),
        "specialist CSE team": (float(bool(p["specialist_cse_team"])), ""),
    }
    names = list(facts)
    return rows.estimates(entry, force_code, "fact", names, [facts[k][0] for k in names], np.nan, np.nan,
                          "as returned (1 = yes, 0 = no)", note=[facts[k][1] for k in names])
