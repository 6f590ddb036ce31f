"""Load the reference code lists shipped in params/reference/ (one CSV per list).

Every coded column of the data contract names one of these lists; the lists carry labels and groupings
(outcome groups, ONS ethnic groups, regions) that indicators use. Sources are documented in
docs/reference_code_lists.md.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from analysis.paths import REFERENCE_DIR

#: code list name -> the column that holds its codes
CODE_COLUMNS: dict[str, str] = {
    "outcome_types": "code",
    "ethnicity_groups": "code",
    "ethnicity_sde": "code",
    "ethnicity_sde_legacy": "legacy_code",
    "ethnicity_ode": "code",
    "sexes": "code",
    "yes_no_not_recorded": "code",
    "cocad_categories": "code",
    "disruption_tactics": "code",
    "disruption_statuses": "code",
    "partner_agencies": "code",
    "report_sources": "code",
    "author_roles": "code",
    "case_review_grades": "code",
    "case_review_criteria": "code",
    "regions": "code",
    "forces": "force_code",
    "offence_categories": "code",
    "nationalities": "code",
    "victim_blaming_lexicon": "term_id",
}


def available() -> list[str]:
    """Names of the code lists present in the reference folder."""
    return sorted(p.stem for p in REFERENCE_DIR.glob("*.csv"))


@cache
def _load(name: str, directory: Path) -> pd.DataFrame:
    path = directory / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"reference code list '{name}' not found: expected {path}")
    # Codes are read as text (outcome code 1 stays "1" until the contract types it) and never as NA:
    # "NA" is Namibia's ISO code and "NS" is an ethnicity code.
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def load(name: str, directory: Path = REFERENCE_DIR) -> pd.DataFrame:
    """Return the code list `name` as a DataFrame of strings (a copy: callers may modify it)."""
    return _load(name, Path(directory)).copy()


def codes(name: str, directory: Path = REFERENCE_DIR) -> list[str]:
    """Return the valid codes of code list `name`, in file order."""
    column = CODE_COLUMNS.get(name, "code")
    return load(name, directory)[column].tolist()


def labels(name: str, directory: Path = REFERENCE_DIR) -> dict[str, str]:
    """Return a mapping code -> label for code list `name`."""
    table = load(name, directory)
    column = CODE_COLUMNS.get(name, "code")
    label_column = "label" if "label" in table.columns else ("force_name" if name == "forces" else column)
    return dict(zip(table[column], table[label_column], strict=True))
