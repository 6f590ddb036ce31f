"""Cumulative incidence with competing outcomes: the Aalen-Johansen estimator with a delta-method interval.

Aalen and Johansen (1978). With all-cause Kaplan-Meier S and, at each distinct event time t_j, n_j at risk,
d_j events of any cause and d_kj of cause k: CIF_k(t) = sum over t_j <= t of S(t_{j-1}) d_kj / n_j.
Variance by the delta method (Marubini and Valsecchi 1995; Collett, Modelling Survival Data in Medical
Research, 3rd ed., section 12.2; SAS PROC LIFETEST):
  Var F_k(t) = sum [F_k(t) - F_k(t_j)]^2 d_j / (n_j (n_j - d_j))
             + sum S(t_{j-1})^2 d_kj (n_j - d_kj) / n_j^3
             - 2 sum [F_k(t) - F_k(t_j)] S(t_{j-1}) d_kj / n_j^2,
which reduces to Greenwood's variance when there is one cause. The pointwise interval is on the log-log scale
of F (F^exp(+/- z se / (F log F))), which keeps it inside (0, 1) (Choudhury 2002).
Treating competing outcomes as censoring would overstate each cumulative incidence; this estimator does not.
Where no event of a cause has happened by t, F(t) = 0 is a sound estimate but its variance is 0 and no interval
can be estimated: cumulative_incidence_at gives the value 0 with missing limits and status "no_events" (never the
empty interval "0 to 0"); likewise any other time whose variance is 0 (e.g. F = 1) has status "not_estimable".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.stats._arrays import check_level, z_value
from analysis.stats._survival_data import clean_durations


@dataclass(frozen=True)
class CumulativeIncidence:
    """Aalen-Johansen cumulative incidence per cause.

    table (long, one row per cause and distinct event time of any cause): cause, time, n_at_risk, n_events
    (this cause), n_events_all, cif, se, lower, upper. causes: the cause codes in order. status "ok" or
    "insufficient_data" (no usable rows); n, n_dropped; max_time (longest observed duration, the end of
    follow-up); level; method.
    """

    table: pd.DataFrame
    causes: tuple
    n: int
    n_dropped: int
    max_time: float
    level: float
    status: str
    method: str

    def cumulative_incidence_at(self, cause, times) -> pd.DataFrame:
        """CIF of one cause at the given times; columns time, value, lower, upper, status, note (see
        cumulative_incidence_at)."""
        if cause not in self.causes:
            raise ValueError(f"cause {cause!r} is not among the observed causes {list(self.causes)}")
        out = cumulative_incidence_at(self, times)
        out = out[out["cause"] == cause].drop(columns="cause").rename(columns={"cif": "value"})
        return out.reset_index(drop=True)


def _loglog_band(f: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        se_theta = se / (f * np.abs(np.log(f)))
        lower = f ** np.exp(z * se_theta)
        upper = f ** np.exp(-z * se_theta)
    lower = np.where(f <= 0, 0.0, np.where(f >= 1, 1.0, lower))
    upper = np.where(f <= 0, 0.0, np.where(f >= 1, 1.0, upper))
    return lower, upper


def aalen_johansen(durations, events, censor_code=0, level: float = 0.95) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence for every cause in `events` (any codes; `censor_code` marks censored).

    Rows with a missing duration or event are dropped (n_dropped).
    """
    check_level(level)
    t, e, _, dropped = clean_durations(durations, events)
    method = "Aalen-Johansen cumulative incidence, delta-method variance, log-log interval"
    causes = tuple(sorted((c for c in pd.unique(pd.Series(e)) if c != censor_code), key=str))
    columns = ["cause", "time", "n_at_risk", "n_events", "n_events_all", "cif", "se", "lower", "upper"]
    if t.size == 0 or not causes:
        return CumulativeIncidence(pd.DataFrame(columns=columns), causes, int(t.size), dropped,
                                   float(t.max()) if t.size else float("nan"), level,
                                   "insufficient_data" if t.size == 0 else "ok", method)
    is_event = e != censor_code
    times = np.unique(t[is_event])
    sorted_t = np.sort(t)
    n = (t.size - np.searchsorted(sorted_t, times, side="left")).astype(float)  # at risk: duration >= time
    position = np.searchsorted(times, t)  # index of each row's time among the event times (if it is one)
    d = np.bincount(position[is_event], minlength=times.size).astype(float)
    surv = np.cumprod(1.0 - d / n)
    surv_before = np.r_[1.0, surv[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        green = np.where(n > d, d / (n * (n - d)), 0.0)  # n == d ends follow-up: no later time uses this term
    z = z_value(level)
    frames = []
    for cause in causes:
        dk = np.bincount(position[e == cause], minlength=times.size).astype(float)
        inc = surv_before * dk / n
        f = np.cumsum(inc)
        # Expand the squares so that every time's variance is a few cumulative sums (O(T), not O(T^2)).
        a1, a2, a3 = np.cumsum(green), np.cumsum(f * green), np.cumsum(f**2 * green)
        second = np.cumsum(surv_before**2 * dk * (n - dk) / n**3)
        b1, b2 = np.cumsum(surv_before * dk / n**2), np.cumsum(f * surv_before * dk / n**2)
        var = (f**2 * a1 - 2 * f * a2 + a3) + second - 2 * (f * b1 - b2)
        se = np.sqrt(np.maximum(var, 0.0))
        lower, upper = _loglog_band(f, se, z)
        frames.append(pd.DataFrame({"cause": [cause] * len(times), "time": times, "n_at_risk": n.astype(int),
                                    "n_events": dk.astype(int), "n_events_all": d.astype(int), "cif": f,
                                    "se": se, "lower": lower, "upper": upper}))
    table = pd.concat(frames, ignore_index=True)
    return CumulativeIncidence(table, causes, int(t.size), dropped, float(t.max()), level, "ok", method)


AT_COLUMNS = ["cause", "time", "cif", "lower", "upper", "status", "note"]
NO_EVENTS_NOTE = "no event by this time: the cumulative incidence is 0 and no interval can be estimated"


def cumulative_incidence_at(result: CumulativeIncidence, times) -> pd.DataFrame:
    """CIF of each cause at the given times (step function, 0 before the first event).

    Columns: cause, time, cif, lower, upper, status, note. status: "ok"; "no_events" (no event of the cause by t:
    cif 0, limits missing because the variance is 0); "not_estimable" (any other time whose variance is 0, e.g.
    cif 1: limits missing); "beyond_follow_up" (after max_time: all missing, no extrapolation). note says the
    same in words.
    """
    at = np.atleast_1d(np.asarray(times, dtype=float))
    rows = []
    for cause in result.causes:
        tab = result.table[result.table["cause"] == cause]
        obs = tab["time"].to_numpy(float)
        idx = np.searchsorted(obs, at, side="right") - 1
        pick = np.maximum(idx, 0)
        beyond = at > result.max_time
        out = {"cause": [cause] * len(at), "time": at}
        for col in ("cif", "lower", "upper"):
            vals = tab[col].to_numpy(float)
            out[col] = np.where(beyond, np.nan, np.where(idx >= 0, vals[pick], 0.0))
        events = np.where(idx >= 0, tab["n_events"].to_numpy(float).cumsum()[pick], 0.0)
        se = np.where(idx >= 0, tab["se"].to_numpy(float)[pick], 0.0)
        none = ~beyond & (events == 0)
        flat = ~beyond & ~none & ~(se > 0)
        status = np.select([beyond, none, flat], ["beyond_follow_up", "no_events", "not_estimable"], "ok")
        note = np.select([beyond, none, flat], ["beyond follow-up", NO_EVENTS_NOTE,
                                                "the variance is 0 here: no interval can be estimated"], "")
        out["lower"] = np.where(none | flat, np.nan, out["lower"])
        out["upper"] = np.where(none | flat, np.nan, out["upper"])
        out["status"] = pd.array(status, dtype="str")
        out["note"] = pd.array(note, dtype="str")
        rows.append(pd.DataFrame(out))
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("status", "note") else float) for c in AT_COLUMNS})
    return pd.concat(rows, ignore_index=True)
