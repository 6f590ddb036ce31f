"""Exploring the returns in JupyterLab: a small API for researchers (docs/exploring.md has worked examples).

- `forces()`, `load(...)`: validated tables of one force, several or all, one DataFrame per table, each with
  its force_code column; `describe_tables()`, `describe_columns(table)`: what the tables and columns hold.
- `catalogue()`, `indicator(id, forces)`: one indicator's results rows for one or many forces, computed as
  the reports compute them (numbers kept, disclosure flags set: working figures, not publishable).
- `show(rows)`, `plot(rows)`: a table and a figure under disclosure control, as the reports show them.
- `compare(force)`, `funnel_figure(key, highlight=force)`: a force against the national value on the key
  indicators (funnel method adjusted for overdispersion, as the national report).
- `sql(query)`: SQL (DuckDB) across every force's Parquet tables.
- `pick(...)`: a force and indicator picker (ipywidgets) drawing the chosen table and figure.

Nothing here writes to outputs/ (the published tree, written only by `analysis run`); figures you save go
where you say (`scratch_dir()` is the git-ignored default for ad hoc files).
"""

from __future__ import annotations

from pathlib import Path

from analysis import paths
from analysis.explore.data import data_path, describe_columns, describe_tables, forces, load
from analysis.explore.indicators import compare, force_indicator_ids, funnel_figure, indicator, key_indicator, key_results
from analysis.explore.picker import Picker, pick
from analysis.explore.show import catalogue, disclosure, plot, publishable, readable, show
from analysis.explore.sql import connect, sql

__all__ = ["Picker", "catalogue", "compare", "connect", "data_path", "describe_columns", "describe_tables",
           "disclosure", "force_indicator_ids", "forces", "funnel_figure", "indicator", "key_indicator", "key_results",
           "load", "pick", "plot", "publishable", "readable", "scratch_dir", "show", "sql"]


def scratch_dir(*parts: str) -> Path:
    """A folder under the git-ignored scratch area (scratch/ at the project root, or $ANALYSIS_SCRATCH),
    created if needed: the place for a researcher's ad hoc files, never the published outputs/."""
    folder = paths.SCRATCH_DIR.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
