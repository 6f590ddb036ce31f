"""Victim engagement and attitudes towards victims.

Terms of reference strand 3: who the victims are, how many withdrew their support for the investigation
and when, what is associated with withdrawal, how often outcomes record that the victim did not support
action, victims treated as suspects in connection with their own exploitation, and victim-blaming
language in case notes (counts and rates only: note text never leaves analysis.indicators.language).
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from analysis.indicators import language, rows
from analysis.indicators.catalogue import indicator
from analysis.indicators.data import MISSING_EPISODE_BANDS, NOT_RECORDED, VICTIM_AGE_BANDS, ForceData
from analysis.stats.models import logistic_regression
from analysis.stats.survival import kaplan_meier

#: Days after first report at which survival (still supporting the investigation) is reported.
WITHDRAWAL_HORIZONS = (90, 180, 365)

#: Transform of the Kaplan-Meier pointwise interval (Kalbfleisch-Prentice log-log: stays inside 0-1).
KM_TRANSFORM = "log-log"

#: An ABE interview later than this many days after first report counts as delayed. The synthetic
#: generator plants its withdrawal effect on the same threshold (params/synthetic.yaml,
#: planted.abe_delay_threshold_days), so the model recovers the planted odds ratio.
ABE_DELAY_THRESHOLD_DAYS = 28

#: Fewest victims in each outcome class (withdrew, did not) for the withdrawal model to be fitted at all,
#: and the events per parameter below which its estimates are flagged as unstable (Peduzzi et al. 1996).
MIN_EVENTS = 10
EVENTS_PER_PARAMETER = 10

VICTIM_NOT_SUPPORTING = (14, 16)
NOTES_PER = 100

LOOKED_AFTER_LABELS = {"yes": "looked after", "no": "not looked after", "not_recorded": NOT_RECORDED}


# ---------------------------------------------------------------------------------------------- profile
@indicator(
    id="VE01", strand="victims", title="Victim profile: age band, sex, looked-after status and missing episodes",
    numerator="Victims in the category (age at the first offence against them in the return; missing-from-home or care episodes recorded)",
    denominator="Victims with the characteristic recorded; all victims",
    basis="two bases: recorded values; all victims ('not recorded' as its own row)",
    method="Share with Wilson score 95% interval",
    caveat="Looked-after status and missing episodes are as recorded on police systems and may be incomplete.",
)
def victim_profile(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = victim_profile.indicator
    v = data.victims
    sex = v["sex"].replace({"not_recorded": NOT_RECORDED})
    looked_after = v["looked_after"].map(LOOKED_AFTER_LABELS).fillna(NOT_RECORDED).astype("str")
    ages = [label for _, _, label in VICTIM_AGE_BANDS]
    missing = [label for _, _, label in MISSING_EPISODE_BANDS]
    return rows.stack([
        rows.shares_both_bases(entry, force_code, "age_band", v["age_band"], [*ages, NOT_RECORDED], NOT_RECORDED),
        rows.shares_both_bases(entry, force_code, "sex", sex, ["female", "male", "other", NOT_RECORDED], NOT_RECORDED),
        rows.shares_both_bases(entry, force_code, "looked_after", looked_after,
                               ["looked after", "not looked after", NOT_RECORDED], NOT_RECORDED),
        rows.shares_both_bases(entry, force_code, "missing_episodes", v["missing_band"], [*missing, NOT_RECORDED],
                               NOT_RECORDED),
    ])


# ---------------------------------------------------------------------------------------------- withdrawal
@indicator(
    id="VE02", strand="victims", title="Victims who withdrew support for the investigation",
    numerator="Victims with a date of withdrawal of support recorded",
    denominator="All victims in the return", basis="all victims",
    method="Share with Wilson score 95% interval",
    caveat="Counts withdrawals up to the extraction date: victims first reported recently have had less time to withdraw (see VE03 for the time-to-event view).",
)
def withdrawal_share(data: ForceData, force_code: str) -> pd.DataFrame:
    v = data.victims
    return rows.proportions(withdrawal_share.indicator, force_code, "total", ["withdrew support"],
                            [int(v["withdrew"].sum())], [len(v)])


def withdrawal_fit(data: ForceData):
    """Kaplan-Meier fit of time from first report to withdrawal of support (censored at extraction), with the
    durations it was fitted on: VE03's table and the force report's curve come from this one fit."""
    v = data.victims
    durations = v["days_to_withdrawal_or_extraction"].to_numpy(dtype="float64", na_value=np.nan)
    return kaplan_meier(durations, v["withdrew"].to_numpy(dtype=bool), transform=KM_TRANSFORM), durations


@indicator(
    id="VE03", strand="victims", title="Time from first report to withdrawal of support",
    numerator="Victims who withdrew support by the time point (events)",
    denominator="All victims with a first report date, followed from first report to withdrawal or, if they did not withdraw, censored at the extraction date",
    basis="all victims, time from first report",
    method="Kaplan-Meier estimate of the share still supporting the investigation at 90, 180 and 365 days, with 95% interval on the log-log transform (no interval where no victim has withdrawn yet); median time to withdrawal with its 95% interval (log-log, Brookmeyer-Crowley), or 'not reached' when fewer than half withdraw within follow-up, with its lower limit kept when that is reached ('at least N days')",
    caveat="A victim may withdraw after the extraction date; censoring assumes that victims reported recently withdraw at the same pace as earlier ones.",
)
def time_to_withdrawal(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = time_to_withdrawal.indicator
    fit, durations = withdrawal_fit(data)
    events = data.victims["withdrew"].to_numpy(dtype=bool)
    n, kept = fit.n, ~np.isnan(durations)
    at = fit.survival_at(list(WITHDRAWAL_HORIZONS))
    withdrawn_by = [int(((durations[kept] <= t) & events[kept]).sum()) for t in WITHDRAWAL_HORIZONS]
    notes = at["note"].where(at["status"] != "no_events",
                             "no victim withdrew by this time: 100% still supporting, no interval can be estimated")
    curve = rows.estimates(entry, force_code, "still supporting at", [f"{t} days" for t in WITHDRAWAL_HORIZONS],
                           at["value"], at["lower"], at["upper"], fit.method, numerator=withdrawn_by,
                           denominator=n, note=notes, interval_type="ci95")
    median = fit.median()
    if median.status == "not_reached":
        note = "not reached: fewer than half of victims withdrew within follow-up"
        if np.isfinite(median.lower):
            note += (f"; at least {median.lower:,.0f} days (the lower 95% limit was reached, the upper was not)")
    elif median.status != "ok":
        note = f"not estimated: {median.status.replace('_', ' ')}"
    else:
        note = median.note
    median_row = rows.estimates(entry, force_code, "median days to withdrawal", ["median"], median.value,
                                median.lower, median.upper, median.method, numerator=fit.n_events,
                                denominator=n, note=note, interval_type="ci95")
    return rows.stack([curve, median_row])


def withdrawal_design(victims: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, dict[str, str]]:
    """Victim-level design for the withdrawal model, its outcome and the term labels.

    Terms (each 0/1; reference categories in brackets):
    - abe_delayed: ABE interview held more than 28 days after first report (ABE within 28 days);
    - abe_none: no ABE interview recorded (ABE within 28 days);
    - specialist_support: referred to specialist support (not referred);
    - looked_after: looked after (not looked after);
    - age_12_under, age_16_17: age band at the first offence (13-15).
    Victims whose looked-after status or age is not recorded are left out (complete-case analysis).
    """
    complete = (victims["looked_after"] != "not_recorded") & (victims["age_band"] != NOT_RECORDED)
    v = victims[complete.to_numpy()]
    delay = v["days_to_abe"].astype("float64")
    design = pd.DataFrame(
        {
            "abe_delayed": (delay > ABE_DELAY_THRESHOLD_DAYS).fillna(False).astype("float64"),
            "abe_none": v["abe_interview_date"].isna().astype("float64"),
            "specialist_support": v["specialist_support_referral"].astype("float64"),
            "looked_after": (v["looked_after"] == "yes").astype("float64"),
            "age_12_under": (v["age_band"] == "12 and under").astype("float64"),
            "age_16_17": (v["age_band"] == "16-17").astype("float64"),
        },
        index=v.index,
    )
    labels = {
        "abe_delayed": f"ABE interview more than {ABE_DELAY_THRESHOLD_DAYS} days after first report (vs within {ABE_DELAY_THRESHOLD_DAYS} days)",
        "abe_none": f"no ABE interview recorded (vs within {ABE_DELAY_THRESHOLD_DAYS} days)",
        "specialist_support": "referred to specialist support (vs not referred)",
        "looked_after": "looked after (vs not looked after)",
        "age_12_under": "aged 12 and under (vs 13-15)",
        "age_16_17": "aged 16-17 (vs 13-15)",
    }
    return design, v["withdrew"].astype("float64"), labels


@indicator(
    id="VE04", strand="victims", title="Factors associated with withdrawal of support",
    numerator="Victims who withdrew support (events); for each factor, victims with the factor",
    denominator="Victims with looked-after status and age recorded (complete cases)",
    basis="victims with looked-after status and age recorded",
    method="Logistic regression of withdrawal (yes/no) on: ABE interview more than 28 days after first report, and no ABE interview recorded (both against an ABE interview within 28 days); referral to specialist support; looked after; age band (12 and under, 16-17, against 13-15). Odds ratios with heteroskedasticity-robust (HC1) 95% intervals. Not fitted with fewer than 10 victims who withdrew or who did not; flagged as unstable below 10 events per parameter; separation and non-convergence reported as a status, not an estimate",
    caveat="Associations, not causes: victims whose cases differ in other ways may be interviewed later or referred less. Withdrawal after the extraction date is not seen, and a delayed ABE interview can itself follow an early wish to withdraw.",
)
def withdrawal_factors(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = withdrawal_factors.indicator
    design, withdrew, labels = withdrawal_design(data.victims)
    n, events = len(withdrew), int(withdrew.sum())
    excluded = len(data.victims) - n
    # no count in words (it is all victims less the model's victims, which the disclosure rules check)
    base_note = "victims with looked-after status or age not recorded left out" if excluded else ""
    # Drop terms with no variation: they cannot be estimated (e.g. no victim aged 12 and under).
    varying, no_variation = rows.varying_terms(design, labels)
    notes = [base_note, *no_variation]
    if min(events, n - events) < MIN_EVENTS:
        status = f"not fitted: fewer than {MIN_EVENTS} victims who withdrew or who did not ({events} of {n} withdrew)"
        return _model_status(entry, force_code, status, events, n, notes)
    if not varying:
        return _model_status(entry, force_code, "not fitted: no factor varies", events, n, notes)
    fit = logistic_regression(withdrew, design[varying], se="robust")
    if fit.status != "ok":
        return _model_status(entry, force_code, rows.not_estimated(fit), events, n, notes)
    if events < EVENTS_PER_PARAMETER * len(varying) or n - events < EVENTS_PER_PARAMETER * len(varying):
        notes.append(f"fewer than {EVENTS_PER_PARAMETER} events per parameter: estimates may be unstable")
    note = "; ".join(x for x in notes if x)
    table = fit.table.set_index("term").loc[varying]
    with_factor = design[varying].sum().to_numpy()
    odds = rows.estimates(entry, force_code, "odds ratio", [labels[c] for c in varying], table["value"],
                          table["lower"], table["upper"], fit.method, numerator=with_factor, denominator=n,
                          note=note, interval_type="ci95")
    from analysis.disclosure import gate_factor_cells

    odds = gate_factor_cells(odds, design[varying], withdrew)
    model = rows.estimates(entry, force_code, "model", ["victims who withdrew"], events / n if n else np.nan,
                           np.nan, np.nan, fit.method, numerator=events, denominator=n, note=note or "ok")
    return rows.stack([odds, model])


def _model_status(entry, force_code: str, status: str, events: int, n: int, notes: list[str]) -> pd.DataFrame:
    return rows.model_status(entry, force_code, "victims who withdrew", status, events, n, notes,
                             "logistic regression, HC1 robust 95% intervals")


# ---------------------------------------------------------------------------------------------- outcomes
@indicator(
    id="VE05", strand="victims", title="Outcomes recording that the victim does not support action (14 or 16)",
    numerator="Offences with Home Office outcome 14 (suspect not identified; victim does not support further action) or 16 (suspect identified; victim does not support further action), together and separately",
    denominator="Offences with an outcome assigned (outcomes 1-22)", basis="assigned outcomes",
    method="Share with Wilson score 95% interval",
    caveat="Outcome 16 is the most common outcome for sexual offences nationally; a high share can reflect how support was offered and sustained, not only the victim's wishes.",
)
def victim_not_supporting(data: ForceData, force_code: str) -> pd.DataFrame:
    o = data.offences
    code = o.loc[o["assigned"], "outcome_code_int"]
    n14, n16 = int((code == 14).sum()), int((code == 16).sum())
    return rows.proportions(victim_not_supporting.indicator, force_code, "outcome",
                            ["outcome 14 or 16", "outcome 14", "outcome 16"], [n14 + n16, n14, n16], len(code))


@indicator(
    id="VE06", strand="victims", title="Victims treated as suspects in connection with their own exploitation",
    numerator="Victims recorded as treated as a suspect", denominator="All victims in the return",
    basis="all victims", method="Share with Wilson score 95% interval",
    caveat="As recorded by the force; a child who is exploited should be treated as a victim first.",
)
def treated_as_suspect(data: ForceData, force_code: str) -> pd.DataFrame:
    v = data.victims
    return rows.proportions(treated_as_suspect.indicator, force_code, "total", ["treated as a suspect"],
                            [int(v["treated_as_suspect"].sum())], [len(v)])


# ---------------------------------------------------------------------------------------------- language
@indicator(
    id="VE07", strand="victims", title="Victim-blaming language in case notes",
    numerator="Case notes with at least one lexicon match (overall and in each category); lexicon matches (overall and in each category)",
    denominator="All case notes in the return", basis="case notes",
    method="Case-insensitive whole-phrase matching of the lexicon in params/reference/victim_blaming_lexicon.csv (near misses not counted). Share of notes with a match with Wilson score 95% interval; matches per 100 notes with exact Poisson 95% interval below 10 and Byars' approximation from 10",
    caveat="A phrase can be quoted or challenged rather than endorsed; the lexicon finds wording to review, not intent. Note text is never shown.",
)
def victim_blaming_language(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = victim_blaming_language.indicator
    notes = data.case_notes
    found = language.match_counts(notes["text"])
    cats = language.categories()
    n = len(notes)
    any_by_category = [int((found[c] > 0).sum()) for c in cats]
    share = rows.proportions(entry, force_code, "notes with a match", ["any category", *cats],
                             [int(found["any_match"].sum()), *any_by_category], n)
    per_100 = rows.rates(entry, force_code, "matches per 100 notes", ["all categories", *cats],
                         [int(found["matches"].sum()), *[int(found[c].sum()) for c in cats]], n, NOTES_PER)
    return rows.stack([share, per_100])
