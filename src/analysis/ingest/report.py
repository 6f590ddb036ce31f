"""Write a force's ingestion report: errors.csv, errors.md (readable summary) and normalisations.csv.

The report folder REPORTS/<force>/ is written to a temporary folder and renamed into place, so a reader never
sees half a report. errors.csv has one row per problem (file, sheet, row, column, value, rule, message);
errors.md says whether the return was accepted, counts problems by sheet and rule, lists them, and lists the
corrections made automatically. The report of a return that failed holds the values that failed (the analyst needs
them to find the cells), so it is handled as carefully as the return itself.

Every cell written is made safe by `analysis.ingest.safe`: formula triggers neutralised (OWASP CSV injection),
long values cut with a marker, and for a pseudonymised ingest (`ForceReport.withhold_values`) identifiers and free
text withheld, in values, messages and correction examples alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.atomic import publish_directory, write_text_atomic
from analysis.ingest.issues import INGEST_RULES, ISSUE_COLUMNS, NORMALISATION_COLUMNS, Issue, Normalisation
from analysis.ingest.safe import MESSAGE_CHARS, WITHHELD, cut, neutralise_frame, quotable, shorten_in

#: errors.md lists this many problems; errors.csv always has all of them.
MD_LIMIT = 200
GUIDE = "docs/returns_guide.md"


@dataclass
class ForceReport:
    """What ingestion found for one force's return."""

    name: str
    source: Path
    form: str  # "Excel workbook", "folder of CSV files" or what the file was
    issues: list[Issue] = field(default_factory=list)
    normalisations: list[Normalisation] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # file read -> how (encoding for CSV files)
    rows: dict[str, int] = field(default_factory=dict)  # table -> records read
    pseudonymised: bool = False
    withhold_values: bool = False  # a pseudonymised ingest: identifiers and free text are never quoted
    written_to: Path | None = None

    @property
    def passed(self) -> bool:
        return not self.issues


def safe_issue(issue: Issue, withhold: bool = False) -> Issue:
    """The issue as a report may show it: its value cut when long (in the message too), or withheld (value and
    every copy of it in the message) when `withhold` and the column is not one whose values may be quoted."""
    value, message = issue.value, issue.message
    if withhold and value and not quotable(issue.column):
        message, value = shorten_in(message, value, WITHHELD), WITHHELD
    else:
        message, value = shorten_in(message, value), cut(value)
    return Issue(issue.file, issue.sheet, issue.row, issue.column, value, issue.rule, cut(message, MESSAGE_CHARS))


def safe_normalisation(record: Normalisation, withhold: bool = False) -> Normalisation:
    """The correction as a report may show it: examples cut when long, or withheld (see `safe_issue`)."""
    if withhold and not quotable(record.column) and (record.example_before or record.example_after):
        before = after = WITHHELD
    else:
        before, after = cut(record.example_before), cut(record.example_after)
    return Normalisation(record.file, record.table, record.column, record.kind, record.normalisation,
                         record.rows_affected, before, after)


def issues_frame(issues: list[Issue], withhold: bool = False) -> pd.DataFrame:
    """errors.csv as a table: one row per issue, every value made safe (see `safe_issue`, `safe.neutralise`)."""
    safe = [safe_issue(i, withhold) for i in issues]
    frame = pd.DataFrame([[getattr(i, c) for c in ISSUE_COLUMNS] for i in safe], columns=list(ISSUE_COLUMNS), dtype=object)
    frame["row"] = frame["row"].astype("Int64")
    return neutralise_frame(frame)


def normalisations_frame(records: list[Normalisation], withhold: bool = False) -> pd.DataFrame:
    """normalisations.csv as a table, every value made safe (see `safe_normalisation`, `safe.neutralise`)."""
    safe = [safe_normalisation(n, withhold) for n in records]
    frame = pd.DataFrame([[getattr(n, c) for c in NORMALISATION_COLUMNS] for n in safe], columns=list(NORMALISATION_COLUMNS), dtype=object)
    frame["rows_affected"] = frame["rows_affected"].astype("Int64")
    return neutralise_frame(frame)


def _cell(value: object, limit: int | None = 80) -> str:
    """A value made safe for a markdown table cell (long values are shortened when `limit` is given)."""
    if value is None or value is pd.NA:
        return ""
    text = (str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
            .replace("<", "\\<").replace(">", "\\>").replace("`", "\\`"))
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def markdown(report: ForceReport) -> str:
    """The readable summary (errors.md) of one force's report (values made safe as in errors.csv)."""
    issues = [safe_issue(i, report.withhold_values) for i in report.issues]
    normalisations = [safe_normalisation(n, report.withhold_values) for n in report.normalisations]
    lines = [f"# Return check: {report.name}", ""]
    if report.passed:
        where = f" Validated data was written to `{report.written_to}`." if report.written_to else ""
        lines.append(f"**PASSED**: the return meets the data contract and was accepted.{where}")
    else:
        total = len(issues)
        lines.append(f"**FAILED**: {total} problem{'s' if total != 1 else ''} found. The return was not accepted: "
                     "correct every problem listed below in your force's copy and resubmit the whole return.")
    lines += ["", f"- Return: `{report.source}` ({report.form})"]
    for file, how in report.files.items():
        lines.append(f"- Read `{file}`" + (f" ({how})" if how else ""))
    if report.rows:
        lines.append("- Records read: " + ", ".join(f"{t} {n}" for t, n in report.rows.items()))
    lines.append("- Identifiers pseudonymised: " + ("yes (HMAC-SHA256 keyed hash; the key is not stored)" if report.pseudonymised else "no"))
    if issues:
        lines += ["", "## Problems by sheet and rule", "", "| sheet | rule | problems |", "|---|---|---:|"]
        for (sheet, rule), n in sorted(Counter((i.sheet, i.rule) for i in issues).items()):
            lines.append(f"| {_cell(sheet)} | {rule} | {n} |")
        shown = issues[:MD_LIMIT]
        title = "## Problems" if len(shown) == len(issues) else f"## Problems (first {len(shown)} of {len(issues)}; errors.csv lists all)"
        lines += ["", title, "", "| sheet | row | column | value | rule | what is wrong |", "|---|---:|---|---|---|---|"]
        for i in shown:
            lines.append(f"| {_cell(i.sheet)} | {'' if i.row is None else i.row} | {_cell(i.column)} | {_cell(i.value)} | {i.rule} | {_cell(i.message, None)} |")
        used = sorted({i.rule for i in issues} & set(INGEST_RULES))
        if used:
            lines += ["", "Rules found while reading the return: " + "; ".join(f"`{r}`: {INGEST_RULES[r]}" for r in used) + "."]
    sections = (
        ("correction", "Corrected automatically",
         "These differences cannot change the meaning of a value, so they were corrected here. Please also correct "
         "them at source for the next return."),
        ("conversion", "Read as stored (no action needed)",
         "Values the form stores in its own way (Excel date and TRUE/FALSE cells, a byte order mark, pseudonyms), "
         "written in the contract's form."),
    )
    for kind, title, text in sections:
        records = [n for n in normalisations if n.kind == kind]
        if not records:
            continue
        lines += ["", f"## {title}", "", text, "", "| table | column | what | rows | example |", "|---|---|---|---:|---|"]
        for n in records:
            example = f"'{_cell(n.example_before)}' -> '{_cell(n.example_after)}'" if (n.example_before or n.example_after) else ""
            lines.append(f"| {_cell(n.table)} | {_cell(n.column)} | {n.normalisation} | {n.rows_affected} | {example} |")
    lines += ["", f"How to read this report: see {GUIDE} (rows count as in Excel: the header is row 1).", ""]
    return "\n".join(lines)


def write_report(report: ForceReport, reports_dir: Path) -> Path:
    """Write REPORTS/<force>/{errors.csv, errors.md, normalisations.csv} atomically; returns the folder."""
    def fill(staging: Path) -> None:
        issues_frame(report.issues, report.withhold_values).to_csv(staging / "errors.csv", index=False, encoding="utf-8", lineterminator="\n")
        normalisations_frame(report.normalisations, report.withhold_values).to_csv(staging / "normalisations.csv", index=False, encoding="utf-8", lineterminator="\n")
        (staging / "errors.md").write_text(markdown(report), encoding="utf-8")

    return publish_directory(Path(reports_dir) / report.name, fill)


def write_summary(reports: list[ForceReport], reports_dir: Path) -> Path:
    """REPORTS/summary.csv: one row per return with its status and counts (written atomically)."""
    frame = pd.DataFrame(
        [[r.name, str(r.source), "passed" if r.passed else "failed", len(r.issues),
          sum(n.rows_affected for n in r.normalisations if n.kind == "correction"), r.pseudonymised, "" if r.written_to is None else str(r.written_to)]
         for r in reports],
        columns=["force", "source", "status", "problems", "corrected_values", "pseudonymised", "written_to"],
        dtype=object,
    )
    frame = neutralise_frame(frame)
    return write_text_atomic(Path(reports_dir) / "summary.csv", frame.to_csv(index=False, lineterminator="\n"))
