"""The two kinds of record ingestion reports: problems (`Issue`) and safe corrections (`Normalisation`).

An `Issue` is one row of a force's errors.csv: where the problem is (file, sheet, spreadsheet row, column),
the value found, the rule broken and a plain-English message. Contract rules come from `analysis.validate`
(`validate.RULES`); problems found before validation can run are named by `INGEST_RULES`.

A `Normalisation` is one row of normalisations.csv: a correction that cannot change meaning (surrounding
spaces, capital letters of a code, an Excel date cell written as YYYY-MM-DD, Yes/No for true/false, text
encoding), with how many rows it touched and one example before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Rules of problems found while reading a return, before the contract can be checked.
INGEST_RULES = {
    "not_a_return": "the file is not an accepted form of return (an .xlsx workbook or a folder of CSV files)",
    "unreadable": "the file cannot be read: empty, not a spreadsheet, damaged or password-protected",
    "damaged": "the file is damaged or incomplete (cut short in transfer, or a part fails its checksum): ask the force to send it again",
    "too_large": "a file, part, row, column or value is beyond a reading limit (ingest section of params/pipeline.yaml)",
    "encoding": "a CSV file's text encoding cannot be told safely (not UTF-8 or UTF-16), or it mixes encodings",
    "symlink": "a file or folder in the returns folder is a symbolic link to somewhere outside it",
    "storage": "the validated data or the report could not be written (a full or read-only disk, or no permission)",
    "duplicate_return": "the same force has more than one return in the folder",
    "two_forces": "one file holds returns for more than one force",
    "duplicate_table": "two sheets or files are the same table",
    "duplicate_column": "a column header appears twice on one sheet",
    "extra_values": "a row has values beyond the last column header",
    "blank_row": "an empty row between records",
    "excel_error": "a cell holds an Excel error such as #REF! or #N/A, or a formula whose result was never saved, instead of a value",
    "pseudonymisation": "identifiers could not be pseudonymised",
    "internal_error": "ingestion failed unexpectedly (a fault in the software, not in the return)",
}

ISSUE_COLUMNS = ("file", "sheet", "row", "column", "value", "rule", "message")
NORMALISATION_COLUMNS = ("file", "table", "column", "kind", "normalisation", "rows_affected", "example_before", "example_after")
#: Kinds of normalisation: a `conversion` reads a value the form stores natively (an Excel date cell, a byte
#: order mark) and needs no action; a `correction` fixes a slip the force should also fix at source.
NORMALISATION_KINDS = ("conversion", "correction")


@dataclass(frozen=True)
class Issue:
    """One problem in a return (a row of errors.csv). `row` counts as a spreadsheet does: header is row 1."""

    file: str
    sheet: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str


@dataclass
class Normalisation:
    """One kind of safe correction applied to one column (a row of normalisations.csv)."""

    file: str
    table: str
    column: str
    kind: str  # one of NORMALISATION_KINDS
    normalisation: str
    rows_affected: int
    example_before: str
    example_after: str


class ReadError(Exception):
    """A problem that stops a file being read at all; carries the rule and the message for the report."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message
