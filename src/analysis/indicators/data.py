"""Validated data prepared once for the indicators: one force (or all forces stacked).

Indicators share derived columns (financial year, age bands, ONS ethnic group, days between dates). They
are computed here once, vectorised, so every indicator states its numerator and denominator on the same
footing and the cost is paid once per force rather than once per indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from analysis import reference
from analysis.contract import ETHNIC_GROUPS, OUTCOME_NOT_YET_ASSIGNED

NOT_RECORDED = "not recorded"

#: Suspect age bands; 10-17 first because many suspects are children themselves.
SUSPECT_AGE_BANDS = ((10, 17, "10-17"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 200, "45 and over"))
VICTIM_AGE_BANDS = ((0, 12, "12 and under"), (13, 15, "13-15"), (16, 17, "16-17"))
MISSING_EPISODE_BANDS = ((0, 0, "none"), (1, 2, "1-2"), (3, 10**9, "3 or more"))


def financial_year(dates: pd.Series) -> pd.Series:
    """Financial year label ('2019/20') of each date; April to March, as Home Office statistics use."""
    start = dates.dt.year - (dates.dt.month < 4).astype("Int64")
    label = start.astype("str") + "/" + ((start + 1) % 100).astype("str").str.zfill(2)
    return label.where(dates.notna(), None)


def band(values: pd.Series, bands: tuple[tuple[int, int, str], ...], missing: str = NOT_RECORDED) -> pd.Series:
    """Label each value with the band that contains it; blank values become `missing`."""
    numeric = pd.to_numeric(values, errors="coerce").astype("Float64")
    out = pd.Series(missing, index=values.index, dtype="str")
    for low, high, label in bands:
        inside = ((numeric >= low) & (numeric <= high)).fillna(False).astype(bool)
        out[inside] = label
    return out


def ons_group(codes: pd.Series, table: pd.DataFrame) -> pd.Series:
    """ONS ethnic group of each ethnicity code, from a reference table with `code` and `ons_group` columns;
    blank or unmapped codes become NOT_RECORDED."""
    groups = codes.map(dict(zip(table["code"], table["ons_group"], strict=True)))
    return groups.replace("", NOT_RECORDED).fillna(NOT_RECORDED).astype("str")


def days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole days from start to end (blank where either is blank)."""
    return (end - start).dt.days.astype("Float64")


@dataclass
class ForceData:
    """The validated tables of one force (or several stacked), with shared derived columns.

    `tables` maps contract table name -> canonical DataFrame (see analysis.returns_io). When several
    forces are stacked, every derived table keeps `force_code` so indicators can group by force.
    """

    tables: dict[str, pd.DataFrame]

    # ------------------------------------------------------------------ return metadata
    @property
    def profile(self) -> pd.DataFrame:
        return self.tables["force_profile"]

    @property
    def force_codes(self) -> list[str]:
        return sorted(self.profile["force_code"].unique().tolist())

    @property
    def is_synthetic(self) -> bool:
        return bool(self.profile["is_synthetic"].all())

    @cached_property
    def extraction_date(self) -> pd.Series:
        """Extraction date per force_code."""
        return self.profile.set_index("force_code")["extraction_date"]

    def _extraction_for(self, frame: pd.DataFrame) -> pd.Series:
        return frame["force_code"].map(self.extraction_date).astype("datetime64[s]")

    # ------------------------------------------------------------------ derived tables
    @cached_property
    def offences(self) -> pd.DataFrame:
        """Offences with financial year, outcome status and outcome group."""
        o = self.tables["offences"].copy()
        outcomes = reference.load("outcome_types")
        groups = dict(zip(outcomes["code"].astype(int), outcomes["outcome_group"], strict=True))
        code = o["outcome_code"].fillna(OUTCOME_NOT_YET_ASSIGNED).astype("int64")
        o["financial_year"] = financial_year(o["recorded_date"])
        o["assigned"] = code > 0
        o["outcome_group"] = code.map(groups).fillna("Not yet assigned").astype("str")
        o["charged"] = code == 1
        o["outcome_code_int"] = code
        o["extraction_date"] = self._extraction_for(o)
        end = o["outcome_date"].where(o["assigned"], o["extraction_date"])
        o["days_to_outcome_or_extraction"] = days_between(o["recorded_date"], end)
        counts = self.tables["offence_suspects"].groupby(["force_code", "offence_id"]).size().rename("n_suspects")
        o = o.join(counts, on=["force_code", "offence_id"])
        o["n_suspects"] = o["n_suspects"].fillna(0).astype("int64")
        return o

    @cached_property
    def suspects(self) -> pd.DataFrame:
        """Suspects with age band, ONS ethnic group (self- and officer-defined) and first offence date."""
        s = self.tables["suspects"].copy()
        s["age_band"] = band(s["age_at_first_offence"], SUSPECT_AGE_BANDS)
        s["ethnic_group"] = ons_group(s["ethnicity_sde"], reference.load("ethnicity_sde"))
        s["ethnic_group_ode"] = ons_group(s["ethnicity_ode"], reference.load("ethnicity_ode"))
        links = self.tables["offence_suspects"].merge(
            self.tables["offences"][["force_code", "offence_id", "recorded_date"]], on=["force_code", "offence_id"], how="left"
        )
        first = links.groupby(["force_code", "suspect_id"])["recorded_date"].min().rename("first_offence_date")
        s = s.join(first, on=["force_code", "suspect_id"])
        s["financial_year"] = financial_year(s["first_offence_date"])
        return s

    @cached_property
    def victims(self) -> pd.DataFrame:
        """Victims with age band, ethnic group, withdrawal status and follow-up time."""
        v = self.tables["victims"].copy()
        v["age_band"] = band(v["age_at_first_offence"], VICTIM_AGE_BANDS)
        v["missing_band"] = band(v["missing_episodes"], MISSING_EPISODE_BANDS)
        v["ethnic_group"] = ons_group(v["ethnicity_sde"], reference.load("ethnicity_sde"))
        v["financial_year"] = financial_year(v["first_report_date"])
        v["extraction_date"] = self._extraction_for(v)
        v["withdrew"] = v["support_withdrawn_date"].notna()
        end = v["support_withdrawn_date"].where(v["withdrew"], v["extraction_date"])
        v["days_to_withdrawal_or_extraction"] = days_between(v["first_report_date"], end)
        v["days_to_abe"] = days_between(v["first_report_date"], v["abe_interview_date"])
        return v

    @cached_property
    def networks(self) -> pd.DataFrame:
        """Networks with financial year and size (suspects linked)."""
        n = self.tables["networks"].copy()
        n["financial_year"] = financial_year(n["identified_date"])
        sizes = self.tables["suspects"].dropna(subset=["network_id"]).groupby(["force_code", "network_id"]).size()
        n = n.join(sizes.rename("n_suspects"), on=["force_code", "network_id"])
        n["n_suspects"] = n["n_suspects"].fillna(0).astype("int64")
        return n

    @cached_property
    def referrals(self) -> pd.DataFrame:
        r = self.tables["referrals"].copy()
        r["days_to_action"] = days_between(r["received_date"], r["action_date"])
        r["financial_year"] = financial_year(r["received_date"])
        return r

    @property
    def disruptions(self) -> pd.DataFrame:
        return self.tables["disruptions"]

    @property
    def case_reviews(self) -> pd.DataFrame:
        return self.tables["case_reviews"]

    @property
    def case_notes(self) -> pd.DataFrame:
        return self.tables["case_notes"]

    def child_population(self) -> pd.Series:
        return self.profile.set_index("force_code")["child_population"].astype("float64")

    def population_by_group(self, basis: str = "all") -> pd.DataFrame:
        """Population per force (rows) and ONS ethnic group (columns) on basis 'child', 'adult' or 'all'."""
        p = self.profile.set_index("force_code")
        frames = []
        for group in ETHNIC_GROUPS:
            if basis == "all":
                frames.append((p[f"pop_child_{group}"] + p[f"pop_adult_{group}"]).rename(group))
            else:
                frames.append(p[f"pop_{basis}_{group}"].rename(group))
        return pd.concat(frames, axis=1).astype("float64")

