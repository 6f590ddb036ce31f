"""One indicator for one or many forces, and a force compared with the national value.

Rows come from the same functions as the force reports (analysis.indicators, catalogue in
docs/indicators.md), in the results-table schema (analysis.results), with disclosure flags set
(`suppressed`) but the numbers kept: they are a researcher's working figures, NOT publishable as they
are. Show them with `analysis.explore.show`, which applies disclosure control.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import results
from analysis.indicators import flag_linked, force_data
from analysis.indicators.catalogue import CATALOGUE, FUNCTIONS, entries
from analysis.indicators.data import ForceData
from analysis.indicators.national import KEY_INDICATORS, OUTER, KeyIndicator, funnel, funnel_limits
from analysis.explore.data import load
from analysis.report.context import ParameterError

Data = ForceData | dict[str, pd.DataFrame]


def force_indicator_ids() -> list[str]:
    """Ids of the indicators computed for each force (the ones `indicator` accepts), in catalogue order."""
    return [e.id for e in entries("force")]


def _check_id(indicator_id: str) -> None:
    entries()  # registers every indicator
    if indicator_id not in CATALOGUE:
        raise ParameterError(f"unknown indicator '{indicator_id}': see explore.catalogue() (e.g. "
                             f"{', '.join(force_indicator_ids()[:4])} ...)")
    if CATALOGUE[indicator_id].scope != "force":
        raise ParameterError(f"{indicator_id} is a national indicator (computed from every force's results): use "
                             "explore.compare(force_code) for a force against the national value, or run the national "
                             "notebook; explore.indicator takes force indicators only")


def _data(data: Data | None, force_codes, data_dir) -> ForceData:
    if data is None:
        return ForceData(load(force_codes, data_dir=data_dir))
    return data if isinstance(data, ForceData) else ForceData(data)


def indicator(indicator_id: str, force_codes: str | Sequence[str] | None = None, *, data: Data | None = None,
              data_dir: str | Path | None = None, threshold: int | None = None) -> pd.DataFrame:
    """Compute one force indicator for one force, several, or all (None: every force in `data` or `data_dir`).

    `data`: tables from `load()` (or a ForceData); without it the forces are read from `data_dir` (default
    data/synthetic). `threshold`: disclosure threshold for the flags (default params/pipeline.yaml).
    Returns results-schema rows (force_code, indicator_id, breakdown, category, numerator, denominator,
    value, lower, upper, method, basis, suppressed, note), one block per force, exactly the rows that force's
    report computes for this indicator. Raises ParameterError for an unknown or national indicator id or an
    unknown force.
    """
    _check_id(indicator_id)
    fd = _data(data, force_codes, data_dir)
    codes = fd.force_codes if force_codes is None else [force_codes] if isinstance(force_codes, str) else list(force_codes)
    missing = [c for c in codes if c not in fd.force_codes]
    if missing:
        raise ParameterError(f"force(s) {missing} are not in the data given (it holds {fd.force_codes})")
    function = FUNCTIONS[indicator_id]
    parts = [function(force_data(fd, code), code) for code in codes]
    table = results.coerce(pd.concat(parts, ignore_index=True)) if parts else results.empty_results()
    return results.validate(flag_linked(table, threshold))


def key_indicator(name_or_id: str) -> KeyIndicator:
    """One of the national report's key indicators, by its name ('charge rate') or indicator id ('RI02')."""
    for key in KEY_INDICATORS:
        if name_or_id in (key.name, key.indicator_id):
            return key
    raise ParameterError(f"'{name_or_id}' is not a key indicator; they are "
                         + ", ".join(f"{k.name} ({k.indicator_id})" for k in KEY_INDICATORS))


def key_results(*, data: Data | None = None, data_dir: str | Path | None = None,
                threshold: int | None = None) -> pd.DataFrame:
    """The key indicators' rows for every force (what the national comparison reads), results schema."""
    fd = _data(data, None, data_dir)
    ids = list(dict.fromkeys(k.indicator_id for k in KEY_INDICATORS))
    return pd.concat([indicator(i, data=fd, threshold=threshold) for i in ids], ignore_index=True)


def _key_row(force_results: pd.DataFrame, key: KeyIndicator, force_code: str) -> pd.Series:
    r = force_results
    hit = r[(r["force_code"] == force_code) & (r["indicator_id"] == key.indicator_id) & (r["breakdown"] == key.breakdown)
            & (r["category"] == key.category) & (r["basis"] == key.basis)]
    return hit.iloc[0]


def compare(force_code: str, *, data: Data | None = None, data_dir: str | Path | None = None,
            threshold: int | None = None, force_results: pd.DataFrame | None = None) -> pd.DataFrame:
    """A force against the national value on each key indicator, as the national report compares forces.

    Every force in `data` (default: all forces in `data_dir`) is compared with the pooled national value
    (funnel method: 95% and 99.8% limits adjusted for overdispersion, Spiegelhalter 2005; Benjamini-Hochberg
    q-values across forces; analysis.indicators.national.funnel). `force_results`: the key rows already
    computed (`key_results()`), to save recomputing them.

    Returns one row per key indicator: indicator, indicator_id, basis, force_code, numerator, denominator,
    value and its 95% interval (lower, upper) from the force's own results row; national_value (pooled over
    forces); limit_lower/limit_upper (the 99.8% limits at the force's denominator, adjusted when the
    overdispersion could be estimated); position ('within 95%', 'above 99.8%', ...), q_value, adjusted
    (bool), forces (how many were compared) and suppressed (the force's own figure is withheld under
    disclosure control: `show` prints it as [c]). Rates are per `per` of the key indicator (10,000 children).
    """
    fd = _data(data, None, data_dir)
    if force_code not in fd.force_codes:
        raise ParameterError(f"force '{force_code}' is not in the data (it holds {fd.force_codes})")
    r = key_results(data=fd, threshold=threshold) if force_results is None else force_results
    rows = []
    for key in KEY_INDICATORS:
        comparison = funnel(r, key)
        t = comparison.table.set_index("unit")
        unit = t.loc[force_code]
        adjusted = comparison.overdispersion.status == "ok"
        limits = funnel_limits(comparison, [max(float(unit["denominator"]), 1.0)], key.per, adjusted=adjusted)
        outer = limits[np.isclose(limits["level"], OUTER)].iloc[0]
        own = _key_row(r, key, force_code)
        rows.append({
            "indicator": key.name, "indicator_id": key.indicator_id, "basis": key.basis, "force_code": force_code,
            "numerator": float(unit["numerator"]), "denominator": float(unit["denominator"]),
            "value": float(unit["value"]), "lower": float(own["lower"]), "upper": float(own["upper"]),
            "national_value": float(comparison.target),
            "limit_lower": float(outer["lower"]), "limit_upper": float(outer["upper"]),
            "position": str(unit["band_od"] if adjusted else unit["band"]),
            "q_value": float(unit["q_value_od"] if adjusted else unit["q_value"]),
            "adjusted": adjusted, "forces": int(len(t)), "suppressed": bool(own["suppressed"]),
        })
    return pd.DataFrame(rows)


def funnel_figure(key: str, highlight: str | None = None, *, data: Data | None = None,
                  data_dir: str | Path | None = None, threshold: int | None = None,
                  force_results: pd.DataFrame | None = None):
    """The national report's funnel plot for one key indicator (name or id), with `highlight`'s point marked.

    A force whose own figure is withheld under disclosure control is not drawn (as in the national report),
    nor marked. Returns a matplotlib Figure (shown inline when it is a cell's last value).
    """
    from analysis.report import figures

    k = key_indicator(key)
    fd = _data(data, None, data_dir)
    r = key_results(data=fd, threshold=threshold) if force_results is None else force_results
    comparison = funnel(r, k)
    units = comparison.table
    withheld = {code for code in units["unit"] if bool(_key_row(r, k, code)["suppressed"])}
    units = units.assign(suppressed=units["unit"].isin(withheld))
    grid = np.unique(np.geomspace(max(units["denominator"].min() * 0.8, 1), units["denominator"].max() * 1.2, 80))
    limits = funnel_limits(comparison, grid, k.per, adjusted=comparison.overdispersion.status == "ok")
    fig = figures.funnel_plot(units, limits, target=comparison.target, title=f"Funnel plot: {k.name}",
                              ylabel=k.name.capitalize(), synthetic=fd.is_synthetic, percent=k.kind == "proportion")
    if highlight is not None and highlight in set(units["unit"]) - withheld:
        ax = fig.axes[0]
        point = units.set_index("unit").loc[highlight]
        scale = 100.0 if k.kind == "proportion" else 1.0
        ax.scatter([point["denominator"]], [point["value"] * scale], s=120, facecolors="none", edgecolors="black",
                   linewidths=2, zorder=5)
        ax.annotate(highlight, (point["denominator"], point["value"] * scale), xytext=(6, -12),
                    textcoords="offset points", fontsize=9, fontweight="bold")
    return fig
