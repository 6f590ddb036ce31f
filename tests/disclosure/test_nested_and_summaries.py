"""Counts a reader derives from the catalogue's structure (analysis.record_kinds): readings at set days nest in
each other and in their totals, a model's sample nests in its population, a row whose numerator and
denominator count the same records leaves a count out, and a summary of a table (quartiles, a goodness-of-fit
p-value) can give its withheld cells away. Each kind found by an attacker on real pages; each with its negative
control (the cell rules alone leave the count exposed, and the audit says so)."""

from __future__ import annotations

from analysis.disclosure import audit_rows
from analysis.indicators import flag_linked, protect_audited
from analysis.indicators.rows import RECORDED_BASIS
from analysis.results import make_rows

T, W = 10, 5
ALL_RECORDED = "all recorded offences (incl. not yet assigned)"
ASSIGNED = "offences with an outcome assigned (1-22)"


def r(ind, breakdown, category, basis, n, d=None, method="Wilson score 95%"):
    return dict(force_code="SYN03", indicator_id=ind, domain="test", breakdown=breakdown, category=category,
                numerator=n, denominator=d, value=(n / d if d else n), method=method, basis=basis)


def exposed(table):
    found = audit_rows(table, T, W)
    return {(f.indicator_id, f.category, f.column) for f in found[found["exposed"]].itertuples()}


def test_victims_who_withdrew_after_the_last_reading():
    """VE02 178 of 534 withdrew; VE03 87, 145, 173 by 90, 180, 365 days: 5 withdrew after a year."""
    km = "Kaplan-Meier, Greenwood variance, log-log-transformed pointwise interval"
    table = make_rows([r("VE02", "total", "withdrew support", "all victims", 178, 534)]
                      + [r("VE03", "still supporting at", f"{d} days", "all victims, time from first report", n, 534, km)
                         for d, n in ((90, 87), (180, 145), (365, 173))])
    assert ("VE03", "365 days", "complement") in exposed(flag_linked(table, T))  # negative control
    protected = protect_audited(table, T, W)
    assert exposed(protected) == set()
    assert not protected.loc[protected["indicator_id"] == "VE02", "suppressed"].any()  # the headline stays


def test_charged_offences_left_out_of_the_model_and_between_readings():
    """RI02 charged 54 of 987; RI04's model 49 charged of 823; RI03 charged 39 by 365 days and 46 by 730."""
    aj = "Aalen-Johansen cumulative incidence"
    table = make_rows([r("RI02", "total", "charged or summonsed", ALL_RECORDED, 54, 987),
                       r("RI02", "total", "charged or summonsed", ASSIGNED, 54, 619),
                       r("RI04", "model", "offences charged", "offences with a linked suspect", 49, 823, "Cox"),
                       r("RI03", "cumulative incidence: charged or summonsed", "365 days",
                         "all recorded offences, time from recording", 39, 987, aj),
                       r("RI03", "cumulative incidence: charged or summonsed", "730 days",
                         "all recorded offences, time from recording", 46, 987, aj)])
    found = exposed(flag_linked(table, T))
    assert ("RI04", "offences charged", "complement") in found  # 54 - 49 = 5 (negative control)
    assert ("RI03", "730 days", "complement") in found  # 46 - 39 = 7, and 54 - 46 = 8
    protected = protect_audited(table, T, W)
    assert exposed(protected) == set()
    assert not protected.loc[protected["indicator_id"] == "RI02", "suppressed"].any()  # the charge rate stays


def test_cases_left_out_of_a_row_counting_the_same_records():
    """RI05: 1,107 of 1,110 victims had an ABE interview (a median of days, not a share): 3 had none."""
    table = make_rows([r("RI05", "days", "first report to ABE interview", "victims with an ABE interview", 1107, 1110,
                         "median with interquartile range")])
    assert ("RI05", "first report to ABE interview", "complement") in exposed(table)  # published as it is
    assert exposed(protect_audited(table, T, W)) == set()


def test_quartiles_and_a_goodness_of_fit_p_value_go_with_a_withheld_cell():
    bands = [("1 suspect or none recorded", 0), ("2 suspects", 4), ("3-4 suspects", 6), ("5-9 suspects", 4),
             ("10 or more suspects", 0)]
    rows = [r("NS05", "size_band", c, "networks identified in the return", n, 14) for c, n in bands]
    rows.append(r("NS05", "summary", "median suspects per network", "networks identified in the return", 14, None,
                  "median with interquartile range"))
    rows += [r("OC03", "ethnic_group", g, RECORDED_BASIS, n, 85) for g, n in (("asian", 5), ("black", 20),
                                                                             ("white", 60))]
    rows.append(r("OC06", "goodness of fit", "chi-square p-value", "suspects with a stated ethnicity", 85, 393,
                  "chi-square goodness of fit"))
    flagged = flag_linked(make_rows(rows), T)
    summary = flagged["breakdown"].isin(["summary", "goodness of fit"])
    assert flagged.loc[summary, "suppressed"].all()
    # control: with every band and group large, the summaries are published
    large = [dict(x, numerator=(x["numerator"] + 20 if x["numerator"] else 0)) for x in rows
             if x["breakdown"] in ("size_band", "ethnic_group")]
    controls = flag_linked(make_rows(large + [x for x in rows if x["breakdown"] in ("summary", "goodness of fit")]), T)
    assert not controls.loc[controls["breakdown"].isin(["summary", "goodness of fit"]), "suppressed"].any()


def test_a_coefficient_whose_factor_table_has_a_small_cell_is_withheld():
    """A hazard or odds ratio's interval gives 1/a + 1/b + 1/c + 1/d; with the published group sizes a reader solves
    it for a small cell (an attacker found 4 charged offences of victims who withdrew). The coefficient is withheld
    when a cell of its factor-by-outcome table (and its reference group's) is from 1 to 9."""
    import numpy as np
    import pandas as pd

    from analysis.disclosure import gate_factor_cells

    # factor A: 4 events with it (small); factor B: every cell 10 or more; C and D share the reference "(vs 13-15)"
    n = 200
    y = np.r_[np.ones(60, dtype=bool), np.zeros(140, dtype=bool)]
    a = np.zeros(n); a[:4] = 1; a[60:100] = 1
    b = np.zeros(n); b[:30] = 1; b[60:130] = 1
    c = np.zeros(n); c[:45] = 1; c[60:120] = 1  # aged 12 and under
    d = np.zeros(n); d[45:57] = 1; d[120:190] = 1  # aged 16-17: the 13-15 reference keeps 3 events (57..59)
    design = pd.DataFrame({"a": a, "b": b, "c": c, "d": d})
    labels = ["A (vs not A)", "B (vs not B)", "aged 12 and under (vs 13-15)", "aged 16-17 (vs 13-15)"]
    table = make_rows([r("VE04", "odds ratio", label, "victims in the model", int(design[col].sum()), n, "logistic")
                       for col, label in zip(design.columns, labels)])
    gated = gate_factor_cells(table, design, y, threshold=10)
    assert gated["suppressed"].tolist() == [True, False, True, True]
    # control: threshold 1 (nothing is small) publishes every coefficient
    assert not gate_factor_cells(table, design, y, threshold=1)["suppressed"].any()
