"""Validation and event tables shared by the survival estimators (Kaplan-Meier, Aalen-Johansen, log-rank)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def clean_durations(durations, events, *others) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], int]:
    """Drop rows with a missing duration, event or other value; check durations are finite and >= 0.

    Returns durations, events (as given: numbers or labels), the other arrays and the number of rows dropped.
    """
    t = np.asarray(pd.Series(durations).to_numpy(dtype=float, na_value=np.nan), dtype=float)
    e = pd.Series(events).reset_index(drop=True)
    if len(e) != len(t):
        raise ValueError(f"durations ({len(t)}) and events ({len(e)}) differ in length")
    extra = [pd.Series(o).reset_index(drop=True) for o in others]
    for o in extra:
        if len(o) != len(t):
            raise ValueError(f"every input must have {len(t)} rows")
    keep = ~np.isnan(t) & e.notna().to_numpy()
    for o in extra:
        keep &= o.notna().to_numpy()
    t = t[keep]
    if (~np.isfinite(t)).any() or (t < 0).any():
        raise ValueError("durations must be finite and non-negative")
    return t, e[keep].to_numpy(), [o[keep].to_numpy() for o in extra], int((~keep).sum())


def event_indicator(events: np.ndarray) -> np.ndarray:
    """Events as 0/1 integers; accepts booleans or the numbers 0 and 1 only."""
    values = pd.unique(pd.Series(events))
    allowed = {0, 1, True, False}
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"events must be 0/1 or boolean (1 = event, 0 = censored); got {bad[:3]!r}")
    return np.asarray(events, dtype=float).astype(int)


def risk_table(t: np.ndarray, d: np.ndarray) -> pd.DataFrame:
    """One row per distinct time: n_at_risk (time >= t), n_events, n_censored."""
    frame = pd.DataFrame({"time": t, "event": d})
    grouped = frame.groupby("time", sort=True)["event"].agg(["sum", "count"])
    times = grouped.index.to_numpy(dtype=float)
    n_events = grouped["sum"].to_numpy(dtype=int)
    n_total = grouped["count"].to_numpy(dtype=int)
    at_risk = n_total[::-1].cumsum()[::-1]
    return pd.DataFrame({"time": times, "n_at_risk": at_risk, "n_events": n_events,
                         "n_censored": n_total - n_events})
