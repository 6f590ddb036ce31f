"""National comparisons: every force against the national value, regions, models and the tracker.

Key indicators are read from the forces' results tables (so the national report shows exactly the
figures each force report shows) and compared with funnel methods: limits adjusted for overdispersion
(Spiegelhalter 2005) and Benjamini-Hochberg q-values across forces. National models use the stacked
validated data with force as a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import reference
from analysis.indicators import rows
from analysis.indicators.catalogue import indicator
from analysis.indicators.data import ForceData
from analysis.results import NATIONAL
from analysis.stats.comparison import UnitComparison, compare_units
from analysis.stats.funnel import proportion_funnel_limits, rate_funnel_limits
from analysis.stats.model_result import MIN_CLUSTERS
from analysis.stats.multiple import benjamini_hochberg

OUTER = 0.998
INNER = 0.95

# The validated tables the national indicators read (the rest comes from the forces' results tables), so the
# national notebook reads only these for all forces.
NATIONAL_TABLES: tuple[str, ...] = ("force_profile", "offences", "offence_suspects", "victims")
FDR = 0.05
#: Cluster-robust errors with force as the cluster are unreliable with few forces (t on forces - 1 df): the
#: model wrappers return status "too_few_clusters" below this many clusters.
MIN_FORCES_FOR_MODELS = MIN_CLUSTERS


@dataclass(frozen=True)
class KeyIndicator:
    """Where a key indicator's numerator and denominator sit in a force's results table."""

    name: str
    indicator_id: str
    breakdown: str
    category: str
    basis: str
    kind: str  # "proportion" or "rate"
    per: float = 1.0
    higher_is: str = ""  # how to read a high value, for the report


#: The key indicator the recommendation tracker (NA03) follows for victim-blaming language.
LANGUAGE_KEY = KeyIndicator("case notes with victim-blaming language", "VE07", "notes with a match", "any category",
                            "case notes", "proportion", higher_is="more victim-blaming language in records")

KEY_INDICATORS: tuple[KeyIndicator, ...] = (
    KeyIndicator("charge rate", "RI02", "total", "charged or summonsed", "offences with an outcome assigned (1-22)", "proportion",
                 higher_is="more offences with an assigned outcome end in a charge"),
    KeyIndicator("suspect ethnicity recorded", "NS06", "field", "suspect self-defined ethnicity",
                 "all records of the table", "proportion", higher_is="better recording"),
    KeyIndicator("victims who withdrew support", "VE02", "total", "withdrew support", "all victims", "proportion",
                 higher_is="more victims withdrew support"),
    LANGUAGE_KEY,
    KeyIndicator("offences per 10,000 children", "NS02", "total", "all years (annual average)",
                 "child-years (children x years)", "rate", per=10_000,
                 higher_is="more recorded offences (recording as well as offending)"),
)


#: NA01 category of a force left out of a comparison because its own page withholds its count.
LEFT_OUT = "left out: its count is withheld"


def key_counts(force_results: pd.DataFrame, key: KeyIndicator, withheld: bool | None = False) -> pd.DataFrame:
    """Numerator and denominator of a key indicator for every force (one row per force_code).

    withheld: False (default) keeps the forces whose own page publishes the count, True only those whose page
    withholds it, None every force. A withheld count never enters a comparison: the pooled target, the
    overdispersion, every force's limits, z and q are functions of every count they use, and a reader who
    recomputes them for each candidate value finds the withheld one (found by an attacker)."""
    r = force_results
    hit = r[(r["indicator_id"] == key.indicator_id) & (r["breakdown"] == key.breakdown)
            & (r["category"] == key.category) & (r["basis"] == key.basis) & (r["force_code"] != NATIONAL)]
    if hit.empty:
        raise KeyError(f"key indicator '{key.name}' not found in the force results "
                       f"({key.indicator_id} / {key.breakdown} / {key.category} / {key.basis})")
    if hit["force_code"].duplicated().any():
        raise ValueError(f"key indicator '{key.name}' has more than one row for a force")
    if withheld is not None and "suppressed" in hit.columns:
        hidden = hit["suppressed"].fillna(False).astype(bool)
        hit = hit[hidden if withheld else ~hidden]
    out = hit[["force_code", "numerator", "denominator"]].astype({"numerator": "float64", "denominator": "float64"})
    return out.sort_values("force_code").reset_index(drop=True)


class NotComparable(ValueError):
    """Forces cannot be compared on a key indicator; the message says why, as one sentence's clause."""


def not_comparable(force_results: pd.DataFrame, key: KeyIndicator) -> str:
    """Why forces cannot be compared on `key` with a funnel ("" when they can): no denominator anywhere, or
    a share that is 0% or 100% in every force (no variation: the national value is 0 or 1, around which no
    control limits exist)."""
    counts = key_counts(force_results, key)
    x, n = float(counts["numerator"].sum()), float(counts["denominator"].sum())
    forces = len(counts)  # counts of forces, not of people or records: published as they are
    if forces == 0:
        return "every force's own page withholds its count"
    if not n > 0:
        return f"no force has any {key.basis} to count"
    if key.kind == "proportion" and x == 0:
        return (f"it is 0% in every one of the {forces} forces, so there is no variation between forces to compare")
    if key.kind == "proportion" and x == n:
        return (f"it is 100% in every one of the {forces} forces, so there is no variation between forces to compare")
    if key.kind == "rate" and x == 0:
        return f"none of the {forces} forces recorded any, so there is no variation between forces to compare"
    return ""


def comparable_keys(force_results: pd.DataFrame, entry, parts: list[pd.DataFrame]):
    """The key indicators forces can be compared on; for each of the others a status row is added to `parts`
    (category "not compared", the reason in its note) instead of a comparison."""
    for key in KEY_INDICATORS:
        reason = not_comparable(force_results, key)
        if not reason:
            yield key
            continue
        parts.append(rows.estimates(entry, NATIONAL, key.name, ["not compared"], np.nan, np.nan, np.nan,
                                    "not computed", basis=key.basis, note=f"not compared: {reason}"))


def funnel(force_results: pd.DataFrame, key: KeyIndicator) -> UnitComparison:
    """Compare every force with the pooled national value for one key indicator (NotComparable when the
    data cannot support a comparison: see not_comparable)."""
    reason = not_comparable(force_results, key)
    if reason:
        raise NotComparable(f"forces cannot be compared on {key.name}: {reason}")
    counts = key_counts(force_results, key)
    return compare_units(counts["numerator"], counts["denominator"], units=counts["force_code"], kind=key.kind,
                         per=key.per, levels=(INNER, OUTER))


def funnel_limits(comparison: UnitComparison, denominators, per: float = 1.0, adjusted: bool = True) -> pd.DataFrame:
    """Control limits across a range of denominators, for drawing the funnel (`per`: the rate base of a rate)."""
    tau2 = comparison.overdispersion.tau2 if adjusted and comparison.overdispersion.status == "ok" else None
    if comparison.kind == "proportion":
        return proportion_funnel_limits(comparison.target, denominators, levels=(INNER, OUTER), tau2=tau2)
    return rate_funnel_limits(comparison.target, denominators, levels=(INNER, OUTER), per=per, tau2=tau2)


def _position_note(band: str, q: float, adjusted: bool) -> str:
    limits = "limits adjusted for overdispersion" if adjusted else "limits (not adjusted: too few forces to estimate overdispersion)"
    if band.startswith("above") or band.startswith("below"):
        where = "above" if band.startswith("above") else "below"
        level = band.split()[-1]
        return f"{where} the {level} {limits.replace('limits', 'limit', 1)} (FDR q = {q:.3g})"
    return band if band == "not assessed" else f"within the {limits}"


@indicator(
    id="NA01", strand="national", scope="national", title="Forces compared with the national value (funnel plots)",
    numerator="The key indicator's numerator in each force", denominator="Its denominator in each force",
    basis="as the force indicator it compares (charge rate on assigned outcomes, etc.)",
    method="Pooled national value as target; each force's value with its own 95% interval (Wilson score for shares; exact Poisson below 10, Byars from 10, for rates); 95% and 99.8% control limits at its denominator adjusted for overdispersion (Spiegelhalter 2005, additive random effects, 10% winsorised z-scores) in their own columns, with phi, tau-squared, the force's z-score and its Benjamini-Hochberg q-value across forces",
    caveat="Being outside the limits is a prompt to ask why, not a verdict: recording practice differs between forces.",
)
def funnel_comparisons(force_results: pd.DataFrame, data: ForceData) -> pd.DataFrame:
    entry = funnel_comparisons.indicator
    parts = []
    for key in comparable_keys(force_results, entry, parts):
        comparison = funnel(force_results, key)
        t = comparison.table
        od = comparison.overdispersion
        adjusted = od.status == "ok"
        denominators = t["denominator"].clip(lower=1).to_numpy()
        limits = funnel_limits(comparison, np.unique(denominators), key.per)
        control = {}
        for level, suffix in ((INNER, "95"), (OUTER, "998")):
            at = limits[limits["level"] == level].set_index("denominator")
            control[f"control_lower_{suffix}"] = at["lower"].reindex(denominators).to_numpy()
            control[f"control_upper_{suffix}"] = at["upper"].reindex(denominators).to_numpy()
        bands, zs, qs = ((t["band_od"], t["z_od"], t["q_value_od"]) if adjusted
                         else (t["band"], t["z"], t["q_value"]))
        notes = [_position_note(b, q, adjusted) for b, q in zip(bands, qs, strict=True)]
        spread = {"overdispersion_phi": od.phi, "overdispersion_tau2": od.tau2}
        numerators = t["numerator"].to_numpy(dtype=float, na_value=np.nan)
        force_denominators = t["denominator"].to_numpy(dtype=float, na_value=np.nan)
        own = (rows.proportions(entry, "", "", [""] * len(t), numerators, force_denominators) if key.kind == "proportion"
               else rows.rates(entry, "", "", [""] * len(t), numerators, force_denominators, key.per))
        limits_text = "adjusted for overdispersion" if adjusted else "not adjusted for overdispersion (too few forces)"
        parts.append(rows.estimates(  # one row per force, built as one block
            entry, [str(u) for u in t["unit"]], key.name, ["force vs national value"] * len(t),
            t["value"].to_numpy(dtype=float, na_value=np.nan), own["lower"], own["upper"],
            [f"{m}; control limits {limits_text} in the control columns; {comparison.method}" for m in own["method"]],
            numerator=numerators, denominator=force_denominators, basis=key.basis, note=notes,
            comparison={**spread, **control, "z_score": zs.to_numpy(dtype=float, na_value=np.nan),
                        "q_value": qs.to_numpy(dtype=float, na_value=np.nan)}, interval_type="ci95"))
        parts.append(rows.estimates(
            entry, NATIONAL, key.name, ["national target"], comparison.target, np.nan, np.nan,
            comparison.method + (f"; rate per {key.per:,.0f}" if key.kind == "rate" else ""),
            numerator=t["numerator"].sum(), denominator=t["denominator"].sum(), basis=key.basis,
            note=f"overdispersion phi = {od.phi:.2f}, tau^2 = {od.tau2:.3g} ({od.status.replace('_', ' ')})",
            comparison=spread))
        hidden = key_counts(force_results, key, withheld=True)
        if len(hidden):  # forces whose own page withholds the count: listed, withheld, never compared
            left = rows.estimates(entry, hidden["force_code"].astype(str).tolist(), key.name, [LEFT_OUT] * len(hidden),
                                  np.full(len(hidden), np.nan), np.nan, np.nan, "not compared",
                                  numerator=hidden["numerator"].to_numpy(dtype=float),
                                  denominator=hidden["denominator"].to_numpy(dtype=float), basis=key.basis,
                                  note="not compared: the force's own page withholds this count (disclosure control)")
            left["suppressed"] = True
            parts.append(left)
    return rows.stack(parts)


@indicator(
    id="NA02", strand="national", scope="national", title="National and regional values of the key indicators",
    numerator="Sum of the forces' numerators", denominator="Sum of the forces' denominators",
    basis="as the force indicator", method="Pooled share with Wilson score 95% interval; pooled rate with Byars 95% interval",
    caveat="Pooled values weight forces by size: the largest forces dominate.",
)
def pooled_values(force_results: pd.DataFrame, data: ForceData) -> pd.DataFrame:
    """England and Wales and each region pooled over the forces compared (key_counts: a force whose own page
    withholds the count is left out, and the row's note names it)."""
    entry = pooled_values.indicator
    region_of = data.profile.set_index("force_code")["region"]
    region_labels = reference.labels("regions")
    parts = []
    for key in KEY_INDICATORS:
        counts = key_counts(force_results, key)
        counts["region"] = counts["force_code"].map(region_of)
        by_region = counts.groupby("region", sort=True)[["numerator", "denominator"]].sum()
        codes = [NATIONAL, *by_region.index]  # England and Wales first, then the regions: one block per key
        labels = ["England and Wales", *[region_labels.get(code, code) for code in by_region.index]]
        numerators = np.r_[counts["numerator"].sum(), by_region["numerator"].to_numpy(dtype=float)]
        denominators = np.r_[counts["denominator"].sum(), by_region["denominator"].to_numpy(dtype=float)]
        if key.kind == "proportion":
            part = rows.proportions(entry, codes, key.name, labels, numerators, denominators, basis=key.basis)
        else:
            part = rows.rates(entry, codes, key.name, labels, numerators, denominators, key.per, basis=key.basis)
        hidden = key_counts(force_results, key, withheld=True)
        if len(hidden):  # the pooled values leave them out too, and say so (a total would give their count away)
            hidden_region = hidden["force_code"].map(region_of)
            notes = []
            for code in codes:
                names = hidden["force_code"] if code == NATIONAL else hidden.loc[hidden_region == code, "force_code"]
                whose = "its own page withholds" if len(names) == 1 else "their own pages withhold"
                notes.append(f"excludes {', '.join(map(str, names))}: {whose} this count" if len(names) else "")
            part["note"] = pd.array(notes, dtype="str")
        parts.append(part)
    return rows.stack(parts)


TRACKER = {
    "group-based CSE flag available": "group flag available on the crime system",
    "current profile using partner data": "problem profile within 12 months that uses partner data",
}


@indicator(
    id="NA03", strand="national", scope="national", title="Recommendation tracker",
    numerator="Forces meeting the recommendation", denominator="Forces with a return",
    basis="forces with a return", method="Share of all forces with a return (a census of forces: no interval); per-force status in the force rows",
    caveat="Self-reported by forces; language is tracked by the share of case notes with victim-blaming phrases.",
)
def recommendation_tracker(force_results: pd.DataFrame, data: ForceData) -> pd.DataFrame:
    entry = recommendation_tracker.indicator
    r = force_results[(force_results["indicator_id"] == "NS08") & (force_results["breakdown"] == "fact")]
    parts = []
    for fact, label in TRACKER.items():
        met = r[r["category"] == fact].set_index("force_code")["value"].astype("float64")
        parts.append(rows.shares_of_census(entry, NATIONAL, "recommendation", [label], [float((met == 1).sum())],
                                           [float(met.notna().sum())]))
        parts.append(rows.estimates(entry, list(met.index), label, ["meets the recommendation"] * len(met),
                                    met.to_numpy(), np.nan, np.nan, "as returned (1 = met, 0 = not met)"))
    reason = not_comparable(force_results, LANGUAGE_KEY)
    if reason:  # no comparison: the row says why
        parts.append(rows.estimates(entry, NATIONAL, "recommendation", ["victim-blaming language above the national limits"],
                                    np.nan, np.nan, np.nan, "not computed",
                                    denominator=float(len(key_counts(force_results, LANGUAGE_KEY))),
                                    note=f"not compared: {reason}"))
        return rows.stack(parts)
    language = funnel(force_results, LANGUAGE_KEY).table
    high = language.loc[language["band_od"].str.startswith("above"), "unit"].astype(str).tolist()
    parts.append(rows.estimates(entry, NATIONAL, "recommendation", ["victim-blaming language above the national limits"],
                                float(len(high)), np.nan, np.nan,
                                "forces above the 95% limit adjusted for overdispersion (count)",
                                denominator=float(len(language)), note=", ".join(sorted(high)) or "none"))
    return rows.stack(parts)


@indicator(
    id="NA04", strand="national", scope="national",
    title="Suspects' recorded ethnic mix compared with the adult population, across forces",
    numerator="Forces whose recorded suspects' ethnic mix differs from their adult population",
    denominator="Forces with any suspect with a stated ethnicity",
    basis="suspects with a stated self-defined ethnicity, per force",
    method="Chi-square goodness-of-fit p-value per force (OC06), Benjamini-Hochberg adjusted across forces at FDR 5%",
    caveat="A difference describes recorded suspects only; where fewer than half are recorded the comparison is not reliable; it says nothing about offending by any group.",
)
def ethnicity_across_forces(force_results: pd.DataFrame, data: ForceData) -> pd.DataFrame:
    entry = ethnicity_across_forces.indicator
    r = force_results[(force_results["indicator_id"] == "OC06") & (force_results["breakdown"] == "goodness of fit")]
    r = r[r["force_code"] != NATIONAL].sort_values("force_code")
    p = r["value"].astype("float64").to_numpy()
    q = benjamini_hochberg(p)
    flagged = q < FDR
    parts = [rows.estimates(entry, force, "difference from adult population", ["FDR-adjusted p-value"], qv, np.nan,
                            np.nan, "Benjamini-Hochberg adjusted chi-square p-value",
                            numerator=num, denominator=den,
                            note=("differs at FDR 5%" if f else "no difference detected")
                            + ("; " + note if note else ""))
             for force, qv, f, num, den, note in zip(r["force_code"], q, flagged, r["numerator"], r["denominator"],
                                                     r["note"], strict=True)]
    parts.append(rows.estimates(entry, NATIONAL, "difference from adult population", ["forces flagged"],
                                float(np.nansum(flagged)), np.nan, np.nan, "count of forces with q < 0.05",
                                denominator=float(np.isfinite(p).sum()), basis="forces with a suspect with a stated ethnicity",
                                note=", ".join(r["force_code"][flagged].tolist()) or "none"))
    return rows.stack(parts)


def _model_rows(entry, name: str, fit, labels: dict[str, str], keep: list[str], n: int, events: int) -> pd.DataFrame:
    """Odds-ratio rows for the terms in `keep` (force terms are nuisance), or one status row."""
    from analysis.disclosure import gate_model_rows

    if fit.status == "too_few_clusters":
        return rows.estimates(entry, NATIONAL, name, ["model status"], np.nan, np.nan, np.nan, fit.method,
                              numerator=events, denominator=n,
                              note=f"not estimated: {fit.n_clusters} forces, fewer than the {MIN_FORCES_FOR_MODELS} "
                                   "that cluster-robust errors need")
    if fit.status != "ok":
        return rows.estimates(entry, NATIONAL, name, ["model status"], np.nan, np.nan, np.nan, fit.method,
                              numerator=events, denominator=n,
                              note=rows.not_estimated(fit))
    table = fit.table.set_index("term").loc[keep]
    part = rows.estimates(entry, NATIONAL, name, [labels[t] for t in keep], table["value"], table["lower"],
                          table["upper"], fit.method, numerator=events, denominator=n,
                          note=f"{fit.n_clusters} forces as clusters; {n:,} records; {events:,} events", interval_type="ci95")
    return gate_model_rows(part, fit.df_resid)


def charge_model_data(data: ForceData) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """Offences with an assigned outcome and at least one linked suspect: charged (0/1), covariates, force."""
    o = data.offences
    used = o[o["assigned"] & (o["n_suspects"] >= 1)]
    withdrew = data.victims.set_index(["force_code", "victim_id"])["withdrew"]
    key = pd.MultiIndex.from_arrays([used["force_code"], used["victim_id"]])
    covariates = pd.DataFrame({"victim_withdrew": withdrew.reindex(key).to_numpy(dtype=float),
                               "force": used["force_code"].to_numpy()}, index=used.index)
    return used["charged"].astype("float64"), covariates, used["force_code"]


@indicator(
    id="NA05", strand="national", scope="national", title="National models: charge and withdrawal of support",
    numerator="Charge model: offences charged; withdrawal model: victims who withdrew support",
    denominator="Charge model: offences with an assigned outcome (1-22) and at least one suspect; withdrawal model: victims with looked-after status and age recorded",
    basis="all forces pooled, force as a fixed effect and as the cluster",
    method="Logistic regression with force fixed effects and cluster-robust (by force) standard errors, t on forces - 1 degrees of freedom; odds ratios with 95% intervals",
    caveat="Associations, not causes. Withdrawal is associated with, but may also follow from, how the investigation went; the charge model cannot separate the two.",
)
def national_models(force_results: pd.DataFrame, data: ForceData) -> pd.DataFrame:
    from analysis.indicators.victims import withdrawal_design
    from analysis.stats.models import logistic_regression

    entry = national_models.indicator
    charged, covariates, force = charge_model_data(data)
    charge_fit = logistic_regression(charged, covariates, cluster=force, se="cluster")
    charge = _model_rows(entry, "odds of charge", charge_fit,
                         {"victim_withdrew": "victim withdrew support (vs did not)"}, ["victim_withdrew"],
                         len(charged), int(charged.sum()))
    design, withdrew, labels = withdrawal_design(data.victims)
    force_v = data.victims.loc[design.index, "force_code"]
    design = design.assign(force=force_v.to_numpy())
    withdrawal_fit = logistic_regression(withdrew, design, cluster=force_v, se="cluster")
    withdrawal = _model_rows(entry, "odds of withdrawing support", withdrawal_fit, labels, list(labels),
                             len(withdrew), int(withdrew.sum()))
    return rows.stack([charge, withdrawal])
