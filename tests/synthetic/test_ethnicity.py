"""Suspect ethnicity relative to the force's adult population: no difference planted by default, and a
planted one is detected when switched on."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.contract import ETHNIC_GROUPS
from analysis.synthetic import generate_force
from analysis.synthetic.config import load_config
from analysis.synthetic.forces import plan_forces

from .estimators import ethnicity_gof, sde_group


def _p_values(national) -> dict[str, float]:
    profiles = national["force_profile"].set_index("force_code")
    suspects = national["suspects"]
    return {code: ethnicity_gof(group, profiles.loc[code]) for code, group in suspects.groupby("force_code")}


def test_default_is_off(default_config):
    assert default_config.planted["suspect_ethnicity"]["enabled"] is False


def test_off_no_force_differs_from_adult_population_beyond_chance(national):
    p = _p_values(national)
    reject = multipletests(list(p.values()), alpha=0.05, method="fdr_bh")[0]
    assert not reject.any(), f"forces flagged with no planted difference: {[c for c, r in zip(p, reject, strict=True) if r]}"
    # The uniform p-values of a true null: not all tiny, not all one.
    assert 0.2 < float(np.median(list(p.values()))) < 0.8


@pytest.fixture(scope="module")
def planted_on():
    """The named forces regenerated with the disproportionality switched on (other forces are unchanged
    by the switch, so the default dataset supplies them)."""
    config = load_config(suspect_ethnicity=True)
    plan = plan_forces(config)
    named = config.planted["suspect_ethnicity"]["forces"]
    return config, {code: generate_force(config, code, plan) for code in named}


def test_on_named_forces_are_detected_and_others_are_not(national, planted_on):
    config, forces = planted_on
    p = _p_values(national)
    for code, tables in forces.items():
        p[code] = ethnicity_gof(tables["suspects"], tables["force_profile"].iloc[0])
    codes = list(p)
    reject = multipletests([p[c] for c in codes], alpha=0.05, method="fdr_bh")[0]
    flagged = sorted(c for c, r in zip(codes, reject, strict=True) if r)
    assert flagged == sorted(config.planted["suspect_ethnicity"]["forces"])


def test_on_odds_ratio_recovered(planted_on):
    config, forces = planted_on
    planted = config.planted["suspect_ethnicity"]
    j = ETHNIC_GROUPS.index(planted["group"])
    for code, tables in forces.items():
        groups = sde_group(tables["suspects"]["ethnicity_sde"]).dropna()
        x = int((groups == planted["group"]).sum())
        n = len(groups)
        profile = tables["force_profile"].iloc[0]
        population = np.array([profile[f"pop_adult_{g}"] for g in ETHNIC_GROUPS], float)
        p_pop = population[j] / population.sum()
        log_or = np.log(x / (n - x)) - np.log(p_pop / (1 - p_pop))
        se = np.sqrt(1 / x + 1 / (n - x))  # the population share is a census count: its error is negligible
        low, high = np.exp(log_or - 1.96 * se), np.exp(log_or + 1.96 * se)
        assert low < planted["odds_ratio"] < high, f"{code}: odds ratio {np.exp(log_or):.2f} ({low:.2f}-{high:.2f})"
        assert low > 1


def test_switch_changes_only_the_named_forces(default_config, national):
    config = load_config(suspect_ethnicity=True)
    plan = plan_forces(config)
    other = "SYN01"
    assert other not in config.planted["suspect_ethnicity"]["forces"]
    on = generate_force(config, other, plan)["suspects"]
    off = national["suspects"][national["suspects"]["force_code"] == other].reset_index(drop=True)
    assert on.equals(off)
