"""The data dictionary is generated from the contract and the committed copy is current."""

from __future__ import annotations

import re
from pathlib import Path

from analysis import data_dictionary
from analysis.cli import main
from analysis.contract import TABLES
from analysis.paths import DOCS_DIR, PROJECT_ROOT


def test_committed_dictionary_is_current() -> None:
    committed = (DOCS_DIR / "data_dictionary.md").read_text(encoding="utf-8")
    assert committed == data_dictionary.render(), (
        "docs/data_dictionary.md is stale: run `python -m analysis contract --docs` and commit it"
    )


def test_command_writes_the_dictionary_where_asked(tmp_path: Path, capsys) -> None:
    out = tmp_path / "sub" / "dictionary.md"
    assert main(["contract", "--docs", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == data_dictionary.render()
    assert str(out) in capsys.readouterr().out


def test_every_table_column_and_rule_is_documented() -> None:
    text = data_dictionary.render()
    for table in TABLES.values():
        section = text.split(f"\n## {table.name}\n", 1)[1].split("\n## ", 1)[0]
        assert f"One row per {table.one_row_per}. Key: {', '.join(table.key)}." in section
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        assert [re.match(r"\| `([^`]+)`", r).group(1) for r in rows] == table.column_names
        for rule in table.rules:
            assert f"- {rule}\n" in section


def test_required_and_code_list_columns_are_marked() -> None:
    text = data_dictionary.render()
    line = next(l for l in text.splitlines() if l.startswith("| `ethnicity_sde` | code (text) | yes | [ethnicity_sde]"))
    assert "(../params/reference/ethnicity_sde.csv)" in line
    outcome = next(l for l in text.splitlines() if l.startswith("| `outcome_code` |"))
    assert "| no (may be blank) |" in outcome and "retired and refused: 19" in outcome
    age = next(l for l in text.split("\n## victims\n")[1].splitlines() if l.startswith("| `age_at_first_offence` |"))
    assert "| 0 to 17 |" in age


def test_code_list_links_resolve() -> None:
    text = data_dictionary.render()
    links = set(re.findall(r"\]\(\.\./(params/reference/[a-z_]+\.csv)\)", text))
    assert len(links) >= 15
    assert all((PROJECT_ROOT / link).exists() for link in links)
