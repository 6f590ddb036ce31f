"""The indicator catalogue: one entry per indicator, with what it counts and how.

Each indicator function is registered with the `indicator` decorator, which records its catalogue entry
(id, strand, title, numerator, denominator, basis, method, caveat). The entries feed the results table
(`method` and `basis` columns), the reports' explanations and the generated docs/indicators.md, so the
words that describe a figure are written once, next to the code that computes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Strand = Literal["nature_scale", "offenders", "victims", "response", "partnership", "national"]

STRAND_TITLES: dict[str, str] = {
    "nature_scale": "Nature and scale",
    "offenders": "Offender characteristics",
    "victims": "Victim engagement and attitudes towards victims",
    "response": "Response and investigation",
    "partnership": "Partnership and information sharing",
    "national": "National comparisons",
}


@dataclass(frozen=True)
class Indicator:
    """A catalogue entry. Text fields are written for a reviewer, not a programmer."""

    id: str
    strand: Strand
    title: str
    numerator: str
    denominator: str
    basis: str
    method: str
    caveat: str
    scope: Literal["force", "national"] = "force"


CATALOGUE: dict[str, Indicator] = {}
FUNCTIONS: dict[str, Callable[..., pd.DataFrame]] = {}


def indicator(**fields) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Register the decorated function as the computation of the catalogue entry given by `fields`."""
    entry = Indicator(**fields)

    def register(function: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if entry.id in CATALOGUE:
            raise ValueError(f"indicator id {entry.id} is registered twice")
        CATALOGUE[entry.id] = entry
        FUNCTIONS[entry.id] = function
        function.indicator = entry  # type: ignore[attr-defined]
        return function

    return register


def entries(scope: str | None = None) -> list[Indicator]:
    """Catalogue entries in id order, optionally only those of one scope."""
    _load_all()
    return [CATALOGUE[k] for k in sorted(CATALOGUE) if scope is None or CATALOGUE[k].scope == scope]


def as_frame() -> pd.DataFrame:
    """The catalogue as a table (one row per indicator)."""
    return pd.DataFrame([e.__dict__ for e in entries()])


def _load_all() -> None:
    """Import every strand module so their indicators are registered."""
    from analysis.indicators import (  # noqa: F401
        nature_scale,
        national,
        offenders,
        partnership,
        response,
        victims,
    )


def render_markdown() -> str:
    """docs/indicators.md: the catalogue for reviewers, grouped by strand."""
    lines = [
        "# Indicator catalogue",
        "",
        "Generated from `src/analysis/indicators/` by `python -m analysis indicators --docs`: do not edit by hand.",
        "Every figure in the reports is one of these indicators; each row of a results table names its",
        "indicator id, numerator, denominator, basis and method.",
        "",
    ]
    for strand, title in STRAND_TITLES.items():
        group = [e for e in entries() if e.strand == strand]
        if not group:
            continue
        lines += [f"## {title}", ""]
        for e in group:
            lines += [
                f"### {e.id}: {e.title}",
                "",
                f"- **Scope:** {'each force' if e.scope == 'force' else 'national (all forces)'}",
                f"- **Numerator:** {e.numerator}",
                f"- **Denominator:** {e.denominator}",
                f"- **Basis:** {e.basis}",
                f"- **Method:** {e.method}",
                f"- **Caveat:** {e.caveat}",
                "",
            ]
    return "\n".join(lines)
