"""Victims and suspects: demographics, recording completeness, victim engagement and arrests.

Planted here (true values in params/synthetic.yaml, `planted`):
- withdrawal of support, victim level: logit P = force intercept + log(OR_support) x referral
  + log(OR_delayed) x [ABE interview > threshold days after first report] + log(OR_no_abe) x [no ABE]
  + log(OR_looked_after) x [looked after]; the force intercept is solved so that the force's expected
  withdrawal share equals its target, leaving the odds ratios exactly as documented.
- suspect ethnicity: the ONS group follows the force's ADULT population mix; optionally the odds of one
  group are multiplied in named forces. "Not stated" is missing completely at random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from analysis.contract import ETHNIC_GROUPS
from analysis.synthetic.config import SyntheticConfig
from analysis.synthetic.offences import Structure, group_min
from analysis.synthetic.sampling import DAY, categorical, choose, solve_intercept, truncated_lognormal_days

#: Officer-defined code an officer records for each perceived ONS group (white: IC1 or IC2).
_ODE_FOR_GROUP = {"asian": "IC4", "black": "IC3", "other": "IC6", "white": "IC1"}


@dataclass
class Victims:
    first_report: np.ndarray       # datetime64[D]
    age: np.ndarray                # float (nan = not recorded)
    sex: np.ndarray
    ethnicity_sde: np.ndarray
    looked_after: np.ndarray
    missing_episodes: np.ndarray   # float (nan = not recorded)
    abe_date: np.ndarray           # datetime64[D] (NaT = none)
    abe_category: np.ndarray       # "timely", "delayed", "none"
    support: np.ndarray            # bool
    withdrawn_date: np.ndarray     # datetime64[D] (NaT = not withdrawn)
    nrm: np.ndarray
    treated_as_suspect: np.ndarray

    @property
    def withdrawn(self) -> np.ndarray:
        return ~np.isnat(self.withdrawn_date)


@dataclass
class SuspectDemographics:
    first_offence: np.ndarray      # datetime64[D]
    age: np.ndarray                # float (nan = not recorded)
    birth_year: np.ndarray         # float (nan = not recorded)
    sex: np.ndarray
    group: np.ndarray              # true ONS group (not published: drives SDE and ODE)
    ethnicity_sde: np.ndarray
    ethnicity_ode: np.ndarray
    nationality: np.ndarray


def _sde_codes(config: SyntheticConfig, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
    """An 18+1 self-defined code within each person's ONS group."""
    within = config.section("suspects")["sde_within_group"]
    codes = np.empty(groups.size, dtype=object)
    for group in ETHNIC_GROUPS:
        mask = groups == group
        codes[mask] = choose(rng, within[group], int(mask.sum()))
    return codes


def _population_shares(force: dict, age: str) -> np.ndarray:
    counts = np.array([force[f"pop_{age}_{g}"] for g in ETHNIC_GROUPS], dtype=float)
    return counts / counts.sum()


def suspect_group_probabilities(config: SyntheticConfig, force: dict) -> np.ndarray:
    """Probabilities of the 5 ONS groups (ETHNIC_GROUPS order) for a suspect of this force.

    The adult population mix; when the planted disproportionality is on and the force is named, the odds
    of the named group are multiplied by the odds ratio (the other groups keep their relative shares).
    """
    p = _population_shares(force, "adult")
    planted = config.planted["suspect_ethnicity"]
    if planted["enabled"] and force["force_code"] in planted["forces"]:
        j = ETHNIC_GROUPS.index(planted["group"])
        odds = planted["odds_ratio"] * p[j] / (1 - p[j])
        new_share = odds / (1 + odds)
        rest = np.delete(p, j)
        p = np.insert(rest / rest.sum() * (1 - new_share), j, new_share)
    return p


def build_victims(config: SyntheticConfig, force: dict, st: Structure, rng: np.random.Generator) -> Victims:
    v = config.section("victims")
    planted = config.planted
    n = st.n_victims
    first_report = group_min(st.offence_victim, st.offence_recorded, n)
    extraction = config.extraction_date

    age = categorical(rng, np.array(v["age_weights"]), n).astype(float)
    age[rng.random(n) < v["age_not_recorded"]] = np.nan
    sex = choose(rng, v["sex"], n)
    groups = np.array(ETHNIC_GROUPS, dtype=object)[categorical(rng, _population_shares(force, "child"), n)]
    sde = _sde_codes(config, rng, groups)
    sde[rng.random(n) < force["victim_ns_share"]] = "NS"
    looked_after = choose(rng, v["looked_after"], n)
    mean_missing = np.array([v["missing_episodes_mean"][x] for x in looked_after])
    dispersion = 0.8
    missing = rng.negative_binomial(dispersion, dispersion / (dispersion + mean_missing)).astype(float)
    missing[rng.random(n) < v["missing_episodes_not_recorded"]] = np.nan

    support = rng.random(n) < force["support_referral"]
    held = rng.random(n) < v["abe_interview"]
    delay = np.floor(np.exp(np.log(v["abe_delay_median_days"]) + v["abe_delay_sigma"] * rng.standard_normal(n))).astype(np.int64)
    abe_date = first_report + delay * DAY
    recorded_abe = held & (abe_date <= extraction)
    abe_date = np.where(recorded_abe, abe_date, np.datetime64("NaT"))
    threshold = planted["abe_delay_threshold_days"]
    abe_category = np.where(~recorded_abe, "none", np.where(delay > threshold, "delayed", "timely")).astype(object)

    offset = (
        np.log(planted["withdrawal_specialist_support_odds_ratio"]) * support
        + np.log(planted["withdrawal_delayed_abe_odds_ratio"]) * (abe_category == "delayed")
        + np.log(planted["withdrawal_no_abe_odds_ratio"]) * (abe_category == "none")
        + np.log(planted["withdrawal_looked_after_odds_ratio"]) * (looked_after == "yes")
    )
    intercept = solve_intercept(offset, float(force["withdrawal_share"]))
    withdrawn = rng.random(n) < expit(intercept + offset)
    base = np.where(recorded_abe, abe_date, first_report)
    wdelay = truncated_lognormal_days(rng, v["withdrawal_delay_median_days"], v["withdrawal_delay_sigma"], (extraction - base) / DAY)
    withdrawn_date = np.where(withdrawn, base + wdelay * DAY, np.datetime64("NaT"))

    in_network = st.victim_network >= 0
    nrm = rng.random(n) < np.where(in_network, v["nrm_referral"]["network"], v["nrm_referral"]["solo"])
    treated = rng.random(n) < v["treated_as_suspect"]
    return Victims(
        first_report=first_report,
        age=age,
        sex=sex,
        ethnicity_sde=sde,
        looked_after=looked_after,
        missing_episodes=missing,
        abe_date=abe_date.astype("datetime64[D]"),
        abe_category=abe_category,
        support=support,
        withdrawn_date=withdrawn_date.astype("datetime64[D]"),
        nrm=nrm,
        treated_as_suspect=treated,
    )


def build_suspect_demographics(config: SyntheticConfig, force: dict, st: Structure, rng: np.random.Generator) -> SuspectDemographics:
    s = config.section("suspects")
    n = st.n_suspects
    first_offence = group_min(st.link_suspect, st.offence_recorded[st.link_offence], n)

    child = rng.random(n) < s["child_share"]
    child_age = 10 + categorical(rng, np.array(s["child_age_weights"]), n)
    adult_age = 18 + np.floor(np.exp(np.log(s["adult_age_median"] - 18) + s["adult_age_sigma"] * rng.standard_normal(n)))
    age = np.where(child, child_age, np.minimum(adult_age, 95)).astype(float)
    age[rng.random(n) < s["age_not_recorded"]] = np.nan
    year = first_offence.astype("datetime64[Y]").astype(np.int64) + 1970
    birth_year = year - age - (rng.random(n) < 0.5)
    birth_year[rng.random(n) < s["birth_year_extra_not_recorded"]] = np.nan

    sex = choose(rng, s["sex"], n)
    groups = np.array(ETHNIC_GROUPS, dtype=object)[categorical(rng, suspect_group_probabilities(config, force), n)]
    sde = _sde_codes(config, rng, groups)
    ns_share = float(force["suspect_ns_share"])
    sde[rng.random(n) < ns_share] = "NS"
    ode = _officer_defined(config, rng, groups, sde)
    ode[rng.random(n) < s["ode_unknown_relative"] * ns_share] = "IC9"

    nationality = np.full(n, "GBR", dtype=object)
    foreign = rng.random(n) < s["non_british"]
    nationality[foreign] = choose(rng, s["other_nationalities"], int(foreign.sum()))
    nationality[rng.random(n) < min(0.95, s["nationality_not_recorded_relative"] * ns_share)] = "NR"
    return SuspectDemographics(
        first_offence=first_offence,
        age=age,
        birth_year=birth_year,
        sex=sex,
        group=groups,
        ethnicity_sde=sde,
        ethnicity_ode=ode,
        nationality=nationality,
    )


def _officer_defined(config: SyntheticConfig, rng: np.random.Generator, groups: np.ndarray, sde: np.ndarray) -> np.ndarray:
    """The officer's perception: the true group for most, another group for some, mixed never matched."""
    n = groups.size
    perceived = groups.copy()
    # Mixed heritage has no IC code: officers record the White or the other parent's group.
    mixed = groups == "mixed"
    perceived[mixed] = np.where(rng.random(int(mixed.sum())) < 0.5, "white", "black")
    wrong = rng.random(n) < config.section("suspects")["ode_disagreement"]
    # A different perception: one of the three other groups, uniformly (shift the pick past the current one).
    options = np.array(["asian", "black", "other", "white"])
    current = np.searchsorted(options, perceived.astype(str))
    pick = rng.integers(0, 3, n)
    alternative = options[np.where(pick >= current, pick + 1, pick)]
    perceived = np.where(wrong, alternative, perceived.astype(str))
    ic_codes = np.array([_ODE_FOR_GROUP[g] for g in options], dtype=object)
    codes = ic_codes[np.searchsorted(options, perceived)]
    codes[(perceived == "white") & (rng.random(n) < 0.1)] = "IC2"
    codes[(perceived == "asian") & ((sde == "A4") | (rng.random(n) < 0.03))] = "IC5"
    return codes


def suspect_justice(
    config: SyntheticConfig, demo: SuspectDemographics, st: Structure, outcome_code: np.ndarray,
    outcome_date: np.ndarray, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(charged, first_arrest_date) per suspect: charged when any linked offence has outcome 1;
    charged suspects are always arrested, on or before their first charge."""
    s = config.section("suspects")
    n = st.n_suspects
    link_charge = outcome_code[st.link_offence] == 1
    charged = np.zeros(n, dtype=bool)
    charged[st.link_suspect[link_charge]] = True
    charge_date = np.full(n, config.extraction_date, dtype="datetime64[D]")
    if link_charge.any():
        dates = outcome_date[st.link_offence][link_charge]
        order = np.lexsort((dates, st.link_suspect[link_charge]))
        keys = st.link_suspect[link_charge][order]
        first = np.r_[True, keys[1:] != keys[:-1]]
        charge_date[keys[first]] = dates[order][first]
    arrested = charged | (rng.random(n) < s["arrest"])
    upper = (charge_date - demo.first_offence) / DAY
    delay = truncated_lognormal_days(rng, s["arrest_delay_median_days"], s["arrest_delay_sigma"], upper)
    arrest = np.where(arrested, demo.first_offence + delay * DAY, np.datetime64("NaT")).astype("datetime64[D]")
    return charged, arrest
