"""Write the data dictionary (docs/data_dictionary.md) from the data contract.

The dictionary is what a force analyst reads to prepare a return. It is generated, never edited by hand,
so it cannot drift from `analysis.contract` (the declaration) or `analysis.validate` (the checks):
tests/test_contract_docs.py fails when the committed file differs from `render()`.
"""

from __future__ import annotations

from pathlib import Path

from analysis import reference
from analysis.contract import OUTCOME_NOT_YET_ASSIGNED, TABLES, Column, Table
from analysis.paths import DOCS_DIR
from analysis.validate import EXTRA_RULES, GENERAL_RULES, INT_CODELISTS, int_codes

DEFAULT_PATH = DOCS_DIR / "data_dictionary.md"

#: Code lists this short are printed in full next to the table that uses them.
INLINE_CODES_MAX = 25

_TYPE_TEXT = {
    "id": "identifier (text)",
    "code": "code (text)",
    "text": "text",
    "int": "whole number",
    "float": "number",
    "date": "date YYYY-MM-DD",
    "bool": "true / false",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _codelist_of(table: Table, column: Column) -> str | None:
    return column.codelist or INT_CODELISTS.get((table.name, column.name))


def _allowed(table: Table, column: Column) -> str:
    parts = []
    if column.minimum is not None and column.maximum is not None:
        parts.append(f"{_number(column.minimum)} to {_number(column.maximum)}")
    elif column.minimum is not None:
        parts.append(f"at least {_number(column.minimum)}")
    elif column.maximum is not None:
        parts.append(f"at most {_number(column.maximum)}")
    if (table.name, column.name) in INT_CODELISTS:
        _, retired = int_codes(INT_CODELISTS[(table.name, column.name)])
        refused = ", ".join(str(c) for c in sorted(retired))
        parts.append(f"{OUTCOME_NOT_YET_ASSIGNED} (no outcome yet) or a code in use in the list; retired and refused: {refused}")
    if table.name == "force_profile" and column.name == "force_code":
        parts.append("a force_code of [forces](../params/reference/forces.csv), or SYN and two digits (e.g. SYN01) when is_synthetic is true")
    if column.unique:
        parts.append("unique")
    if column.references is not None:
        target_table, target_column = column.references
        parts.append(f"must be a {target_column} of [{target_table}](#{target_table})")
    return "; ".join(parts)


def _table_section(table: Table) -> list[str]:
    lines = [
        f"## {table.name}",
        "",
        f"One row per {table.one_row_per}. Key: {', '.join(table.key)}.",
        "",
        "| column | type | required | code list | allowed values | description |",
        "|---|---|---|---|---|---|",
    ]
    for column in table.columns:
        codelist = _codelist_of(table, column)
        link = f"[{codelist}](../params/reference/{codelist}.csv)" if codelist else ""
        required = "no (may be blank)" if column.nullable else "yes"
        lines.append(
            f"| `{column.name}` | {_TYPE_TEXT[column.type]} | {required} | {link} | "
            f"{_cell(_allowed(table, column))} | {_cell(column.description)} |"
        )
    rules = [*table.rules, *EXTRA_RULES.get(table.name, ())]
    if rules:
        lines += ["", "Rules:", ""] + [f"- {rule}" for rule in rules]
    lists = sorted({c for c in (_codelist_of(table, col) for col in table.columns) if c})
    short = [name for name in lists if len(reference.codes(name)) <= INLINE_CODES_MAX]
    if short:
        lines += ["", "Codes:", ""]
        for name in short:
            labels = reference.labels(name)
            listed = "; ".join(f"`{code}` {label}" for code, label in labels.items())
            lines.append(f"- {name}: {_cell(listed)}")
    return lines


def render() -> str:
    """The data dictionary as Markdown."""
    lines = [
        "# Data dictionary",
        "",
        "<!-- Generated from src/analysis/contract.py by `python -m analysis contract --docs`. Do not edit by hand. -->",
        "",
        "What each force returns: one table per sheet of the Excel template, or one CSV file per table "
        "(`<force_code>/<table>.csv`, UTF-8), or one workbook `<force_code>.xlsx` with a sheet per table. "
        "`python -m analysis validate DIR` checks a return against this dictionary and lists every failure "
        "with its table, row (the header is row 1), column and value. The code lists and their sources are "
        "described in [reference_code_lists.md](reference_code_lists.md).",
        "",
        "## Rules for every table",
        "",
        *[f"- {rule}" for rule in GENERAL_RULES],
        "",
        "## Tables",
        "",
        "| table | one row per | key | columns |",
        "|---|---|---|---|",
        *[
            f"| [{t.name}](#{t.name}) | {_cell(t.one_row_per)} | {', '.join(t.key)} | {len(t.columns)} |"
            for t in TABLES.values()
        ],
    ]
    for table in TABLES.values():
        lines += ["", *_table_section(table)]
    return "\n".join(lines) + "\n"


def write(path: Path = DEFAULT_PATH) -> Path:
    """Write the dictionary to `path` (default docs/data_dictionary.md) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path
