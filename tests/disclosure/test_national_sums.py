"""The national page read with every force page (analysis.disclosure.pages.audit_national,
analysis.indicators.protect_national): England and Wales and each region are sums of their forces, and the
national withdrawal model pools the force models, so a total less the forces a reader sees (on the national page
or on the forces' own pages) can give a withheld count away. Each kind has a negative control: without the
groups (which forces make each region) the audit cannot see the leak."""

from __future__ import annotations

import pandas as pd

from analysis.disclosure import audit_rows
from analysis.indicators import protect_national
from analysis.results import make_rows

T, W = 10, 5
ASSIGNED = "offences with an outcome assigned (1-22)"
GROUPS = {"NATIONAL": ["SYN01", "SYN02", "SYN03"], "east_midlands": ["SYN02", "SYN03"], "north_west": ["SYN01"]}


def r(ind, breakdown, category, basis, n, d=None, force="SYN01", suppressed=False):
    return dict(force_code=force, indicator_id=ind, domain="test", breakdown=breakdown, category=category,
                numerator=n, denominator=d, value=(n / d if d else n), method="Wilson score 95%", basis=basis,
                suppressed=suppressed)


def table(rows):
    out = make_rows([{k: v for k, v in x.items() if k != "suppressed"} for x in rows])
    out["suppressed"] = [x["suppressed"] for x in rows]
    return out


def force_pages(withheld=("SYN03",)):
    """Each force's charge rate on its own page; SYN03 charged 6 of 619 (withheld there)."""
    counts = {"SYN01": (363, 3122), "SYN02": (344, 3533), "SYN03": (6, 619)}
    return table([r("RI02", "total", "charged or summonsed", ASSIGNED, n, d, force=code, suppressed=code in withheld)
                  for code, (n, d) in counts.items()])


def national(region_withheld=False, national_withheld=False, syn02_withheld=False):
    rows = [r("NA01", "charge rate", "force vs national value", ASSIGNED, 363, 3122, "SYN01"),
            r("NA01", "charge rate", "force vs national value", ASSIGNED, 344, 3533, "SYN02", syn02_withheld),
            r("NA01", "charge rate", "force vs national value", ASSIGNED, 6, 619, "SYN03", True),
            r("NA02", "charge rate", "England and Wales", ASSIGNED, 713, 7274, "NATIONAL", national_withheld),
            r("NA02", "charge rate", "East Midlands", ASSIGNED, 350, 4152, "east_midlands", region_withheld),
            r("NA02", "charge rate", "North West", ASSIGNED, 363, 3122, "north_west")]
    return table(rows)


def exposed(rows, groups):
    found = audit_rows(rows, T, W, groups)
    return {(f.force_code, f.indicator_id, f.column) for f in found[found["exposed"]].itertuples()}


def test_a_region_less_its_published_forces_is_caught_and_protected():
    # England and Wales withheld: the region (East Midlands 350 = SYN02 344 + SYN03) still gives SYN03's 6 away
    rows = pd.concat([force_pages(), national(national_withheld=True)], ignore_index=True)
    assert ("SYN03", "RI02", "numerator") in exposed(rows, GROUPS)
    # negative control: without the regions' forces the audit does not see it
    assert exposed(rows, None) == set()
    protected = protect_national(national(), force_pages(), T, W, GROUPS)
    together = pd.concat([force_pages(), protected], ignore_index=True)
    assert exposed(together, GROUPS) == set()
    withheld = set(protected.loc[protected["suppressed"], "category"])
    assert {"England and Wales", "East Midlands"} <= withheld and "North West" not in withheld


def test_england_and_wales_less_forces_published_on_their_own_pages():
    # the national page withholds SYN02 too, but SYN02's own page publishes 344: 713 - 363 - 344 = 6
    rows = pd.concat([force_pages(), national(region_withheld=True, syn02_withheld=True)], ignore_index=True)
    assert ("SYN03", "RI02", "numerator") in exposed(rows, GROUPS)
    # negative control: the national page alone (without the force pages) does not give it away
    assert exposed(national(region_withheld=True, syn02_withheld=True), GROUPS) == set()


def test_the_national_model_less_the_other_force_models():
    """NA05's withdrawal model pools the forces' complete cases: SYN03's model (withheld on its page: 3 victims
    left out, 1 of whom withdrew) follows from NA05 less the other forces' VE04 rows."""
    pages = []
    for code, (model, n, withdrew, all_victims) in {"SYN01": (860, 2480, 900, 2600), "SYN02": (1111, 2316, 1150, 2400),
                                                      "SYN03": (1244, 2590, 1245, 2593)}.items():
        hidden = code == "SYN03"
        pages += [r("VE04", "model", "victims who withdrew", "victims with looked-after status and age recorded", model,
                    n, code, hidden),
                  r("VE02", "total", "withdrew support", "all victims", withdrew, all_victims, code)]
    pages = table(pages)
    nat = table([r("NA05", "odds of withdrawing support", "looked after (vs not looked after)",
                   "all forces pooled, force as a fixed effect and as the cluster", 3215, 7386, "NATIONAL")])
    rows = pd.concat([pages, nat], ignore_index=True)
    assert ("SYN03", "VE04", "complement") in exposed(rows, GROUPS)
    assert exposed(rows, None) == set()  # negative control: without the pooled model as a sum
    protected = protect_national(nat, pages, T, W, GROUPS)
    assert bool(protected["suppressed"].all())
    assert exposed(pd.concat([pages, protected], ignore_index=True), GROUPS) == set()


def test_the_national_charge_model_repeats_england_and_wales():
    """NA05's charge model keeps every charged offence: its count is England and Wales's, withheld in NA02."""
    nat = pd.concat([national(region_withheld=True, national_withheld=True),
                     table([r("NA05", "odds of charge", "victim withdrew support (vs did not)",
                              "all forces pooled, force as a fixed effect and as the cluster", 713, 6000, "NATIONAL")])],
                    ignore_index=True)
    rows = pd.concat([force_pages(), nat], ignore_index=True)
    assert ("SYN03", "RI02", "numerator") in exposed(rows, GROUPS)  # 713 - 363 - 344
    assert exposed(rows, None) == set()  # negative control: without the sums across forces
    protected = protect_national(nat, force_pages(), T, W, GROUPS)
    assert exposed(pd.concat([force_pages(), protected], ignore_index=True), GROUPS) == set()
    assert bool(protected.loc[protected["indicator_id"] == "NA05", "suppressed"].all())
