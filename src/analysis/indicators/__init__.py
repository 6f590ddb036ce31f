"""The indicator catalogue (DESIGN.md section 4) computed into results tables.

`compute_force(force_code, data)` runs every force indicator on one force's validated data;
`compute_national(force_results, data)` compares forces and fits the national models. Both return a
results table (analysis.results schema), validated, with disclosure flags set.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from analysis import results
from analysis.indicators import rows
from analysis.indicators.catalogue import CATALOGUE, FUNCTIONS, entries
from analysis.indicators.data import ForceData
from analysis.indicators.rows import ALL_BASIS, RECORDED_BASIS

log = logging.getLogger(__name__)

__all__ = ["CATALOGUE", "ForceData", "compute_force", "compute_national", "entries", "force_data"]


def force_data(data: ForceData | dict[str, pd.DataFrame], force_code: str | None = None) -> ForceData:
    """Wrap canonical tables as ForceData, keeping only `force_code`'s rows when one is given.

    A ForceData that needs no filtering is returned as it is, so its derived tables (computed once and
    cached) are shared with the caller, e.g. the report sections that draw curves from the same data.
    """
    tables = data.tables if isinstance(data, ForceData) else data
    if force_code is not None:
        codes = set(tables["force_profile"]["force_code"])
        if force_code not in codes:
            raise KeyError(f"force '{force_code}' is not in the data (forces present: {sorted(codes)})")
        if codes != {force_code}:
            return ForceData({name: t[t["force_code"] == force_code].reset_index(drop=True)
                              for name, t in tables.items()})
    return data if isinstance(data, ForceData) else ForceData(tables)


NOT_COMPUTED = "not computed"


def _run(ids: list[str], call, unit: str) -> pd.DataFrame:
    """Every indicator in `ids`, stacked; an indicator that raises becomes one status row (indicator_status),
    so one indicator the data cannot support never costs the others or the report."""
    parts, timings = [], {}
    for indicator_id in ids:
        started = time.perf_counter()
        try:
            parts.append(call(FUNCTIONS[indicator_id]))
        except Exception as error:  # noqa: BLE001 - isolated: the indicator's row says why
            log.warning("indicator %s could not be computed for %s: %s", indicator_id, unit, error, exc_info=True)
            parts.append(indicator_status(CATALOGUE[indicator_id], unit, error))
        timings[indicator_id] = time.perf_counter() - started
    log.debug("indicator timings (s): %s", {k: round(v, 3) for k, v in timings.items()})
    return rows.stack(parts)


def indicator_status(entry, unit: str, error: BaseException) -> pd.DataFrame:
    """The one results row of an indicator that could not be computed: breakdown "indicator status", category
    "not computed", no figures, and the reason in its note ("not computed: ...")."""
    text = str(error).strip().splitlines()
    reason = text[0] if text else type(error).__name__
    return rows.estimates(entry, unit, "indicator status", [NOT_COMPUTED], np.nan, np.nan, np.nan, NOT_COMPUTED,
                          note=f"{NOT_COMPUTED}: the data cannot support this indicator ({reason})")


def _linked_bases() -> tuple[tuple[str, str], ...]:
    """(narrower basis, wider basis) pairs whose rows share a breakdown: the wider basis counts every record,
    the narrower leaves out one set of them (records with no recorded value; offences with no outcome yet)."""
    from analysis.indicators.response import ASSIGNED_BASIS, RECORDED_BASIS as ALL_OFFENCES_BASIS

    return ((RECORDED_BASIS, ALL_BASIS), (ASSIGNED_BASIS, ALL_OFFENCES_BASIS))


def flag_linked(table: pd.DataFrame, threshold: int | None = None) -> pd.DataFrame:
    """Disclosure flags that also protect cells linked across the two bases of a breakdown.

    Some breakdowns are published on two bases (`_linked_bases`): shares "of recorded values" and "of all
    records", or outcomes "of offences with an outcome assigned" and "of all recorded offences". The same
    count appears on both, and the two denominators differ by exactly the records the narrower basis leaves
    out (not recorded; not yet assigned). So: a category withheld for its count on one basis is withheld on
    the other; and when that difference is small, every row on the narrower basis is withheld (its
    denominator would give the small count away; on the wider basis the small count is its own row, withheld
    with a second cell by secondary suppression). Withholding for that reason is not carried over to the
    wider basis: its figures give nothing away. Secondary suppression is run again until nothing changes.
    """
    from analysis.disclosure import flag_results, is_small
    from analysis.settings import disclosure_settings

    limit = threshold if threshold is not None else disclosure_settings()["threshold"]
    flagged = flag_results(table, limit)
    pairs = _linked_bases()
    both = flagged["basis"].isin([basis for pair in pairs for basis in pair])
    cell = ["force_code", "indicator_id", "breakdown", "category"]
    group = ["force_code", "indicator_id", "breakdown"]
    # the narrow-basis rows withheld for their denominator (also when the flags come in already set, as when
    # protect_audited calls this again): their withholding says nothing about their count. They depend on the
    # counts only, so they are found once.
    narrow_withheld = np.zeros(len(flagged), dtype=bool)
    if both.any():
        keys = pd.MultiIndex.from_frame(flagged[group])
        large = ~is_small(flagged["numerator"].astype("Float64").fillna(0).to_numpy(dtype=float), limit)
        for narrow, wide in pairs:
            denominators = {basis: flagged[flagged["basis"] == basis].groupby(group)["denominator"].max()
                            for basis in (narrow, wide)}
            left_out = (denominators[wide] - denominators[narrow]).dropna()
            small = left_out[is_small(left_out, limit)]
            if len(small):
                narrow_withheld |= keys.isin(small.index) & (flagged["basis"] == narrow).to_numpy() & large
    while both.any():
        before = flagged["suppressed"].to_numpy().copy()
        flagged.loc[narrow_withheld, "suppressed"] = True
        own = flagged["suppressed"].to_numpy() & ~narrow_withheld
        linked = pd.Series(own, index=flagged.index)[both].groupby([flagged.loc[both, c] for c in cell]).transform("any")
        flagged.loc[both, "suppressed"] = flagged.loc[both, "suppressed"].to_numpy() | linked.to_numpy()
        flagged = flag_results(flagged, limit)
        if (flagged["suppressed"].to_numpy() == before).all():
            break
    _withhold_summaries_of_withheld_cells(flagged)
    return flagged


def _withheld_units(table: pd.DataFrame, indicator: str, breakdown: str) -> set:
    cells = (table["indicator_id"] == indicator) & (table["breakdown"] == breakdown)
    return set(table.loc[cells & table["suppressed"].astype(bool), "force_code"])


def _withhold_summaries_of_withheld_cells(flagged: pd.DataFrame) -> None:
    """Withhold (in place) a summary whose table has a withheld cell (analysis.record_kinds.SUMMARIES_OF_TABLES):
    the quartiles of a small group pin its band counts; a goodness-of-fit p-value pins the withheld groups."""
    from analysis.record_kinds import SUMMARIES_OF_TABLES

    for indicator, summary, table_indicator, table_breakdown in SUMMARIES_OF_TABLES:
        units = _withheld_units(flagged, table_indicator, table_breakdown)
        hit = ((flagged["indicator_id"] == indicator) & (flagged["breakdown"] == summary)
               & flagged["force_code"].isin(units))
        flagged.loc[hit, "suppressed"] = True


def protect_audited(table: pd.DataFrame, threshold: int | None = None, width: int | None = None,
                    frozen=None, every_withheld: bool | None = None) -> pd.DataFrame:
    """Disclosure flags that pass the reader's audit (analysis.disclosure.audit) of everything in `table`.

    The cell rules (flag_linked) first; then secondary suppression driven by the audit
    (analysis.disclosure.protect_rows) until no withheld count can be worked out, within `width` (default
    params/pipeline.yaml disclosure.protection_width), from the rows together; the two are repeated until neither
    withholds more, so that tables shown from these flags (display.published) withhold nothing new. `frozen`
    rows (already published elsewhere) keep their flags. Raises nothing when some count stays exposed: the
    pipeline's audit of the page reports it.
    """
    from analysis.disclosure import protect_rows
    from analysis.settings import disclosure_settings

    if threshold is None or width is None or every_withheld is None:
        s = disclosure_settings()
        threshold = s["threshold"] if threshold is None else threshold
        width = s["protection_width"] if width is None else width
        every_withheld = s["protect_secondary"] if every_withheld is None else every_withheld
    flagged = flag_linked(table, threshold)
    for _ in range(20):
        protected = protect_rows(flagged, threshold, width, frozen=frozen, every_withheld=every_withheld).rows
        again = flag_linked(protected, threshold)
        if frozen is not None:
            keep = np.asarray(pd.Series(frozen).fillna(False), dtype=bool)
            again.loc[keep, "suppressed"] = table.loc[keep, "suppressed"].to_numpy()
        flagged = again
        if (again["suppressed"].to_numpy() == protected["suppressed"].to_numpy()).all():
            break
    return flagged


def compute_force(force_code: str, data: ForceData | dict[str, pd.DataFrame], threshold: int | None = None,
                  width: int | None = None, every_withheld: bool | None = None) -> pd.DataFrame:
    """Every force-scope indicator for one force, as a validated results table with disclosure flags that pass
    the reader's audit of the whole table (`threshold`: the disclosure threshold, `width`: the audit's protection
    width; defaults from params/pipeline.yaml)."""
    fd = force_data(data, force_code)
    ids = [e.id for e in entries("force")]
    table = _run(ids, lambda f: f(fd, force_code), force_code)
    return results.validate(protect_audited(results.coerce(table), threshold, width, every_withheld=every_withheld))


def compute_national(force_results: pd.DataFrame, data: ForceData | dict[str, pd.DataFrame],
                     threshold: int | None = None, width: int | None = None,
                     every_withheld: bool | None = None) -> pd.DataFrame:
    """National comparisons and models from every force's results table and the stacked validated data
    (`threshold`: the disclosure threshold; default from params/pipeline.yaml)."""
    from analysis.disclosure import flag_results

    fd = force_data(data)
    ids = [e.id for e in entries("national")]
    table = results.coerce(_run(ids, lambda f: f(force_results, fd), results.NATIONAL))
    # Counts of forces are not counts of people or cases: they are published as they are.
    counts_forces = table["basis"].str.startswith("forces").to_numpy()
    flagged = flag_results(table, threshold, exempt=counts_forces)
    from analysis.disclosure.pages import unit_groups

    groups = unit_groups(fd.profile) if "region" in fd.profile.columns else None
    return results.validate(protect_national(flagged, force_results, threshold, width, groups, every_withheld))


def _until_audit_passes(rows: pd.DataFrame, frozen: np.ndarray, threshold: int, width: int,
                        every_withheld: bool = False) -> np.ndarray:
    """The `suppressed` flags of `rows` (a force's published rows, `frozen`, then the national rows naming it)
    after making sure that the audit the pipeline runs before publishing the national page (analysis.disclosure
    .pages.audit_force: the force's page read with these national rows) passes.

    Complementary suppression (protect_audited) may be unable to protect a count when every quantity that would
    protect it is shown on the force page, which is already published; then the national rows that show a count
    the force page does not publish are withheld, one at a time (the one that leaves fewest exposed cells first,
    cheapest count on ties), until nothing is exposed. Withholding every such row always passes: the rows then
    add no published quantity to what the force page, which passed its own audit, shows."""
    from analysis.disclosure.audit import audit_rows, build_system

    current = rows.copy()
    flags = current["suppressed"].fillna(False).to_numpy(dtype=bool).copy()
    frozen = np.asarray(frozen, dtype=bool)

    def exposed(f: np.ndarray) -> int:
        current["suppressed"] = f
        return int(audit_rows(current, threshold, width, every_withheld=every_withheld)["exposed"].sum())

    left = exposed(flags)
    while left:
        current["suppressed"] = flags
        system = build_system(current)
        choices = []
        for q, places in enumerate(system.cells):
            new = sorted({r for r, _ in places if not frozen[r] and not flags[r]})
            if new and not any(frozen[r] and not flags[r] for r, _ in places):
                choices.append((system.values[q], new))
        if not choices:
            break  # only the force page's own rows are left: its own audit is what fails
        scored = []
        for value, new in sorted(choices, key=lambda c: c[0]):
            trial = flags.copy()
            trial[new] = True
            scored.append((exposed(trial), value, new))
            if scored[-1][0] == 0:
                break
        best = min(scored, key=lambda s: (s[0], s[1]))
        flags[best[2]] = True
        left = best[0]
    return flags


def _reveals_more(rows: pd.DataFrame, frozen: np.ndarray) -> bool:
    """True when the rows that are not frozen publish a count (or a share whose complement is a count) that the
    frozen rows do not already publish (analysis.disclosure.audit's quantities)."""
    from analysis.disclosure.audit import build_system

    system = build_system(rows)
    withheld = rows["suppressed"].fillna(False).to_numpy(dtype=bool)
    for places in system.cells:
        shown_new = any(not frozen[r] and not withheld[r] for r, _ in places)
        shown_before = any(frozen[r] and not withheld[r] for r, _ in places)
        if shown_new and not shown_before:
            return True
    return False


def protect_national(table: pd.DataFrame, force_results: pd.DataFrame, threshold: int | None = None,
                     width: int | None = None, groups: dict[str, list[str]] | None = None,
                     every_withheld: bool | None = None) -> pd.DataFrame:
    """Withhold the national page's rows about a force that, read with that force's own page, would let a
    withheld count be worked out: for each force, the reader's audit of its results (as flagged for its page,
    frozen: that page is already published) together with the national rows naming it; then the national rows
    as a whole with every force's rows (frozen), where England and Wales and each region are the sums of their
    forces (`groups`, analysis.disclosure.pages.unit_groups) and the national model pools the forces' models;
    repeated until stable (analysis.disclosure)."""
    from analysis.disclosure import protect_rows
    from analysis.disclosure.audit import REPEATS
    from analysis.settings import disclosure_settings

    s = disclosure_settings() if threshold is None or width is None or every_withheld is None else {}
    threshold = s["threshold"] if threshold is None else threshold
    width = s["protection_width"] if width is None else width
    every_withheld = s["protect_secondary"] if every_withheld is None else every_withheld
    out = table.copy()
    forces = set(force_results["force_code"].unique())
    about = out["force_code"].isin(forces).to_numpy()
    from analysis.record_kinds import NATIONAL_SUMMARIES_OF_TABLES

    for indicator, table_indicator, table_breakdown in NATIONAL_SUMMARIES_OF_TABLES:
        # a national row computed from a force's table with a withheld cell (NA04's p-value from OC03)
        units = _withheld_units(force_results, table_indicator, table_breakdown)
        out.loc[(out["indicator_id"] == indicator) & out["force_code"].isin(units), "suppressed"] = True
    exempt = out["basis"].str.startswith("forces").to_numpy()  # counts of forces, published as they are
    for _ in range(5):
        before = out["suppressed"].to_numpy().copy()
        for code in sorted(set(out.loc[about, "force_code"])):
            own = force_results[force_results["force_code"] == code]
            mine = out.index[(out["force_code"] == code).to_numpy()]
            rows = pd.concat([own[out.columns], out.loc[mine]], ignore_index=True)
            frozen = np.r_[np.ones(len(own), dtype=bool), np.zeros(len(mine), dtype=bool)]
            rows[REPEATS] = ~frozen  # as the pipeline's audit reads them (analysis.disclosure.pages.audit_force)
            if not _reveals_more(rows, frozen):
                continue  # the national rows show only counts the force's own page publishes
            protected = protect_audited(rows, threshold, width, frozen=frozen, every_withheld=every_withheld)
            flags = _until_audit_passes(protected, frozen, threshold, width, every_withheld)[len(own):]
            counts_forces = exempt[(out["force_code"] == code).to_numpy()]
            # counts of forces keep their flags (the cell rules run inside protect_audited do not exempt them)
            out.loc[mine, "suppressed"] = np.where(counts_forces, out.loc[mine, "suppressed"].to_numpy(dtype=bool), flags)
        # the page as a whole, read with every force page (frozen: already published): England and Wales or a
        # region less its published forces, whose own pages may publish what the national page withholds
        counted = out.index[~exempt]
        pages = force_results[out.columns]
        rows = pd.concat([pages, out.loc[counted]], ignore_index=True)
        frozen = np.r_[np.ones(len(pages), dtype=bool), np.zeros(len(counted), dtype=bool)]
        whole = protect_rows(rows, threshold, width, frozen=frozen, groups=groups, every_withheld=every_withheld).rows
        out.loc[counted, "suppressed"] = whole["suppressed"].to_numpy()[len(pages):]
        if (out["suppressed"].to_numpy() == before).all():
            break
    return out
