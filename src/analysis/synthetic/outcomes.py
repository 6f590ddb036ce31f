"""Crime outcomes: which offences are closed at extraction, which outcome type, and when.

1. Closure. An offence is closed when recorded date + T <= extraction date, T lognormal with the force's
   median (so most recent offences, and a long tail of old ones, are still open: outcome blank or 0).
2. Charge. Among closed offences with at least one linked suspect,
   logit P(outcome 1) = b_force + log(OR) x [victim withdrew support]   (planted OR, default 0.35).
   b_force is solved so that the expected ASSIGNED-basis charge rate of the force (outcome 1 / closed
   offences, with or without a suspect) equals its target; the planted high and low forces get their
   documented targets. Closed offences with no suspect are never charged.
3. Other types from the tables in params (victim withdrew or not, suspect identified or not): outcome 16
   dominates. Youth caution (2) and "suspect under age" (11) need a suspect under 18, otherwise 3 and 10.
4. Dates: a type-specific lognormal delay truncated at extraction (charges take longest); outcomes 14 and
   16 for a victim who withdrew come no earlier than the withdrawal.
Which offences close does not depend on their type, so the odds ratio among closed offences is the
planted one (outcome-dependent selection would change odds, not odds ratios, but here there is none).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from analysis.synthetic.config import SyntheticConfig
from analysis.synthetic.offences import Structure
from analysis.synthetic.people import SuspectDemographics, Victims
from analysis.synthetic.sampling import DAY, choose, solve_intercept, truncated_lognormal_days


def assign_outcomes(
    config: SyntheticConfig, force: dict, st: Structure, victims: Victims, suspects: SuspectDemographics,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(outcome_code as float with nan for blank, outcome_date datetime64[D] with NaT) per offence."""
    o = config.section("outcomes")
    n = st.n_offences
    extraction = config.extraction_date
    available = ((extraction - st.offence_recorded) / DAY).astype(float)
    t_close = np.exp(np.log(o["close_median_days"] * force["close_speed"]) + o["close_sigma"] * rng.standard_normal(n))
    closed = t_close <= available

    has_suspect = st.offence_n_suspects > 0
    withdrawn = victims.withdrawn[st.offence_victim]
    log_or = np.log(config.planted["charge_withdrawal_odds_ratio"])
    b = solve_intercept(log_or * withdrawn[closed], float(force["charge_rate"]), weight=has_suspect[closed])
    charge = closed & has_suspect & (rng.random(n) < expit(b + log_or * withdrawn))

    code = np.full(n, np.nan)
    code[charge] = 1
    other = closed & ~charge
    for suspect_known in (True, False):
        for withdrew in (True, False):
            table = ("suspect_" if suspect_known else "no_suspect_") + ("withdrawn" if withdrew else "supporting")
            mask = other & (has_suspect == suspect_known) & (withdrawn == withdrew)
            code[mask] = choose(rng, o[table], int(mask.sum())).astype(float)

    child_link = suspects.age[st.link_suspect] < 18
    has_child = np.zeros(n, dtype=bool)
    has_child[st.link_offence[child_link]] = True
    code[(code == 2) & ~has_child] = 3
    code[(code == 11) & ~has_child] = 10

    medians = o["delay_median_days"]
    median = np.where(code == 1, medians["charge"], np.where(np.isin(code, (14, 16)), medians["victim_not_supporting"], medians["other"]))
    delay = truncated_lognormal_days(rng, median, o["delay_sigma"], np.where(closed, available, 0))
    date = st.offence_recorded + delay * DAY
    after_withdrawal = closed & np.isin(code, (14, 16)) & withdrawn
    withdrawal = victims.withdrawn_date[st.offence_victim]
    date[after_withdrawal] = np.maximum(date[after_withdrawal], withdrawal[after_withdrawal])
    date = np.where(closed, date, np.datetime64("NaT")).astype("datetime64[D]")
    if force["open_zero_code"]:
        code[~closed] = 0
    return code, date
