"""What the audit treats as one count (analysis.record_kinds, analysis.disclosure.audit.build_system): cells with
equal values are one count only when they count the same kind of record, and equal numerator/denominator pairs of
different indicators only when one row repeats the other. Each rule has its control: the true relation it keeps
is still caught."""

from __future__ import annotations

import pandas as pd

from analysis.disclosure import audit_rows
from analysis.indicators import compute_force
from analysis.indicators.rows import ALL_BASIS, RECORDED_BASIS
from analysis.record_kinds import record_kind
from analysis.results import make_rows

T, W = 10, 5


def r(ind, breakdown, category, basis, n, d=None, force="SYN01"):
    return dict(force_code=force, indicator_id=ind, domain="test", breakdown=breakdown, category=category,
                numerator=n, denominator=d, value=(n / d if d else n), method="Wilson score 95%", basis=basis)


def finding(found, indicator, category, basis=None, column="numerator"):
    hit = (found["indicator_id"] == indicator) & (found["category"] == category) & (found["column"] == column)
    if basis is not None:
        hit &= found["basis"] == basis
    return found[hit].iloc[0]


def test_every_row_of_a_force_return_has_a_kind(tiny_force):
    """Every row with a count in a real force's results is described: no row falls back to linking by value."""
    code, data = tiny_force
    table = compute_force(code, data)
    counted = table[table["numerator"].notna() | table["denominator"].notna()]
    unknown = [(row.indicator_id, row.breakdown, row.basis) for row in counted.itertuples()
               if None in record_kind(row.indicator_id, row.breakdown, row.category, row.basis)[
                   :1 if pd.isna(row.denominator) else 2]]
    assert unknown == []
    assert record_kind("NS06", "field", "victim age", "all records of the table") == ("victims", "victims")
    assert record_kind("RI06", "tactic per network", "cawn", "networks identified") == (
        "uses of a disruption tactic", "networks")
    assert record_kind("XX99", "made up", "a", "b") == (None, None)


def test_equal_counts_of_different_records_are_two_counts():
    """21 victims aged 12 and under (withheld beside 4 not recorded) and 21 suspects with both ethnicity records
    (published): the victims' count is not published by the suspects' one, so the 4 keep a range."""
    rows = [r("VE01", "age_band", "12 and under", ALL_BASIS, 21, 104), r("VE01", "age_band", "13-15", ALL_BASIS, 54, 104),
            r("VE01", "age_band", "16-17", ALL_BASIS, 25, 104), r("VE01", "age_band", "not recorded", ALL_BASIS, 4, 104),
            r("OC05", "agreement", "same ONS group", "suspects with both ethnicity records", 20, 21)]
    table = make_rows(rows)
    table["suppressed"] = table["category"].isin(["12 and under", "not recorded"])
    found = audit_rows(table, T, W)
    victims = finding(found, "VE01", "not recorded")
    assert (victims["low"], victims["high"]) == (1, 24) and not victims["exposed"]
    # control: the same 21 as a suspects' count (a suspects' table) is linked to the published 21 suspects
    control = table.copy()
    control.loc[control["indicator_id"] == "VE01", "indicator_id"] = "OC01"
    found = audit_rows(control, T, W)
    assert finding(found, "OC01", "not recorded")["reason"] == "determined exactly"


def test_equal_pairs_in_two_indicators_are_two_counts_unless_one_repeats_the_other():
    """9 of 115 suspects aged 45 and over (published) and 9 of 115 female suspects (withheld) are not one count."""
    rows = [r("OC02", "sex", s, ALL_BASIS, n, 115) for s, n in (("male", 100), ("female", 9), ("other", 0),
                                                               ("not recorded", 6))]
    rows += [r("OC01", "age_band", "45 and over", ALL_BASIS, 9, 115)]
    table = make_rows(rows)
    table["suppressed"] = table["category"].isin(["female", "not recorded"])
    found = audit_rows(table, T, W)
    female = finding(found, "OC02", "female")
    assert (female["low"], female["high"]) == (1, 14) and not female["exposed"]
    # control: the national page's row about the force repeating 9 of 115 (NA01) is the same count
    repeated = make_rows(rows + [r("NA01", "female suspects", "force vs national value", ALL_BASIS, 9, 115)])
    repeated["suppressed"] = repeated["category"].isin(["female", "not recorded"])
    found = audit_rows(repeated, T, W)
    assert finding(found, "OC02", "female")["exposed"]


def test_protect_secondary_setting_also_protects_large_withheld_counts():
    """disclosure.protect_secondary: by default a secondary suppression of 10 or more may be worked out (it gives
    no small count away); with the setting on, it must keep a range too."""
    from analysis.indicators import protect_audited

    rows = [r("PS01", "referrals received", c, "referrals received", n) for c, n in
            (("all agencies", 100), ("education", 50), ("health", 30), ("housing", 17), ("police", 3))]
    rows += [r("PS02", "referrals received", c, "referrals received", n) for c, n in
             (("all agencies", 100), ("education", 50), ("other", 50))]
    table = make_rows(rows)
    table["suppressed"] = (table["indicator_id"] == "PS01") & table["category"].isin(["education", "health", "police"])
    table.loc[(table["indicator_id"] == "PS02") & (table["category"] == "education"), "suppressed"] = True
    default = audit_rows(table, T, W)
    assert not default["exposed"].any() and set(default["category"]) == {"police"}
    strict = audit_rows(table, T, W, every_withheld=True)
    assert set(strict.loc[strict["exposed"], "category"]) == {"education"}  # 100 - 50 in the second table
    assert not audit_rows(protect_audited(table, T, W, every_withheld=True), T, W, every_withheld=True)["exposed"].any()
