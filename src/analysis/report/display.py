"""Showing results in a notebook: disclosure-controlled tables, captions and figures.

Every table shown passes through `analysis.disclosure.suppress_results` (withheld numbers blanked, then
shown as [c]); every figure is drawn from the same controlled rows. Captions state numerator,
denominator, basis, method and caveat from the indicator catalogue, so no reader meets a figure without
them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from analysis import reference
from analysis.disclosure import SUPPRESSED_SYMBOL, suppress_results
from analysis.indicators.catalogue import CATALOGUE, entries
from analysis.report import figures

SUPPRESSION_NOTE = (f"{SUPPRESSED_SYMBOL} = withheld by statistical disclosure control (a count from 1 to 9, a figure "
                    "derived from one, or a cell that would let one be worked out).")


@cache
def code_labels() -> dict[str, str]:
    """Readable labels for codes that appear as categories or breakdowns in results tables."""
    labels: dict[str, str] = {}
    for name in ("partner_agencies", "disruption_tactics", "disruption_statuses", "case_review_grades",
                 "ethnicity_groups", "regions"):
        labels.update(reference.labels(name))
    criteria = reference.load("case_review_criteria")
    labels.update(dict(zip(criteria["code"], criteria["label"], strict=True)))
    return labels


def readable(text: str) -> str:
    """A code or snake_case name as words for a reader."""
    label = code_labels().get(text)
    if label:
        return label
    return text.replace("_", " ")


def published(results: pd.DataFrame, indicator_id: str, breakdown: str | list[str] | None = None,
              basis: str | None = None) -> pd.DataFrame:
    """The publishable rows of one indicator (withheld numbers blanked), optionally narrowed."""
    rows = results[results["indicator_id"] == indicator_id]
    if breakdown is not None:
        keep = [breakdown] if isinstance(breakdown, str) else breakdown
        rows = rows[rows["breakdown"].isin(keep)]
    if basis is not None:
        rows = rows[rows["basis"] == basis]
    return suppress_results(rows.reset_index(drop=True))


def _is_share(method: str) -> bool:
    return "Wilson" in method


def _fmt(x, share: bool, digits: int) -> str:
    if pd.isna(x):
        return ""
    return f"{100 * float(x):.1f}%" if share else f"{float(x):,.{digits}f}"


def format_table(rows: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """Results rows as a reader's table: words for codes, percentages for shares, [c] for withheld cells."""
    out = []
    for _, r in rows.iterrows():
        share = _is_share(str(r["method"]))
        digits_here = 0 if "Poisson count" in str(r["method"]) else digits
        withheld = bool(r["suppressed"])
        has_interval = not (pd.isna(r["lower"]) and pd.isna(r["upper"]))
        out.append({
            "Breakdown": readable(str(r["breakdown"])),
            "Category": readable(str(r["category"])),
            "Basis": r["basis"],
            "Value": SUPPRESSED_SYMBOL if withheld else _fmt(r["value"], share, digits_here),
            "Interval or range": SUPPRESSED_SYMBOL if withheld else (
                f"{_fmt(r['lower'], share, digits)} to {_fmt(r['upper'], share, digits)}" if has_interval else ""),
            "Numerator": SUPPRESSED_SYMBOL if withheld else _fmt(r["numerator"], False, 0),
            "Denominator": SUPPRESSED_SYMBOL if withheld else _fmt(r["denominator"], False, 0),
            "Note": r["note"],
        })
    frame = pd.DataFrame(out)
    # Drop columns that say nothing for this table (e.g. no denominator for counts).
    for column in ("Interval or range", "Numerator", "Denominator", "Note"):
        if column in frame and (frame[column] == "").all():
            frame = frame.drop(columns=column)
    if "Breakdown" in frame and frame["Breakdown"].nunique() == 1:
        frame = frame.drop(columns="Breakdown")
    if "Basis" in frame and frame["Basis"].nunique() == 1:
        frame = frame.drop(columns="Basis")
    return frame


def common_note(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Lift a note that every row shares out of the table, to print once under it."""
    if "Note" in table and len(table) > 1 and table["Note"].nunique() == 1 and table["Note"].iloc[0]:
        return table.drop(columns="Note"), str(table["Note"].iloc[0])
    return table, ""


def caption(indicator_id: str) -> str:
    """Markdown caption: what the indicator counts, how, and its caveat."""
    e = CATALOGUE[indicator_id]
    return (f"*{e.id}. Numerator:* {e.numerator}. *Denominator:* {e.denominator}. *Method:* {e.method}. "
            f"*Caveat:* {e.caveat}")


def show_table(rows: pd.DataFrame, indicator_id: str, title: str | None = None) -> pd.DataFrame:
    """Display a published, formatted table with its title and caption; returns the formatted table."""
    entry = CATALOGUE[indicator_id]
    table, shared = common_note(format_table(rows))
    display(Markdown(f"**{title or entry.title}**"))
    if table.empty:
        display(Markdown("_No records for this indicator._"))
    else:
        display(HTML(table.to_html(index=False, escape=True, border=0, classes="results-table")))
    notes = [f"**Note:** {shared}." if shared else "", caption(indicator_id),
             SUPPRESSION_NOTE if (rows["suppressed"].any() if len(rows) else False) else ""]
    display(Markdown("\n\n".join(n for n in notes if n)))
    return table


def show_figure(fig, path: Path, reading: str) -> Path:
    """Save a figure under the report's figures folder, show it, and give its one-line reading."""
    saved = figures.save(fig, path)
    display(Image(filename=str(saved)))
    display(Markdown(f"*Reading the figure:* {reading}"))
    return saved


def catalogue_table(scope: str | None = None) -> pd.DataFrame:
    """The indicator catalogue as a reader's table."""
    return pd.DataFrame([{"Id": e.id, "Strand": e.strand, "Indicator": e.title, "Basis": e.basis}
                         for e in entries(scope)])


def first_value(rows: pd.DataFrame, category: str) -> float:
    hit = rows[rows["category"] == category]
    return float(hit["value"].iloc[0]) if len(hit) and not pd.isna(hit["value"].iloc[0]) else np.nan
