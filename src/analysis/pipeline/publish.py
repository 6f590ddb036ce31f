"""The reviewer-facing end of a run: re-render pages that are out of date, and write OUT/index.html.

A page is current when it was rendered from the unit's current run by the current export code (its state's
`html_digest` equals `page_digest`). During a run, `export_unit` renders each unit's page as soon as the unit
is committed (in the orchestrator's page thread, analysis.pipeline.run); this module also re-renders pages
when only the export code or templates changed (no notebook is re-run), and `python -m analysis export`
re-renders them all. Provenance comes from the executed notebook's metadata, so a
re-rendered page shows the run it came from.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from analysis.paths import REFERENCE_DIR
from analysis.pipeline import cache, layout
from analysis.pipeline.cache import FAILED, INVALID, NATIONAL, OK, UnitState
from analysis.pipeline.hashing import combine
from analysis.pipeline.run_force import format_failure, format_validation


def page_digest(export_code: str, state: UnitState, context: str = "") -> str:
    """Digest a unit's page must carry to be current: export code, the run it shows and, for a force, what its
    at-a-glance section shows from the national results (analysis.report.inspector.context_digest)."""
    return combine([export_code, state.digest, context]) if context else combine([export_code, state.digest])


def _context(out_dir: Path, state: UnitState) -> str:
    from analysis.report.inspector import context_digest

    return context_digest(out_dir, state.unit)


def unit_dir(out_dir: Path, unit: str) -> Path:
    return layout.national_dir(out_dir) if unit == NATIONAL else layout.force_dir(out_dir, unit)


def index_href(unit: str) -> str:
    return "../index.html" if unit == NATIONAL else "../../index.html"


def stale_pages(out_dir: Path, states: list[UnitState], export_code: str) -> list[UnitState]:
    """Successful units whose page is missing or was rendered by other export code."""
    return [s for s in states if s.status == OK and (
        not (unit_dir(out_dir, s.unit) / layout.HTML).is_file()
        or s.html_digest != page_digest(export_code, s, _context(out_dir, s)))]


def export_unit(out_dir: Path, state: UnitState, export_code: str, hidden_tags: tuple[str, ...]) -> Path:
    """Render one unit's page from its executed notebook (read once: its provenance is in its metadata)
    and record it in the unit's state."""
    import nbformat

    from analysis.atomic import write_text_atomic
    from analysis.report import inspector
    from analysis.report.export import render_notebook

    folder = unit_dir(out_dir, state.unit)
    nb = nbformat.read(folder / layout.NOTEBOOK, as_version=4)
    provenance = dict(nb.metadata.get("analysis", {}).get("provenance", {}))
    synthetic = bool(state.info.get("synthetic", provenance.get("synthetic", False)))
    title = state.info.get("title") or state.unit
    context = _context(out_dir, state)  # before rendering: the page shows what this digest describes
    inspector.augment(nb, out_dir=Path(out_dir), unit=state.unit, folder=folder, title=title, synthetic=synthetic)
    page = render_notebook(nb, title=title, synthetic=synthetic,
                           provenance=provenance, index_href=index_href(state.unit), resources_path=folder,
                           hidden_tags=frozenset(hidden_tags))
    path = write_text_atomic(folder / layout.HTML, inspector.finish(page, state.unit))
    state.html_digest = page_digest(export_code, state, context)
    cache.save(out_dir, state)
    return path


def render_pages(out_dir: Path, states: list[UnitState], national: UnitState | None, export_code: str,
                 hidden_tags: tuple[str, ...], *, only_stale: bool, progress: bool = False) -> list[str]:
    """Render the pages of the successful units among `states` and `national` (only the stale ones with
    `only_stale`); returns the units rendered."""
    candidates = [s for s in states if s.status == OK] + ([national] if national and national.status == OK else [])
    chosen = stale_pages(out_dir, candidates, export_code) if only_stale else candidates
    items = chosen
    if progress and chosen:
        from tqdm import tqdm

        items = tqdm(chosen, desc="pages", unit="page")
    rendered = []
    for state in items:
        if (unit_dir(out_dir, state.unit) / layout.NOTEBOOK).is_file():
            export_unit(out_dir, state, export_code, hidden_tags)
            rendered.append(state.unit)
    return rendered


def region_labels(reference_dir: Path = REFERENCE_DIR) -> dict[str, str]:
    path = reference_dir / "regions.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as stream:
        return {row["code"]: row["label"] for row in csv.DictReader(stream)}


def _reason(state: UnitState | None) -> str:
    if state is None:
        return ""
    if state.status == FAILED and state.error:
        return format_failure(state.error)
    if state.status == INVALID and state.validation:
        return f"{format_validation(state.validation, example=False)} (listed in forces/{state.unit}/{layout.VALIDATION})"
    return ""


PARTIAL = "partial"


def not_collated(national: UnitState | None, forces: list[str]) -> list[str]:
    """Forces in the data whose results the national report did not collate (its run's "results" input lists
    the forces it collated): failed, invalid or not run."""
    if national is None:
        return []
    collated = set((national.components or {}).get("results", {}))
    return sorted(set(forces) - collated)


def write_site_index(out_dir: Path, forces: list[str], states: dict[str, UnitState], national: UnitState | None,
                     *, synthetic: bool, provenance: dict[str, Any]) -> Path:
    """OUT/index.html: every force in the data with its status and link, and the national report."""
    from analysis.report.index import IndexEntry, write_index
    from analysis.report.inspector import index_downloads, index_publication, write_reference_pages

    labels = region_labels()
    entries = []
    for code in forces:
        state = states.get(code)
        page = layout.force_dir(out_dir, code) / layout.HTML
        status = state.status if state is not None else "not run"
        linked = state is not None and state.status == OK and page.is_file()
        info = state.info if state is not None else {}
        entries.append(IndexEntry(
            code=code,
            name=info.get("force_name") or code,
            status=status,
            reason=_reason(state),
            href=f"{layout.FORCES}/{code}/{layout.HTML}" if linked else None,
            region=labels.get(info.get("region", ""), info.get("region", "")),
            downloads=index_downloads(out_dir, code) if linked else (),
        ))
    national_entry = None
    if national is not None:
        linked = national.status == OK and (layout.national_dir(out_dir) / layout.HTML).is_file()
        status, reason = national.status, _reason(national)
        missing = not_collated(national, forces)
        if national.status == OK and missing:
            status = PARTIAL
            reason = (f"collated from {len(forces) - len(missing)} of the {len(forces)} forces in the data; not "
                      f"included: {', '.join(missing)}")
        national_entry = IndexEntry(NATIONAL, national.info.get("title") or "National findings", status,
                                    reason, f"{layout.NATIONAL_DIR}/{layout.HTML}" if linked else None,
                                    downloads=index_downloads(out_dir, NATIONAL) if linked else ())
    write_reference_pages(Path(out_dir), synthetic=synthetic)
    return write_index(Path(out_dir) / layout.INDEX, national=national_entry, forces=entries, synthetic=synthetic,
                       provenance=provenance, publication=index_publication(out_dir, synthetic))


def run_provenance_from_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The index page's footer from the last run's manifest."""
    git = manifest.get("git", {})
    shared = manifest.get("shared_inputs", {})
    return {
        "git_commit": git.get("commit", "unknown"), "git_dirty": git.get("dirty", False),
        "executed_at": manifest.get("created_at", ""), "data_dir": manifest.get("data_dir", ""),
        "synthetic": bool(manifest.get("synthetic")),
        "input_hashes": {("force notebook" if k == "force_notebook" else k): v for k, v in shared.items()},
        "package_versions": manifest.get("package_versions", {}),
    }


def export_all(out_dir: Path, *, hidden_tags: tuple[str, ...], only_stale: bool = False,
               progress: bool = False) -> tuple[list[str], Path]:
    """Re-render the pages of every successful unit (or only stale ones) and the index, from what the last
    run left in OUT (executed notebooks, state files, manifest). Returns the units rendered and the index path."""
    from analysis.pipeline.hashing import export_digest
    from analysis.pipeline.manifest import read_manifest

    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir / layout.MANIFEST)
    if manifest is None:
        raise FileNotFoundError(f"no run recorded in {out_dir} (manifest.json missing): run `python -m analysis run` first")
    states = cache.load_all(out_dir)
    national = cache.load(out_dir, NATIONAL)
    rendered = render_pages(out_dir, list(states.values()), national, export_digest(), hidden_tags,
                            only_stale=only_stale, progress=progress)
    forces = sorted(manifest.get("forces") or states)
    index = write_site_index(out_dir, forces, states, national, synthetic=bool(manifest.get("synthetic")),
                             provenance=run_provenance_from_manifest(manifest))
    return rendered, index
