"""The indicator catalogue recovers every effect planted in the default synthetic dataset.

Planted truths come from params/synthetic.yaml (read here, not copied), so a change of the generator's
settings changes what is expected. Every force's results are computed once per session (compute_force on
each force of the default dataset), then compute_national; the tests read the results tables only, as
the national notebook does.

The one session fixture (`planted_runs`) also computes, for the tests that need them, the national results
from only NATIONAL_TABLES and the results of the dataset with the suspect-ethnicity effect switched on. The
work is spread over two worker processes (compute_force and compute_national are pure functions of their
tables): the forces one per task, the three national computations side by side. With the effect switched
on, only the forces whose generated tables differ from the default dataset's are computed again; every
other force's tables are checked to be identical (DataFrame.equals, table by table) and keep its results.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

from analysis.contract import TABLES
from analysis.indicators import ForceData, compute_force, compute_national
from analysis.indicators.national import NATIONAL_TABLES
from analysis.results import NATIONAL
from analysis.synthetic import load_config
from analysis.synthetic.generate import generate_national
from analysis.pipeline.layout import restricted_dir

pytestmark = pytest.mark.slow


def _stack(forces: dict[str, dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    return {name: pd.concat([f[name] for f in forces.values()], ignore_index=True) for name in TABLES}


def _same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame] | None) -> bool:
    return b is not None and a.keys() == b.keys() and all(a[name].equals(b[name]) for name in a)


@pytest.fixture(scope="session")
def planted_runs():
    """Results of the default dataset and of the dataset with the suspect-ethnicity effect switched on.

    Returns {"default": (planted, force_results, national, stacked), "national_tables_only": national
    computed from NATIONAL_TABLES of the default dataset only, "ethnicity_on": (planted, national),
    "recomputed_on": the forces whose tables differ once the effect is on (computed again)}."""
    default_config, on_config = load_config(), load_config(suspect_ethnicity=True)
    forces, forces_on = generate_national(default_config), generate_national(on_config)
    changed = [code for code, tables in forces_on.items() if not _same_tables(tables, forces.get(code))]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        per_force = {code: pool.submit(compute_force, code, tables) for code, tables in forces.items()}
        per_force_on = {code: pool.submit(compute_force, code, forces_on[code]) for code in changed}
        results = {code: future.result() for code, future in per_force.items()}
        force_results = pd.concat(results.values(), ignore_index=True)
        force_results_on = pd.concat([per_force_on[code].result() if code in per_force_on else results[code]
                                      for code in forces_on], ignore_index=True)
        stacked = _stack(forces)
        only = pool.submit(compute_national, force_results,
                           ForceData({name: stacked[name] for name in NATIONAL_TABLES}))
        national_on = pool.submit(compute_national, force_results_on, ForceData(_stack(forces_on)))
        national = compute_national(force_results, ForceData(stacked))
        return {"default": (default_config.planted, force_results, national, stacked),
                "national_tables_only": only.result(),
                "ethnicity_on": (on_config.planted, national_on.result()),
                "recomputed_on": changed}


@pytest.fixture(scope="session")
def default_data(planted_runs):
    return planted_runs["default"]


@pytest.fixture(scope="session")
def default_run(default_data):
    return default_data[:3]


def test_national_indicators_need_only_the_national_tables(planted_runs):
    """The national notebook reads only NATIONAL_TABLES of the validated data: same national table."""
    _, _, national, _ = planted_runs["default"]
    pd.testing.assert_frame_equal(planted_runs["national_tables_only"], national)


def _row(table: pd.DataFrame, force: str, indicator: str, breakdown: str, category: str) -> pd.Series:
    hit = table[(table["force_code"] == force) & (table["indicator_id"] == indicator)
                & (table["breakdown"] == breakdown) & (table["category"] == category)]
    assert len(hit) == 1, (force, indicator, breakdown, category, len(hit))
    return hit.iloc[0]


def _outside(national: pd.DataFrame, key: str, side: str) -> list[str]:
    rows = national[(national["indicator_id"] == "NA01") & (national["breakdown"] == key)]
    return sorted(rows.loc[rows["note"].str.startswith(f"{side} the 99.8%"), "force_code"])


def test_planted_charge_rate_outliers_are_outside_the_adjusted_limits(default_run):
    planted, _, national = default_run
    high = planted["charge_rate_outliers"]["high"]["force"]
    low = planted["charge_rate_outliers"]["low"]["force"]
    assert high in _outside(national, "charge rate", "above")
    assert low in _outside(national, "charge rate", "below")
    assert high not in _outside(national, "charge rate", "below") and low not in _outside(national, "charge rate", "above")


def test_planted_high_language_force_is_flagged(default_run):
    planted, force_results, national = default_run
    force = planted["victim_blaming"]["force"]
    assert _outside(national, "case notes with victim-blaming language", "above") == [force]
    share = _row(force_results, force, "VE07", "notes with a match", "any category")
    truth = planted["victim_blaming"]["note_rate"]
    assert share["lower"] <= truth <= share["upper"]
    tracker = _row(national, NATIONAL, "NA03", "recommendation", "victim-blaming language above the national limits")
    assert force in tracker["note"]


def test_the_planted_force_page_says_it_is_above_the_limits_on_language(default_data, tmp_path):
    """SYN17's page, rendered as the pipeline renders it (analysis.report.inspector.export_page) from the national
    results of the default dataset, states its victim-blaming share, the national value and that it is above
    the limits, in its at-a-glance section (issue 15)."""
    import nbformat
    from bs4 import BeautifulSoup

    from analysis import results
    from analysis.report import publication
    from analysis.report.inspector import export_page

    planted, force_results, national, stacked = default_data
    force = planted["victim_blaming"]["force"]
    profile = stacked["force_profile"][stacked["force_profile"]["force_code"] == force]
    name = str(profile["force_name"].iloc[0])
    out = tmp_path / "out"
    results.write(national, restricted_dir(out) / "national" / "results.parquet")
    folder = out / "forces" / force
    info = publication.build(f"{name} ({force}): group-based CSE force report", profile, True)
    publication.write(info, folder)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": publication.metadata_html(info)})]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name} ({force}): group-based CSE force report"), cell]
    nbformat.write(nb, folder / "report.ipynb")
    page = export_page(folder / "report.ipynb", folder / "report.html", out_dir=out, unit=force,
                       title=info.title, synthetic=True, provenance={"synthetic": True})

    text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("main").get_text(" ", strip=True)
    language = national[(national["indicator_id"] == "NA01")
                        & (national["breakdown"] == "case notes with victim-blaming language")]
    mine = language[language["force_code"] == force].iloc[0]
    nat = language[language["force_code"] == NATIONAL].iloc[0]
    share, overall = f"{100 * mine['value']:.1f}%", f"{100 * nat['value']:.1f}%"
    assert 0.2 <= mine["value"] <= 0.3 and nat["value"] < 0.06  # planted 25% against a national few per cent
    assert (f"Case notes with victim-blaming language: {share} in {name} ({mine['numerator']:,.0f} of "
            f"{mine['denominator']:,.0f} case notes) against {overall} in England and Wales: above the 99.8% limits "
            "adjusted for overdispersion (q < 0.001).") in text
    # Its other key indicators are set beside the national value too, each with its position.
    assert text.count(" in England and Wales: ") == 5


@pytest.mark.parametrize(
    "category, parameter",
    [
        ("ABE interview more than 28 days after first report (vs within 28 days)", "withdrawal_delayed_abe_odds_ratio"),
        ("no ABE interview recorded (vs within 28 days)", "withdrawal_no_abe_odds_ratio"),
        ("referred to specialist support (vs not referred)", "withdrawal_specialist_support_odds_ratio"),
        ("looked after (vs not looked after)", "withdrawal_looked_after_odds_ratio"),
    ],
)
def test_planted_withdrawal_odds_ratios_are_recovered(default_run, category, parameter):
    planted, _, national = default_run
    row = _row(national, NATIONAL, "NA05", "odds of withdrawing support", category)
    assert row["lower"] <= planted[parameter] <= row["upper"], (row["value"], row["lower"], row["upper"])


def test_planted_charge_odds_ratio_for_withdrawn_support_is_recovered(default_run):
    planted, _, national = default_run
    row = _row(national, NATIONAL, "NA05", "odds of charge", "victim withdrew support (vs did not)")
    assert row["lower"] <= planted["charge_withdrawal_odds_ratio"] <= row["upper"], (row["value"], row["lower"], row["upper"])


def test_no_ethnicity_difference_flagged_when_the_parameter_is_off(default_run):
    planted, _, national = default_run
    assert planted["suspect_ethnicity"]["enabled"] is False
    flagged = _row(national, NATIONAL, "NA04", "difference from adult population", "forces flagged")
    assert flagged["value"] == 0 and flagged["note"] == "none"


def test_planted_ethnicity_difference_is_detected_when_switched_on(planted_runs):
    planted, national = planted_runs["ethnicity_on"]
    planted = planted["suspect_ethnicity"]
    assert planted["enabled"] is True
    # the switch changed the named forces' data (their results were computed again from it)
    assert set(planted["forces"]) <= set(planted_runs["recomputed_on"])
    flagged = _row(national, NATIONAL, "NA04", "difference from adult population", "forces flagged")
    named = set(planted["forces"])
    detected = set(flagged["note"].split(", "))
    assert named <= detected, (named, detected)
    # The other 41 forces follow their population: at FDR 5% we allow at most one false discovery.
    assert len(detected - named) <= 1, detected - named


def test_funnel_rows_carry_phi_tau2_z_q_and_control_limits_in_their_own_columns(default_run):
    """NA01: lower/upper are each force's own 95% interval; phi, tau^2, z, q (for every force, inside the limits
    too) and the control limits sit in their own columns at full precision, checked against hand formulas."""
    import numpy as np

    from analysis.indicators.national import KEY_INDICATORS, key_counts

    _, force_results, national = default_run
    z95, z998 = 1.959963984540054, 3.090232306167813
    for key in KEY_INDICATORS:
        every = national[(national["indicator_id"] == "NA01") & (national["breakdown"] == key.name)]
        # forces whose own page withholds the count are listed, withheld, and left out of the comparison
        from analysis.indicators.national import LEFT_OUT

        left = every[every["category"] == LEFT_OUT]
        assert left["force_code"].tolist() == key_counts(force_results, key, withheld=True)["force_code"].tolist()
        assert left["suppressed"].all() and left["value"].isna().all()
        rows = every[every["category"] != LEFT_OUT]
        forces = rows[rows["force_code"] != NATIONAL].sort_values("force_code")
        counts = key_counts(force_results, key)
        x, n = counts["numerator"].to_numpy(float), counts["denominator"].to_numpy(float)
        assert forces["force_code"].tolist() == counts["force_code"].tolist()
        assert forces[["z_score", "q_value", "control_lower_95", "control_upper_998"]].notna().all().all()
        # Spiegelhalter by hand (REFERENCE_VALUES.md): z, 10%/90% winsorised, phi, tau^2
        theta = x.sum() / n.sum()
        if key.kind == "proportion":
            y, s, target = np.arcsin(np.sqrt(x / n)), 1 / (2 * np.sqrt(n)), np.arcsin(np.sqrt(theta))
        else:
            y, s, target = np.log(np.maximum(x, 0.5) / n), 1 / np.sqrt(theta * n), np.log(theta)
        z = (y - target) / s
        lo, hi = np.quantile(z, [0.1, 0.9])
        phi = np.mean(np.clip(z, lo, hi) ** 2)
        w = 1 / s**2
        tau2 = max(0.0, (len(x) * phi - (len(x) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
        np.testing.assert_allclose(rows["overdispersion_phi"].astype(float), phi, rtol=1e-12)
        np.testing.assert_allclose(rows["overdispersion_tau2"].astype(float), tau2, rtol=1e-10)
        z_adj = (y - target) / np.sqrt(s**2 + tau2)
        np.testing.assert_allclose(forces["z_score"].astype(float), z_adj, rtol=1e-10)
        inside = forces["note"].str.startswith("within").to_numpy()
        assert inside.any() and forces.loc[inside, "q_value"].notna().all()  # q for forces inside the limits too
        # control limits at each force's denominator (adjusted: sin(T +/- z sqrt(1/4N + tau^2))^2, or log scale)
        for zc, suffix in ((z95, "95"), (z998, "998")):
            if key.kind == "proportion":
                half = zc * np.sqrt(1 / (4 * n) + tau2)
                lower = np.sin(np.clip(target - half, 0, np.pi / 2)) ** 2
                upper = np.sin(np.clip(target + half, 0, np.pi / 2)) ** 2
            else:
                half = zc * np.sqrt(1 / (theta * n) + tau2)
                lower, upper = theta * key.per * np.exp(-half), theta * key.per * np.exp(half)
            np.testing.assert_allclose(forces[f"control_lower_{suffix}"].astype(float), lower, rtol=1e-10)
            np.testing.assert_allclose(forces[f"control_upper_{suffix}"].astype(float), upper, rtol=1e-10)
        value = forces["value"].astype(float).to_numpy()
        above = forces["note"].str.startswith("above the 99.8%").to_numpy()
        assert (above == (value > forces["control_upper_998"].astype(float).to_numpy())).all()
        # lower/upper: the force's own 95% interval, never the control limits
        if key.kind == "proportion":
            centre, spread = x + z95**2 / 2, z95 * np.sqrt(x * (n - x) / n + z95**2 / 4)
            np.testing.assert_allclose(forces["lower"].astype(float), (centre - spread) / (n + z95**2), rtol=1e-10)
            np.testing.assert_allclose(forces["upper"].astype(float), (centre + spread) / (n + z95**2), rtol=1e-10)
        assert not np.allclose(forces["lower"].astype(float), forces["control_lower_998"].astype(float))
