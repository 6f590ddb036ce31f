"""Kaplan-Meier survival with Greenwood errors, quantiles (median, quartiles) with intervals, and the log-rank test.

Methods and sources:
- Kaplan and Meier (1958) product-limit estimator with right censoring; Greenwood's variance of log S,
  sigma^2(t) = sum over event times <= t of d / (n (n - d)).
- Pointwise intervals on a named transform: "log" (default, as R's survfit: S exp(+/- z sigma), upper capped at
  1), "log-log" (as statsmodels' SurvfuncRight and Kalbfleisch-Prentice: S^exp(+/- z sigma / log S)) or
  "plain" (S +/- z S sigma, clipped to [0, 1]).
- Quantile q (0.5 = median): the first event time at which S <= 1 - q; when S equals 1 - q exactly over an
  interval the midpoint of that interval (as R's quantile.survfit). Its interval (Brookmeyer and Crowley 1982):
  the same first-crossing rule applied to the lower band (lower limit) and the upper band (upper limit). This
  departs from R's quantile.survfit where a band is not monotone: the log-transformed upper band can rise after
  an event (its variance grows faster than S falls), and R (which interpolates the band values after sorting
  them) then returns a later time. On the aml data R gives 18 to 48, this rule 18 to 45 (the upper band is
  0.4584 at 45 and 0.4623 at 48: it is first at or below 0.5 at 45). A quantile the curve never reaches has
  status "not_reached" and no value, but a limit that is reached is kept: when the lower band reaches 1 - q the
  lower limit is given ("at least L"), the upper limit missing. An upper limit never reached is missing with a
  note.
- Pointwise values (survival_at): where no event has happened by t (S = 1), or every case has had the event
  (S = 0), Greenwood's variance is 0 and no interval can be estimated: the value is given with missing limits and
  status "no_events" or "all_events" (never the empty interval "1 to 1" or "0 to 0").
- Log-rank test (Mantel 1966; Peto and Peto 1972): chi-square (O - E)' V^- (O - E) on k - 1 degrees of freedom
  with the hypergeometric variance, as R's survdiff with rho = 0.
The time-to-event toolkit also includes aalen_johansen (competing outcomes, analysis.stats.competing) and
cox_regression (analysis.stats.cox), re-exported here so that one import serves every survival analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.stats._arrays import check_level, z_value
from analysis.stats._survival_data import clean_durations, event_indicator, risk_table

TRANSFORMS = ("log", "log-log", "plain")
_TOL = np.sqrt(np.finfo(float).eps)


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan-Meier curve: table with time, n_at_risk, n_events, n_censored, survival, se (Greenwood SE of S),
    lower, upper; status "ok" or "insufficient_data" (no usable rows); n, n_events, n_dropped (rows with a
    missing value); level; transform of the pointwise interval; method."""

    table: pd.DataFrame
    n: int
    n_events: int
    n_dropped: int
    level: float
    transform: str
    status: str
    method: str

    def survival_at(self, times) -> pd.DataFrame:
        """S(t) with its interval at the given times; see survival_at()."""
        return survival_at(self, times)

    def quantiles(self, quantiles=(0.25, 0.5, 0.75)) -> pd.DataFrame:
        """Quantiles of the time to event with intervals; see survival_quantiles()."""
        return survival_quantiles(self, quantiles)

    def median(self) -> "QuantileEstimate":
        """The median time to event as a QuantileEstimate (status "not_reached" when S never falls to 0.5)."""
        row = survival_quantiles(self, (0.5,)).iloc[0]
        return QuantileEstimate(0.5, float(row["value"]), float(row["lower"]), float(row["upper"]),
                                str(row["status"]), str(row["note"]), self.transform, self.level,
                                f"{self.method}; Brookmeyer-Crowley interval for the median")


@dataclass(frozen=True)
class QuantileEstimate:
    """One quantile of the time to event: value (the time), lower, upper, status ("ok", "not_reached",
    "insufficient_data"), note, transform, level, method. value is missing unless status is "ok"."""

    quantile: float
    value: float
    lower: float
    upper: float
    status: str
    note: str
    transform: str
    level: float
    method: str


def _bands(surv: np.ndarray, var_log: np.ndarray, z: float, transform: str) -> tuple[np.ndarray, np.ndarray]:
    sigma = np.sqrt(var_log)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if transform == "log":
            lower, upper = surv * np.exp(-z * sigma), np.minimum(1.0, surv * np.exp(z * sigma))
        elif transform == "log-log":
            se_theta = sigma / np.abs(np.log(surv))
            lower, upper = surv ** np.exp(z * se_theta), surv ** np.exp(-z * se_theta)
        else:
            lower, upper = np.clip(surv - z * surv * sigma, 0, 1), np.clip(surv + z * surv * sigma, 0, 1)
    lower = np.where(surv >= 1.0, 1.0, lower)
    upper = np.where(surv >= 1.0, 1.0, upper)
    lower = np.where(surv <= 0.0, 0.0, lower)
    upper = np.where(surv <= 0.0, 0.0, upper)
    return lower, upper


def kaplan_meier(durations, events, level: float = 0.95, transform: str = "log") -> KaplanMeier:
    """Kaplan-Meier estimate for right-censored durations; events are 1/True for the event, 0/False censored.

    Rows with a missing duration or event are dropped and counted in n_dropped. The table has one row per
    distinct observed time (event or censoring).
    """
    check_level(level)
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {list(TRANSFORMS)}, got {transform!r}")
    t, e, _, dropped = clean_durations(durations, events)
    d = event_indicator(e)
    method = f"Kaplan-Meier, Greenwood variance, {transform}-transformed pointwise interval"
    if t.size == 0:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in
                              ("time", "n_at_risk", "n_events", "n_censored", "survival", "se", "lower", "upper")})
        return KaplanMeier(empty, 0, 0, dropped, level, transform, "insufficient_data", method)
    table = risk_table(t, d)
    n, dj = table["n_at_risk"].to_numpy(float), table["n_events"].to_numpy(float)
    surv = np.cumprod(1.0 - dj / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_log = np.cumsum(np.where(dj > 0, dj / (n * (n - dj)), 0.0))
    with np.errstate(invalid="ignore"):
        se = np.where(surv > 0, surv * np.sqrt(var_log), np.nan)  # S = 0 after everyone at risk had the event
    lower, upper = _bands(surv, var_log, z_value(level), transform)
    table = table.assign(survival=surv, se=se, lower=lower, upper=upper)
    return KaplanMeier(table, int(t.size), int(d.sum()), dropped, level, transform, "ok", method)


def _first_crossing(times: np.ndarray, curve: np.ndarray, target: float) -> float:
    """R's quantile.survfit rule on a step curve evaluated at event times: first time curve <= target; if equal
    (within tolerance) the midpoint with the next time it falls below; nan if never."""
    below = np.flatnonzero(curve <= target + _TOL)
    if below.size == 0:
        return float("nan")
    i = below[0]
    if abs(curve[i] - target) < _TOL:
        strictly = np.flatnonzero(curve < target - _TOL)
        if strictly.size:
            return float((times[i] + times[strictly[0]]) / 2.0)
    return float(times[i])


def survival_quantiles(km: KaplanMeier, quantiles=(0.25, 0.5, 0.75)) -> pd.DataFrame:
    """Time by which a fraction q of cases had the event (q = 0.5: median), with its Brookmeyer-Crowley interval.

    Columns: quantile, value (the time), lower, upper, status ("ok", "not_reached" or "insufficient_data"), note,
    transform, level. A quantile not reached has its value and upper limit missing, never a number read off the
    end of the curve; its lower limit is kept when the lower band reaches 1 - q (the quantile is then at least
    that time).
    """
    rows = []
    tab = km.table[km.table["n_events"] > 0] if km.status == "ok" else km.table
    times = tab["time"].to_numpy(float)
    for q in quantiles:
        if not 0 < q < 1:
            raise ValueError(f"quantiles must lie strictly between 0 and 1, got {q!r}")
        row = {"quantile": float(q), "value": np.nan, "lower": np.nan, "upper": np.nan, "note": ""}
        if km.status != "ok":
            row["status"] = "insufficient_data"
        else:
            target = 1.0 - q
            est = _first_crossing(times, tab["survival"].to_numpy(float), target)
            if np.isnan(est):
                row["status"] = "not_reached"
                row["lower"] = _first_crossing(times, tab["lower"].to_numpy(float), target)
                row["note"] = f"survival did not fall to {target:g} within follow-up" + (
                    "; the lower confidence limit was reached" if np.isfinite(row["lower"]) else "")
            else:
                row["status"] = "ok"
                row["value"] = est
                row["lower"] = _first_crossing(times, tab["lower"].to_numpy(float), target)
                row["upper"] = _first_crossing(times, tab["upper"].to_numpy(float), target)
                if np.isnan(row["upper"]):
                    row["note"] = "upper confidence limit not reached"
        rows.append(row)
    out = pd.DataFrame(rows, columns=["quantile", "value", "lower", "upper", "status", "note"])
    out["status"] = out["status"].astype("str")
    out["note"] = out["note"].astype("str")
    out["transform"] = pd.array([km.transform] * len(out), dtype="str")
    out["level"] = km.level
    return out


def survival_at(km: KaplanMeier, times) -> pd.DataFrame:
    """The step function S(t) and its interval at the given times (right-continuous: the value at the last
    observed time <= t; 1 before the first).

    Columns: time, value, lower, upper, status, note. status: "ok"; "no_events" (no event by t: S = 1 and no
    interval, the variance being 0); "all_events" (S = 0: every case had the event, no interval);
    "beyond_follow_up" (t after the last observed time: value and limits missing, no extrapolation);
    "insufficient_data" (no usable rows). note says the same in words.
    """
    at = np.atleast_1d(np.asarray(times, dtype=float))
    tab = km.table
    out = pd.DataFrame({"time": at, "value": np.nan, "lower": np.nan, "upper": np.nan,
                        "status": pd.array(["ok"] * len(at), dtype="str"),
                        "note": pd.array([""] * len(at), dtype="str")})
    if km.status != "ok":
        out["status"] = "insufficient_data"
        out["note"] = "insufficient data"
        return out
    obs = tab["time"].to_numpy(float)
    idx = np.searchsorted(obs, at, side="right") - 1
    for src, col in (("survival", "value"), ("lower", "lower"), ("upper", "upper")):
        vals = tab[src].to_numpy(float)
        out[col] = np.where(idx >= 0, vals[np.maximum(idx, 0)], 1.0)
    events_by = np.where(idx >= 0, tab["n_events"].to_numpy(float).cumsum()[np.maximum(idx, 0)], 0.0)
    none = events_by == 0
    out.loc[none, ["lower", "upper"]] = np.nan
    out.loc[none, "status"] = "no_events"
    out.loc[none, "note"] = "no event by this time: survival is 1 and no interval can be estimated"
    every = ~none & (out["value"].to_numpy(float) <= 0.0)
    out.loc[every, ["lower", "upper"]] = np.nan
    out.loc[every, "status"] = "all_events"
    out.loc[every, "note"] = "every case had the event by this time: survival is 0 and no interval can be estimated"
    beyond = at > obs.max()
    out.loc[beyond, ["value", "lower", "upper"]] = np.nan
    out.loc[beyond, "status"] = "beyond_follow_up"
    out.loc[beyond, "note"] = "beyond follow-up"
    return out


@dataclass(frozen=True)
class LogRank:
    """Log-rank test: chi-square statistic, degrees of freedom, p-value, per-group observed and expected events
    (table: group, n, observed, expected), status ("ok" or "insufficient_data") and method."""

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame
    status: str
    method: str


def logrank_test(durations, events, groups) -> LogRank:
    """Log-rank test of equal survival across groups (see module doc); rows with any missing value dropped."""
    t, e, (g,), _ = clean_durations(durations, events, groups)
    d = event_indicator(e)
    method = "log-rank test (Mantel-Haenszel, hypergeometric variance)"
    labels = sorted(pd.unique(pd.Series(g)), key=str)
    k = len(labels)
    counts = pd.Series(g).value_counts()
    table = pd.DataFrame({"group": labels, "n": [int(counts[lab]) for lab in labels],
                          "observed": 0.0, "expected": 0.0})
    if k < 2 or d.sum() == 0:
        return LogRank(float("nan"), max(k - 1, 0), float("nan"), table, "insufficient_data", method)
    codes = pd.Categorical(g, categories=labels).codes
    event_times = np.unique(t[d == 1])
    observed = np.zeros(k)
    expected = np.zeros(k)
    var = np.zeros((k, k))
    for time in event_times:
        at_risk = t >= time
        n_g = np.bincount(codes[at_risk], minlength=k).astype(float)
        d_g = np.bincount(codes[(t == time) & (d == 1)], minlength=k).astype(float)
        n_all, d_all = n_g.sum(), d_g.sum()
        observed += d_g
        expected += d_all * n_g / n_all
        if n_all > 1:
            frac = n_g / n_all
            var += d_all * (n_all - d_all) / (n_all - 1) * (np.diag(frac) - np.outer(frac, frac))
    diff = observed - expected
    stat = float(diff[:-1] @ np.linalg.pinv(var[:-1, :-1]) @ diff[:-1])
    table = table.assign(observed=observed, expected=expected)
    return LogRank(stat, k - 1, float(stats.chi2.sf(stat, k - 1)), table, "ok", method)


from analysis.stats.competing import CumulativeIncidence, aalen_johansen  # noqa: E402  (re-export, see module doc)
from analysis.stats.cox import cox_regression  # noqa: E402

__all__ = ["CumulativeIncidence", "KaplanMeier", "LogRank", "QuantileEstimate", "aalen_johansen",
           "cox_regression", "kaplan_meier", "logrank_test", "survival_at", "survival_quantiles"]
