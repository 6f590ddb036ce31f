"""Time-to-event curves under disclosure control (issue 12): a reading at a set day, the drawn curve and its
text alternative never show a number of events from 1 to 9 (analysis.report.curve_control).

The leak this guards against: "0%, 0% to 1%" at 90 days of 987 offences followed, published beside a
results table that withheld the count of charges by 90 days (3), told a reader 1 <= count <= 4."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis import results, returns_io
from analysis.indicators import ForceData
from analysis.indicators.response import outcome_fit
from analysis.indicators.victims import withdrawal_fit
from analysis.report import alt_text, curve_control, figures, force_sections
from analysis.report.display import published
from analysis.settings import disclosure_settings
from analysis.stats.competing import aalen_johansen

N = 987


def _charged(events: dict[float, int], n: int = N, tail: int = 400) -> pd.DataFrame:
    """A hand-made cumulative incidence curve of n offences, no censoring before `tail` days: events at the
    given days, each counted once in n_events; the estimate is events / n (no competing outcome)."""
    times = sorted(events)
    count = np.array([events[t] for t in times])
    at_risk = n - np.concatenate([[0], np.cumsum(count)[:-1]])
    estimate = np.cumsum(count) / n
    frame = pd.DataFrame({"time": times, "estimate": estimate, "lower": np.maximum(estimate - 0.004, 0),
                          "upper": estimate + 0.004, "curve": "charged or summonsed", "n_at_risk": at_risk,
                          "n_events": count})
    # Censored offences at the end of follow-up (no events): the curve is followed to `tail` days.
    end = pd.DataFrame({"time": [float(tail)], "estimate": [estimate[-1]], "lower": [frame["lower"].iloc[-1]],
                        "upper": [frame["upper"].iloc[-1]], "curve": "charged or summonsed",
                        "n_at_risk": [n - int(count.sum())], "n_events": [0]})
    return pd.concat([frame, end], ignore_index=True)


#: The leak's example: none charged by 30 days, 3 by 90 (days 40, 60, 85), then 9 more by day 95 (12),
#: 3 more by 150 (15), 15 more by 300 (30).
LEAK = {40: 1, 60: 1, 85: 1, 91: 4, 93: 3, 95: 2, 120: 1, 130: 1, 150: 1, **{200 + 5 * i: 1 for i in range(15)}}


def _table(read: pd.DataFrame) -> dict[str, str]:
    shown = alt_text.curve_table(read, series_title="Outcome", note="why")
    return dict(zip(shown["Day"], shown["Value"], strict=True))


def test_a_reading_with_1_to_9_events_by_then_is_withheld_and_0_events_show_0():
    read = curve_control.readings(_charged(LEAK), threshold=10, start=0.0)
    assert read["events"].tolist() == [0, 3, 15, 30]  # 30, 90, 180, 365 days (730: beyond follow-up)
    assert _table(read) == {"30": "0%", "90": "[c]", "180": "2%", "365": "3%"}
    table = alt_text.curve_table(read, series_title="Outcome", note="why")
    assert table.loc[table["Day"] == "90", ["95% confidence interval", "Note"]].values.tolist() == [["[c]", "why"]]
    # 2 charged by 30 days: 0% would still be the rounded estimate, so the reading is withheld.
    early = curve_control.readings(_charged({10: 2, **LEAK}), threshold=10, start=0.0)
    assert _table(early)["30"] == "[c]"


def test_a_reading_1_to_9_events_after_the_previous_reading_shown_is_withheld():
    # 12 by 90 days is shown; 15 by 180 is 3 more (withheld); 30 by 365 is 18 after the last shown (shown).
    events = {20: 12, 150: 3, **{200 + 5 * i: 1 for i in range(15)}}
    read = curve_control.readings(_charged(events), threshold=10, start=0.0)
    assert read["events"].tolist() == [12, 12, 15, 30]
    assert _table(read) == {"30": "1%", "90": "1%", "180": "[c]", "365": "3%"}


def test_a_day_the_results_table_withholds_is_withheld_in_the_readings_too():
    events = {20: 12, 60: 20, 150: 20, 300: 20}
    read = curve_control.readings(_charged(events), threshold=10, start=0.0,
                                  withheld={"charged or summonsed": {180}})
    assert _table(read) == {"30": "1%", "90": "3%", "180": "[c]", "365": "7%"}


def test_negative_control_threshold_1_shows_every_reading():
    read = curve_control.readings(_charged(LEAK), threshold=1, start=0.0)
    assert read["shown"].all()
    assert _table(read) == {"30": "0%", "90": "0%", "180": "2%", "365": "3%"}


def test_the_drawn_curve_starts_at_the_threshold_th_event_and_the_figure_draws_nothing_earlier():
    table = _charged(LEAK)
    read = curve_control.readings(table, threshold=10, start=0.0)
    drawn = curve_control.drawn(table, read, threshold=10)
    fig = figures.step_curves(drawn, title="t", xlabel="x", ylabel="y", synthetic=True)
    line = fig.axes[0].get_lines()[0]
    # 12 events by day 93: the 10th is among those on day 93 (3 by 85, 7 by 91, 10 by 93).
    assert float(np.asarray(line.get_xdata())[0]) == 93.0
    assert float(np.asarray(line.get_ydata())[0]) == pytest.approx(10 / N)
    assert drawn["events_by"].min() >= 10
    # Negative control: with threshold 1 the curve is drawn from the first event (day 40).
    low = curve_control.drawn(table, curve_control.readings(table, threshold=1, start=0.0), threshold=1)
    fig = figures.step_curves(low, title="t", xlabel="x", ylabel="y", synthetic=True)
    assert float(np.asarray(fig.axes[0].get_lines()[0].get_xdata())[0]) == 40.0


def test_the_curve_still_stops_where_fewer_than_the_threshold_remain_at_risk():
    table = _charged({20: 12, 60: 20}, n=40)  # 28 at risk on day 60, 8 after it (to day 400)
    read = curve_control.readings(table, threshold=10, start=0.0)
    drawn = curve_control.drawn(table, read, threshold=10)
    assert drawn["time"].tolist() == [20.0, 60.0] and read["day"].tolist() == [30]


def _drawn_days(drawn: pd.DataFrame) -> list[tuple[float, float]]:
    return [(float(p["time"].min()), float(p["time"].max())) for _, p in drawn.groupby("segment")]


def test_a_curve_is_never_drawn_over_a_withheld_reading():
    events = {20: 12, 150: 3, **{200 + 5 * i: 1 for i in range(15)}}  # 180 days withheld (3 after 90 days)
    table = _charged(events)
    read = curve_control.readings(table, threshold=10, start=0.0)
    drawn = curve_control.drawn(table, read, threshold=10)
    # Drawn from day 20 to the 90-day reading, and again from the 365-day reading to the end of follow-up.
    assert _drawn_days(drawn) == [(20.0, 90.0), (365.0, 400.0)]
    assert not drawn["time"].between(90.5, 364.5).any() and (15 / N) not in drawn["estimate"].round(6).tolist()
    fig = figures.step_curves(drawn, title="t", xlabel="x", ylabel="y", synthetic=True)
    lines = [np.asarray(line.get_xdata(), dtype=float) for line in fig.axes[0].get_lines()]
    assert [(x.min(), x.max()) for x in lines] == [(20.0, 90.0), (365.0, 400.0)]
    assert alt_text.curves(read, drawn, subject="s", indicator_id="RI03", place="X").endswith(
        "(drawn from day 20 to day 90 and from day 365 to day 400); 1 figure withheld ([c]).")
    # Negative control: at threshold 1 nothing is withheld and the curve is drawn in one stretch.
    low = curve_control.readings(table, threshold=1, start=0.0)
    assert _drawn_days(curve_control.drawn(table, low, threshold=1)) == [(20.0, 400.0)]
    # A day the results table withholds counts too.
    clean = _charged({20: 12, 60: 20, 150: 20, 300: 20})
    held = {"charged or summonsed": {180}}
    read = curve_control.readings(clean, threshold=10, start=0.0, withheld=held)
    assert _drawn_days(curve_control.drawn(clean, read, threshold=10, withheld=held)) == [(20.0, 90.0),
                                                                                        (365.0, 400.0)]
    assert _drawn_days(curve_control.drawn(clean, read.assign(shown=True), threshold=10)) == [(20.0, 400.0)]
    # No reading shown between the first drawable day and the withheld one: nothing before it is drawn.
    late = _charged({100: 12, 150: 20, 300: 20})
    read = curve_control.readings(late, threshold=10, start=0.0, withheld=held)
    assert _drawn_days(curve_control.drawn(late, read, threshold=10, withheld=held)) == [(365.0, 400.0)]


def test_alt_text_carries_no_withheld_reading():
    table = _charged(LEAK)
    read = curve_control.readings(table, threshold=10, start=0.0)
    drawn = curve_control.drawn(table, read, threshold=10)
    text = alt_text.curves(read, drawn, subject="time to outcome", indicator_id="RI03", place="Force X")
    assert text == ("Step chart of time to outcome (RI03) for Force X, with 95% interval bands: charged or "
                    "summonsed 0% at 30 days, 2% at 180 days, 3% at 365 days (drawn from day 93 to day 400); "
                    "1 figure withheld ([c]).")
    low = curve_control.readings(table, threshold=1, start=0.0)
    assert "0% at 90 days" in alt_text.curves(low, drawn, subject="s", indicator_id="RI03", place="X")


def test_a_curve_is_never_read_without_its_event_counts():
    with pytest.raises(ValueError, match="missing columns: n_events"):
        curve_control.readings(_charged(LEAK).drop(columns="n_events"), threshold=10)


def test_the_results_tables_days_come_from_the_published_rows():
    rows = pd.DataFrame({"breakdown": ["still supporting at"] * 3 + ["median days to withdrawal"],
                         "category": ["90 days", "180 days", "365 days", "median"],
                         "suppressed": [False, True, False, True]})
    assert curve_control.table_days(rows, {"still supporting at": "v"}) == ({"v": {180}}, {"v": {90, 365}})


def test_a_reading_1_to_9_events_from_a_count_the_results_table_shows_is_withheld():
    # 12 by 30 days; the results table shows 15 by 90 days (3 more): the 30-day reading would give the 3 away.
    events = {20: 12, 60: 3, 150: 20, 300: 20}
    read = curve_control.readings(_charged(events), threshold=10, start=0.0,
                                  published={"charged or summonsed": {90, 180, 365}})
    assert _table(read) == {"30": "[c]", "90": "2%", "180": "4%", "365": "6%"}
    # Negative control: without the results table's counts the 30-day reading is shown (12 events by then).
    assert _table(curve_control.readings(_charged(events), threshold=10, start=0.0))["30"] == "1%"


def test_a_reading_1_to_9_events_short_of_the_curves_total_is_withheld():
    # 30 by 365 days and 33 in all (3 after day 365, on day 380): the total is published (e.g. VE02's victims
    # who withdrew), so the readings at 90 to 365 days (30 each) would give the last 3 away.
    events = {20: 12, 60: 18, 380: 3}
    read = curve_control.readings(_charged(events, tail=500), threshold=10, start=0.0)
    assert _table(read) == {"30": "1%", "90": "[c]", "180": "[c]", "365": "[c]"}
    # Negative control: 13 after day 365 leave them shown.
    read = curve_control.readings(_charged({20: 12, 60: 18, 380: 13}, tail=500), threshold=10, start=0.0)
    assert _table(read) == {"30": "1%", "90": "3%", "180": "3%", "365": "3%"}


def test_the_fit_tables_count_events_as_the_results_tables_do():
    """The event counts cumulated from the fit tables' n_events are the indicators' numerators."""
    durations = np.array([5, 10, 10, 30, 45, 90, 90, 120, 200, 400], dtype=float)
    cause = np.array([1, 2, 0, 1, 1, 2, 1, 0, 1, 2])
    fit = aalen_johansen(durations, cause)
    for code in (1, 2):
        part = fit.table[fit.table["cause"] == code]
        frame = pd.DataFrame({"time": part["time"], "estimate": part["cif"], "curve": str(code),
                              "n_at_risk": 10, "n_events": part["n_events"]})
        read = curve_control.readings(frame, threshold=1, days=(30, 90, 180, 365))
        assert read["events"].tolist() == [int(((durations <= d) & (cause == code)).sum()) for d in (30, 90, 180, 365)]


def _page_tables(page, caption: str) -> list[dict[str, str]]:
    from report.checks import soup

    for details in soup(page.read_text(encoding="utf-8")).select("details.chart-data"):
        if caption in details.summary.get_text():
            table = details.find("table")
            heads = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
            return [dict(zip(heads, [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])], strict=True))
                    for tr in table.find("tbody").find_all("tr")]
    return []


@pytest.mark.parametrize("code", ["SYN01", "SYN02"])
def test_the_pages_curve_tables_show_no_reading_of_1_to_9_events(reports, code):
    """On each force page, no reading at a set day shown in a curve's data table has 1 to 9 events by then, or
    differs by 1 to 9 events from another count of that curve the page shows (another reading, or RI03's and
    VE03's counts at 90 to 730 days); and the fit's event counts are RI03's and VE03's numerators."""
    data = ForceData(returns_io.read_force(reports.data_dir, code))
    _, durations, cause = outcome_fit(data)
    _, days = withdrawal_fit(data)
    withdrew = data.victims["withdrew"].to_numpy(dtype=bool)
    truths = {"RI03": {}, "VE03": {}}
    for code_, name in ((1, "charged or summonsed"), (2, "other outcome")):
        truths["RI03"][name] = {d: int(((durations <= d) & (cause == code_)).sum()) for d in curve_control.CURVE_DAYS}
    kept = ~np.isnan(days)
    truths["VE03"]["still supporting the investigation"] = {
        d: int(((days[kept] <= d) & withdrew[kept]).sum()) for d in curve_control.CURVE_DAYS}
    # The readings count events from the fit tables' n_events: the same numbers as the indicators' numerators.
    context = SimpleNamespace(data=data)
    for indicator_id, frame, start in (("RI03", force_sections._cif_curves(context), 0.0),
                                       ("VE03", force_sections._km_curve(context), 1.0)):
        read = curve_control.readings(frame.assign(n_at_risk=N), threshold=1, start=start)
        assert {(r.curve, r.day): r.events for r in read.itertuples()} == {
            (name, d): e for name, by in truths[indicator_id].items() for d, e in by.items()}
    # The counts the page's results tables show (RI03, VE03 at 90 to 730 days), known to every reader.
    truth = results.read(reports.out_dir.parent / "outputs-restricted" / "forces" / code / "results.parquet")
    known = {}
    outcomes = {f"cumulative incidence: {n}": n for n in force_sections.OUTCOME_CURVES.values()}
    for indicator_id, breakdowns in (("RI03", outcomes),
                                     ("VE03", {"still supporting at": "still supporting the investigation"})):
        _, shown_days = curve_control.table_days(published(truth, indicator_id, disclosure=disclosure_settings()),
                                                 breakdowns)
        for name, found in shown_days.items():
            known[indicator_id, name] = {truths[indicator_id][name][d] for d in found}
    # Each curve's number of events in all (VE02's victims who withdrew; offences by outcome in RI01).
    totals = {("RI03", name): {int((cause == c).sum())} for c, name in force_sections.OUTCOME_CURVES.items()}
    totals["VE03", "still supporting the investigation"] = {int(withdrew[kept].sum())}
    checked = 0
    for indicator_id, caption, column in (("RI03", "read at set days (RI03)", "Outcome"),
                                          ("VE03", "read at set days (VE03)", "Victims")):
        rows = _page_tables(reports.pages[code], caption)
        shown = {}
        for row in rows:
            if row["Value"] == "[c]":
                assert row["95% confidence interval"] == "[c]" and row["Note"].startswith("withheld: fewer than 10")
                continue
            shown.setdefault(row[column], set()).add(truths[indicator_id][row[column]][int(row["Day"])])
        for name, counts in shown.items():
            for events in counts:
                # 0 or at least 10 by then, and 0 or at least 10 from any other count shown of this curve.
                others = (counts | known.get((indicator_id, name), set()) | totals[indicator_id, name]) - {events}
                assert not 0 < events < 10, (indicator_id, name, events)
                assert all(abs(events - e) >= 10 for e in others), (indicator_id, name, events, sorted(others))
                checked += 1
    assert checked, "the page shows no curve reading to check"
    # The charts' text alternatives read the curves exactly as their data tables show them: no withheld reading.
    from report.checks import soup

    page = soup(reports.pages[code].read_text(encoding="utf-8"))
    for indicator_id, caption, column in (("RI03", "read at set days (RI03)", "Outcome"),
                                          ("VE03", "read at set days (VE03)", "Victims")):
        alts = [img["alt"] for img in page.find_all("img") if img.get("alt", "").startswith("Step chart")
                and f"({indicator_id})" in img["alt"]]
        table = {(r[column], r["Day"]): r["Value"] for r in _page_tables(reports.pages[code], caption)}
        for alt in alts:
            for part in alt.split("interval bands: ", 1)[1].split("; "):
                name = next((n for n, _ in table if part.startswith(n + " ")), None)
                if name is None:
                    continue  # the count of withheld figures
                for value, day in re.findall(r"(\d+%) at (\d+) days", part):
                    assert table[name, day] == value, (indicator_id, name, day, value)
                assert len(re.findall(r" at \d+ days", part)) == sum(
                    v != "[c]" for (n, _), v in table.items() if n == name)
