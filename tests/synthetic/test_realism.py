"""Realism targets of issue 3 on the default dataset (sources in data/synthetic/README.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import reference

from .estimators import assigned, charge_rates, sde_group, suspects_per_offence, wilson


def test_size_near_forty_thousand_offences_with_a_skewed_spread(national, default_config):
    per_force = national["offences"].groupby("force_code").size()
    assert len(per_force) == default_config.n_forces == 43
    assert abs(per_force.sum() - 40_000) < 0.05 * 40_000
    assert 2_000 <= per_force.max() <= 8_000  # the largest force: a few thousand offences
    assert per_force.max() / per_force.median() > 3  # skewed, like real force sizes
    assert per_force.min() >= 10


def test_charge_rate_between_five_and_twenty_percent(national):
    """Basis: assigned (outcome 1 / offences with an outcome 1-22). Every force's 95% interval reaches
    into 5%-20% (small forces' rates scatter by chance) and the median force is well inside."""
    rates = charge_rates(national["offences"])
    for code, row in rates.iterrows():
        low, high = wilson(row["x"], row["n"])
        assert low < 0.20 and high > 0.05, f"{code}: {row['rate']:.3f} ({low:.3f}-{high:.3f})"
    assert 0.08 < rates["rate"].median() < 0.16
    assert rates["rate"].between(0.03, 0.25).all()


def test_outcome_16_is_the_most_common_assigned_outcome(national):
    off = national["offences"]
    codes = off["outcome_code"][assigned(off)].astype(int)
    national_counts = codes.value_counts()
    assert national_counts.idxmax() == 16
    by_force = codes.groupby(off["force_code"][assigned(off)]).agg(lambda c: c.value_counts().idxmax())
    assert (by_force == 16).mean() >= 0.9
    assert 19 not in national_counts.index  # retired outcome never used


def test_long_times_to_outcome_and_many_open(national, default_config):
    off = national["offences"]
    closed = assigned(off)
    extraction = pd.Timestamp(default_config.extraction_date)
    assert (~closed).mean() > 0.2
    year_old = (off["recorded_date"] <= extraction - pd.Timedelta(days=365)).to_numpy()
    assert (~closed[year_old]).mean() > 0.15
    days = (off["outcome_date"] - off["recorded_date"]).dt.days[closed]
    assert days.median() > 120
    charge = off["outcome_code"][closed] == 1
    assert days[charge.to_numpy()].median() > days[~charge.to_numpy()].median()  # charges take longest
    # Open offences are recorded either as blank or as 0, by force.
    open_codes = off["outcome_code"][~closed]
    assert open_codes.isna().any() and (open_codes == 0).any()


def test_suspect_ethnicity_not_stated_by_force(national):
    sus = national["suspects"]
    ns = (sus["ethnicity_sde"] == "NS").groupby(sus["force_code"]).mean()
    assert ns.between(0.15, 0.85).all(), ns[~ns.between(0.15, 0.85)]
    assert 0.58 < ns.median() < 0.75  # national median near two thirds
    assert ns.max() - ns.min() > 0.4  # a wide spread between forces


def test_officer_defined_ethnicity_more_complete_and_mostly_agreeing(national):
    sus = national["suspects"]
    by_force = sus.groupby("force_code")
    ic9 = by_force["ethnicity_ode"].apply(lambda c: (c == "IC9").mean())
    ns = by_force["ethnicity_sde"].apply(lambda c: (c == "NS").mean())
    assert (ic9 < ns).all()
    ode = reference.load("ethnicity_ode").set_index("code")["ons_group"].replace("", np.nan)
    both = (sus["ethnicity_sde"] != "NS") & (sus["ethnicity_ode"] != "IC9")
    agree = (sde_group(sus["ethnicity_sde"][both]) == sus["ethnicity_ode"][both].map(ode)).mean()
    assert 0.7 < agree < 0.95  # most but not all


def test_suspects_mostly_male_many_aged_10_to_17(national):
    sus = national["suspects"]
    assert (sus["sex"] == "male").mean() > 0.85
    ages = sus["age_at_first_offence"].dropna()
    assert 0.2 < (ages < 18).mean() < 0.4
    assert ages.min() >= 10 and ages.max() <= 95
    assert 0.02 < sus["age_at_first_offence"].isna().mean() < 0.15
    assert (sus["nationality"] == "NR").mean() > 0.2 and (sus["nationality"] == "GBR").mean() > 0.3


def test_victims_mostly_female_aged_12_to_17_with_care_and_missing_histories(national):
    vic = national["victims"]
    assert (vic["sex"] == "female").mean() > 0.75
    ages = vic["age_at_first_offence"].dropna()
    assert (ages.between(12, 17)).mean() > 0.75
    assert 0.1 < (vic["looked_after"] == "yes").mean() < 0.4
    assert (vic["missing_episodes"] > 0).mean() > 0.3
    withdrawn = vic["support_withdrawn_date"].notna().mean()
    assert 0.2 < withdrawn < 0.6
    assert vic["nrm_referral"].any() and vic["treated_as_suspect"].any()


def test_referrals_from_every_partner_agency(national):
    ref = national["referrals"]
    agencies = set(reference.codes("partner_agencies"))
    assert set(ref["source_agency"]) == agencies
    assert ref.groupby("force_code")["source_agency"].nunique().min() >= 6
    assert 0.05 < ref["action_date"].isna().mean() < 0.2
    assert ref["victim_id"].notna().any() and ref["victim_id"].isna().any()


def test_cawn_dominates_disruption_tactics(national):
    dis = national["disruptions"]
    share = dis["tactic"].value_counts(normalize=True)
    assert share.idxmax() == "cawn" and share["cawn"] > 0.4
    assert set(dis["tactic"]) == set(reference.codes("disruption_tactics"))
    assert set(dis["status"]) == set(reference.codes("disruption_statuses"))


def test_case_review_grades_spread(national):
    reviews = national["case_reviews"]
    share = reviews["grade"].value_counts(normalize=True)
    for grade in ("good", "requires_improvement", "inadequate"):
        assert 0.15 < share[grade] < 0.6
    assert not reviews.duplicated(["force_code", "offence_id"]).any()  # a sample without replacement


def test_networks_have_a_realistic_spread_of_sizes(national):
    sizes = national["suspects"].dropna(subset=["network_id"]).groupby(["force_code", "network_id"]).size()
    assert 2 <= sizes.median() <= 5
    assert sizes.max() >= 20
    assert (sizes >= 5).mean() > 0.1
    linked = national["offences"]["network_id"].notna().mean()
    assert 0.1 < linked < 0.4


def test_group_flag_on_many_but_not_all_offences_with_two_or_more_suspects(national):
    off = national["offences"]
    profile = national["force_profile"].set_index("force_code")
    two_plus = suspects_per_offence(off, national["offence_suspects"]) >= 2
    flagged = pd.Series(off["group_flag"].to_numpy()[two_plus]).groupby(off["force_code"].to_numpy()[two_plus]).mean()
    with_flag = profile.index[profile["group_flag_available"]]
    without = profile.index[~profile["group_flag_available"]]
    assert len(without) >= 1
    assert (flagged.loc[without] == 0).all()
    assert flagged.loc[with_flag].between(0.2, 0.99).all()
    assert flagged.loc[with_flag].max() - flagged.loc[with_flag].min() > 0.3  # consistency varies by force
    assert (off["cse_flag"] | off["group_flag"]).all()


def test_some_forces_lack_a_recent_problem_profile_or_partner_data(national, default_config):
    profile = national["force_profile"]
    extraction = pd.Timestamp(default_config.extraction_date)
    recent = profile["problem_profile_date"] >= extraction - pd.Timedelta(days=365)
    assert profile["problem_profile_date"].isna().any()
    assert 0 < recent.sum() < len(profile)
    assert 0 < profile["problem_profile_uses_partner_data"].sum() < len(profile)
    assert not profile.loc[profile["problem_profile_date"].isna(), "problem_profile_uses_partner_data"].any()


def test_six_financial_years_with_growth(national, default_config):
    off = national["offences"]
    start, end = pd.Timestamp(default_config.period_start), pd.Timestamp(default_config.period_end)
    assert off["recorded_date"].between(start, end).all()
    fy = (off["recorded_date"] - pd.DateOffset(months=3)).dt.year
    counts = fy.value_counts().sort_index()
    assert list(counts.index) == [2019, 2020, 2021, 2022, 2023, 2024]
    assert counts.iloc[-1] > counts.iloc[0]
    assert (national["force_profile"]["extraction_date"] > end).all()


@pytest.mark.parametrize("table", ["offences", "victims", "suspects", "case_notes"])
def test_ids_unique_nationally(national, table):
    key = {"offences": "offence_id", "victims": "victim_id", "suspects": "suspect_id", "case_notes": "note_id"}[table]
    assert national[table][key].is_unique
