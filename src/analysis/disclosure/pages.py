"""The reader's audit of finished pages: each page's publication ledger read with the restricted results.

For a force, everything a reader holds about it is its own page (tables, figure data, downloads: the ledger)
and the national page's rows naming it; `audit_force` audits them together. `audit_national` audits the
national page's own rows (England and Wales, regions). `audit_output` does both for every unit of a run's output
folder, as `python -m analysis audit OUT` prints and `run` requires before publishing a page.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.disclosure.audit import FINDING_COLUMNS, KEY_COLUMNS, REPEATS, audit_rows
from analysis.disclosure.ledger import read_ledger


def unit_groups(profile: pd.DataFrame) -> dict[str, list[str]]:
    """{England and Wales (NATIONAL): every force, region code: its forces} from the forces' profiles
    (force_code, region): the sums across units a reader of the national page knows (a region's row is the sum
    of its forces' rows). Shapes: one entry per region plus NATIONAL; forces sorted."""
    from analysis.results import NATIONAL

    frame = profile[["force_code", "region"]].drop_duplicates()
    groups = {NATIONAL: sorted(frame["force_code"].astype(str))}
    for region, part in frame.groupby("region", sort=True):
        groups[str(region)] = sorted(part["force_code"].astype(str))
    return groups


def page_rows(ledger: pd.DataFrame, *truths: pd.DataFrame, source: str = "") -> pd.DataFrame:
    """Ledger rows with their true counts (from the first of `truths` that has the row's key; a row found in
    none keeps its published numbers), `suppressed` as published and `source` naming the page and table."""
    out = ledger.drop_duplicates(subset=[*KEY_COLUMNS, "suppressed"]).reset_index(drop=True)
    true_num = pd.Series(pd.NA, index=out.index, dtype="Float64")
    true_den = pd.Series(pd.NA, index=out.index, dtype="Float64")
    found = pd.Series(False, index=out.index)
    keys = pd.MultiIndex.from_frame(out[list(KEY_COLUMNS)].astype(str))
    for truth in truths:
        if truth is None or truth.empty:
            continue
        table = truth.drop_duplicates(subset=list(KEY_COLUMNS)).copy()
        table.index = pd.MultiIndex.from_frame(table[list(KEY_COLUMNS)].astype(str))
        hit = keys.isin(table.index) & ~found.to_numpy()
        if hit.any():
            matched = table.reindex(keys[hit])
            true_num[hit] = matched["numerator"].astype("Float64").to_numpy()
            true_den[hit] = matched["denominator"].astype("Float64").to_numpy()
            found[hit] = True
    out["numerator"] = true_num.where(found, out["numerator"].astype("Float64"))
    out["denominator"] = true_den.where(found, out["denominator"].astype("Float64"))
    out["source"] = (source + ": " if source else "") + out["shown_in"].astype(str)
    return out


def audit_force(force_code: str, page_dir: str | Path, force_results: pd.DataFrame, threshold: int, width: int,
                national_ledger: pd.DataFrame | None = None, national_results: pd.DataFrame | None = None,
                every_withheld: bool = False) -> pd.DataFrame:
    """The audit of one force: its page's ledger (in page_dir) and the national page's rows naming it.

    force_results: its restricted results (true counts). Returns audit findings (analysis.disclosure.audit)."""
    parts = [page_rows(read_ledger(page_dir), force_results, source=f"{force_code} page")]
    if national_ledger is not None and len(national_ledger):
        about = national_ledger[national_ledger["force_code"] == force_code]
        if len(about):
            repeated = page_rows(about, national_results, force_results, source="national page")
            repeated[REPEATS] = True  # they repeat the force's own rows: linked by numerator and denominator
            parts.append(repeated)
    rows = pd.concat(parts, ignore_index=True)
    return audit_rows(rows, threshold, width, every_withheld=every_withheld)


def audit_national(page_dir: str | Path, national_results: pd.DataFrame, forces: set[str], threshold: int,
                   width: int, force_results: pd.DataFrame | None = None,
                   force_pages: dict[str, Path] | None = None, groups: dict[str, list[str]] | None = None,
                   every_withheld: bool = False) -> pd.DataFrame:
    """The audit of the national page read with everything else published: every force page in `force_pages`
    ({code: page folder}, each with its ledger; true counts from `force_results`) and the national page, with
    the national page's rows about a force linked to that force's rows, and England and Wales and each region
    the sums of their forces (`groups`, see unit_groups). A total less the forces its reader can see on their
    own pages is checked here. Returns audit findings (analysis.disclosure.audit)."""
    ledger = read_ledger(page_dir)
    if ledger.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    parts = [page_rows(ledger, national_results, force_results, source="national page")]
    for code, folder in sorted((force_pages or {}).items()):
        if (Path(folder) / "published.parquet").is_file():
            truth = None if force_results is None else force_results[force_results["force_code"] == code]
            parts.append(page_rows(read_ledger(folder), truth, source=f"{code} page"))
    return audit_rows(pd.concat(parts, ignore_index=True), threshold, width, groups, every_withheld)


def groups_from_data(data_dir: str | Path | None, codes: list[str]) -> dict[str, list[str]] | None:
    """unit_groups from the forces' profiles in a validated data folder (None when it cannot be read: the sums
    across regions are then not checked, England and Wales still is, as the sum of the forces shown)."""
    if not data_dir:
        return None
    try:
        from analysis import returns_io

        profile = returns_io.read_all(Path(data_dir), codes, tables=("force_profile",))["force_profile"]
    except (OSError, KeyError, ValueError):
        return None
    return unit_groups(profile) if "region" in profile.columns else None


def audit_output(out_dir: str | Path, restricted_dir: str | Path, threshold: int, width: int,
                 national: bool = True, data_dir: str | Path | None = None,
                 every_withheld: bool = False) -> dict[str, pd.DataFrame]:
    """Findings per unit (force codes, and NATIONAL) for every page under out_dir with a ledger, read with the
    restricted results under restricted_dir (forces/<code>/results.parquet, national/results.parquet). The
    national page is audited with every force page (audit_national); the regions' forces come from the
    profiles in `data_dir` (default: the data folder the run's manifest names)."""
    from analysis import results

    out_dir, restricted_dir = Path(out_dir), Path(restricted_dir)
    if data_dir is None and (out_dir / "manifest.json").is_file():
        import json

        data_dir = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8")).get("data_dir") or None
    national_page = out_dir / "national"
    national_ledger = national_results = None
    if national and (national_page / "published.parquet").is_file():
        national_ledger = read_ledger(national_page)
        path = restricted_dir / "national" / "results.parquet"
        national_results = results.read(path) if path.is_file() else None
    found: dict[str, pd.DataFrame] = {}
    forces_dir = out_dir / "forces"
    codes = sorted(p.name for p in forces_dir.iterdir() if p.is_dir() and (p / "published.parquet").is_file()) \
        if forces_dir.is_dir() else []
    for code in codes:
        path = restricted_dir / "forces" / code / "results.parquet"
        truth = results.read(path) if path.is_file() else None
        if truth is None:
            raise FileNotFoundError(f"{path} not found: the audit needs the restricted results of {code}")
        found[code] = audit_force(code, forces_dir / code, truth, threshold, width, national_ledger, national_results,
                                  every_withheld)
    if national_ledger is not None and national_results is not None:
        every = [results.read(restricted_dir / "forces" / code / "results.parquet") for code in codes]
        forces = pd.concat(every, ignore_index=True) if every else None
        found["NATIONAL"] = audit_national(national_page, national_results, set(codes), threshold, width, forces,
                                           {code: forces_dir / code for code in codes},
                                           groups_from_data(data_dir, codes), every_withheld)
    return found
