"""Build results-table rows from counts, so every indicator states its figures the same way.

Each builder takes the catalogue entry (for the default basis and method), the force code, a breakdown
name and arrays of categories and counts, computes the estimate and interval with `analysis.stats`, and
returns rows in the results-table schema (analysis.results). Intervals are 95% unless said otherwise, and
every builder sets the row's `interval_type` (analysis.results.INTERVAL_TYPES), so what lower and upper
mean is part of the data: 95% confidence intervals for shares, counts and rates; the interquartile range for
`quartiles`; the caller's statement for `estimates` (which refuses an interval without one).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import results
from analysis.indicators.catalogue import Indicator
from analysis.stats.intervals import count_ci, proportion_ci, rate_ci

LEVEL = 0.95


def _frame(entry: Indicator, force_code: str | Sequence[str], breakdown: str, categories: Sequence[str], *, numerator,
           denominator, value, lower, upper, method, basis: str | None, note,
           interval_type: str, comparison: dict | None = None) -> pd.DataFrame:
    if isinstance(categories, str):
        raise TypeError(f"{entry.id}: categories must be a sequence of labels, got the string {categories!r}")
    n = len(categories)

    def arr(x, dtype=float):
        return np.broadcast_to(np.asarray(x, dtype=dtype), (n,))

    def text(x):
        return pd.array([str(v) for v in np.broadcast_to(np.asarray(x, dtype=object), (n,))], dtype="str")

    def number(x):
        return pd.array(arr(x), dtype="Float64")

    # Built directly in the results dtypes: this runs for every block of every indicator, so it avoids
    # a second pass of casting (results.coerce) per block.
    return pd.DataFrame(
        {
            "force_code": text(force_code),
            "indicator_id": text(entry.id),
            "domain": text(entry.strand),
            "breakdown": text(breakdown),
            "category": text(list(categories)),
            "numerator": number(numerator),
            "denominator": number(denominator),
            "value": number(value),
            "lower": number(lower),
            "upper": number(upper),
            "method": text(method),
            "interval_type": text(interval_type),
            "basis": text(basis if basis is not None else entry.basis),
            "suppressed": np.zeros(n, dtype=bool),
            "note": text(note),
            **{name: number((comparison or {}).get(name, np.nan)) for name in results.COMPARISON_COLUMNS},
        }
    )


def proportions(entry: Indicator, force_code: str | Sequence[str], breakdown: str, categories: Sequence[str],
                numerators, denominators, *, basis: str | None = None, note="") -> pd.DataFrame:
    """Shares numerator/denominator with Wilson score 95% intervals."""
    x = np.asarray(numerators, dtype=float)
    n = np.broadcast_to(np.asarray(denominators, dtype=float), x.shape)
    ci = proportion_ci(x, n, level=LEVEL)
    return _frame(entry, force_code, breakdown, categories, numerator=x, denominator=n, value=ci["value"],
                  lower=ci["lower"], upper=ci["upper"], method="Wilson score 95%", basis=basis, note=note,
                  interval_type="ci95")


def counts(entry: Indicator, force_code: str, breakdown: str, categories: Sequence[str], values, *,
           basis: str | None = None, note="") -> pd.DataFrame:
    """Counts with Poisson 95% intervals (exact below 10, Byars from 10)."""
    x = np.asarray(values, dtype=float)
    ci = count_ci(x, level=LEVEL)
    method = [f"{m} 95% (Poisson count)" for m in ci["method"]]
    return _frame(entry, force_code, breakdown, categories, numerator=x, denominator=np.nan, value=x,
                  lower=ci["lower"], upper=ci["upper"], method=method, basis=basis, note=note, interval_type="ci95")


def shares_of_census(entry: Indicator, force_code: str | Sequence[str], breakdown: str, categories: Sequence[str],
                     numerators, denominators, *, basis: str | None = None, note="") -> pd.DataFrame:
    """Shares numerator/denominator of a census (every unit counted, e.g. all forces): no interval, since no
    sampling or process-variation model applies to a complete count of fixed units."""
    x = np.asarray(numerators, dtype=float)
    n = np.broadcast_to(np.asarray(denominators, dtype=float), x.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)
    return _frame(entry, force_code, breakdown, categories, numerator=x, denominator=n, value=value, lower=np.nan,
                  upper=np.nan, method="share of a census (all units counted): no interval", basis=basis, note=note,
                  interval_type="none")


def rates(entry: Indicator, force_code: str | Sequence[str], breakdown: str, categories: Sequence[str], values,
          denominators, per: float, *, basis: str | None = None, note="") -> pd.DataFrame:
    """Rates per `per` with Poisson 95% intervals (exact below 10, Byars from 10)."""
    x = np.asarray(values, dtype=float)
    d = np.broadcast_to(np.asarray(denominators, dtype=float), x.shape)
    ci = rate_ci(x, d, per=per, level=LEVEL)
    method = [f"{m} 95%, rate per {per:,.0f}" for m in ci["method"]]
    return _frame(entry, force_code, breakdown, categories, numerator=x, denominator=d, value=ci["value"],
                  lower=ci["lower"], upper=ci["upper"], method=method, basis=basis, note=note, interval_type="ci95")


def _blank(x) -> bool:
    return bool(pd.isna(pd.Series(np.ravel(np.asarray(x, dtype=object)), dtype=object)).all())


def estimates(entry: Indicator, force_code: str | Sequence[str], breakdown: str, categories: Sequence[str], values, lower,
              upper, method, *, numerator=np.nan, denominator=np.nan, basis: str | None = None,
              note="", interval_type: str | None = None, comparison: dict | None = None) -> pd.DataFrame:
    """Rows for estimates computed elsewhere (model coefficients, survival, medians, facts).

    `force_code` may be one code or one per category (national rows that list forces). `interval_type`
    (analysis.results.INTERVAL_TYPES) says what lower and upper are; it may be left out only when there is
    no interval (then "none"). Raises ValueError for an interval without a type or an unknown type.
    `comparison`: values for the unit comparison columns (analysis.results.COMPARISON_COLUMNS), by name; the
    others are blank.
    """
    if interval_type is None:
        if not (_blank(lower) and _blank(upper)):
            raise ValueError(f"{entry.id} {breakdown}: rows with lower/upper need an interval_type "
                             f"({', '.join(results.INTERVAL_TYPES)})")
        interval_type = "none"
    if interval_type not in results.INTERVAL_TYPES:
        raise ValueError(f"{entry.id} {breakdown}: unknown interval_type {interval_type!r}")
    unknown = sorted(set(comparison or {}) - set(results.COMPARISON_COLUMNS))
    if unknown:
        raise ValueError(f"{entry.id}: unknown comparison columns {unknown}")
    return _frame(entry, force_code, breakdown, categories, numerator=numerator, denominator=denominator,
                  value=values, lower=lower, upper=upper, method=method, basis=basis, note=note,
                  interval_type=interval_type, comparison=comparison)


def quartiles(entry: Indicator, force_code: str, breakdown: str, category: str, days: pd.Series, *,
              basis: str | None = None) -> pd.DataFrame:
    """Median with lower and upper quartiles (in the lower and upper columns) of observed durations."""
    observed = days.dropna().astype(float).to_numpy()
    if observed.size == 0:
        return estimates(entry, force_code, breakdown, [category], np.nan, np.nan, np.nan,
                         "median (lower and upper quartile)", numerator=0, basis=basis, note="no observations")
    q1, median, q3 = np.quantile(observed, [0.25, 0.5, 0.75])
    return estimates(entry, force_code, breakdown, [category], median, q1, q3,
                     "median (lower and upper quartile)", numerator=observed.size, basis=basis, interval_type="iqr")


def stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate row blocks into one results table."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return results.empty_results()
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


RECORDED_BASIS = "share of records with a recorded value"
ALL_BASIS = "share of all records ('not recorded' as its own row)"


def shares_both_bases(entry: Indicator, force_code: str, breakdown: str, labels: pd.Series,
                      categories: Sequence[str], not_recorded: str, *, note_recorded="") -> pd.DataFrame:
    """Shares of each category on two bases: among recorded values, and among all records.

    `labels` holds one label per record; records labelled `not_recorded` are excluded from the first
    basis and shown as their own row on the second, so the reader always sees how much is unrecorded.
    """
    tally = labels.value_counts()
    known = [c for c in categories if c != not_recorded]
    unexpected = sorted(set(tally.index) - set(known) - {not_recorded})
    if unexpected:
        raise ValueError(f"{entry.id} {breakdown}: categories {unexpected} are not in the breakdown's list")
    k = tally.reindex(known, fill_value=0).to_numpy()
    missing = int(tally.get(not_recorded, 0))
    recorded = int(k.sum())
    on_recorded = proportions(entry, force_code, breakdown, known, k, recorded, basis=RECORDED_BASIS,
                              note=note_recorded)
    on_all = proportions(entry, force_code, breakdown, [*known, not_recorded], [*k, missing],
                         recorded + missing, basis=ALL_BASIS)
    return stack([on_recorded, on_all])


# ---------------------------------------------------------------------------------------------- model glue
def varying_terms(design: pd.DataFrame, labels: dict[str, str]) -> tuple[list[str], list[str]]:
    """The design's terms that vary (only they can be estimated), and the note naming the others by their
    labels (an empty list when every term varies)."""
    varying = [c for c in design.columns if design[c].nunique() > 1]
    dropped = [c for c in design.columns if c not in varying]
    notes = [f"not estimable (no variation): {', '.join(labels[c] for c in dropped)}"] if dropped else []
    return varying, notes


def not_estimated(fit) -> str:
    """The status of a model fit that did not succeed: its status and the fit's own notes."""
    return f"not estimated: {fit.status.replace('_', ' ')} ({'; '.join(fit.notes)})"


def model_status(entry: Indicator, force_code: str, category: str, status: str, events: int, n: int,
                 notes: Sequence[str], method: str) -> pd.DataFrame:
    """The one "model" row of a model that was not fitted or not estimated: the share of events, and the
    status followed by the notes (blank notes left out)."""
    return estimates(entry, force_code, "model", [category], events / n if n else np.nan, np.nan, np.nan, method,
                     numerator=events, denominator=n, note="; ".join(x for x in [status, *notes] if x))
