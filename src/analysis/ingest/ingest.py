"""Ingest every force's return in a folder: read, normalise, validate, write validated Parquet, report.

For each return found by `discover` (DESIGN.md section 2, "ingest"):
1. read it as submitted (`read`), reporting files that cannot be read with the reason;
2. apply only the corrections that cannot change meaning and count them (`normalise`);
3. refuse a file that holds more than one force;
4. check it against the data contract (`analysis.validate.validate_tables`), mapping every failure back to the
   file, sheet and spreadsheet row it came from;
5. if, and only if, nothing failed: type it (`returns_io.to_canonical`), prove that no value changed in typing
   (`verify.typing_losses`), optionally pseudonymise identifiers (`pseudonymise`), write it with
   `returns_io.write_force` into a temporary folder, read it back and compare (`verify.parquet_losses`), then
   rename it into OUT/<force>/ (`analysis.atomic.publish_directory`);
6. write REPORTS/<force>/ (errors.csv, errors.md, normalisations.csv), whatever the outcome.

Input files are only ever opened for reading. A return that fails is not written, and leaves any earlier
validated data for that force in place; it never stops the other forces.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analysis import reference, returns_io
from analysis.contract import SYNTHETIC_FORCE_CODE_PATTERN, TABLES
from analysis.atomic import publish_directory
from analysis.ingest.discover import ReturnSource, discover, ignored
from analysis.ingest.folders import check_folders, outside, storage_words
from analysis.ingest.issues import Issue, Normalisation, ReadError
from analysis.ingest.limits import Limits, load_limits
from analysis.ingest.normalise import NormalisedReturn, normalise
from analysis.ingest.pseudonymise import METHOD, PseudonymisationError, check_key, identifier_domains, pseudonymise
from analysis.ingest.read import RawSheet, read_csv_file, read_workbook
from analysis.ingest.report import ForceReport, write_report, write_summary
from analysis.ingest.safe import WITHHELD as SAFE_WITHHELD
from analysis.ingest.verify import parquet_losses, typing_losses

log = logging.getLogger(__name__)

PSEUDONYMISED = f"identifier replaced by a pseudonym ({METHOD})"
WITHHELD = SAFE_WITHHELD


def default_reports_dir(out: Path) -> Path:
    """Where reports go when no folder is given: beside OUT, named OUT_reports (never inside OUT)."""
    out = Path(out)
    return out.with_name(f"{out.name}_reports")


def read_return(source: ReturnSource, limits: Limits | None = None) -> tuple[list[RawSheet], list[Issue], set[str]]:
    """The sheets of one return, problems that stopped a file being read, and the tables those files were.

    Files of a CSV return that are symbolic links to somewhere outside the returns folder are refused (`symlink`).
    """
    limits = limits or load_limits()
    if source.form == "xlsx":
        try:
            return read_workbook(source.path, limits), [], set()
        except ReadError as error:
            return [], [Issue(str(source.path), "", None, None, None, error.rule, error.message)], set()
        except OSError as error:
            return [], [Issue(str(source.path), "", None, None, None, "unreadable", _unopenable(source.path, error))], set()
    sheets, issues, unreadable = [], [], set()
    root = source.path.parent
    for path in sorted(source.path.iterdir()):
        if ignored(path):
            continue
        if path.is_symlink() and outside(path, root):
            issues.append(Issue(str(path), path.stem, None, None, None, "symlink",
                                f"{source.name}/{path.name} is a symbolic link to a file outside the returns folder: it was not "
                                "read. Copy the file itself into the return's folder."))
            unreadable.add(path.stem)
            continue
        if path.suffix.casefold() != ".csv" or not path.is_file():
            issues.append(Issue(str(path), "", None, None, None, "not_a_return",
                                f"{source.name}/{path.name} is not a CSV file: a CSV return folder holds only one CSV file per table."))
            continue
        try:
            sheets.append(read_csv_file(path, limits))
        except ReadError as error:
            issues.append(Issue(str(path), path.stem, None, None, None, error.rule, error.message))
            unreadable.add(path.stem)
        except OSError as error:
            issues.append(Issue(str(path), path.stem, None, None, None, "unreadable", _unopenable(path, error)))
            unreadable.add(path.stem)
    return sheets, issues, unreadable


def _unopenable(path: Path, error: OSError) -> str:
    return f"{path.name} could not be opened for reading ({error.strerror or error}): check the file's permissions and run ingest again."


def _known_force(code: str) -> bool:
    return code in set(reference.codes("forces")) or re.fullmatch(SYNTHETIC_FORCE_CODE_PATTERN, code) is not None


def two_forces(source: ReturnSource, nr: NormalisedReturn) -> Issue | None:
    """An issue when the return holds more than one force: force_profile names two, or two real force codes appear."""
    profile_codes: list[str] = []
    all_codes: list[str] = []
    for table, frame in nr.tables.items():
        if "force_code" not in frame.columns:
            continue
        codes = [c for c in dict.fromkeys(frame["force_code"].tolist()) if c.strip()]
        all_codes += [c for c in codes if c not in all_codes]
        if table == "force_profile":
            profile_codes = codes
    known = [c for c in all_codes if _known_force(c)]
    codes = profile_codes if len(profile_codes) > 1 else known if len(known) > 1 else None
    if codes is None:
        return None
    sheet = nr.sheets.get("force_profile")
    return Issue(str(source.path), sheet.label if sheet else "", None, "force_code", ", ".join(codes), "two_forces",
                 f"{source.path.name} holds returns for more than one force ({', '.join(codes)}): submit one return per "
                 "force, each named with its own force code.")


def validation_issues(source: ReturnSource, nr: NormalisedReturn, unreadable: set[str]) -> list[Issue]:
    """Validate the normalised tables and express each failure against the file, sheet and row it came from."""
    from analysis.validate import validate_tables

    files = {table: str(sheet.file) for table, sheet in nr.sheets.items()}
    report = validate_tables(nr.tables, source=str(source.path), files=files, expected_force_code=source.name)
    already = {(i.sheet, i.row, i.column) for i in nr.issues if i.rule == "type"}
    issues = []
    for failure in report.failures:
        if failure.rule == "missing_table" and failure.table in unreadable:
            continue  # the file is there but could not be read: already reported with the reason
        sheet = nr.sheets.get(failure.table)
        row = failure.row
        if sheet is not None and row is not None and 0 <= row - 2 < len(sheet.row_numbers):
            row = sheet.row_numbers[row - 2]
            if row in nr.blank_rows.get(failure.table, ()):
                continue  # reported once as a blank row below
            if failure.rule == "type" and (sheet.label, row, failure.column) in already:
                continue  # reported while reading, with what the cell held (a number or a time in a date column)
        issues.append(Issue(str(sheet.file) if sheet else str(source.path), sheet.label if sheet else failure.table,
                            row, failure.column, failure.value, failure.rule, failure.message))
    for table, rows in nr.blank_rows.items():
        sheet = nr.sheets[table]
        issues += [Issue(str(sheet.file), sheet.label, n, None, "", "blank_row",
                         f"{sheet.label} row {n}: the row is empty but records follow it: delete the row "
                         "(records must be on consecutive rows).") for n in sorted(rows)]
    # Sheet by sheet in the order of the return, whole-sheet problems first, then row by row (a stable sort
    # keeps validation's order of checks within a row).
    order = {sheet.label: i for i, sheet in enumerate(nr.sheets.values())}
    return sorted(issues, key=lambda i: (order.get(i.sheet, len(order)), -1 if i.row is None else i.row))


def _pseudonymised_notes(source: ReturnSource, tables: dict[str, pd.DataFrame], notes: list[Normalisation]) -> list[Normalisation]:
    """Withhold identifier examples from the corrections list and add one line per pseudonymised column."""
    domains = identifier_domains()
    kept = [Normalisation(n.file, n.table, n.column, n.kind, n.normalisation, n.rows_affected, WITHHELD, WITHHELD)
            if (n.table, n.column) in domains else n for n in notes]
    for table, column in domains:
        count = int(tables[table][column].notna().sum())
        kept.append(Normalisation(str(source.path), table, column, "conversion", PSEUDONYMISED, count, "", ""))
    return kept


def _publish(source: ReturnSource, nr: NormalisedReturn, out: Path, key: bytes | None, report: ForceReport) -> None:
    """Type, check, pseudonymise and write one passing return; adds an issue instead when any check fails."""
    canonical = {}
    for name, table in TABLES.items():
        canonical[name] = returns_io.to_canonical(table, nr.tables[name])
        sheet = nr.sheets[name]
        for position, column, given, typed in typing_losses(table, nr.tables[name], canonical[name]):
            row = sheet.row_numbers[position] if 0 <= position < len(sheet.row_numbers) else None
            report.issues.append(Issue(str(sheet.file), sheet.label, row, column, given, "internal_error",
                                       f"{sheet.label} row {row}, column {column}: the value '{given}' would be stored as "
                                       f"'{typed}'; the return is not stored. This is a fault in the software: report it."))
    if report.issues:
        return
    if key is not None:
        canonical = pseudonymise(canonical, source.name, key)
        report.pseudonymised = True
        report.normalisations = _pseudonymised_notes(source, canonical, report.normalisations)

    def fill(staging: Path) -> None:
        returns_io.write_force(canonical, staging, source.name, "parquet")
        problems = parquet_losses(staging, source.name, canonical)
        if problems:
            raise RuntimeError("the Parquet files read back differ from the validated data: " + "; ".join(problems))
        for path in (staging / source.name).iterdir():
            path.rename(staging / path.name)
        (staging / source.name).rmdir()

    try:
        report.written_to = publish_directory(Path(out) / source.name, fill)
    except OSError as error:  # publish_directory removed its temporary folder: nothing half-written is left
        log.debug("writing %s failed", source.name, exc_info=True)
        report.issues.append(Issue(str(source.path), "", None, None, None, "storage",
                                   f"the validated data of {source.name} could not be written to {out}: {storage_words(error)}. "
                                   "Nothing was written for this force (earlier validated data, if any, is unchanged); free "
                                   "space or fix the folder's permissions and run ingest again."))
        report.written_to = None


def ingest_return(source: ReturnSource, out: Path, reports_dir: Path, key: bytes | None = None,
                  limits: Limits | None = None) -> ForceReport:
    """Ingest one return (see the module docstring); writes its report and, if it passes, its Parquet files.

    With a `key` (pseudonymised ingest) the report never quotes identifiers or free text. A storage fault while
    writing the validated data is reported for this force (rule `storage`); one while writing the report itself
    raises OSError (the caller stops: nothing more can be reported).
    """
    report = ForceReport(source.name, source.path, source.description, withhold_values=key is not None)
    try:
        if source.issue is not None:
            report.issues.append(source.issue)
        else:
            sheets, read_problems, unreadable = read_return(source, limits)
            report.issues += read_problems
            report.files = {str(s.file): s.encoding or "" for s in sheets} if source.form == "csv" else {str(source.path): ""}
            if sheets:
                nr = normalise(sheets, (limits or load_limits()).years_before_period)
                report.normalisations = nr.normalisations
                report.issues += nr.issues
                report.rows = {t: len(f) for t, f in nr.tables.items()}
                mixed = two_forces(source, nr)
                if mixed is not None:
                    report.issues.append(mixed)
                else:
                    report.issues += validation_issues(source, nr, unreadable)
                if not report.issues:
                    _publish(source, nr, out, key, report)
    except PseudonymisationError as error:
        report.issues.append(Issue(str(source.path), "", None, None, None, "pseudonymisation", str(error)))
    except Exception as error:  # one force's fault must not stop the others; the report says what happened
        log.debug("ingesting %s failed", source.path, exc_info=True)
        report.issues.append(Issue(str(source.path), "", None, None, None, "internal_error",
                                   f"ingestion of {source.path.name} failed unexpectedly ({type(error).__name__}: {error}). "
                                   "This is a fault in the software, not necessarily in the return: report it."))
        report.written_to = None
    write_report(report, reports_dir)
    return report


def ingest_directory(returns: Path, out: Path, reports_dir: Path | None = None, key: bytes | None = None,
                     progress: bool | None = None, limits: Limits | None = None) -> list[ForceReport]:
    """Ingest every return in `returns` into `out` (Parquet) and `reports_dir` (reports); one report per return.

    `progress`: show a progress bar (default: when standard error is a terminal). `limits`: reading limits
    (default: the `ingest` section of params/pipeline.yaml). Raises FileNotFoundError when `returns` is missing,
    FolderError when the folders are the same, nested or cannot be written (checked before anything is read or
    written), and OSError when a report cannot be written (a disk that fills or turns read-only during the run).
    """
    returns, out = Path(returns), Path(out)
    if not returns.is_dir():
        raise FileNotFoundError(f"the returns folder {returns} does not exist")
    reports_dir = Path(reports_dir) if reports_dir is not None else default_reports_dir(out)
    limits = limits or load_limits()
    if key is not None:
        check_key(key)  # raises PseudonymisationError before anything is read or written
    check_folders(returns, out, reports_dir)
    sources = discover(returns)
    disable = not sys.stderr.isatty() if progress is None else not progress
    results = [ingest_return(s, out, reports_dir, key, limits) for s in tqdm(sources, desc="ingest", unit="return", disable=disable)]
    if results:
        write_summary(results, reports_dir)
    return results
