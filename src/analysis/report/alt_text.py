"""Text alternatives for the report figures, written from the same published rows the figure draws.

A screen-reader user meets each chart as its alt text, so the text says what kind of chart it is, which
indicator (name and catalogue id) for which force or area, and its main reading: the largest and smallest
shares, the first and last year of a series, where a curve stands at set days, which forces lie outside a
funnel's limits (WCAG 2.2 success criterion 1.1.1; GOV.UK Design System guidance on images and charts). The
numbers are those a sighted reader takes from the chart; withheld values ([c]) are counted, never shown.
Every function returns plain text (escaped where the page shows it) and the data behind a chart is shown
as a table under it (analysis.report.display.chart_data).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.disclosure import SUPPRESSED_SYMBOL
from analysis.report.curve_control import CURVE_DAYS

__all__ = ["bars", "lines", "curves", "funnel", "curve_table", "CURVE_DAYS"]



def _value(x: float, percent: bool, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%" if percent else f"{x:,.{0 if float(x).is_integer() else 2}f}"


def _withheld(table: pd.DataFrame) -> np.ndarray:
    suppressed = table["suppressed"].fillna(False).astype(bool).to_numpy() if "suppressed" in table else False
    return suppressed | table["value"].isna().to_numpy()


def _withheld_clause(n: int) -> str:
    return "" if n == 0 else f"; {n} figure{'s' if n != 1 else ''} withheld ([c])"


def bars(table: pd.DataFrame, *, subject: str, indicator_id: str, place: str, percent: bool = True,
         group: str | None = None) -> str:
    """'Bar chart of <subject> (<id>) for <place>, with 95% intervals[, by <group>]: largest <cat> (x%),
    smallest <cat> (y%)[; n figures withheld ([c])].' `table` has category, value and optional group column."""
    withheld = _withheld(table)
    shown = table[~withheld]
    parts = []
    groups = list(dict.fromkeys(shown[group])) if group else [None]
    for name in groups:
        part = shown if name is None else shown[shown[group] == name]
        part = part.assign(_v=part["value"].astype("float64"))
        if part.empty:
            continue
        top = part.loc[part["_v"].idxmax()]
        low = part.loc[part["_v"].idxmin()]
        text = f"largest {top['category']} ({_value(top['_v'], percent)})"
        if len(part) > 1:
            text += f", smallest {low['category']} ({_value(low['_v'], percent)})"
        parts.append(text if name is None else f"{name}: {text}")
    reading = "; ".join(parts) if parts else "every figure withheld or unavailable"
    return (f"Bar chart of {subject} ({indicator_id}) for {place}, {table['category'].nunique()} categories with 95% "
            f"intervals: {reading}{_withheld_clause(int(withheld.sum()))}.")


def lines(table: pd.DataFrame, *, subject: str, indicator_id: str, place: str, series: str = "breakdown") -> str:
    """'Line chart of <subject> (<id>) for <place>, <first> to <last>: <series> from a to b; ...'."""
    years = list(dict.fromkeys(table["category"]))
    parts = []
    withheld_total = 0
    for name, part in table.groupby(series, sort=False):
        withheld = _withheld(part)
        withheld_total += int(withheld.sum())
        kept = part[~withheld]
        if kept.empty:
            parts.append(f"{name} withheld")
            continue
        first, last = kept.iloc[0], kept.iloc[-1]
        if len(kept) == 1:
            parts.append(f"{name} {_value(float(first['value']), False)} in {first['category']}")
        else:
            change = "rose" if last["value"] > first["value"] else "fell" if last["value"] < first["value"] else "held"
            parts.append(f"{name} {change} from {_value(float(first['value']), False)} in {first['category']} to "
                         f"{_value(float(last['value']), False)} in {last['category']}")
    span = f"{years[0]} to {years[-1]}" if len(years) > 1 else str(years[0]) if years else "no years"
    return (f"Line chart of {subject} ({indicator_id}) for {place}, by financial year {span}: "
            f"{'; '.join(parts)}{_withheld_clause(withheld_total)}.")


def curves(read: pd.DataFrame, drawn: pd.DataFrame, *, subject: str, indicator_id: str, place: str) -> str:
    """'Step chart of <subject> (<id>) for <place>, with 95% interval bands: <curve> 92% at 30 days, 80% at
    365 days (drawn from day A to day B[ and from day C to day D]); ...[; n figures withheld ([c])].' Written
    from the readings of
    analysis.report.curve_control.readings (withheld readings are counted, never shown) and the stretches of
    each curve the figure draws (curve_control.drawn)."""
    parts = []
    hidden = 0
    for name, part in read.groupby("curve", sort=False):
        shown = part[part["shown"].astype(bool)]
        hidden += len(part) - len(shown)
        text = ", ".join(f"{_value(v, True, 0)} at {d} days" for v, d in zip(shown["estimate"], shown["day"]))
        line = drawn[drawn["curve"] == name]
        stretches = line.groupby("segment", sort=False) if "segment" in line else [(0, line)]
        where = " and ".join(f"from day {float(p['time'].min()):,.0f} to day {float(p['time'].max()):,.0f}"
                             for _, p in stretches if len(p))
        where = f"drawn {where}" if where else "not drawn"
        parts.append(f"{name} {text or 'no reading shown'} ({where})")
    reading = "; ".join(parts) if parts else "no reading shown"
    return (f"Step chart of {subject} ({indicator_id}) for {place}, with 95% interval bands: {reading}"
            f"{_withheld_clause(hidden)}.")


def curve_table(read: pd.DataFrame, *, series_title: str = "Curve", note: str = "") -> pd.DataFrame:
    """A reader's table of step curves read at set days, from analysis.report.curve_control.readings (whole
    percentages, the precision a reader takes from the chart; the exact step heights are not published):
    columns series_title, Day, Value, 95% confidence interval (the band drawn: Kaplan-Meier or
    Aalen-Johansen pointwise 95% interval) and Note. A withheld reading shows [c] in both and `note` (why)."""
    rows = []
    for r in read.itertuples(index=False):
        if not r.shown:
            rows.append({series_title: str(r.curve), "Day": str(r.day), "Value": SUPPRESSED_SYMBOL,
                         "95% confidence interval": SUPPRESSED_SYMBOL, "Note": note})
            continue
        interval = "" if math.isnan(r.lower) or math.isnan(r.upper) else f"{100 * r.lower:.0f}% to {100 * r.upper:.0f}%"
        rows.append({series_title: str(r.curve), "Day": str(r.day), "Value": f"{100 * r.estimate:.0f}%",
                     "95% confidence interval": interval, "Note": ""})
    frame = pd.DataFrame(rows, columns=[series_title, "Day", "Value", "95% confidence interval", "Note"])
    return frame if (frame["Note"] != "").any() else frame.drop(columns="Note")


def funnel(units: pd.DataFrame, *, subject: str, indicator_id: str, target: float, denominator: str,
           percent: bool = True, high: list[str] | tuple[str, ...] = (), low: list[str] | tuple[str, ...] = ()) -> str:
    """'Funnel plot of <subject> (<id>) for 43 forces against 4 to 2,541 <denominator>; national value x;
    SYN09 above and SYN15 below the 99.8% limits' (or 'no force outside the 99.8% limits'), then forces
    between the 95% and 99.8% limits ('SYN02 above the 95% limits only'), from `units`' band_od column."""
    shown = units if "suppressed" not in units else units[~units["suppressed"].astype(bool)]
    n = len(shown)
    if n:
        span = f"{shown['denominator'].min():,.0f} to {shown['denominator'].max():,.0f}"
    else:
        span = "no"
    if high and low:
        where = f"{', '.join(high)} above and {', '.join(low)} below the 99.8% limits"
    elif high:
        where = f"{', '.join(high)} above the 99.8% limits"
    elif low:
        where = f"{', '.join(low)} below the 99.8% limits"
    else:
        where = "no force outside the 99.8% limits"
    # Between the 95% and 99.8% limits (the dashed lines): named too, as a sighted reader sees them.
    between = []
    if "band_od" in shown:
        for side in ("above", "below"):
            names = shown.loc[shown["band_od"] == f"{side} 95%", "unit"].astype(str).tolist()
            if names:
                between.append(f"{', '.join(names)} {side} the 95% limits only")
    hidden = len(units) - n
    return (f"Funnel plot of {subject} ({indicator_id}) for {n} force{'s' if n != 1 else ''} against {span} "
            f"{denominator.lower()}; national value {_value(target, percent, 1 if percent else 2)}; {where}"
            f"{''.join('; ' + b for b in between)}{_withheld_clause(hidden)}.")
