"""How report tables read (analysis.report.display) and the sentences built from results (narrative): the
mends made after reviewing the rendered reports, checked on hand-built results rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.report import narrative
from analysis.report.display import common_note, format_table, html_table, readable, value_kind
from analysis.results import NATIONAL


def rows(*items, indicator_id="RI06", force_code="SYN01"):
    """Results rows from (breakdown, category, numerator, denominator, value, lower, upper, method, basis,
    suppressed, note[, interval_type]) tuples (interval_type: "ci95" when the row has an interval)."""
    columns = ["breakdown", "category", "numerator", "denominator", "value", "lower", "upper", "method", "basis",
               "suppressed", "note", "interval_type"]
    filled = [item if len(item) == 12 else (*item, "ci95" if not (pd.isna(item[5]) and pd.isna(item[6])) else "none")
              for item in items]
    frame = pd.DataFrame([dict(zip(columns, item, strict=True)) for item in filled])
    codes = force_code if isinstance(force_code, list) else [force_code] * len(frame)
    return frame.assign(indicator_id=indicator_id, force_code=codes)


def test_codes_take_the_label_of_their_own_code_list():
    assert readable("other", "RI06", "tactic per network") == "Other disruption tactic"
    assert readable("other", "PS01", "share of referrals") == "Other agency"
    assert readable("other", "OC03", "ethnic_group") == "Other ethnic group"
    assert readable("other", "OC02", "sex") == "other"  # sex has no code list: never 'Other ethnic group'
    assert readable("served", "RI06", "status per network") == "Served"
    assert readable("implied_choice_or_consent", "VE07") == "implied choice or consent"


def test_values_read_by_kind():
    table = format_table(rows(
        ("share", "a", 12, 100, 0.12, 0.07, 0.2, "Wilson score 95%", "all", False, ""),
        ("ratio", "b", 67, 1872, 0.866, 0.684, 1.094, "ratio of shares, Wilson-based 95% interval", "all", False, ""),
        ("still supporting at", "90 days", 659, 3492, 0.811, 0.798, 0.824, "Kaplan-Meier, Greenwood", "all", False, ""),
        ("days", "to action", 4725, 5223, 42.5, 22.0, 82.0, "median (lower and upper quartile)", "all", False, "", "iqr"),
        ("model", "charged", 357, 4705, 0.0759, np.nan, np.nan, "Cox proportional hazards", "all", False, "ok"),
        ("withheld", "c", 4, 100, np.nan, np.nan, np.nan, "Wilson score 95%", "all", True, "", "ci95"),
    ))
    assert table["Value"].tolist() == ["12.0%", "0.87", "81.1%", "42.5", "7.6%", "[c]"]
    # One meaning per column: the confidence intervals and the interquartile range in their own columns.
    assert table["95% confidence interval"].tolist() == ["7.0% to 20.0%", "0.68 to 1.09", "79.8% to 82.4%", "", "",
                                                         "[c]"]
    assert table["Interquartile range"].tolist() == ["", "", "", "22 to 82", "", ""]
    assert table["Numerator"].tolist() == ["12", "67", "659", "4,725", "357", "[c]"]
    assert "Note" not in table  # a fitted model's status 'ok' says nothing to a reader


def test_counts_show_as_counts_and_facts_as_words():
    counts = format_table(rows(("offences", "2019/20", 723, np.nan, 723.0, 671.26, 777.68, "Byars 95% (Poisson count)",
                                "records", False, ""), indicator_id="NS01"))
    assert list(counts.columns) == ["Category", "Count", "95% confidence interval"]
    assert counts.iloc[0].tolist() == ["2019/20", "723", "671.3 to 777.7"]
    facts = format_table(rows(
        ("fact", "specialist CSE team", np.nan, np.nan, 1.0, np.nan, np.nan, "as returned (1 = yes, 0 = no)", "p", False, ""),
        ("fact", "problem profile within 12 months", np.nan, np.nan, 0.0, np.nan, np.nan, "as returned (1 = yes, 0 = no)",
         "p", False, ""),
        ("fact", "months since problem profile", np.nan, np.nan, 1.0, np.nan, np.nan, "as returned (1 = yes, 0 = no)",
         "p", False, ""), indicator_id="NS08"))
    assert facts["Value"].tolist() == ["yes", "no", "1"]
    met = rows(("group flag", "meets the recommendation", np.nan, np.nan, 0.0, np.nan, np.nan,
                "as returned (1 = met, 0 = not met)", "p", False, ""), indicator_id="NA03")
    assert format_table(met)["Value"].tolist() == ["not met"]


def test_national_tables_name_each_force():
    table = format_table(rows(
        ("difference", "FDR-adjusted p-value", 1872, 3769, 0.72, np.nan, np.nan, "Benjamini-Hochberg p", "s", False, ""),
        ("difference", "forces flagged", 12, 43, 12.0, np.nan, np.nan, "count of forces with q < 0.05", "s", False, ""),
        indicator_id="NA04", force_code=["SYN07", NATIONAL]))
    assert table["Force"].tolist() == ["SYN07", "England and Wales"]


def test_repeated_notes_are_lifted_and_say_which_rows():
    table = pd.DataFrame({"Basis": ["recorded", "recorded", "all", "all"], "Value": ["1", "2", "3", "4"],
                          "Note": ["not reliable", "not reliable", "", ""]})
    lifted, notes = common_note(table)
    assert "Note" not in lifted and notes == [("recorded", "not reliable")]
    grouped = pd.DataFrame({"Breakdown": ["a", "a", "b"], "Note": ["x", "x", "y"]})
    assert common_note(grouped)[1] == [("a", "x"), ("b", "y")]
    mixed = pd.DataFrame({"Breakdown": ["a", "a", "b"], "Note": ["x", "z", "y"]})
    assert common_note(mixed) == (mixed, [])


def test_html_table_escapes_aligns_and_marks_headers():
    page = html_table(pd.DataFrame({"Category": ["<b>x</b>"], "Value": ["1.0%"]}), "Shares <by> category")
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>" not in page
    assert '<th scope="row" class="text">&lt;b&gt;x&lt;/b&gt;</th>' in page and '<td class="num">1.0%</td>' in page
    assert '<th scope="col" class="text">Category</th><th scope="col" class="num">Value</th>' in page
    assert "<caption>Shares &lt;by&gt; category</caption>" in page
    assert 'role="region" tabindex="0" aria-label="Shares &lt;by&gt; category"' in page
    # Two leading word columns name the row; without a caption the table is no tab stop.
    two = html_table(pd.DataFrame({"Breakdown": ["a"], "Category": ["b"], "Count": ["12"]}))
    assert two.count('scope="row"') == 2 and "tabindex" not in two and "<caption>" not in two


def test_value_kind_reads_the_method():
    def kind(method, breakdown="b", category="c"):
        return value_kind(pd.Series({"method": method, "breakdown": breakdown, "category": category}))

    assert kind("normal score test (Wilson-equivalent); adjusted") == "percent"
    assert kind("Aalen-Johansen cumulative incidence") == "percent"
    assert kind("Kaplan-Meier, Brookmeyer-Crowley", breakdown="median days to withdrawal") == "median"  # whole days
    assert kind("forces above the 95% limit adjusted for overdispersion (count)") == "count"
    assert kind("Byars 95%, rate per 10,000") == "number"


def test_sentences_carry_value_interval_numerator_denominator_and_basis():
    share = pd.Series({"value": 0.371, "lower": 0.355, "upper": 0.387, "numerator": 1296, "denominator": 3492,
                       "basis": "all victims", "suppressed": False, "note": ""})
    assert narrative.share_sentence(share, "Victims who withdrew support") == (
        "Victims who withdrew support: 37.1% (95% CI 35.5% to 38.7%; 1,296 of 3,492; basis: all victims).")
    assert "withheld ([c])" in narrative.share_sentence(share.copy().replace({False: True}), "X")
    rate = pd.Series({"value": 20.79, "lower": 20.26, "upper": 21.33, "numerator": 5893, "denominator": 2834424,
                      "basis": "child-years", "suppressed": False, "note": ""})
    assert narrative.rate_sentence(rate, "Offences recorded", "per 10,000 children a year") == (
        "Offences recorded: 20.79 per 10,000 children a year (95% CI 20.26 to 21.33; 5,893 over 2,834,424 child-years).")


def test_trend_and_outlier_sentences():
    def trend(value, lower, upper):
        return narrative.trend_sentence(pd.Series({"value": value, "lower": lower, "upper": upper,
                                                   "suppressed": False, "note": ""}), "Recorded offences")

    assert trend(1.10, 1.08, 1.12) == ("Recorded offences rose by about 10% a year (rate ratio 1.10 per year, "
                                       "95% CI 1.08 to 1.12).")
    assert trend(0.8, 0.7, 0.9).startswith("Recorded offences fell by about 20% a year")
    assert trend(1.02, 0.97, 1.08).startswith("Recorded offences showed no clear change")
    assert narrative.outliers_sentence([], []) == "No force lies outside the 99.8% limits adjusted for overdispersion."
    assert narrative.outliers_sentence(["SYN04"], ["SYN09", "SYN11"]) == (
        "Forces above the 99.8% limits adjusted for overdispersion: SYN04; below them: SYN09, SYN11.")


def test_alt_text_is_written_from_the_rows_it_describes():
    from analysis.report import alt_text, curve_control

    units = pd.DataFrame({"unit": ["SYN01", "SYN02", "SYN03", "SYN04"], "denominator": [4, 120, 2541, 300],
                          "value": [0.1, 0.5, 0.2, 0.3], "band_od": ["above 99.8%", "above 95%", "below 99.8%", "within 95%"],
                          "suppressed": [False, False, False, True]})
    assert alt_text.funnel(units, subject="charge rate", indicator_id="NA01", target=0.25,
                           denominator="Offences with an assigned outcome", high=["SYN01"], low=["SYN03"]) == (
        "Funnel plot of charge rate (NA01) for 3 forces against 4 to 2,541 offences with an assigned outcome; "
        "national value 25.0%; SYN01 above and SYN03 below the 99.8% limits; SYN02 above the 95% limits only; "
        "1 figure withheld ([c]).")
    bars = pd.DataFrame({"category": ["a", "b", "c"], "value": [0.2, 0.05, None], "suppressed": [False, False, True]})
    assert alt_text.bars(bars, subject="suspects by sex", indicator_id="OC02", place="Force X") == (
        "Bar chart of suspects by sex (OC02) for Force X, 3 categories with 95% intervals: largest a (20.0%), "
        "smallest b (5.0%); 1 figure withheld ([c]).")
    curve = pd.DataFrame({"time": [0, 20, 100, 400], "estimate": [1.0, 0.9, 0.8, 0.6], "lower": [1, 0.85, 0.7, 0.5],
                          "upper": [1, 0.95, 0.9, 0.7], "curve": "still supporting", "n_at_risk": [100, 100, 90, 80],
                          "n_events": [0, 10, 10, 20]})
    read = curve_control.readings(curve, threshold=10, start=1.0)
    drawn = curve_control.drawn(curve, read, threshold=10)
    assert alt_text.curves(read, drawn, subject="victims still supporting", indicator_id="VE03", place="Force X") == (
        "Step chart of victims still supporting (VE03) for Force X, with 95% interval bands: still supporting 90% at "
        "30 days, 90% at 90 days, 80% at 180 days, 80% at 365 days (drawn from day 20 to day 400).")
    table = alt_text.curve_table(read, series_title="Victims")
    assert table.to_dict("records")[2] == {"Victims": "still supporting", "Day": "180", "Value": "80%",
                                           "95% confidence interval": "70% to 90%"}
