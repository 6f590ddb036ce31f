"""docs/returns_guide.md explains every rule a force analyst can meet in an error report, with an example."""

from __future__ import annotations

import re

from analysis.ingest import INGEST_RULES
from analysis.paths import DOCS_DIR
from analysis.validate import RULES


def _rule_rows() -> dict[str, str]:
    text = (DOCS_DIR / "returns_guide.md").read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| `([a-z_]+)` \| [^|]+ \| `(.+)` \|$", text, re.MULTILINE)}


def test_every_rule_has_an_example_message():
    rows = _rule_rows()
    assert set(RULES) | set(INGEST_RULES) <= set(rows)
    assert all(len(example) > 30 for example in rows.values())


def test_examples_quote_real_messages():
    rows = _rule_rows()
    assert rows["blank_row"] == ("offences row 3: the row is empty but records follow it: delete the row "
                                 "(records must be on consecutive rows).")
    assert rows["foreign_key"] == "offences row 2, column victim_id: 'V9' is not a victim_id in the victims table"
