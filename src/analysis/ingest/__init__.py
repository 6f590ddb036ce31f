"""Ingestion of force returns: read, normalise safely, validate, write validated Parquet and error reports.

Modules, one job each: `folders` (the three folders are separate and writable; nothing read through a link out
of the returns folder), `discover` (find returns in a folder), `limits` (how much will be read:
params/pipeline.yaml `ingest`), `archive` (a workbook's zip parts complete, undamaged and within the limits),
`read` (read workbooks and CSV files as submitted, streamed and bounded), `normalise` (safe corrections, each
reported), `pseudonymise` (keyed hash of identifiers; key checks), `verify` (prove no value is lost), `safe`
(report cells neutralised, cut or withheld), `report` (errors.csv, errors.md, normalisations.csv), `ingest` (the
whole flow). `python -m analysis ingest` is the command.
"""

from analysis.ingest.ingest import default_reports_dir, ingest_directory, ingest_return
from analysis.ingest.issues import INGEST_RULES, Issue, Normalisation
from analysis.ingest.report import ForceReport

__all__ = [
    "INGEST_RULES",
    "ForceReport",
    "Issue",
    "Normalisation",
    "default_reports_dir",
    "ingest_directory",
    "ingest_return",
]
