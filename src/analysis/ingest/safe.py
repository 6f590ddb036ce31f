"""Make values from a return safe to write into a report that people open in Excel.

Three rules, applied to every cell of errors.csv, normalisations.csv and summary.csv (and the cells of errors.md):
- `neutralise`: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is given a leading single
  quote, so that Excel, LibreOffice or Google Sheets show it as text instead of running it as a formula (OWASP,
  "CSV Injection": https://owasp.org/www-community/attacks/CSV_Injection). The quote is visible, so nothing is
  hidden from the analyst; a value the report quotes is never changed in any other way.
- `cut`: a value longer than `VALUE_CHARS` characters keeps its first `VALUE_CHARS` characters and a marker
  saying how long it was ("... [cut: 40,000 characters]"), so one bad cell cannot make a report of hundreds of
  megabytes; messages are bounded the same way at `MESSAGE_CHARS`.
- `withhold`: in the report of a pseudonymised ingest, identifiers and free text are never quoted (the report
  gives file, sheet, row and column, which find the cell), and neither is any value of a column that is not a
  known coded, numeric, date or true/false column of the contract.
"""

from __future__ import annotations

import pandas as pd

from analysis.contract import TABLES

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Characters of a value shown in a report before it is cut.
VALUE_CHARS = 200
#: Characters of a message shown in a report before it is cut.
MESSAGE_CHARS = 2000
#: What a withheld value is shown as.
WITHHELD = "(withheld: pseudonymised return)"

#: Columns whose values may be quoted in the report of a pseudonymised return: codes, numbers, dates, booleans.
_QUOTABLE = frozenset(c.name for t in TABLES.values() for c in t.columns if c.type not in ("id", "text")) | {"force_code"}


def neutralise(value: object) -> object:
    """`value` with a leading single quote when it is text beginning with a formula trigger; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def cut(text: str | None, limit: int = VALUE_CHARS) -> str | None:
    """`text` shortened to `limit` characters plus a marker giving its full length, when longer."""
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text):,} characters]"


def quotable(column: str | None) -> bool:
    """Whether values of `column` may be quoted in the report of a pseudonymised return."""
    return column in _QUOTABLE


def shorten_in(message: str, value: str | None, replacement: str | None = None) -> str:
    """`message` with every copy of `value` replaced (by `replacement`, or by the cut value when it is long)."""
    if not value:
        return message
    if replacement is None:
        if len(value) <= VALUE_CHARS:
            return message
        replacement = cut(value)
    return message.replace(value, replacement)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell neutralised (`neutralise`); other cells unchanged."""
    return frame.apply(lambda column: column.map(neutralise)
                       if column.dtype == object or pd.api.types.is_string_dtype(column.dtype) else column)
