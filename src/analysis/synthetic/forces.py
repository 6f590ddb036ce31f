"""The national step: fictional forces, their populations and force-level settings.

Forces SYN01..SYNnn are spread over the 10 regions in the proportions of the real 43 forces
(params/reference/forces.csv; exactly the real counts when there are 43). Child populations are evenly
spaced quantiles of a lognormal (a skewed spread like the real one, from a small rural force to a large
metropolitan one) shuffled over the forces by the seed. Everything a force's own generation needs
(expected offences, target rates, practice settings) is decided here, once, from the national stream.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from analysis import reference
from analysis.contract import ETHNIC_GROUPS
from analysis.synthetic.config import SyntheticConfig, force_code
from analysis.synthetic.sampling import largest_remainder, lognormal_quantiles, spread

NON_WHITE = ("asian", "black", "mixed", "other")


def region_counts(n_forces: int) -> pd.Series:
    """Forces per region: the real forces' regional split scaled to n_forces (largest remainder)."""
    regions = reference.codes("regions")
    real = reference.load("forces")["region"].value_counts().reindex(regions, fill_value=0)
    counts = largest_remainder(n_forces, real.to_numpy()[None, :])[0]
    return pd.Series(counts, index=regions)


def _population(config: SyntheticConfig, rng: np.random.Generator, regions: np.ndarray, child: np.ndarray) -> dict:
    pop = config.section("population")
    size = config.section("size")
    n = regions.size
    base = np.array([pop["adult_non_white_share"][r] for r in regions])
    # Force non-white share: beta around the regional value (concentration 60).
    adult_nw = rng.beta(base * 60, (1 - base) * 60)
    comp_mean = np.array([pop["non_white_composition"][g] for g in NON_WHITE])
    composition = rng.dirichlet(comp_mean * 30, size=n)
    adult_shares = np.column_stack([adult_nw[:, None] * composition, 1 - adult_nw])  # asian black mixed other white
    child_comp = composition.copy()
    child_comp[:, NON_WHITE.index("mixed")] *= pop["child_mixed_multiplier"]
    child_comp /= child_comp.sum(axis=1, keepdims=True)
    child_nw = np.minimum(adult_nw * pop["child_non_white_multiplier"], 0.95)
    child_shares = np.column_stack([child_nw[:, None] * child_comp, 1 - child_nw])
    adults = np.round(child * size["adult_to_child_ratio"]).astype(np.int64)
    order = [*NON_WHITE, "white"]
    child_counts = largest_remainder(child, child_shares)
    adult_counts = largest_remainder(adults, adult_shares)
    out = {}
    for group in ETHNIC_GROUPS:
        j = order.index(group)
        out[f"pop_child_{group}"] = child_counts[:, j]
    for group in ETHNIC_GROUPS:
        j = order.index(group)
        out[f"pop_adult_{group}"] = adult_counts[:, j]
    return out


def _largest_to_outliers(child: np.ndarray, codes: list[str], planted: dict) -> np.ndarray:
    """Give the planted charge-rate outliers the largest child populations, the other forces keeping theirs
    in order, so that the planted difference is detectable whatever the seed (a small force's charge rate
    has too wide an interval to fall outside the funnel limits)."""
    outliers = [codes.index(planted["charge_rate_outliers"][side]["force"]) for side in ("high", "low")
                if planted["charge_rate_outliers"][side]["force"] in codes]
    if not outliers:
        return child
    top = np.argsort(-child, kind="stable")[: len(outliers)]
    others = np.ones(child.size, dtype=bool)
    others[outliers] = False
    arranged = np.empty_like(child)
    arranged[outliers] = child[top]
    arranged[others] = np.delete(child, top)
    return arranged


def plan_forces(config: SyntheticConfig) -> pd.DataFrame:
    """One row per synthetic force with everything its generation needs (deterministic from the seed)."""
    rng = config.national_rng()
    k = config.n_forces
    size = config.section("size")
    counts = region_counts(k)
    regions = np.repeat(counts.index.to_numpy(), counts.to_numpy())
    region_labels = reference.labels("regions")
    codes = [force_code(i) for i in range(1, k + 1)]

    child = np.round(lognormal_quantiles(size["median_child_population"], size["child_population_sigma"], k))
    child = rng.permutation(child.astype(np.int64))
    child = _largest_to_outliers(child, codes, config.planted)
    population = _population(config, rng, regions, child)
    child_population = sum(population[f"pop_child_{g}"] for g in ETHNIC_GROUPS)

    rate = np.exp(size["rate_sigma"] * rng.standard_normal(k))
    weight = child_population * rate
    expected = size["national_offences"] * config.scale * weight / weight.sum()

    s = config.section("suspects")
    ns = expit(logit(s["ethnicity_not_stated_median"]) + s["ethnicity_not_stated_logit_sd"] * rng.standard_normal(k))
    ns = np.clip(ns, *s["ethnicity_not_stated_clip"])

    outcomes = config.section("outcomes")
    charge_rate = spread(rng, outcomes["charge_rate"], k)
    planted = config.planted
    for side in ("high", "low"):
        named = planted["charge_rate_outliers"][side]
        if named["force"] in codes:
            charge_rate[codes.index(named["force"])] = named["charge_rate"]

    notes = config.section("case_notes")
    vb_rate = spread(rng, notes["victim_blaming_rate"], k)
    if planted["victim_blaming"]["force"] in codes:
        vb_rate[codes.index(planted["victim_blaming"]["force"])] = planted["victim_blaming"]["note_rate"]

    structure = config.section("structure")
    victims = config.section("victims")
    practice = config.section("force_practice")
    referrals = config.section("referrals")
    group_flag_available = rng.random(k) < structure["group_flag_available"]
    profile_kind = rng.random(k)
    prof = practice["problem_profile"]
    no_profile = profile_kind < prof["none"]
    old_profile = (profile_kind >= prof["none"]) & (profile_kind < prof["none"] + prof["older_than_a_year"])
    age_days = np.where(old_profile, rng.integers(366, 1100, k), rng.integers(30, 361, k))
    profile_date = (config.extraction_date - age_days.astype("timedelta64[D]")).astype("datetime64[s]")
    profile_date = np.where(no_profile, np.datetime64("NaT", "s"), profile_date)
    partner = (~no_profile) & (rng.random(k) < practice["partner_data_in_profile"])

    plan = pd.DataFrame(
        {
            "index": np.arange(1, k + 1),
            "force_code": codes,
            "force_name": [f"Synthetic Force {i:02d} ({region_labels[r]})" for i, r in zip(range(1, k + 1), regions, strict=True)],
            "region": regions,
            "child_population": child_population,
            **population,
            "expected_offences": expected,
            "charge_rate": charge_rate,
            "suspect_ns_share": ns,
            "victim_ns_share": spread(rng, victims["ethnicity_not_stated"], k),
            "withdrawal_share": spread(rng, victims["withdrawal_share"], k),
            "support_referral": spread(rng, victims["specialist_support_referral"], k),
            "victim_blaming_rate": vb_rate,
            "group_flag_available": group_flag_available,
            "group_flag_two_plus": spread(rng, structure["group_flag_two_plus"], k),
            "network_offence_share": spread(rng, structure["network_offence_share"], k),
            "close_speed": spread(rng, outcomes["close_speed"], k),
            "open_zero_code": rng.random(k) < outcomes["open_zero_code"],
            "disruptions_per_suspect": spread(rng, config.section("disruptions")["per_suspect"], k),
            "referrals_per_offence": spread(rng, referrals["per_offence"], k),
            "strategy_meeting": spread(rng, referrals["strategy_meeting"], k),
            "feedback_to_referrer": spread(rng, referrals["feedback_to_referrer"], k),
            "review_quality": config.section("case_reviews")["force_quality_sd"] * rng.standard_normal(k),
            "specialist_cse_team": rng.random(k) < practice["specialist_cse_team"],
            "problem_profile_date": pd.Series(profile_date, dtype="datetime64[s]"),
            "problem_profile_uses_partner_data": partner,
        }
    )
    return plan


def force_profile(config: SyntheticConfig, row: pd.Series) -> dict[str, np.ndarray]:
    """The columns of the one-row force_profile table of a synthetic force (is_synthetic is always true)."""
    columns = {
        "force_code": row["force_code"],
        "force_name": row["force_name"],
        "region": row["region"],
        "is_synthetic": True,
        "period_start": config.period_start,
        "period_end": config.period_end,
        "extraction_date": config.extraction_date,
        "child_population": row["child_population"],
    }
    for age in ("child", "adult"):
        for group in ETHNIC_GROUPS:
            columns[f"pop_{age}_{group}"] = row[f"pop_{age}_{group}"]
    profile_date = row["problem_profile_date"]
    columns["problem_profile_date"] = np.datetime64("NaT", "D") if pd.isna(profile_date) else np.datetime64(pd.Timestamp(profile_date).date(), "D")
    columns["problem_profile_uses_partner_data"] = bool(row["problem_profile_uses_partner_data"])
    columns["specialist_cse_team"] = bool(row["specialist_cse_team"])
    columns["group_flag_available"] = bool(row["group_flag_available"])
    return {name: np.array([value], dtype=object if isinstance(value, str) else None) for name, value in columns.items()}
