"""Align an outcome, covariates and optional per-row extras by position and drop incomplete rows together, so
that cluster labels, exposures and strata can never misalign with the rows a model actually uses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.stats.model_result import design_matrix


@dataclass(frozen=True)
class Complete:
    """Complete rows: outcome columns, design matrix (named columns), extras by name, rows dropped."""

    outcomes: dict[str, np.ndarray]
    design: pd.DataFrame
    extras: dict[str, np.ndarray]
    n_dropped: int


def complete_rows(outcomes: dict[str, object], covariates: pd.DataFrame, extras: dict[str, object]) -> Complete:
    """Keep the rows where the outcomes, every covariate and every given extra are present (extras given as None
    are ignored); all inputs are matched by position and must have the same length."""
    design = design_matrix(covariates).reset_index(drop=True)
    n = len(design)
    columns = {}
    for name, values in {**outcomes, **{k: v for k, v in extras.items() if v is not None}}.items():
        series = pd.Series(values).reset_index(drop=True) if not isinstance(values, pd.Series) \
            else values.reset_index(drop=True)
        if len(series) != n:
            raise ValueError(f"{name} has {len(series)} rows but covariates have {n}")
        columns[name] = series
    missing = covariates.reset_index(drop=True).isna().any(axis=1) | design.isna().any(axis=1)
    for series in columns.values():
        missing |= series.isna()
    keep = ~missing.to_numpy()
    out_design = design[keep].reset_index(drop=True)
    outs = {k: columns[k][keep].to_numpy() for k in outcomes}
    extra = {k: (columns[k][keep].to_numpy() if k in columns else None) for k in extras}
    return Complete(outs, out_design, extra, int((~keep).sum()))
