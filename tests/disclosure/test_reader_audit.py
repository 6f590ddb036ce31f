"""The reader's audit (analysis.disclosure.audit) and the suppression it drives, on hand-made results of the
three situations of issue 12, with a negative control for each kind of leak (the audit-driven suppression
switched off: the cell rules alone leave the count exposed, and the audit says so)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.disclosure import audit_rows, protect_crosstab
from analysis.disclosure.audit import crosstab_rows
from analysis.indicators import flag_linked, protect_audited, protect_national
from analysis.indicators.rows import ALL_BASIS, RECORDED_BASIS
from analysis.results import make_rows

ASSIGNED = "offences with an outcome assigned (1-22)"
RECORDED = "all recorded offences (incl. not yet assigned)"
T, W = 10, 5


def r(ind, breakdown, category, basis, n, d=None, force="SYN01"):
    return dict(force_code=force, indicator_id=ind, domain="test", breakdown=breakdown, category=category,
                numerator=n, denominator=d, value=(n / d if d else n), method="Wilson score 95%", basis=basis)


def sex_rows(male, female, other, not_recorded):
    recorded = male + female + other
    everyone = recorded + not_recorded
    out = []
    for basis, d in ((RECORDED_BASIS, recorded), (ALL_BASIS, everyone)):
        out += [r("OC02", "sex", "male", basis, male, d), r("OC02", "sex", "female", basis, female, d),
                r("OC02", "sex", "other", basis, other, d)]
    out.append(r("OC02", "sex", "not recorded", ALL_BASIS, not_recorded, everyone))
    out.append(r("NS06", "field", "suspect sex", "all records of the table", recorded, everyone))
    return out


def small_force_rows():
    """4 offences without an outcome, 4 referrals not actioned, 5 suspects whose sex is not recorded."""
    rows = sex_rows(30, 10, 0, 5)
    groups = {"Charged/Summonsed": 12, "Evidential difficulties (victim does not support action)": 40,
              "Investigation complete: no suspect identified": 44}
    assigned = sum(groups.values())
    for g, n in groups.items():
        rows += [r("RI01", "outcome_group", g, RECORDED, n, assigned + 4), r("RI01", "outcome_group", g, ASSIGNED, n, assigned)]
    rows.append(r("RI01", "outcome_group", "Not yet assigned", RECORDED, 4, assigned + 4))
    rows += [r("RI02", "total", "charged or summonsed", RECORDED, 12, assigned + 4),
             r("RI02", "total", "charged or summonsed", ASSIGNED, 12, assigned),
             r("NS06", "field", "offence outcome assigned", "all records of the table", assigned, assigned + 4),
             r("PS01", "referrals received", "all agencies", "referrals received", 50),
             r("PS01", "referrals received", "education", "referrals received", 20),
             r("PS01", "referrals received", "health", "referrals received", 30),
             r("PS04", "actioned", "actioned by extraction", "referrals received", 46, 50)]
    return make_rows(rows)


def exposed_cells(table):
    found = audit_rows(table, T, W)
    bad = found[found["exposed"]]
    return {(f.indicator_id, f.category, f.column) for f in bad.itertuples()}, found


def test_zeros_beside_withheld_cells_are_caught_and_protected():
    table = make_rows(sex_rows(209, 1, 1, 0))
    cells_only = flag_linked(table, T)
    exposed, found = exposed_cells(cells_only)
    # negative control: the cell rules publish male 209 of 211 and 'not recorded' 0, so each [c] is exactly 1
    assert ("OC02", "female", "numerator") in exposed and ("OC02", "other", "numerator") in exposed
    assert set(found.loc[found["category"] == "female", "reason"]) == {"determined exactly"}
    protected = protect_audited(table, T, W)
    exposed, found = exposed_cells(protected)
    assert exposed == set()
    assert protected.loc[protected["category"].isin(["female", "other"]), "suppressed"].all()
    zero = protected[protected["category"] == "not recorded"]
    assert not zero["suppressed"].any() and float(zero["numerator"].iloc[0]) == 0  # the zero is still published
    female = found[found["category"] == "female"].iloc[0]
    assert female["low"] == 1 and female["high"] - female["low"] >= W


@pytest.mark.parametrize("leak,cell", [
    ("complement across bases (sex not recorded = all - recorded)", ("OC02", "not recorded", "numerator")),
    ("across indicators (offences without an outcome from the completeness share)", ("RI01", "Not yet assigned", "numerator")),
    ("complement of a share (referrals not actioned)", ("PS04", "actioned by extraction", "complement")),
])
def test_small_force_leaks_are_caught_without_and_closed_with_the_audit(leak, cell):
    table = small_force_rows()
    exposed, _ = exposed_cells(flag_linked(table, T))
    assert cell in exposed, leak  # negative control: the cell rules alone leave it recoverable
    protected = protect_audited(table, T, W)
    exposed, found = exposed_cells(protected)
    assert exposed == set()
    assert (found["high"] - found["low"] >= W).all()


def test_total_minus_categories_is_caught_and_protected():
    rows = [r("PS01", "referrals received", "all agencies", "referrals received", 63),
            r("PS01", "referrals received", "education", "referrals received", 20),
            r("PS01", "referrals received", "health", "referrals received", 40),
            r("PS01", "referrals received", "housing", "referrals received", 3)]
    table = make_rows(rows)
    primary_only = table.assign(suppressed=table["numerator"].between(1, T - 1).to_numpy(dtype=bool))
    exposed, _ = exposed_cells(primary_only)
    assert ("PS01", "housing", "numerator") in exposed  # 63 - 20 - 40
    protected = protect_audited(table, T, W)
    exposed, found = exposed_cells(protected)
    assert exposed == set()
    # the small count is audited (and protected: a second category is withheld with it); the secondary is not a
    # count from 1 to 9, so it is not a target of its own
    housing = found[found["category"] == "housing"].iloc[0]
    assert housing["high"] - housing["low"] >= W and list(found["category"]) == ["housing"]
    assert int(protected["suppressed"].sum()) == 2 and bool(protected.loc[protected["category"] == "education", "suppressed"].iloc[0])


def test_row_withheld_in_one_table_and_published_in_another():
    rows = [r("OC03", "ethnic_group", "asian", RECORDED_BASIS, 5, 85), r("OC03", "ethnic_group", "black", RECORDED_BASIS, 20, 85),
            r("OC03", "ethnic_group", "white", RECORDED_BASIS, 60, 85),
            r("OC06", "ratio to adult population", "black", "suspects with a stated ethnicity", 20, 85)]
    table = make_rows(rows)
    cells_only = flag_linked(table, T)
    assert cells_only.loc[(cells_only["indicator_id"] == "OC03") & (cells_only["category"] == "black"), "suppressed"].all()
    exposed, _ = exposed_cells(cells_only)
    assert ("OC03", "asian", "numerator") in exposed  # OC06 publishes black = 20, so asian = 85 - 20 - 60
    protected = protect_audited(table, T, W)
    assert exposed_cells(protected)[0] == set()
    assert protected.loc[protected["indicator_id"] == "OC06", "suppressed"].all()


def test_force_page_against_national_page():
    force = protect_audited(small_force_rows(), T, W)
    assert exposed_cells(force)[0] == set()
    assert force.loc[force["category"] == "suspect sex", "suppressed"].all()
    national = make_rows([r("NA01", "suspect sex recorded", "force vs adjusted 99.8% limits", "all records of the table",
                            40, 45),
                          r("NA01", "suspect sex recorded", "national target", "all records of the table", 500, 800,
                            force="NATIONAL")])
    together = pd.concat([force, national[national["force_code"] == "SYN01"]], ignore_index=True)
    exposed, _ = exposed_cells(together)
    # negative control: the national page's share for the force (40 of 45) gives away the 5 suspects whose sex is
    # not recorded, withheld on the force page
    assert ("OC02", "not recorded", "numerator") in exposed
    assert ("NS06", "suspect sex", "complement") in exposed  # the same 40 of 45 as the withheld completeness row
    guarded = protect_national(national, force, T, W)
    together = pd.concat([force, guarded[guarded["force_code"] == "SYN01"]], ignore_index=True)
    assert exposed_cells(together)[0] == set()
    assert guarded.loc[guarded["force_code"] == "SYN01", "suppressed"].all()
    assert not guarded.loc[guarded["force_code"] == "NATIONAL", "suppressed"].any()


def test_published_small_count_is_exposed_outright():
    table = make_rows([r("VE06", "total", "treated as a suspect", "all victims", 3, 200)])
    exposed, found = exposed_cells(table)
    assert ("VE06", "treated as a suspect", "numerator") in exposed
    assert found["reason"].iloc[0] == "published count below the threshold 10"


def test_protect_crosstab_hand_made_table_passes_the_audit():
    counts = pd.DataFrame([[1, 1, 50], [30, 40, 20], [25, 35, 15]], index=["mixed", "white", "asian"],
                          columns=["looked after", "not looked after", "not recorded"])
    from analysis.disclosure import rules

    full = rules._with_margins(counts, True, True, "Total")
    graph = rules._graph(4, 4, True, True)
    values = full.to_numpy(dtype=float).ravel()
    margin = pd.DataFrame(False, index=full.index, columns=full.columns)
    margin.loc[:, "Total"] = True
    margin.loc["Total", :] = True
    bridges_only = rules._secondary(values, rules.is_small(values, T), graph, margin.to_numpy().ravel())
    pattern = pd.DataFrame(bridges_only.reshape(4, 4), index=full.index, columns=full.columns)
    found = audit_rows(crosstab_rows(full, pattern), T, W)
    assert found["exposed"].any()  # negative control: with zeros published the old pattern pins the 1s
    protected = protect_crosstab(counts, T, protection_width=W)
    found = audit_rows(crosstab_rows(protected.counts, protected.suppressed), T, W)
    assert not found["exposed"].any()
    assert protected.published.loc["mixed", "looked after"] == "[c]"
    assert (found["high"] - found["low"] >= W).all()


def test_national_total_less_the_published_forces():
    from analysis.disclosure import flag_results

    rate = "charge rate"
    forces = make_rows([r("RI02", "total", "charged or summonsed", ASSIGNED, n, d, force=f)
                        for f, n, d in (("SYN01", 5, 100), ("SYN02", 30, 200), ("SYN03", 40, 300))])
    forces = flag_linked(forces, T)
    national = make_rows([r("NA01", rate, "force vs adjusted 99.8% limits", ASSIGNED, n, d, force=f)
                          for f, n, d in (("SYN01", 5, 100), ("SYN02", 30, 200), ("SYN03", 40, 300))]
                         + [r("NA01", rate, "national target", ASSIGNED, 75, 600, force="NATIONAL")])
    cells_only = flag_results(national, T)
    found = audit_rows(cells_only, T, W)
    # negative control: England and Wales (75) less the two published forces gives SYN01's withheld 5
    syn01 = found[found["force_code"] == "SYN01"]
    assert set(syn01["reason"]) == {"determined exactly"} and "numerator" in set(syn01["column"])
    guarded = protect_national(cells_only, forces, T, W)
    assert not audit_rows(guarded, T, W)["exposed"].any()
    assert guarded["suppressed"].sum() >= 2


def test_national_row_repeating_a_count_withheld_on_the_force_page():
    """The national page's protection and its audit see the same rows: a national row repeating, under another
    indicator, a count the force page withholds is withheld, even when rows counting forces (which hold no
    count of people and are left out of the audit's quantities) come before it."""
    from analysis.disclosure.audit import REPEATS, build_system

    force = protect_audited(small_force_rows(), T, W)
    assert exposed_cells(force)[0] == set()
    assert force.loc[force["category"] == "suspect sex", "suppressed"].all()  # 40 of 45 withheld on its page
    national = make_rows([
        r("NA03", "group flag available on the crime system", "meets the recommendation", "forces with a return", 1, 1),
        r("NA03", "problem profile within 12 months", "meets the recommendation", "forces with a return", 1, 1),
        r("NA04", "difference from adult population", "FDR-adjusted p-value", "suspects with a stated sex, per force",
          40, 45)])
    national["suppressed"] = False

    def read_together(nat):
        about = nat[nat["force_code"] == "SYN01"].assign(**{REPEATS: True})  # as pages.audit_force reads them
        return pd.concat([force.assign(**{REPEATS: False}), about], ignore_index=True)

    # negative control: the national row gives away the 5 suspects whose sex is not recorded
    exposed, _ = exposed_cells(read_together(national))
    assert ("OC02", "not recorded", "numerator") in exposed
    # the audit's row positions are those of the rows given (rows counting forces hold no quantity but keep theirs)
    system = build_system(read_together(national))
    last = len(force) + 2
    assert any((last, "numerator") in places for places in system.cells)
    assert not any(r_ in (len(force), len(force) + 1) for places in system.cells for r_, _ in places)
    guarded = protect_national(national, force, T, W)
    assert exposed_cells(read_together(guarded))[0] == set()
    withheld = dict(zip(guarded["indicator_id"] + "/" + guarded["breakdown"], guarded["suppressed"]))
    assert withheld["NA04/difference from adult population"]
    # rows counting forces are published as they are (before the fix, protection withheld them in NA04's place)
    assert not withheld["NA03/group flag available on the crime system"]
    assert not withheld["NA03/problem profile within 12 months"]
