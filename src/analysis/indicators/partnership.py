"""Partnership and information sharing: referrals from partner agencies and what the police did with them.

Terms of reference strand 5: where information comes from, whether a strategy meeting was held, whether
the referrer heard back, and how quickly the police acted.
"""

from __future__ import annotations

import pandas as pd

from analysis import reference
from analysis.indicators import rows
from analysis.indicators.catalogue import indicator
from analysis.indicators.data import ForceData

REFERRALS_BASIS = "referrals received"


@indicator(
    id="PS01", strand="partnership", title="Referrals by source agency",
    numerator="Referrals received from the agency", denominator="All referrals received (for the share)",
    basis="referrals received",
    method="Count with exact Poisson 95% interval below 10 and Byars' approximation from 10; share with Wilson score 95% interval",
    caveat="Depends on how consistently partner information is logged as a referral.",
)
def referrals_by_agency(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = referrals_by_agency.indicator
    r = data.referrals
    agencies = reference.codes("partner_agencies")
    k = r["source_agency"].value_counts().reindex(agencies, fill_value=0).to_numpy()
    return rows.stack([
        rows.counts(entry, force_code, "referrals received", ["all agencies", *agencies], [int(k.sum()), *k]),
        rows.proportions(entry, force_code, "share of referrals", agencies, k, len(r)),
    ])


@indicator(
    id="PS02", strand="partnership", title="Referrals with a strategy meeting or discussion",
    numerator="Referrals for which a strategy meeting or discussion was held", denominator="All referrals received",
    basis=REFERRALS_BASIS, method="Share with Wilson score 95% interval",
    caveat="Not every referral needs a strategy meeting; read with the source and the risk it describes.",
)
def strategy_meetings(data: ForceData, force_code: str) -> pd.DataFrame:
    r = data.referrals
    return rows.proportions(strategy_meetings.indicator, force_code, "total", ["strategy meeting held"],
                            [int(r["strategy_meeting"].sum())], [len(r)])


@indicator(
    id="PS03", strand="partnership", title="Referrals with feedback to the referrer",
    numerator="Referrals whose referrer was told the outcome", denominator="All referrals received",
    basis=REFERRALS_BASIS, method="Share with Wilson score 95% interval",
    caveat="Feedback may be given but not recorded.",
)
def feedback_to_referrer(data: ForceData, force_code: str) -> pd.DataFrame:
    r = data.referrals
    return rows.proportions(feedback_to_referrer.indicator, force_code, "total", ["feedback given"],
                            [int(r["feedback_to_referrer"].sum())], [len(r)])


@indicator(
    id="PS04", strand="partnership", title="Days from receiving a referral to acting on it",
    numerator="Referrals actioned (with an action date); for the days, the days from receipt to first action",
    denominator="All referrals received (share actioned); referrals actioned (days)",
    basis="referrals received; referrals actioned",
    method="Share actioned with Wilson score 95% interval; median with lower and upper quartiles of whole days from receipt to first action among referrals actioned",
    caveat="Referrals not yet actioned at extraction are left out of the days, so the median understates delay when many are waiting.",
)
def days_to_action(data: ForceData, force_code: str) -> pd.DataFrame:
    entry = days_to_action.indicator
    r = data.referrals
    actioned = int(r["action_date"].notna().sum())
    share = rows.proportions(entry, force_code, "actioned", ["actioned by extraction"], [actioned], [len(r)],
                             basis=REFERRALS_BASIS)
    days = rows.quartiles(entry, force_code, "days to action", "receipt to first action", r["days_to_action"],
                          basis="referrals actioned")
    waiting = len(r) - actioned
    if waiting:
        note = "; ".join(x for x in (days["note"].iloc[0], "excluded: not yet actioned (referrals received less referrals actioned)") if x)
        days["note"] = pd.array([note], dtype="str")
    return rows.stack([share, days])
