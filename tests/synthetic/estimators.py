"""Simple estimators the tests use to recover planted effects (statsmodels and scipy directly; the
project's own stats module is tested separately). Each follows the estimator named in params/synthetic.yaml."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from analysis.contract import ETHNIC_GROUPS
from analysis import reference


def withdrawn_by_offence(offences: pd.DataFrame, victims: pd.DataFrame) -> np.ndarray:
    withdrawn = victims.set_index(["force_code", "victim_id"])["support_withdrawn_date"].notna()
    keys = pd.MultiIndex.from_frame(offences[["force_code", "victim_id"]])
    return withdrawn.reindex(keys).to_numpy(dtype=bool)


def suspects_per_offence(offences: pd.DataFrame, links: pd.DataFrame) -> np.ndarray:
    counts = links.groupby(["force_code", "offence_id"]).size()
    keys = pd.MultiIndex.from_frame(offences[["force_code", "offence_id"]])
    return counts.reindex(keys, fill_value=0).to_numpy()


def assigned(offences: pd.DataFrame) -> np.ndarray:
    return offences["outcome_code"].between(1, 22).fillna(False).to_numpy(dtype=bool)


def charge_withdrawal_mh(data: dict[str, pd.DataFrame]) -> tuple[float, float, float]:
    """Mantel-Haenszel odds ratio of charge (outcome 1) for withdrawn vs not, stratified by force, on closed
    offences with a linked suspect: (estimate, lower 95%, upper 95%)."""
    off = data["offences"]
    keep = assigned(off) & (suspects_per_offence(off, data["offence_suspects"]) > 0)
    frame = pd.DataFrame({
        "force": off["force_code"].to_numpy()[keep],
        "charge": (off["outcome_code"].to_numpy()[keep] == 1),
        "withdrawn": withdrawn_by_offence(off, data["victims"])[keep],
    })
    tables = []
    for _, d in frame.groupby("force"):
        c, w = d["charge"].to_numpy(), d["withdrawn"].to_numpy()
        tables.append(np.array([[np.sum(c & w), np.sum(c & ~w)], [np.sum(~c & w), np.sum(~c & ~w)]], dtype=float))
    table = StratifiedTable(tables)
    low, high = table.oddsratio_pooled_confint()
    return float(table.oddsratio_pooled), float(low), float(high)


def withdrawal_model(victims: pd.DataFrame, threshold_days: int):
    """Victim-level logistic regression of withdrawal on specialist referral, ABE category (reference:
    within the threshold) and looked-after, with force fixed effects."""
    delay = (victims["abe_interview_date"] - victims["first_report_date"]).dt.days
    frame = pd.DataFrame({
        "withdrawn": victims["support_withdrawn_date"].notna().astype(int),
        "support": victims["specialist_support_referral"].astype(int),
        "delayed": (delay > threshold_days).fillna(False).astype(int),
        "no_abe": victims["abe_interview_date"].isna().astype(int),
        "looked_after": (victims["looked_after"] == "yes").astype(int),
        "force": victims["force_code"].astype(object),
    })
    return smf.logit("withdrawn ~ support + delayed + no_abe + looked_after + C(force)", data=frame).fit(disp=0)


def charge_rates(offences: pd.DataFrame) -> pd.DataFrame:
    """Per force: charged (outcome 1), assigned (outcomes 1-22) and the assigned-basis rate."""
    mask = assigned(offences)
    frame = pd.DataFrame({"force": offences["force_code"].to_numpy()[mask],
                          "charged": offences["outcome_code"].to_numpy()[mask] == 1})
    out = frame.groupby("force")["charged"].agg(x="sum", n="size")
    out["rate"] = out["x"] / out["n"]
    return out


def spiegelhalter_limits(x: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits adjusted for overdispersion: additive random effects on the arcsine-square-root
    scale with 10% winsorised z-scores (Spiegelhalter 2005), as in REFERENCE_VALUES.md."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    p0 = x.sum() / n.sum()
    y = np.arcsin(np.sqrt(x / n))
    target = np.arcsin(np.sqrt(p0))
    s = 1 / (2 * np.sqrt(n))
    zs = (y - target) / s
    low, high = np.quantile(zs, [0.1, 0.9])
    phi = np.mean(np.clip(zs, low, high) ** 2)
    w = 1 / s**2
    units = len(x)
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    spread = z * np.sqrt(1 / (4 * n) + tau2)
    return np.sin(np.maximum(target - spread, 0)) ** 2, np.sin(np.minimum(target + spread, np.pi / 2)) ** 2


def wilson(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def sde_group(codes: pd.Series) -> pd.Series:
    """ONS group of self-defined ethnicity codes (NaN for NS)."""
    table = reference.load("ethnicity_sde")
    mapping = dict(zip(table["code"], table["ons_group"].replace("", np.nan), strict=True))
    return codes.map(mapping)


def ethnicity_gof(suspects: pd.DataFrame, profile: pd.Series) -> float:
    """Chi-square goodness of fit of recorded suspect ethnic groups to the adult population mix (p-value).
    Groups with an expected count under 5 are pooled so the chi-square approximation holds."""
    groups = sde_group(suspects["ethnicity_sde"]).dropna()
    observed = groups.value_counts().reindex(list(ETHNIC_GROUPS), fill_value=0).to_numpy(float)
    population = np.array([profile[f"pop_adult_{g}"] for g in ETHNIC_GROUPS], float)
    expected = population / population.sum() * observed.sum()
    small = expected < 5
    if small.any():
        observed = np.r_[observed[~small], observed[small].sum()]
        expected = np.r_[expected[~small], expected[small].sum()]
        if expected[-1] == 0:
            observed, expected = observed[:-1], expected[:-1]
    if observed.size < 2:
        return 1.0
    return float(stats.chisquare(observed, expected).pvalue)
