"""Ingestion of force returns: read, normalise safely, validate, write validated Parquet and error reports.

Modules, one job each: `discover` (find returns in a folder), `read` (read workbooks and CSV files as
submitted), `normalise` (safe corrections, each reported), `pseudonymise` (keyed hash of identifiers), `verify`
(prove no value is lost), `report` (errors.csv, errors.md, normalisations.csv), `atomic` (publish folders
atomically), `ingest` (the whole flow). `python -m analysis ingest` is the command.
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
