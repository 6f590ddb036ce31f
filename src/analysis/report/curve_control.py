"""Disclosure control of the time-to-event curves a force page draws and reads at set days (issue 12).

A Kaplan-Meier or Aalen-Johansen curve moves only when events happen, so its height at a day, read beside
the number followed, tells how many events had happened by then, and two heights tell how many happened
between them: "0%, 0% to 1%" at 90 days of 987 offences followed says that 1 to 4 were charged. The rules,
with t the disclosure threshold (disclosure.threshold, default 10):

- A reading at a set day (the data table under a chart, and its text alternative) is shown only when the
  curve's number of events by that day is 0 or at least t, the number between it and the previous reading
  shown (or the nearest day before or after it whose count the results table shows, or the curve's total
  number of events) is 0 or at least t, and the results table does not withhold that day's count;
  otherwise it is withheld ([c]).
- A curve is drawn from the first time its number of events reaches t (nothing is drawn while it is 1 to
  t-1) up to the last time at least t remain at risk, but never over a withheld reading (or a day whose count
  the results table withholds): it stops at the reading shown before it and starts again at the reading shown
  after it. Those ends are set days whose readings are published, so where a stretch stops tells nothing
  about the withheld reading (an end placed at the last event before it would give it away).

Event counts come from the fit table's own `n_events` (the number of events at each time, for that curve),
cumulated from the first row; they are never worked back from an estimate. The table given must therefore be
the whole fit table, from its first time, not a part of it.
"""

from __future__ import annotations

import math
import re

import pandas as pd

__all__ = ["CURVE_DAYS", "withheld_note", "prepare", "readings", "drawn", "table_days"]

#: Days at which a time-to-event curve is read (text alternative and data table).
CURVE_DAYS = (30, 90, 180, 365, 730)

REQUIRED = ("time", "estimate", "curve", "n_at_risk", "n_events")


def withheld_note(threshold: int, events: str) -> str:
    """The data table's note on a withheld reading (one wording for every reason, so the note tells no more
    than the [c] does)."""
    return (f"withheld: fewer than {threshold} {events} by this day or since the previous reading shown, "
            "or the table above withholds it")


def prepare(table: pd.DataFrame) -> pd.DataFrame:
    """`table` (columns time, estimate, curve, n_at_risk, n_events and optional lower/upper: a whole fit
    table) sorted by curve (in first-seen order) and time, with `events_by`, the curve's number of events up
    to and including each time. ValueError when the event counts are missing: a curve is never read without
    them."""
    missing = [c for c in REQUIRED if c not in table]
    if missing:
        raise ValueError(f"a curve needs its fit table's event counts; missing columns: {', '.join(missing)}")
    parts = []
    for _, part in table.groupby("curve", sort=False):
        part = part.sort_values("time", kind="stable")
        parts.append(part.assign(events_by=part["n_events"].astype("int64").cumsum()))
    if not parts:
        return table.assign(events_by=pd.Series(dtype="int64"))
    return pd.concat(parts, ignore_index=True)


def _at_risk_end(part: pd.DataFrame, threshold: int) -> float | None:
    """The last time at which at least `threshold` remain at risk (None: never)."""
    kept = part[part["n_at_risk"] >= threshold]
    return float(kept["time"].max()) if len(kept) else None


def _events_by(part: pd.DataFrame, day: float) -> int:
    """One curve's number of events up to and including `day` (0 before its first time)."""
    before = part.loc[part["time"] <= day, "events_by"]
    return int(before.iloc[-1]) if len(before) else 0


def _small(difference: int, threshold: int) -> bool:
    return 0 < abs(difference) < threshold


def readings(table: pd.DataFrame, *, threshold: int, days: tuple[int, ...] = CURVE_DAYS,
             withheld: dict[str, set[int]] | None = None, published: dict[str, set[int]] | None = None,
             start: float | None = None) -> pd.DataFrame:
    """Each curve read at `days` under the rules above: columns curve, day, estimate, lower, upper, events
    (by that day) and shown (False: the reading is withheld). A day after the last time at least `threshold`
    remain at risk is not read. A day before the curve's first time is read as `start` (1 for a survival
    curve, 0 for cumulative incidence) with no interval, or not read when `start` is None.

    withheld: for each curve name, the days whose count the results table withholds; published: the days
    whose count it shows. A count the page shows elsewhere is known to the reader, so a reading is also
    withheld when the number of events between it and the nearest such day before or after it, or the
    curve's total number of events (published with the curve's indicators: victims who withdrew, offences by
    outcome), is 1 to threshold-1."""
    frame = prepare(table)
    rows = []
    for name, part in frame.groupby("curve", sort=False):
        end = _at_risk_end(part, threshold)
        held = set((withheld or {}).get(name, ()))
        known = {int(d): _events_by(part, d) for d in (published or {}).get(name, ()) if int(d) not in held}
        total = int(part["events_by"].iloc[-1])  # the curve's number of events: published beside it (VE02, RI01)
        previous = 0  # events by the previous reading shown (the curve's origin has none)
        for day in days:
            if end is None or day > end:
                continue
            before = part[part["time"] <= day]
            if before.empty:
                if start is None:
                    continue
                estimate, lower, upper, events = float(start), math.nan, math.nan, 0
            else:
                last = before.iloc[-1]
                estimate, events = float(last["estimate"]), int(last["events_by"])
                lower = float(last["lower"]) if "lower" in part else math.nan
                upper = float(last["upper"]) if "upper" in part else math.nan
            earlier = max([previous] + [e for d, e in known.items() if d < day])
            later = [e for d, e in known.items() if d > day] + [total]
            shown = (not _small(events, threshold) and not _small(events - earlier, threshold)
                     and not (later and _small(min(later) - events, threshold)) and day not in held)
            if shown:
                previous = events
            rows.append({"curve": name, "day": int(day), "estimate": estimate, "lower": lower, "upper": upper,
                         "events": events, "shown": bool(shown)})
    return pd.DataFrame(rows, columns=["curve", "day", "estimate", "lower", "upper", "events", "shown"])


def _pieces(first: float, last: float, hidden: list[int], shown: list[int]) -> list[tuple[float, float]]:
    """The stretches of [first, last] a curve may be drawn over: none contains a hidden day, and every stretch
    ends on a day whose reading is shown (or at `first` / `last`), so where it starts or stops tells nothing
    about a hidden reading."""
    pieces = []
    low: float | None = first
    for day in hidden:
        if low is not None and low < day:
            high = max((d for d in shown if low <= d < day), default=None)
            if high is not None and high > low:
                pieces.append((low, float(high)))
        low = min((float(d) for d in shown if day < d <= last), default=None)
    if low is not None and low < last:
        pieces.append((low, last))
    return pieces


def drawn(table: pd.DataFrame, read: pd.DataFrame, *, threshold: int,
          withheld: dict[str, set[int]] | None = None) -> pd.DataFrame:
    """The part of each curve a figure may draw: from the first time its events reach `threshold` to the last
    time at least `threshold` remain at risk, never over a day whose reading `read` (from `readings`) withholds
    or whose count the results table withholds (`withheld`): there the curve stops at the previous reading
    shown and starts again at the next one. Columns as `prepare` gives them, plus `segment` (the stretch
    drawn, 0, 1, ... within each curve; a figure joins no two stretches)."""
    frame = prepare(table)
    parts = []
    for name, part in frame.groupby("curve", sort=False):
        keep = part[(part["events_by"] >= threshold) & (part["n_at_risk"] >= threshold)]
        if keep.empty:
            continue
        first, last = float(keep["time"].min()), float(keep["time"].max())
        mine = read[read["curve"] == name]
        hidden = set(mine.loc[~mine["shown"].astype(bool), "day"]) | set((withheld or {}).get(name, ()))
        shown = sorted(int(d) for d in mine.loc[mine["shown"].astype(bool), "day"] if int(d) not in hidden)
        for segment, (low, high) in enumerate(_pieces(first, last, sorted(d for d in hidden if first <= d <= last),
                                                      shown)):
            # The curve's value at each end (a step function: the last row at or before it), then its steps.
            start = part[part["time"] <= low].iloc[[-1]].assign(time=low)
            end = part[part["time"] <= high].iloc[[-1]].assign(time=high)
            inside = part[(part["time"] > low) & (part["time"] < high)]
            parts.append(pd.concat([start, inside, end], ignore_index=True).assign(segment=segment))
    if not parts:
        return frame.iloc[0:0].assign(segment=pd.Series(dtype="int64"))
    return pd.concat(parts, ignore_index=True)


_DAYS = re.compile(r"^(\d+) days$")


def table_days(rows: pd.DataFrame, curves: dict[str, str]) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """The days whose row the published results table withholds, and those whose row it shows, for each
    curve: `rows` are published rows (ctx.published) and `curves` maps a breakdown (e.g. 'still supporting
    at') to the curve it reads."""
    withheld: dict[str, set[int]] = {name: set() for name in curves.values()}
    shown: dict[str, set[int]] = {name: set() for name in curves.values()}
    for _, r in rows.iterrows():
        name = curves.get(str(r["breakdown"]))
        match = _DAYS.match(str(r["category"]))
        if name is not None and match:
            (withheld if bool(r["suppressed"]) else shown)[name].add(int(match.group(1)))
    return withheld, shown
