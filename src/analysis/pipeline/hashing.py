"""Digests of what a notebook run depends on, so a run is repeated only when one of its inputs changed.

A force run depends on (DESIGN.md section 7): the force notebook's source, the parameters, that force's data
partition, the analysis package source and the dependency lock. The national run depends on the national
notebook, the parameters, the package, the lock, every force's results table and the validated data.

Each input is summarised by a SHA-256 digest ("component"); a unit's digest combines its components. Digests
ignore what does not change results:
- notebook: cell types, sources and tags only (not outputs, execution counts or editor metadata);
- parameters: params/pipeline.yaml parsed, without its `pipeline:` section (how to run, not what to compute),
  plus the code lists in params/reference/;
- package: src/analysis source and data files, without the orchestration and export code (pipeline/,
  commands/, cli.py, __main__.py, report/export.py, report/index.py, report/statement.py, report/templates/):
  changing how runs
  are scheduled or pages rendered does not change any result. Export code has its own digest (`export_digest`)
  so that pages are re-rendered, not notebooks re-run, when it changes.

Nothing here imports pandas, nbformat or papermill: a run with nothing to do stays fast.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from analysis.paths import PACKAGE_DIR, PROJECT_ROOT, REFERENCE_DIR

LOCK_FILE = PROJECT_ROOT / "requirements.lock"

#: Parts of the package that do not influence results (paths relative to the package folder).
#: Page-rendering additions (issue 15): at-a-glance section, downloads, glossary links, reference pages.
INSPECTOR_PAGES = ("report/inspector.py", "report/glance.py", "report/downloads.py", "report/glossary.py")
NOT_ANALYSIS = ("pipeline/", "commands/", "cli.py", "__main__.py", "report/export.py", "report/index.py",
                "report/statement.py", "report/templates/", *INSPECTOR_PAGES)
#: Parts that shape the reviewer pages.
EXPORT_CODE = ("report/export.py", "report/templates/", *INSPECTOR_PAGES)
PACKAGE_SUFFIXES = {".py", ".json", ".yaml", ".yml", ".csv", ".txt", ".j2", ".css", ".html", ".md"}
CHUNK = 1 << 20


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def combine(value) -> str:
    """SHA-256 of a JSON-serialisable value (mappings in key order), to merge component digests."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def files_digest(root: Path, paths: Iterable[Path]) -> str:
    """One digest of several files: their paths relative to `root` and their contents."""
    return combine({p.relative_to(root).as_posix(): file_digest(p) for p in sorted(paths)})


def notebook_digest(path: str | Path) -> str:
    """Digest of what a notebook computes: kernel, cell types, sources and tags (outputs ignored)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        cells.append({
            "type": cell.get("cell_type"),
            "source": "".join(source) if isinstance(source, list) else source,
            "tags": sorted(cell.get("metadata", {}).get("tags", [])),
        })
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    return combine({"kernel": kernel, "cells": cells})


def parameters_digest(params_file: str | Path, reference_dir: Path = REFERENCE_DIR) -> str:
    """Digest of the analysis parameters: the settings file without its `pipeline` section, and the code lists."""
    import yaml

    settings = yaml.safe_load(Path(params_file).read_text(encoding="utf-8")) or {}
    if isinstance(settings, dict):
        settings = {k: v for k, v in settings.items() if k != "pipeline"}
    lists = sorted(Path(reference_dir).glob("*.csv")) if Path(reference_dir).is_dir() else []
    return combine({"settings": settings, "reference": files_digest(Path(reference_dir), lists) if lists else None})


def _package_files(package_dir: Path, include: tuple[str, ...] | None, exclude: tuple[str, ...]) -> list[Path]:
    chosen = []
    for path in package_dir.rglob("*"):
        if not path.is_file() or path.suffix not in PACKAGE_SUFFIXES or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(package_dir).as_posix()
        if include is not None and not relative.startswith(include):
            continue
        if relative.startswith(exclude):
            continue
        chosen.append(path)
    return chosen


def package_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """Digest of the analysis code the notebooks use (orchestration and export code left out)."""
    return files_digest(package_dir, _package_files(package_dir, None, NOT_ANALYSIS))


def export_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """Digest of the code and templates that render reviewer pages."""
    return files_digest(package_dir, _package_files(package_dir, EXPORT_CODE, ()))


def lock_digest(lock_file: Path = LOCK_FILE) -> str:
    """Digest of the dependency lock ("absent" when there is none)."""
    return file_digest(lock_file) if Path(lock_file).is_file() else "absent"


def partition_digests(data_dir: str | Path, force_code: str) -> dict[str, str]:
    """Digest of every file of one force's data partition (DIR/<force>/...), by file name."""
    folder = Path(data_dir) / force_code
    return {p.relative_to(folder).as_posix(): file_digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass(frozen=True)
class Shared:
    """Components shared by every force run (computed once per pipeline run)."""

    notebook: str
    parameters: str
    package: str
    lock: str


def shared_components(notebook: Path, params_file: Path, *, package_dir: Path = PACKAGE_DIR,
                      reference_dir: Path = REFERENCE_DIR, lock_file: Path = LOCK_FILE) -> Shared:
    return Shared(
        notebook=notebook_digest(notebook),
        parameters=parameters_digest(params_file, reference_dir),
        package=package_digest(package_dir),
        lock=lock_digest(lock_file),
    )


@dataclass
class Inputs:
    """The components of one unit's inputs. Values are digests, or mappings of digests (data files, forces)."""

    components: dict[str, str | dict[str, str]] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return combine(self.components)

    def flat(self) -> dict[str, str]:
        """One digest per component (mappings combined), for the provenance footer and manifest."""
        return {name: value if isinstance(value, str) else combine(value) for name, value in self.components.items()}


def force_inputs(shared: Shared, data_dir: str | Path, force_code: str) -> Inputs:
    """Everything a force run depends on."""
    return Inputs({
        "notebook": shared.notebook,
        "parameters": shared.parameters,
        "package": shared.package,
        "lock": shared.lock,
        "data": partition_digests(data_dir, force_code),
    })


def national_inputs(shared: Shared, results: Mapping[str, str], data: Mapping[str, str]) -> Inputs:
    """Everything the national run depends on: `results` and `data` map force code -> digest."""
    return Inputs({
        "notebook": shared.notebook,
        "parameters": shared.parameters,
        "package": shared.package,
        "lock": shared.lock,
        "results": dict(sorted(results.items())),
        "data": dict(sorted(data.items())),
    })


COMPONENT_LABELS = {
    "notebook": "notebook changed",
    "parameters": "parameters changed",
    "package": "analysis package source changed",
    "lock": "requirements.lock changed",
}


def describe_changes(before: Mapping, after: Mapping) -> list[str]:
    """Plain words for what differs between two component mappings, e.g. "data changed: offences.parquet"."""
    reasons = []
    order = list(COMPONENT_LABELS)
    for name in sorted(set(before) | set(after), key=lambda n: (order.index(n) if n in order else len(order), n)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
            added = sorted(set(new) - set(old))
            removed = sorted(set(old) - set(new))
            parts = []
            if changed:
                parts.append(", ".join(changed))
            if added:
                parts.append("added " + ", ".join(added))
            if removed:
                parts.append("removed " + ", ".join(removed))
            reasons.append(f"{name} changed: {'; '.join(parts)}")
        else:
            reasons.append(COMPONENT_LABELS.get(name, f"{name} changed"))
    return reasons
