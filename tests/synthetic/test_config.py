"""Generator settings: overrides, checks with exact messages, the params hash, fictional forces."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import reference
from analysis.synthetic.config import GENERATOR_VERSION, load_config, with_params
from analysis.synthetic.forces import plan_forces, region_counts


def test_defaults(default_config):
    assert (default_config.seed, default_config.scale, default_config.n_forces) == (4, 1.0, 43)
    assert str(default_config.period_start) == "2019-04-01" and str(default_config.period_end) == "2025-03-31"
    assert default_config.extraction_date > default_config.period_end


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scale": -1.0}, "synthetic settings: scale must be positive, got -1.0"),
        ({"forces": 0}, "synthetic settings: forces must be between 1 and 99, got 0"),
        ({"planted.victim_blaming.force": "E23000001"}, "synthetic settings: planted force 'E23000001' is not a synthetic force code SYNnn"),
        ({"planted.suspect_ethnicity.group": "pakistani"}, "synthetic settings: suspect_ethnicity.group 'pakistani' is not one of ('asian', 'black', 'mixed', 'white', 'other')"),
        ({"planted.charge_withdrawal_odds_ratio": 0}, "synthetic settings: planted.charge_withdrawal_odds_ratio must be positive"),
        ({"extraction_date": "2020-01-01"}, "synthetic settings: need period.start <= period.end <= extraction_date"),
    ],
)
def test_bad_settings_are_refused(default_config, change, message):
    with pytest.raises(ValueError) as error:
        with_params(default_config, **change)
    assert str(error.value) == message


def test_params_hash_tracks_every_setting_and_the_version(default_config, monkeypatch):
    base = default_config.params_hash()
    assert base == load_config().params_hash()
    assert with_params(default_config, **{"victims.abe_interview": 0.7}).params_hash() != base
    assert load_config(seed=1).params_hash() != base
    assert load_config(suspect_ethnicity=True).params_hash() != base
    monkeypatch.setattr("analysis.synthetic.config.GENERATOR_VERSION", GENERATOR_VERSION + "-next")
    assert default_config.params_hash() != base
    assert default_config.canonical_json().startswith("{") and '"2019-04-01"' in default_config.canonical_json()


def test_regions_follow_the_real_forces():
    real = reference.load("forces")["region"].value_counts()
    counts = region_counts(43)
    assert counts.to_dict() == real.reindex(counts.index).to_dict()
    assert region_counts(10).tolist() == [1] * 10
    assert region_counts(5).sum() == 5


def test_forces_are_fictional_and_skewed(default_config):
    plan = plan_forces(default_config)
    real_names = set(reference.load("forces")["force_name"])
    assert plan["force_code"].str.fullmatch(r"SYN\d{2}").all()
    assert plan["force_name"].str.fullmatch(r"Synthetic Force \d{2} \([A-Za-z ]+\)").all()
    # A region label may coincide with a real force's name (West Midlands), never the whole name.
    assert not set(plan["force_name"]) & real_names
    child = plan["child_population"]
    assert child.max() / child.median() > 3 and child.min() < 0.5 * child.median()
    ethnic = plan[[f"pop_child_{g}" for g in ("asian", "black", "mixed", "white", "other")]].sum(axis=1)
    assert (ethnic == child).all()
    london = plan.loc[plan["region"] == "london", "pop_adult_white"] / plan.loc[plan["region"] == "london", [c for c in plan if c.startswith("pop_adult_")]].sum(axis=1)
    assert (london < 0.8).all()


def test_plan_is_deterministic_and_depends_on_seed(default_config):
    pd.testing.assert_frame_equal(plan_forces(default_config), plan_forces(load_config()))
    assert not plan_forces(load_config(seed=5))["child_population"].equals(plan_forces(default_config)["child_population"])
