"""Shared helpers for the vectorised interval functions: broadcast scalar/array/Series inputs, pick the
result type (a frozen dataclass for scalars, a DataFrame otherwise) and check value ranges with one clear
message instead of letting nan or a numpy warning slip through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Broadcast:
    """Inputs broadcast to float arrays, whether every input was a scalar, and the index to reuse."""

    arrays: tuple[np.ndarray, ...]
    scalar: bool
    index: pd.Index | None


def broadcast(*values: object) -> Broadcast:
    """Broadcast scalars, lists, arrays and Series to a common 1-d float shape.

    The index of the first Series among the inputs is kept so that a result lines up with the caller's rows.
    """
    index = next((v.index for v in values if isinstance(v, pd.Series)), None)
    scalar = all(np.ndim(v) == 0 for v in values)
    arrays = []
    for v in values:
        arr = v.to_numpy(dtype=float, na_value=np.nan) if isinstance(v, pd.Series) else np.asarray(v, dtype=float)
        arrays.append(np.atleast_1d(arr))
    try:
        out = np.broadcast_arrays(*arrays)
    except ValueError as err:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(f"inputs cannot be broadcast together: shapes {shapes}") from err
    if any(a.ndim != 1 for a in out):
        raise ValueError("inputs must be scalars or one-dimensional")
    if index is not None and len(index) != out[0].shape[0]:
        index = None
    return Broadcast(tuple(np.array(a, dtype=float) for a in out), scalar, index)


def z_value(level: float) -> float:
    """Two-sided standard normal quantile for a confidence level such as 0.95 or 0.998."""
    check_level(level)
    return float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))


def t_value(level: float, df: float) -> float:
    """Two-sided Student t quantile on `df` degrees of freedom, for intervals whose standard error uses an
    estimated scale (e.g. t_value(0.95, 4) = 2.7764451)."""
    check_level(level)
    if not df > 0:
        raise ValueError(f"t quantiles need positive degrees of freedom, got {df!r}")
    return float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, df))


def check_level(level: float) -> None:
    """Reject confidence levels outside (0, 1), e.g. 95 given for 0.95."""
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")


def require(condition: np.ndarray, message: str) -> None:
    """Raise ValueError naming how many rows break a rule (missing values never count as breaking it)."""
    bad = ~np.asarray(condition, dtype=bool)
    if bad.any():
        raise ValueError(f"{message} ({int(bad.sum())} value(s) do not)")


def valid(*arrays: np.ndarray) -> np.ndarray:
    """Rows where no input is missing."""
    mask = np.ones(arrays[0].shape, dtype=bool)
    for a in arrays:
        mask &= ~np.isnan(a)
    return mask


def as_frame(columns: dict[str, np.ndarray | Sequence[object]], index: pd.Index | None) -> pd.DataFrame:
    """A result DataFrame on the caller's index when there is one."""
    frame = pd.DataFrame(columns)
    if index is not None:
        frame.index = index
    return frame
