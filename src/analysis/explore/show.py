"""Showing exploration results under disclosure control: tables as a report shows them, and figures.

`show` and `plot` apply the same statistical disclosure control as the published reports
(analysis.disclosure via analysis.report.display.published; settings from params/pipeline.yaml unless a
threshold is given): withheld numbers are blanked and shown as [c], and a withheld row is never drawn.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown, display

from analysis import settings
from analysis.contract import SYNTHETIC_FORCE_CODE_PATTERN
from analysis.disclosure import SUPPRESSED_SYMBOL
from analysis.indicators.catalogue import CATALOGUE, entries
from analysis.report import figures
from analysis.report.display import (SUPPRESSION_NOTE, html_table, published, readable_breakdown, show_table,
                                    value_kind)
from analysis.report.display import readable as readable_code
from analysis.results import RESULT_COLUMNS

#: Columns of a comparison (explore.compare) that identify a row rather than report a number about the force.
_COMPARISON_KEYS = ("indicator", "indicator_id", "basis", "force_code", "national_value", "adjusted", "forces")


def disclosure(threshold: int | None = None, params_file: str | Path | None = None) -> dict:
    """The disclosure settings `show` and `plot` apply: params/pipeline.yaml (or `params_file`), with
    `threshold` (an int >= 1) replacing the configured threshold when given."""
    d = settings.disclosure_settings(params_file)
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise ValueError(f"threshold must be a whole number of at least 1, got {threshold!r}")
        d = {**d, "threshold": threshold}
    return d


def catalogue(scope: str | None = "force") -> pd.DataFrame:
    """The indicator catalogue: id, strand, title, numerator, denominator, basis, method, caveat (full text).
    `scope`: 'force' (what `indicator` computes), 'national', or None for both."""
    return pd.DataFrame([{"id": e.id, "strand": e.strand, "title": e.title, "numerator": e.numerator,
                          "denominator": e.denominator, "basis": e.basis, "method": e.method, "caveat": e.caveat}
                         for e in entries(scope)])


def readable(frame: pd.DataFrame):
    """A DataFrame shown with its full text (no cut at pandas' 50 characters), left-aligned, without the
    index: a pandas Styler, for descriptions such as `catalogue()` and `describe_columns()`."""
    return (frame.style.hide(axis="index")
            .set_properties(**{"text-align": "left", "white-space": "pre-wrap"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))


def _is_results(rows: pd.DataFrame) -> bool:
    return set(RESULT_COLUMNS) <= set(rows.columns)


def publishable(rows: pd.DataFrame, *, threshold: int | None = None, params_file: str | Path | None = None) -> pd.DataFrame:
    """Results rows as they could be published: disclosure flags re-applied and withheld numbers blanked
    (analysis.disclosure.suppress_results), one indicator and force at a time."""
    d = disclosure(threshold, params_file)
    parts = [published(part, indicator_id, disclosure=d)
             for (_, indicator_id), part in rows.groupby(["force_code", "indicator_id"], sort=False)]
    return pd.concat(parts, ignore_index=True) if parts else rows.iloc[0:0]


def show(rows: pd.DataFrame, *, title: str | None = None, threshold: int | None = None,
         params_file: str | Path | None = None) -> pd.DataFrame:
    """Display rows under disclosure control, as the reports show them; returns the publishable rows.

    `rows`: results rows from `indicator` (one table per force and indicator, with its title, caption and the
    [c] note), or a comparison from `compare` (the force's own numbers shown as [c] when withheld).
    """
    if _is_results(rows):
        out = publishable(rows, threshold=threshold, params_file=params_file)
        for (force_code, indicator_id), part in out.groupby(["force_code", "indicator_id"], sort=False):
            show_table(part.reset_index(drop=True), indicator_id,
                       title=f"{force_code}: {title or CATALOGUE[indicator_id].title}")
        return out
    if "suppressed" in rows.columns and {"indicator", "force_code", "value"} <= set(rows.columns):
        return _show_comparison(rows, title)
    raise ValueError("show takes results rows (from explore.indicator) or a comparison (from explore.compare); "
                     f"these columns are neither: {list(rows.columns)}")


def _show_comparison(rows: pd.DataFrame, title: str | None) -> pd.DataFrame:
    out = rows.copy()
    withheld = out["suppressed"].to_numpy(dtype=bool)
    numbers = [c for c in out.columns if c not in _COMPARISON_KEYS and c != "suppressed"]
    for column in numbers:
        out[column] = out[column].astype(object).mask(withheld)
    percent = ~out["indicator"].str.contains("per 10,000")

    def number(value, share: bool) -> str:
        if pd.isna(value):
            return SUPPRESSED_SYMBOL
        return f"{100 * value:.1f}%" if share else f"{value:,.1f}"

    table = pd.DataFrame({
        "Indicator": out["indicator"],
        "Value": [number(v, p) for v, p in zip(out["value"], percent, strict=True)],
        "95% interval": [SUPPRESSED_SYMBOL if w else f"{number(lo, p)} to {number(hi, p)}"
                         for w, lo, hi, p in zip(withheld, out["lower"], out["upper"], percent, strict=True)],
        "National value": [number(v, p) for v, p in zip(out["national_value"], percent, strict=True)],
        "99.8% limits at this denominator": [SUPPRESSED_SYMBOL if w else f"{number(lo, p)} to {number(hi, p)}"
                                             for w, lo, hi, p in zip(withheld, out["limit_lower"], out["limit_upper"],
                                                                     percent, strict=True)],
        "Position": [SUPPRESSED_SYMBOL if w else str(p) for w, p in zip(withheld, out["position"], strict=True)],
        "Denominator": [SUPPRESSED_SYMBOL if w else f"{d:,.0f}" for w, d in zip(withheld, out["denominator"], strict=True)],
    })
    force = ", ".join(dict.fromkeys(rows["force_code"]))
    display(Markdown(f"**{title or f'{force} compared with the national value'}**"))
    display(HTML(html_table(table)))
    adjusted = "adjusted for overdispersion" if rows["adjusted"].all() else "not all adjusted for overdispersion"
    notes = [f"National value: pooled over the {int(rows['forces'].max())} forces compared. Limits {adjusted} "
             "(Spiegelhalter 2005). Being outside the limits is a prompt to ask why, not a verdict. Offences per "
             "10,000 children are per 10,000 child-years."]
    if withheld.any():
        notes.append(SUPPRESSION_NOTE)
    display(Markdown("\n\n".join(notes)))
    return out


def drawable_groups(rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(breakdown, basis) groups of results rows that have at least one value to draw, in table order."""
    has_value = rows["value"].notna()
    groups = rows.loc[has_value, ["breakdown", "basis"]].drop_duplicates()
    return list(groups.itertuples(index=False, name=None))


_AXIS = {"percent": "Share", "count": "Count", "median": "Median", "fact": "Value (1 = yes)", "whole": "Value",
         "number": "Value"}


def plot(rows: pd.DataFrame, *, breakdown: str | None = None, basis: str | None = None, threshold: int | None = None,
         params_file: str | Path | None = None):
    """Bars with 95% intervals for one breakdown and basis of results rows, under disclosure control.

    Default: the first breakdown and basis with a value to draw. Several forces are drawn side by side.
    Withheld rows are not drawn (marked [c]). Returns a matplotlib Figure, or None when nothing can be drawn
    (every value withheld or not estimable); raises ValueError for a breakdown/basis not in the rows.
    """
    indicator_ids = list(dict.fromkeys(rows["indicator_id"]))
    if len(indicator_ids) != 1:
        raise ValueError(f"plot draws one indicator at a time; these rows hold {indicator_ids}")
    groups = drawable_groups(rows)
    chosen = [(b, s) for b, s in groups if (breakdown is None or b == breakdown) and (basis is None or s == basis)]
    if not chosen:
        if breakdown is not None or basis is not None:
            raise ValueError(f"no values for breakdown={breakdown!r}, basis={basis!r}; with values: {groups}")
        return None
    breakdown, basis = chosen[0]
    indicator_id = indicator_ids[0]
    part = publishable(rows[(rows["breakdown"] == breakdown) & (rows["basis"] == basis)],
                       threshold=threshold, params_file=params_file)
    if not part["value"].notna().any():
        return None
    kind = value_kind(part.iloc[int(np.flatnonzero(part["value"].notna())[0])])
    part = part.assign(category=[readable_code(str(c), indicator_id, breakdown) for c in part["category"]])
    forces = list(dict.fromkeys(part["force_code"]))
    entry = CATALOGUE[indicator_id]
    synthetic = all(re.match(SYNTHETIC_FORCE_CODE_PATTERN, str(f)) for f in forces)  # SYNnn: never a real force
    title = f"{', '.join(forces) if len(forces) <= 3 else f'{len(forces)} forces'}: {entry.title}"
    return figures.bar_with_intervals(part, title=title, xlabel=f"{_AXIS.get(kind, 'Value')} ({basis})",
                                      ylabel=readable_breakdown(breakdown, indicator_id).capitalize(),
                                      synthetic=synthetic, percent=kind == "percent",
                                      hue="force_code" if len(forces) > 1 else None, hue_title="Force")
