"""Find every force's return in a folder, and name what is there but is not a return.

A return is `FORCE.xlsx` (a filled template) or a folder `FORCE/` of CSV files, one per table (DESIGN.md section
3). Anything else that a person put in the folder (a PDF, an old .xls, a loose CSV file, an empty folder, the same
force twice) becomes a `ReturnSource` with an `issue`, so the report names it rather than skipping it silently.
Hidden files, Excel's lock files (`~$...`) and operating-system clutter are ignored. A file or folder that is a
symbolic link to somewhere outside the returns folder is refused (rule `symlink`) and never followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.ingest.folders import outside
from analysis.ingest.issues import Issue

IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
_SUFFIX_HINTS = {
    ".xls": "it is an old-format Excel file: open it in Excel and save it as 'Excel Workbook (.xlsx)'",
    ".xlsm": "it is a macro-enabled workbook: save it as 'Excel Workbook (.xlsx)' (macros are not accepted)",
    ".xlsb": "it is a binary workbook: save it as 'Excel Workbook (.xlsx)'",
    ".ods": "it is an OpenDocument spreadsheet: save it as 'Excel Workbook (.xlsx)'",
    ".csv": "CSV files must be in a folder named with the force code, one file per table (for example FORCE/offences.csv)",
    ".zip": "unzip it: the folder must hold the .xlsx workbook or a folder of CSV files itself",
    ".pdf": "a PDF cannot be read: submit the completed Excel template (.xlsx)",
}


@dataclass(frozen=True)
class ReturnSource:
    """One return found in the folder: its force name, path and form ("xlsx", "csv" or "invalid")."""

    name: str
    path: Path
    form: str
    issue: Issue | None = None

    @property
    def description(self) -> str:
        return {"xlsx": "Excel workbook", "csv": "folder of CSV files"}.get(self.form, "not a return")


def ignored(path: Path) -> bool:
    """True for files nobody meant to submit (hidden files, Excel lock files, system files)."""
    return path.name.startswith((".", "~$")) or path.name.casefold() in IGNORED_NAMES


def _invalid(path: Path, message: str, rule: str = "not_a_return") -> ReturnSource:
    name = path.name if path.is_dir() else path.stem
    return ReturnSource(name, path, "invalid", Issue(str(path), "", None, None, None, rule, message))


def discover(directory: Path) -> list[ReturnSource]:
    """Every return (and every thing that is not one) in `directory`, sorted by force name."""
    directory = Path(directory)
    found: list[ReturnSource] = []
    for path in sorted(directory.iterdir()):
        if ignored(path):
            continue
        if path.is_symlink() and outside(path, directory):
            found.append(_invalid(path, f"{path.name} is a symbolic link to a place outside the returns folder: it was not "
                                        "followed. Copy the return itself into the returns folder.", rule="symlink"))
            continue
        if path.is_dir():
            if any(p.suffix.casefold() == ".csv" and p.is_file() and not ignored(p) for p in path.iterdir()):
                found.append(ReturnSource(path.name, path, "csv"))
            else:
                found.append(_invalid(path, f"the folder {path.name} holds no CSV files: a CSV return is one file "
                                            "per table in a folder named with the force code (for example "
                                            f"{path.name}/offences.csv)."))
        elif path.suffix.casefold() == ".xlsx":
            found.append(ReturnSource(path.stem, path, "xlsx"))
        else:
            hint = _SUFFIX_HINTS.get(path.suffix.casefold(), "submit the completed Excel template (.xlsx) or a folder of CSV files")
            found.append(_invalid(path, f"{path.name} is not a return: {hint}."))
    by_name: dict[str, list[ReturnSource]] = {}
    for source in found:
        by_name.setdefault(source.name, []).append(source)
    out = []
    for name, sources in sorted(by_name.items()):
        if len(sources) == 1:
            out.append(sources[0])
            continue
        paths = " and ".join(s.path.name for s in sources)
        out.append(ReturnSource(name, sources[0].path, "invalid",
                                Issue(str(directory), "", None, None, None, "duplicate_return",
                                      f"force {name} has more than one return ({paths}): keep only the one to be used.")))
    return out
