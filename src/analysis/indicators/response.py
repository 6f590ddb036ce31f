"""Response and investigation: outcomes, charge rates, time to outcome, timeliness, disruption, case reviews.

Terms of reference strand 4. Outcomes are shown on two bases throughout: all recorded offences (with
"Not yet assigned" as its own row, because many investigations are open at extraction) and offences with
an outcome assigned. Times to outcome treat open offences as censored at the extraction date, and charge
and other outcomes as competing risks, because a naive share of closed cases overstates speed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import reference
from analysis.indicators import rows
from analysis.indicators.catalogue import indicator
from analysis.indicators.data import ForceData, days_between
from analysis.stats.competing import aalen_johansen, cumulative_incidence_at
from analysis.stats.cox import cox_regression

RECORDED_BASIS = "all recorded offences (incl. not yet assigned)"
ASSIGNED_BASIS = "offences with an outcome assigned (1-22)"
NOT_YET_ASSIGNED = "Not yet assigned"

OUTCOME_HORIZONS = (90, 180, 365, 730)
OPEN_AFTER_DAYS = 365

#: Fewest charges for the Cox model to be fitted, and the events per parameter below which it is flagged.
MIN_EVENTS = 10
EVENTS_PER_PARAMETER = 10


def outcome_groups(observed: pd.Series | None = None) -> list[str]:
    """Home Office outcome groups in their published order: groups with an outcome type in use, and any
    other group (e.g. a retired outcome) that occurs in `observed`."""
    table = reference.load("outcome_types")
    table["group_order"] = table["group_order"].astype(int)
    seen = set(observed.unique()) if observed is not None else set()
    table = table[(table["in_use"].str.lower() == "true") | table["outcome_group"].isin(seen)]
    return table.sort_values("group_order").drop_duplicates("outcome_group")["outcome_group"].tolist()


# ---------------------------------------------------------------------------------------------- outcomes
@indicator(
    id="RI01", strand="response", title="Outcomes by Home Office outcome group",
    numerator="Offences whose outcome falls in the group (outcome types 1-22 mapped to their published groups)",
    denominator="All recorded offences, with 'Not yet assigned' as its own row (outcome blank or 0); offences with an outcome assigned",
    basis="two bases: all recorded offences; offences with an outcome assigned",
    method="Share with Wilson score 95% interval",
    caveat="On the recorded basis a high 'Not yet assigned' share is expected for recent offences; compare forces on the assigned basis with that in mind.",
)
def outcomes_by_group(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = outcomes_by_group.indicator
    o = data.offences
    groups = outcome_groups(o["outcome_group"])
    tally = o["outcome_group"].value_counts()
    k = tally.reindex(groups, fill_value=0).to_numpy()
    open_ = int(tally.get(NOT_YET_ASSIGNED, 0))
    recorded = rows.proportions(entry, force_code, "outcome_group", [*groups, NOT_YET_ASSIGNED], [*k, open_], len(o),
                                basis=RECORDED_BASIS)
    assigned = rows.proportions(entry, force_code, "outcome_group", groups, k, int(o["assigned"].sum()),
                                basis=ASSIGNED_BASIS)
    return rows.stack([recorded, assigned])


@indicator(
    id="RI02", strand="response", title="Charge rate (outcome 1: charged or summonsed)",
    numerator="Offences with outcome 1 (charged or summonsed)",
    denominator="All recorded offences; offences with an outcome assigned (1-22)",
    basis="two bases: all recorded offences; offences with an outcome assigned",
    method="Share with Wilson score 95% interval",
    caveat="Charges take longest of all outcomes, so the assigned basis overstates and the recorded basis understates the eventual charge rate of recent offences (see RI03).",
)
def charge_rate(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = charge_rate.indicator
    o = data.offences
    charged = int(o["charged"].sum())
    return rows.stack([
        rows.proportions(entry, force_code, "total", ["charged or summonsed"], [charged], [len(o)], basis=RECORDED_BASIS),
        rows.proportions(entry, force_code, "total", ["charged or summonsed"], [charged], [int(o["assigned"].sum())],
                         basis=ASSIGNED_BASIS),
    ])


# ---------------------------------------------------------------------------------------------- time to outcome
def outcome_fit(data: ForceData):
    """Aalen-Johansen fit of time from recording to outcome, charge (cause 1) competing with any other outcome
    (cause 2), censored at extraction, with the durations and causes it was fitted on: RI03's table and the
    force report's curves come from this one fit."""
    o = data.offences
    days = o["days_to_outcome_or_extraction"].astype("float64")
    keep = days.notna().to_numpy()
    durations = days.to_numpy()[keep]
    cause = np.where(o["charged"], 1, np.where(o["assigned"], 2, 0))[keep]
    return aalen_johansen(durations, cause, censor_code=0), durations, cause


@indicator(
    id="RI03", strand="response", title="Time to outcome: charge and other outcomes as competing risks",
    numerator="Offences charged (outcome 1) or given another outcome (2-22) by the time point; offences still without an outcome 365 days after recording",
    denominator="All recorded offences, followed from recording to outcome or censored at the extraction date; for the share still open, offences recorded at least 365 days before extraction",
    basis="all recorded offences, time from recording",
    method="Aalen-Johansen cumulative incidence of charge and of any other outcome at 90, 180, 365 and 730 days (competing risks, open offences censored at extraction), with 95% interval (none where no such outcome has happened by the time point: the variance is 0); share still open 365 days after recording (no outcome, or an outcome dated more than 365 days after recording) with Wilson score 95% interval",
    caveat="Cumulative incidence assumes offences recorded recently close at the same pace as earlier ones.",
)
def time_to_outcome(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = time_to_outcome.indicator
    o = data.offences
    fit, durations, cause = outcome_fit(data)
    n = fit.n
    at = cumulative_incidence_at(fit, list(OUTCOME_HORIZONS))
    parts = []
    for code, label, noun in ((1, "charged or summonsed", "charge"), (2, "other outcome", "other outcome")):
        value, lower, upper, status = _incidence(at, code, fit.max_time, n)
        events_by = [int(((durations <= t) & (cause == code)).sum()) for t in OUTCOME_HORIZONS]
        note = np.select(
            [status == "beyond_follow_up", status == "no_events", status == "not_estimable", status == "no_offences"],
            ["beyond the longest follow-up: not estimated",
             f"no {noun} by this time: 0% with no interval (no variance can be estimated)",
             "no interval: the variance cannot be estimated here", "no offences"], "")
        parts.append(rows.estimates(entry, force_code, f"cumulative incidence: {label}",
                                    [f"{t} days" for t in OUTCOME_HORIZONS], value, lower, upper, fit.method,
                                    numerator=events_by, denominator=n, note=note, interval_type="ci95"))
    followed = (days_between(o["recorded_date"], o["extraction_date"]) >= OPEN_AFTER_DAYS).fillna(False)
    took = days_between_outcome(o)
    still_open = followed & (~o["assigned"] | (took > OPEN_AFTER_DAYS).fillna(False))
    parts.append(rows.proportions(entry, force_code, "still open", [f"{OPEN_AFTER_DAYS} days after recording"],
                                  [int(still_open.sum())], [int(followed.sum())],
                                  basis=f"offences recorded at least {OPEN_AFTER_DAYS} days before extraction"))
    return rows.stack(parts)


def _incidence(at: pd.DataFrame, code: int, max_time: float, n: int) -> tuple[np.ndarray, ...]:
    """Cumulative incidence of one cause at OUTCOME_HORIZONS with its limits and status (as
    cumulative_incidence_at); a cause no offence had is 0 within follow-up, with no interval (status
    "no_events"); "no_offences" when there is no offence at all."""
    cif = at[at["cause"] == code]
    if len(cif):
        return (cif["cif"].to_numpy(float), cif["lower"].to_numpy(float), cif["upper"].to_numpy(float),
                cif["status"].to_numpy(dtype=object))
    horizons = np.asarray(OUTCOME_HORIZONS, dtype=float)
    within = (horizons <= max_time) & (n > 0)
    status = np.where(n == 0, "no_offences", np.where(within, "no_events", "beyond_follow_up")).astype(object)
    missing = np.full(horizons.shape, np.nan)
    return np.where(within, 0.0, np.nan), missing, missing, status


def days_between_outcome(offences: pd.DataFrame) -> pd.Series:
    """Days from recording to outcome for offences with an outcome (blank otherwise)."""
    return offences["days_to_outcome_or_extraction"].where(offences["assigned"])


def charge_design(data: ForceData) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame]:
    """Offence-level design for the Cox model of time to charge.

    Offences with at least one linked suspect (only they can be charged), whose victim's looked-after status
    is recorded. Terms (0/1): victim withdrew support (at any time up to extraction); offence linked to an
    identified network; victim looked after (vs not looked after). Returns the design, the labels and the
    offences used (with duration and event columns).
    """
    o = data.offences
    v = data.victims.set_index("victim_id")
    withdrew = o["victim_id"].map(v["withdrew"]).astype("boolean")
    looked_after = o["victim_id"].map(v["looked_after"]).astype("str")
    keep = (o["n_suspects"] > 0) & looked_after.isin(["yes", "no"]) & withdrew.notna() \
        & o["days_to_outcome_or_extraction"].notna()
    keep = keep.to_numpy(dtype=bool)
    used = o.loc[keep, ["days_to_outcome_or_extraction", "charged", "victim_id"]]
    design = pd.DataFrame(
        {
            "victim_withdrew": withdrew[keep].astype("float64").to_numpy(),
            "network_linked": o.loc[keep, "network_id"].notna().astype("float64").to_numpy(),
            "looked_after": (looked_after[keep] == "yes").astype("float64").to_numpy(),
        },
        index=used.index,
    )
    labels = {
        "victim_withdrew": "victim withdrew support (vs did not)",
        "network_linked": "linked to an identified network (vs not linked)",
        "looked_after": "victim looked after (vs not looked after)",
    }
    return design, labels, used


@indicator(
    id="RI04", strand="response", title="Factors associated with time to charge",
    numerator="Offences charged (outcome 1) (events); for each factor, offences with the factor",
    denominator="Offences with at least one linked suspect whose victim's looked-after status is recorded",
    basis="offences with a linked suspect and the victim's looked-after status recorded",
    method="Cox proportional hazards model of days from recording to charge (cause-specific: other outcomes and open offences censored at their outcome or the extraction date), Efron ties, 95% intervals robust to clustering of offences within victims (Lin-Wei sandwich); terms: victim withdrew support, offence linked to an identified network, victim looked after. Not fitted with fewer than 10 charges; flagged as unstable below 10 charges per parameter; separation or non-convergence reported as a status, not an estimate",
    caveat="Withdrawal is taken as ever recorded by extraction, not as it happens over time, so the withdrawal hazard ratio mixes timing with effect; associations, not causes.",
)
def charge_model(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = charge_model.indicator
    design, labels, used = charge_design(data)
    n, events = len(used), int(used["charged"].sum())
    varying, notes = rows.varying_terms(design, labels)
    if events < MIN_EVENTS or not varying:
        status = f"not fitted: {events} charges among {n} offences (at least {MIN_EVENTS} needed)" if events < MIN_EVENTS \
            else "not fitted: no term varies"
        return _status(entry, force_code, status, events, n, notes)
    fit = cox_regression(used["days_to_outcome_or_extraction"].to_numpy(dtype=float),
                         used["charged"].to_numpy(dtype=bool), design[varying], ties="efron",
                         cluster=used["victim_id"].to_numpy())
    if fit.status != "ok":
        return _status(entry, force_code, rows.not_estimated(fit), events, n, notes)
    if events < EVENTS_PER_PARAMETER * len(varying):
        notes.append(f"fewer than {EVENTS_PER_PARAMETER} charges per parameter: estimates may be unstable")
    note = "; ".join(notes)
    table = fit.table.set_index("term").loc[varying]
    hr = rows.estimates(entry, force_code, "hazard ratio", [labels[c] for c in varying], table["value"],
                        table["lower"], table["upper"], fit.method, numerator=design[varying].sum().to_numpy(),
                        denominator=n, note=note, interval_type="ci95")
    from analysis.disclosure import gate_factor_cells

    hr = gate_factor_cells(hr, design[varying], used["charged"].to_numpy(dtype=bool))
    model = rows.estimates(entry, force_code, "model", ["offences charged"], events / n, np.nan, np.nan, fit.method,
                           numerator=events, denominator=n, note=note or "ok")
    return rows.stack([hr, model])


def _status(entry, force_code: str, status: str, events: int, n: int, notes: list[str]) -> pd.DataFrame:
    return rows.model_status(entry, force_code, "offences charged", status, events, n, notes,
                             "Cox proportional hazards, Efron ties")


# ---------------------------------------------------------------------------------------------- timeliness
def _durations(entry, force_code: str, category: str, days: pd.Series, total: int, waiting: str,
               basis: str) -> pd.DataFrame:
    frame = rows.quartiles(entry, force_code, "days", category, days, basis=basis)
    excluded = total - int(days.notna().sum())
    # no count in words: the excluded cases are the denominator less the numerator, which the disclosure rules
    # and the reader's audit check; a number in a note would escape both
    note = f"excluded: {waiting} (the denominator less the number of cases)" if excluded else ""
    if frame["note"].iloc[0]:
        note = "; ".join(x for x in (frame["note"].iloc[0], note) if x)
    frame["denominator"] = pd.array([total], dtype="Float64")
    frame["note"] = pd.array([note], dtype="str")
    return frame


@indicator(
    id="RI05", strand="response", title="Timeliness: ABE interview, action on referrals, first arrest",
    numerator="Cases where the event has happened: victims with an ABE interview; referrals actioned; suspects arrested with a linked offence",
    denominator="All victims; all referrals; suspects linked to at least one offence (those with no event yet are excluded from the quartiles and counted in the note)",
    basis="cases where the event has happened",
    method="Median with lower and upper quartiles of whole days: first report to ABE interview; referral received to first action; first linked offence recorded to the suspect's first arrest",
    caveat="Cases still waiting at extraction are left out, so recent cases with long waits are under-represented and the medians understate delay; arrests can precede the recording of the first linked offence (negative days).",
)
def timeliness(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = timeliness.indicator
    v, r, s = data.victims, data.referrals, data.suspects
    linked = s[s["first_offence_date"].notna()]
    arrest_days = days_between(linked["first_offence_date"], linked["first_arrest_date"])
    return rows.stack([
        _durations(entry, force_code, "first report to ABE interview", v["days_to_abe"], len(v),
                   "no ABE interview recorded", "victims with an ABE interview"),
        _durations(entry, force_code, "referral received to action", r["days_to_action"], len(r),
                   "not yet actioned", "referrals actioned"),
        _durations(entry, force_code, "first linked offence recorded to first arrest", arrest_days, len(linked),
                   "not arrested", "suspects arrested, linked to an offence"),
    ])


# ---------------------------------------------------------------------------------------------- disruption
@indicator(
    id="RI06", strand="response", title="Disruption tactics per network and per 100 suspects",
    numerator="Uses of a disruption tactic in the return (by tactic; by latest status)",
    denominator="Networks identified in the return; suspects in the return",
    basis="networks; suspects",
    method="Rate per network and per 100 suspects with exact Poisson 95% interval below 10 and Byars' approximation from 10",
    caveat="Counts uses, not distinct people or networks targeted; tactics used outside the return's networks and suspects are included.",
)
def disruption_rates(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = disruption_rates.indicator
    d = data.disruptions
    networks, suspects = len(data.networks), len(data.suspects)
    parts = []
    for column, codes in (("tactic", reference.codes("disruption_tactics")),
                          ("status", reference.codes("disruption_statuses"))):
        k = d[column].value_counts().reindex(codes, fill_value=0).to_numpy()
        cats = ["all", *codes] if column == "tactic" else codes
        counts = [int(k.sum()), *k] if column == "tactic" else k
        parts.append(rows.rates(entry, force_code, f"{column} per network", cats, counts, networks, 1,
                                basis="networks identified"))
        parts.append(rows.rates(entry, force_code, f"{column} per 100 suspects", cats, counts, suspects, 100,
                                basis="suspects"))
    return rows.stack(parts)


# ---------------------------------------------------------------------------------------------- case reviews
@indicator(
    id="RI07", strand="response", title="Case review grades",
    numerator="Reviewed case files given the grade (overall and for each criterion)",
    denominator="Case files reviewed", basis="case files reviewed",
    method="Share with Wilson score 95% interval",
    caveat="Reviews are a sample of case files; grades are inspectors' judgements against the inspection's criteria.",
)
def case_review_grades(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = case_review_grades.indicator
    c = data.case_reviews
    grades = reference.codes("case_review_grades")
    criteria = reference.load("case_review_criteria")
    columns = [("overall grade", "grade"), *zip(criteria["code"], criteria["column"], strict=True)]
    parts = []
    for breakdown, column in columns:
        k = c[column].value_counts().reindex(grades, fill_value=0).to_numpy()
        parts.append(rows.proportions(entry, force_code, breakdown, grades, k, len(c)))
    return rows.stack(parts)
