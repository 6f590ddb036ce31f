"""The Excel return template: sheets, headers, drop-down lists, formats, dictionary, determinism."""

from __future__ import annotations

import openpyxl
import pytest

from analysis import reference
from analysis.cli import main
from analysis.contract import TABLES
from analysis.template import (
    CODE_LISTS,
    DICTIONARY,
    INSTRUCTIONS,
    LISTS,
    build_template,
    codelist_of,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    build_template(path)
    return path


@pytest.fixture(scope="module")
def workbook(template):
    return openpyxl.load_workbook(template)


def _validations(ws) -> dict[str, object]:
    """Column letter -> its data validation rule (each rule covers one column from row 2)."""
    out = {}
    for rule in ws.data_validations.dataValidation:
        ref = str(rule.sqref)
        letter = ref.split(":")[0].rstrip("0123456789")
        assert ref == f"{letter}2:{letter}1048576"
        out[letter] = rule
    return out


def _list_values(workbook, formula: str) -> list[str]:
    sheet, cells = formula.lstrip("=").split("!")
    assert sheet.strip("'") == LISTS
    start, end = cells.replace("$", "").split(":")
    ws = workbook[LISTS]
    return [row[0].value for row in ws[f"{start}:{end}"]]


def test_sheets_in_order_with_hidden_lists(workbook):
    assert workbook.sheetnames == [INSTRUCTIONS, DICTIONARY, CODE_LISTS, *TABLES, LISTS]
    assert workbook[LISTS].sheet_state == "hidden"
    assert all(workbook[name].sheet_state == "visible" for name in TABLES)


@pytest.mark.parametrize("name", list(TABLES))
def test_table_sheet_headers_bold_and_frozen(workbook, name):
    ws = workbook[name]
    assert [c.value for c in ws[1]] == TABLES[name].column_names
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 1  # no records in a blank template


@pytest.mark.parametrize("name", list(TABLES))
def test_every_column_has_the_validation_of_its_type(workbook, name):
    ws = workbook[name]
    rules = _validations(ws)
    for index, column in enumerate(TABLES[name].columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        rule = rules[letter]
        assert rule.promptTitle == column.name[:32] and column.description[:40] in rule.prompt
        codelist = codelist_of(column)
        if codelist:
            assert rule.type == "list" and rule.showErrorMessage
            # referenced by range on the hidden sheet, never typed inline (inline lists stop at 255 characters)
            assert rule.formula1.startswith(f"='{LISTS}'!$")
            assert _list_values(workbook, rule.formula1) == reference.codes(codelist)
        elif column.type == "bool":
            assert (rule.type, rule.formula1) == ("list", '"true,false"')
        elif column.type == "date":
            assert (rule.type, rule.operator, rule.formula1, rule.formula2) == ("date", "between", "DATE(1900,1,1)", "DATE(2100,12,31)")
            assert ws.column_dimensions[letter].number_format == "yyyy-mm-dd"
        elif column.type == "int":
            assert rule.type == "whole"
        else:
            assert rule.type is None  # identifiers and free text: the input message only
        if column.type in ("id", "code", "text"):
            assert ws.column_dimensions[letter].number_format == "@"  # Excel must not turn 0123 into 123


def test_int_bounds_come_from_the_contract(workbook):
    rules = _validations(workbook["victims"])
    age = rules["C"]  # victims.age_at_first_offence, 0-17
    assert (age.type, age.operator, age.formula1, age.formula2) == ("whole", "between", "0", "17")
    birth_year = _validations(workbook["suspects"])["D"]
    assert (birth_year.operator, birth_year.formula1) == ("greaterThanOrEqual", "1900")
    outcome = _validations(workbook["offences"])["J"]
    assert (outcome.formula1, outcome.formula2) == ("0", "22")


def test_long_lists_exceed_the_inline_limit_and_are_complete(workbook):
    rule = _validations(workbook["suspects"])["I"]  # nationality: ISO 3166 alpha-3, about 250 codes
    values = _list_values(workbook, rule.formula1)
    assert len(",".join(values)) > 255
    assert values == reference.codes("nationalities") and "NR" in values and "GBR" in values


def test_data_dictionary_lists_every_column(workbook):
    ws = workbook[DICTIONARY]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("table", "column", "type", "required", "code list", "description")
    expected = [(t.name, c.name) for t in TABLES.values() for c in t.columns]
    assert [(r[0], r[1]) for r in rows[1:]] == expected
    by_key = {(r[0], r[1]): r for r in rows[1:]}
    assert by_key[("offences", "outcome_date")][2:5] == ("date (YYYY-MM-DD)", "no (may be blank)", None)
    assert by_key[("suspects", "ethnicity_sde")][2:5] == ("code from list 'ethnicity_sde'", "yes", "ethnicity_sde")
    assert by_key[("victims", "age_at_first_offence")][2] == "whole number (at least 0 and at most 17)"
    assert by_key[("offences", "cse_flag")][5] == TABLES["offences"].column("cse_flag").description


def test_code_lists_sheet_gives_labels(workbook):
    rows = list(workbook[CODE_LISTS].iter_rows(values_only=True))
    assert rows[0] == ("code list", "code", "label")
    assert ("disruption_tactics", "cawn", "Child abduction warning notice") in rows
    assert ("ethnicity_ode", "IC9", reference.labels("ethnicity_ode")["IC9"]) in rows


def test_instructions_explain_filling_and_submitting(workbook):
    text = "\n".join(str(c.value) for c in workbook[INSTRUCTIONS]["A"] if c.value)
    for phrase in ("HOW TO FILL IT IN", "HOW TO SUBMIT", "WHAT HAPPENS NEXT", "YYYY-MM-DD", "E23000003.xlsx",
                   "not recorded", "CSV UTF-8", "error report"):
        assert phrase in text


def test_template_bytes_are_deterministic(template, tmp_path):
    again = build_template(tmp_path / "again.xlsx")
    assert again.read_bytes() == template.read_bytes()


def test_template_command(tmp_path, capsys):
    out = tmp_path / "sub" / "return.xlsx"
    assert main(["template", "--out", str(out)]) == 0
    assert openpyxl.load_workbook(out).sheetnames[3:-1] == list(TABLES)
    assert f"wrote the return template to {out}" in capsys.readouterr().out
    assert main(["template", "--out", str(tmp_path / "return.csv")]) == 2
    assert "give a file name ending .xlsx" in capsys.readouterr().out
