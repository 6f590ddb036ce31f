"""Sentences built from results rows, so no number in a report is typed by hand.

Each function takes results-table rows and returns plain English with the value, its interval, its
numerator and denominator, and the basis. Withheld (suppressed) figures are said to be withheld, never
shown. Language follows the project's victim-centred style.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.disclosure import SUPPRESSED_SYMBOL


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x)


def percent(x, digits: int = 1) -> str:
    return "not available" if _missing(x) else f"{100 * float(x):.{digits}f}%"


def number(x, digits: int = 0) -> str:
    if _missing(x):
        return "not available"
    return f"{float(x):,.{digits}f}"


def share_sentence(row: pd.Series, subject: str) -> str:
    """'<subject>: 12.3% (95% CI 10.1% to 14.8%; 120 of 975; basis: <basis>).'"""
    if bool(row["suppressed"]):
        return f"{subject}: figure withheld ({SUPPRESSED_SYMBOL}) because it rests on a count below the disclosure threshold."
    if _missing(row["value"]):
        return f"{subject}: not available ({row['note'] or 'no records'})."
    text = (f"{subject}: {percent(row['value'])} (95% CI {percent(row['lower'])} to {percent(row['upper'])}; "
            f"{number(row['numerator'])} of {number(row['denominator'])}; basis: {row['basis']}).")
    return text + (f" Note: {row['note']}." if row["note"] else "")


def rate_sentence(row: pd.Series, subject: str, unit: str) -> str:
    """'<subject>: 4.20 per 10,000 children a year (95% CI 3.90 to 4.60; 1,234 offences over 2,938,000
    child-years).' The denominator is named by the row's basis."""
    if bool(row["suppressed"]):
        return f"{subject}: figure withheld ({SUPPRESSED_SYMBOL})."
    if _missing(row["value"]):
        return f"{subject}: not available."
    unit = f" {unit}" if unit else ""
    return (f"{subject}: {number(row['value'], 2)}{unit} (95% CI {number(row['lower'], 2)} to "
            f"{number(row['upper'], 2)}; {number(row['numerator'])} over {number(row['denominator'])} {row['basis']}).")


def ratio_sentence(row: pd.Series, subject: str) -> str:
    """Odds, hazard or rate ratios with their interval, or the model's status when none was estimated."""
    if bool(row["suppressed"]):
        return f"{subject}: withheld ({SUPPRESSED_SYMBOL}): too few records to publish a model."
    if _missing(row["value"]):
        return f"{subject}: not estimated ({row['note'] or 'insufficient data'})."
    return f"{subject}: {number(row['value'], 2)} (95% CI {number(row['lower'], 2)} to {number(row['upper'], 2)})."


def trend_sentence(row: pd.Series, subject: str) -> str:
    """A yearly rate ratio in words: 'rose by about 10% a year (rate ratio 1.10 per year, 95% CI 1.08 to
    1.12)'; when the interval includes 1 the sentence says the change is not clear."""
    if bool(row["suppressed"]) or _missing(row["value"]):
        return ratio_sentence(row, f"{subject}: yearly rate ratio")
    value, lower, upper = (float(row[c]) for c in ("value", "lower", "upper"))
    ratio = f"rate ratio {number(value, 2)} per year, 95% CI {number(lower, 2)} to {number(upper, 2)}"
    if lower <= 1 <= upper:
        return f"{subject} showed no clear change from year to year ({ratio})."
    direction = "rose" if value > 1 else "fell"
    return f"{subject} {direction} by about {abs(value - 1) * 100:.0f}% a year ({ratio})."


def outliers_sentence(high: list[str], low: list[str], limits: str = "the 99.8% limits adjusted for overdispersion") -> str:
    """Which units lie above or below the limits, or that none does."""
    if not high and not low:
        return f"No force lies outside {limits}."
    parts = []
    if high:
        parts.append(f"above {limits}: {', '.join(high)}")
    if low:
        parts.append(f"below them: {', '.join(low)}" if high else f"below {limits}: {', '.join(low)}")
    return "Forces " + "; ".join(parts) + "."


def pick(results: pd.DataFrame, indicator_id: str, breakdown: str | None = None, category: str | None = None,
         basis: str | None = None) -> pd.DataFrame:
    """Rows of one indicator, optionally narrowed by breakdown, category and basis."""
    hit = results[results["indicator_id"] == indicator_id]
    if breakdown is not None:
        hit = hit[hit["breakdown"] == breakdown]
    if category is not None:
        hit = hit[hit["category"] == category]
    if basis is not None:
        hit = hit[hit["basis"] == basis]
    return hit


def one(results: pd.DataFrame, indicator_id: str, breakdown: str, category: str, basis: str | None = None) -> pd.Series:
    """Exactly one row (raises KeyError naming what was looked for)."""
    hit = pick(results, indicator_id, breakdown, category, basis)
    if len(hit) != 1:
        raise KeyError(f"expected one results row for {indicator_id}/{breakdown}/{category}/{basis}, found {len(hit)}")
    return hit.iloc[0]
