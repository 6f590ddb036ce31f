"""The validation engine: a valid hand-made return passes; each hand-made fault gives its exact failure."""

from __future__ import annotations

import pandas as pd
import pytest
from fixtures.valid_return import FORCE_CODE, typed, valid_return, write_return

from analysis import returns_io
from analysis.cli import main
from analysis.contract import TABLES
from analysis.validate import RULES, Failure, ValidationReport, validate_directory, validate_force, validate_tables


def _only(tables: dict[str, pd.DataFrame], **kwargs) -> Failure:
    report = validate_tables(tables, **kwargs)
    assert len(report.failures) == 1, report.summary(limit=-1)
    return report.failures[0]


def _with(table: str, row: int, column: str, value: str) -> dict[str, pd.DataFrame]:
    """The valid return with one cell changed; `row` counts as a spreadsheet does (first record = 2)."""
    tables = valid_return()
    tables[table].loc[row - 2, column] = value
    return tables


def _failure(table, row, column, value, rule, detail) -> Failure:
    where = f"{table} row {row}, column {column}: " if row is not None else ""
    return Failure("", table, row, column, value, rule, f"{where}{detail}")


# ---------------------------------------------------------------------------------------------- valid


def test_valid_raw_return_passes_with_zero_failures() -> None:
    report = validate_tables(valid_return())
    assert report.failures == []
    assert report.ok
    assert report.force_code == FORCE_CODE
    assert report.summary() == "SYN01: passed, no failures."


def test_valid_typed_return_passes_with_zero_failures() -> None:
    assert validate_tables(typed(valid_return())).failures == []


def test_fixture_covers_every_table_with_two_to_five_rows() -> None:
    tables = valid_return()
    assert list(tables) == list(TABLES)
    sizes = {name: len(frame) for name, frame in tables.items() if name != "force_profile"}
    assert all(2 <= n <= 5 for n in sizes.values()), sizes
    assert all(list(frame.columns) == TABLES[name].column_names for name, frame in tables.items())


def test_rules_are_the_agreed_names() -> None:
    assert RULES == ("missing_table", "unknown_table", "missing_column", "unknown_column", "empty_table", "required",
                     "type", "codelist", "range", "unique", "foreign_key", "date_order", "date_range", "force_code",
                     "one_row", "consistency")


# ---------------------------------------------------------------------------------------------- cells

CELL_CASES = [
    # wrong type
    pytest.param("offences", 2, "outcome_date", "2021-02-30", "type",
                 "'2021-02-30' is not a date in the form YYYY-MM-DD", id="impossible-date"),
    pytest.param("offences", 3, "recorded_date", "15/08/2021", "type",
                 "'15/08/2021' is not a date in the form YYYY-MM-DD", id="british-date"),
    pytest.param("offences", 3, "recorded_date", "2021-8-15", "type",
                 "'2021-8-15' is not a date in the form YYYY-MM-DD", id="unpadded-date"),
    pytest.param("suspects", 2, "birth_year", "19x0", "type", "'19x0' is not a whole number", id="not-int"),
    pytest.param("victims", 3, "missing_episodes", "2.5", "type", "'2.5' is not a whole number", id="fraction"),
    pytest.param("offences", 2, "cse_flag", "yes", "type", "'yes' is not true or false", id="not-bool"),
    # code not in its list
    pytest.param("offences", 2, "offence_category", "rape", "codelist",
                 "'rape' is not a code in the list offence_categories (params/reference/offence_categories.csv)", id="offence-category"),
    pytest.param("suspects", 3, "nationality", "gbr", "codelist",
                 "'gbr' is not a code in the list nationalities (params/reference/nationalities.csv) "
                 "(did you mean 'GBR'? codes are case-sensitive)", id="nationality-case"),
    pytest.param("suspects", 2, "ethnicity_sde", "W4", "codelist",
                 "'W4' is not a code in the list ethnicity_sde (params/reference/ethnicity_sde.csv)", id="ethnicity"),
    pytest.param("offences", 3, "outcome_code", "19", "codelist",
                 "'19' is a retired code in the list outcome_types (params/reference/outcome_types.csv) and is not accepted: "
                 "use 0 or blank for no outcome yet, or one of 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22",
                 id="retired-outcome-19"),
    # required
    pytest.param("victims", 3, "sex", "", "required",
                 "the value is blank but this column is required (use 'not_recorded' when it is not recorded)", id="blank-sex"),
    pytest.param("suspects", 2, "ethnicity_sde", " ", "required",
                 "the value is blank but this column is required (use 'NS' when it is not recorded)", id="blank-ethnicity"),
    pytest.param("offences", 5, "victim_id", "", "required", "the value is blank but this column is required", id="blank-victim"),
    # range, including implausible ages
    pytest.param("victims", 2, "age_at_first_offence", "25", "range",
                 "'25' is not a plausible age for a victim (victims are children): it must be between 0 and 17", id="victim-age"),
    pytest.param("suspects", 3, "age_at_first_offence", "9", "range",
                 "'9' is not a plausible age for a suspect (10 is the age of criminal responsibility): it must be between 10 and 95",
                 id="suspect-age"),
    pytest.param("victims", 2, "missing_episodes", "-1", "range", "'-1' is outside the allowed range: it must be at least 0", id="negative-count"),
    pytest.param("offences", 2, "outcome_code", "23", "range", "'23' is outside the allowed range: it must be between 0 and 22", id="outcome-23"),
    pytest.param("suspects", 2, "birth_year", "1850", "range", "'1850' is outside the allowed range: it must be at least 1900", id="birth-year-min"),
    pytest.param("suspects", 2, "birth_year", "2015", "range",
                 "'2015' is not a plausible birth year for a suspect: it must be no later than 2014 "
                 "(the extraction year minus 10, the age of criminal responsibility)", id="birth-year-max"),
]


@pytest.mark.parametrize(("table", "row", "column", "value", "rule", "detail"), CELL_CASES)
def test_bad_cell_gives_its_exact_failure(table, row, column, value, rule, detail) -> None:
    expected = _failure(table, row, column, value, rule, detail)
    assert _only(_with(table, row, column, value)) == expected


def test_brief_example_message() -> None:
    tables = valid_return()
    tables["offences"] = pd.concat([tables["offences"]] * 2, ignore_index=True)
    tables["offences"]["offence_id"] = [f"O{i}" for i in range(1, 9)]
    tables["offences"].loc[5, "outcome_date"] = "2021-02-30"
    failure = _only(tables)
    assert failure.message == "offences row 7, column outcome_date: '2021-02-30' is not a date in the form YYYY-MM-DD"


@pytest.mark.parametrize("text", ["TRUE", " False ", "true"])
def test_booleans_are_true_or_false_in_any_case(text: str) -> None:
    assert validate_tables(_with("offences", 2, "group_flag", text)).ok


@pytest.mark.parametrize("text", ["14", "14.0", " 14 ", "+14"])
def test_whole_numbers_may_carry_a_zero_decimal_part(text: str) -> None:
    assert validate_tables(_with("victims", 2, "age_at_first_offence", text)).ok


def test_outcome_zero_and_blank_both_mean_no_outcome_yet() -> None:
    assert validate_tables(_with("offences", 4, "outcome_code", "0")).ok
    assert validate_tables(_with("offences", 5, "outcome_code", "")).ok


# ---------------------------------------------------------------------------------------------- keys


def test_duplicate_id() -> None:
    tables = valid_return()
    tables["offences"] = pd.concat([tables["offences"], tables["offences"].iloc[[0]]], ignore_index=True)
    assert _only(tables) == _failure("offences", 6, "offence_id", "O1", "unique",
                                     "'O1' is a duplicate: it is already used in row 2; each offence_id must appear once")


def test_duplicate_link_pair() -> None:
    tables = _with("offence_suspects", 3, "suspect_id", "S1")
    assert _only(tables) == _failure("offence_suspects", 3, "offence_id, suspect_id", "O1, S1", "unique",
                                     "the pair (O1, S1) appears more than once; each (offence_id, suspect_id) pair must appear once")


def test_dangling_foreign_key() -> None:
    assert _only(_with("offences", 5, "victim_id", "V9")) == _failure(
        "offences", 5, "victim_id", "V9", "foreign_key", "'V9' is not a victim_id in the victims table")


def test_dangling_foreign_key_to_offences_uses_an() -> None:
    assert _only(_with("case_reviews", 2, "offence_id", "O9")) == _failure(
        "case_reviews", 2, "offence_id", "O9", "foreign_key", "'O9' is not an offence_id in the offences table")


def test_nullable_foreign_key_may_be_blank_but_not_wrong() -> None:
    assert validate_tables(_with("disruptions", 2, "network_id", "")).ok
    assert _only(_with("disruptions", 2, "network_id", "N7")) == _failure(
        "disruptions", 2, "network_id", "N7", "foreign_key", "'N7' is not a network_id in the networks table")


def test_force_code_must_match_force_profile_in_every_table() -> None:
    assert _only(_with("networks", 3, "force_code", "SYN02")) == _failure(
        "networks", 3, "force_code", "SYN02", "foreign_key",
        "'SYN02' does not match force_profile's force_code 'SYN01': one return holds one force")


# ---------------------------------------------------------------------------------------------- dates


def test_outcome_date_before_recorded_date() -> None:
    assert _only(_with("offences", 3, "outcome_date", "2021-08-01")) == _failure(
        "offences", 3, "outcome_date", "2021-08-01", "date_order",
        "'2021-08-01' is before recorded_date '2021-08-15' in the same row; outcome_date must be on or after recorded_date")


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "earlier", "earlier_value"),
    [
        ("victims", 2, "abe_interview_date", "2021-06-30", "first_report_date", "2021-07-01"),
        ("victims", 3, "support_withdrawn_date", "2021-08-14", "first_report_date", "2021-08-15"),
        ("referrals", 2, "action_date", "2021-04-30", "received_date", "2021-05-01"),
    ],
)
def test_later_date_before_earlier_date(table, row, column, value, earlier, earlier_value) -> None:
    assert _only(_with(table, row, column, value)) == _failure(
        table, row, column, value, "date_order",
        f"'{value}' is before {earlier} '{earlier_value}' in the same row; {column} must be on or after {earlier}")


def test_period_end_before_period_start() -> None:
    tables = _with("force_profile", 2, "period_end", "2021-03-31")
    report = validate_tables(tables)
    assert report.failures[0] == _failure(
        "force_profile", 2, "period_end", "2021-03-31", "date_order",
        "'2021-03-31' is before period_start '2021-04-01' in the same row; period_end must be on or after period_start")
    # The in-period dates now all fall outside the (empty) period: every one is reported too.
    assert {f.rule for f in report.failures[1:]} == {"date_range"}


def test_extraction_before_period_end() -> None:
    tables = _with("force_profile", 2, "extraction_date", "2024-03-30")
    report = validate_tables(tables)
    assert report.failures[0] == _failure(
        "force_profile", 2, "extraction_date", "2024-03-30", "date_order",
        "'2024-03-30' is before period_end '2024-03-31' in the same row; extraction_date must be on or after period_end")


def test_date_after_extraction() -> None:
    assert _only(_with("case_notes", 3, "note_date", "2024-05-16")) == _failure(
        "case_notes", 3, "note_date", "2024-05-16", "date_range",
        "'2024-05-16' is after the extraction date 2024-05-15 (force_profile): a date cannot be in the future of the data")


@pytest.mark.parametrize(
    ("table", "row", "column"),
    [("offences", 2, "outcome_date"), ("suspects", 2, "first_arrest_date"), ("networks", 2, "identified_date"),
     ("victims", 2, "abe_interview_date"), ("referrals", 2, "action_date"), ("force_profile", 2, "problem_profile_date")],
)
def test_every_other_date_is_on_or_before_extraction(table, row, column) -> None:
    failure = _only(_with(table, row, column, "2024-06-01"))
    assert (failure.table, failure.row, failure.column, failure.value, failure.rule) == (table, row, column, "2024-06-01", "date_range")


@pytest.mark.parametrize(
    ("table", "row", "column", "value"),
    [("offences", 2, "recorded_date", "2021-03-31"), ("disruptions", 4, "date", "2024-04-01"),
     ("referrals", 3, "received_date", "2020-01-01")],
)
def test_date_outside_return_period(table, row, column, value) -> None:
    assert _only(_with(table, row, column, value)) == _failure(
        table, row, column, value, "date_range",
        f"'{value}' is outside the return period 2021-04-01 to 2024-03-31 (force_profile)")


def test_dates_before_the_period_are_allowed_where_no_rule_limits_them() -> None:
    tables = _with("networks", 2, "identified_date", "2019-01-01")
    tables["victims"].loc[0, "first_report_date"] = "2020-05-05"
    assert validate_tables(tables).ok


# ---------------------------------------------------------------------------------------------- force profile


def _as_real_force(code: str, region: str) -> dict[str, pd.DataFrame]:
    tables = valid_return()
    for frame in tables.values():
        frame["force_code"] = code
    tables["force_profile"].loc[0, ["region", "is_synthetic"]] = [region, "false"]
    return tables


def test_real_force_code_with_its_region_passes() -> None:
    assert validate_tables(_as_real_force("E23000005", "north_west")).ok


def test_real_force_with_wrong_region() -> None:
    assert _only(_as_real_force("E23000005", "london")) == _failure(
        "force_profile", 2, "region", "london", "force_code",
        "'london' is not the region of force E23000005 (Greater Manchester): params/reference/forces.csv gives 'north_west'")


def test_unknown_real_force_code() -> None:
    assert _only(_as_real_force("E23000099", "london")) == _failure(
        "force_profile", 2, "force_code", "E23000099", "force_code",
        "'E23000099' is not the code of one of the 43 territorial police forces of England and Wales (params/reference/forces.csv)")


def test_synthetic_code_on_a_real_return() -> None:
    assert _only(_with("force_profile", 2, "is_synthetic", "false")) == _failure(
        "force_profile", 2, "force_code", "SYN01", "force_code",
        "'SYN01' is not the code of one of the 43 territorial police forces of England and Wales "
        "(params/reference/forces.csv) (it is a synthetic code, but is_synthetic is false)")


def test_real_code_on_a_synthetic_return() -> None:
    tables = _as_real_force("E23000005", "north_west")
    tables["force_profile"].loc[0, "is_synthetic"] = "true"
    assert _only(tables) == _failure(
        "force_profile", 2, "force_code", "E23000005", "force_code",
        "'E23000005' is not a synthetic force code: a return with is_synthetic true must use a code SYNnn (SYN and two digits)")


def test_force_code_must_match_file_name() -> None:
    assert _only(valid_return(), expected_force_code="SYN07") == _failure(
        "force_profile", 2, "force_code", "SYN01", "force_code",
        "'SYN01' does not match the force code 'SYN07' in the return's file or folder name")


def test_force_profile_must_have_one_row() -> None:
    tables = valid_return()
    tables["force_profile"] = pd.concat([tables["force_profile"]] * 2, ignore_index=True)
    report = validate_tables(tables)
    assert report.failures[0] == Failure("", "force_profile", None, None, None, "one_row",
                                         "force_profile has 2 rows: it must have exactly one row, describing the force.")
    assert [f.rule for f in report.failures[1:]] == ["unique"]  # the repeated force_code


def test_force_profile_with_no_rows() -> None:
    tables = valid_return()
    tables["force_profile"] = tables["force_profile"].iloc[:0]
    assert _only(tables).rule == "one_row"


# ---------------------------------------------------------------------------------------------- consistency


def test_outcome_code_without_outcome_date() -> None:
    assert _only(_with("offences", 2, "outcome_date", "")) == _failure(
        "offences", 2, "outcome_date", "", "consistency",
        "the value is blank but outcome_code is 1: give the date the outcome was assigned")


@pytest.mark.parametrize(("row", "shown"), [(4, "blank"), (5, "'0'")])
def test_outcome_date_without_outcome(row: int, shown: str) -> None:
    assert _only(_with("offences", row, "outcome_date", "2024-01-10")) == _failure(
        "offences", row, "outcome_date", "2024-01-10", "consistency",
        f"'2024-01-10' is given but outcome_code is {shown} (no outcome assigned): "
        "leave outcome_date blank until an outcome 1-22 is assigned")


def test_child_population_is_the_sum_of_its_parts() -> None:
    assert _only(_with("force_profile", 2, "child_population", "95001")) == _failure(
        "force_profile", 2, "child_population", "95001", "consistency",
        "'95001' does not equal the sum of the pop_child_* columns (95000)")


def test_case_note_belongs_to_an_offence_or_a_victim() -> None:
    assert _only(_with("case_notes", 3, "victim_id", "")) == _failure(
        "case_notes", 3, "offence_id", "", "consistency",
        "offence_id and victim_id are both blank: a note must belong to an offence or a victim (or both)")


def test_every_victim_is_in_an_offence() -> None:
    tables = _with("offences", 4, "victim_id", "V1")
    assert _only(tables) == _failure(
        "victims", 4, "victim_id", "V3", "consistency",
        "'V3' is not the victim of any offence in the offences table: every victim must be the victim of at least one offence")


def test_every_offence_is_in_scope() -> None:
    assert _only(_with("offences", 3, "cse_flag", "false")) == _failure(
        "offences", 3, "cse_flag", "false", "consistency",
        "cse_flag and group_flag are both false: every offence in the return must be CSE-flagged or group-based")


def test_no_problem_profile_means_no_partner_data() -> None:
    assert _only(_with("force_profile", 2, "problem_profile_date", "")) == _failure(
        "force_profile", 2, "problem_profile_uses_partner_data", "true", "consistency",
        "'true' but problem_profile_date is blank: with no problem profile this must be false")


# ---------------------------------------------------------------------------------------------- structure


def test_missing_table() -> None:
    tables = valid_return()
    del tables["disruptions"]
    assert _only(tables) == Failure(
        "", "disruptions", None, None, None, "missing_table",
        "disruptions: the table is missing: the return must have a sheet or file named 'disruptions' "
        "(one row per use of a disruption tactic), with its header row even when it has no records.")


def test_unknown_table_suggests_the_closest_name() -> None:
    tables = valid_return()
    tables["Offences"] = tables.pop("offences").iloc[:0]
    report = validate_tables(tables)
    assert report.failures[-1] == Failure(
        "", "Offences", None, None, None, "unknown_table",
        "'Offences' is not a table of the return (expected sheets or files named force_profile, networks, offences, "
        "suspects, offence_suspects, victims, disruptions, referrals, case_reviews, case_notes). Did you mean 'offences'?")
    assert [f.rule for f in report.failures[:-1]] == ["missing_table"]


def test_missing_required_column() -> None:
    tables = valid_return()
    tables["victims"] = tables["victims"].drop(columns="first_report_date")
    assert _only(tables) == Failure(
        "", "victims", None, "first_report_date", None, "missing_column",
        "victims: column 'first_report_date' is missing (every return must have it, even when it is blank).")


def test_unknown_column_suggests_the_contract_name() -> None:
    tables = valid_return()
    tables["networks"] = tables["networks"].rename(columns={"cocad_category": "COCAD category"})
    report = validate_tables(tables)
    assert [(f.rule, f.column) for f in report.failures] == [("missing_column", "cocad_category"), ("unknown_column", "COCAD category")]
    assert report.failures[1].message == "networks: column 'COCAD category' is not in the contract. Did you mean 'cocad_category'?"


def test_table_without_a_header_row() -> None:
    tables = valid_return()
    tables["case_reviews"] = pd.DataFrame()
    failure = _only(tables)
    assert (failure.table, failure.rule) == ("case_reviews", "empty_table")
    assert failure.message.startswith("case_reviews: the table is empty: it has no header row (expected columns force_code, review_id,")


def test_tables_with_a_header_and_no_records_are_valid() -> None:
    tables = valid_return()
    for name in ("networks", "disruptions", "referrals", "case_reviews", "case_notes"):
        tables[name] = tables[name].iloc[:0]
    for column in ("network_id",):
        tables["offences"][column] = ""
        tables["suspects"][column] = ""
    assert validate_tables(tables).failures == []


# ---------------------------------------------------------------------------------------------- the report


def _many_faults() -> dict[str, pd.DataFrame]:
    tables = _with("offences", 2, "outcome_date", "2021-02-30")
    tables["offences"].loc[1, "offence_category"] = "rape"
    tables["victims"].loc[0, "age_at_first_offence"] = "25"
    tables["suspects"].loc[2, "nationality"] = "XXX"
    tables["case_notes"].loc[0, "note_date"] = "2030-01-01"
    tables["referrals"]["unexpected"] = "x"
    return tables


def test_every_failure_is_reported_at_once_in_reading_order() -> None:
    report = validate_tables(_many_faults(), source="in memory", files={"offences": "offences.csv"})
    assert [(f.table, f.row, f.column, f.rule) for f in report.failures] == [
        ("offences", 2, "outcome_date", "type"),
        ("offences", 3, "offence_category", "codelist"),
        ("suspects", 4, "nationality", "codelist"),
        ("victims", 2, "age_at_first_offence", "range"),
        ("referrals", None, "unexpected", "unknown_column"),
        ("case_notes", 2, "note_date", "date_range"),
    ]
    assert report.failures[0].file == "offences.csv"
    assert report.failures[2].file == ""


def test_to_frame_has_one_row_per_failure() -> None:
    frame = validate_tables(_many_faults()).to_frame()
    assert list(frame.columns) == ["file", "table", "row", "column", "value", "rule", "message"]
    assert len(frame) == 6
    assert str(frame["row"].dtype) == "Int64"
    assert frame["row"].isna().sum() == 1


def test_empty_report_frame_keeps_its_columns() -> None:
    frame = ValidationReport("x", "SYN01", []).to_frame()
    assert list(frame.columns) == ["file", "table", "row", "column", "value", "rule", "message"]
    assert len(frame) == 0


def test_summary_counts_then_lists_and_says_how_many_are_not_shown() -> None:
    text = validate_tables(_many_faults(), source="dir/SYN01").summary(limit=2)
    assert text.splitlines() == [
        "SYN01 (dir/SYN01): 6 failures.",
        "Failures by table and rule:",
        "  offences: type 1, codelist 1",
        "  suspects: codelist 1",
        "  victims: range 1",
        "  referrals: unknown_column 1",
        "  case_notes: date_range 1",
        "Failures (2 of 6 shown):",
        "  offences row 2, column outcome_date: '2021-02-30' is not a date in the form YYYY-MM-DD",
        "  offences row 3, column offence_category: 'rape' is not a code in the list offence_categories "
        "(params/reference/offence_categories.csv)",
        "  ... and 4 more failures not shown.",
    ]
    assert "more failures not shown" not in validate_tables(_many_faults()).summary(limit=-1)


def test_typed_frames_report_values_as_the_force_wrote_them() -> None:
    tables = typed(valid_return())
    tables["case_notes"].loc[2, "note_date"] = pd.Timestamp("2024-12-25")
    tables["victims"].loc[1, "age_at_first_offence"] = 19
    report = validate_tables(tables)
    assert [(f.table, f.row, f.column, f.value, f.rule) for f in report.failures] == [
        ("victims", 3, "age_at_first_offence", "19", "range"),
        ("case_notes", 4, "note_date", "2024-12-25", "date_range"),
    ]


# ---------------------------------------------------------------------------------------------- files and CLI


@pytest.fixture(params=["csv", "parquet", "xlsx"])
def written(request, tmp_path):
    """The valid return written by returns_io.write_force in one of its three forms."""
    write_return(tmp_path, fmt=request.param)
    return tmp_path, request.param


def test_written_return_validates(written) -> None:
    directory, _ = written
    report = validate_force(directory, FORCE_CODE)
    assert report.ok, report.summary()
    assert list(validate_directory(directory)) == [FORCE_CODE]


def test_cli_exit_code_is_0_for_a_good_directory(written, capsys) -> None:
    directory, _ = written
    assert main(["validate", str(directory)]) == 0
    assert "SYN01" in capsys.readouterr().out


def test_cli_exit_code_is_1_for_a_bad_directory(written, capsys, tmp_path_factory) -> None:
    directory, fmt = written
    bad = valid_return()
    bad["offences"].loc[0, "outcome_code"] = "19"
    target = tmp_path_factory.mktemp("bad")
    write_return(target, "SYN01", bad, fmt)
    report_csv = target / "report" / "failures.csv"
    assert main(["validate", str(target), "--report", str(report_csv)]) == 1
    out = capsys.readouterr().out
    assert "offences row 2, column outcome_code: '19' is a retired code" in out
    assert "0 of 1 returns passed; failed: SYN01" in out
    saved = pd.read_csv(report_csv, dtype=str, keep_default_na=False)
    assert saved[["force_code", "table", "row", "column", "rule"]].values.tolist() == [["SYN01", "offences", "2", "outcome_code", "codelist"]]
    assert saved.loc[0, "file"].endswith("SYN01.xlsx" if fmt == "xlsx" else f"offences.{fmt}")


def test_cli_exit_code_is_1_when_there_is_no_return(tmp_path, capsys) -> None:
    assert main(["validate", str(tmp_path)]) == 1
    assert "no force returns found" in capsys.readouterr().err


def test_directory_may_mix_forms(tmp_path) -> None:
    write_return(tmp_path, "SYN01", fmt="csv")
    write_return(tmp_path, "SYN02", fmt="xlsx")
    reports = validate_directory(tmp_path)
    assert list(reports) == ["SYN01", "SYN02"]
    assert all(r.ok for r in reports.values())


def test_return_in_a_folder_named_for_another_force(tmp_path) -> None:
    returns_io.write_force(typed(valid_return()), tmp_path, "SYN04", "csv")  # SYN01's return in SYN04's folder
    report = validate_force(tmp_path, "SYN04")
    assert [(f.rule, f.file) for f in report.failures] == [("force_code", str(tmp_path / "SYN04" / "force_profile.csv"))]


def test_zero_byte_csv_is_an_empty_table(tmp_path) -> None:
    write_return(tmp_path, fmt="csv")
    (tmp_path / FORCE_CODE / "case_notes.csv").write_bytes(b"")
    (tmp_path / FORCE_CODE / "notes.csv").write_text("a,b\n1,2\n")
    report = validate_force(tmp_path, FORCE_CODE)
    assert [(f.table, f.rule) for f in report.failures] == [("case_notes", "empty_table"), ("notes", "unknown_table")]


def test_excel_dates_typed_as_dates_read_as_iso(tmp_path) -> None:
    import datetime

    import openpyxl

    write_return(tmp_path, fmt="xlsx")
    path = tmp_path / f"{FORCE_CODE}.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["case_notes"]
    sheet["E2"] = datetime.datetime(2021, 7, 2)  # a real Excel date in note_date
    sheet["E3"] = datetime.datetime(2021, 12, 1, 14, 30)  # a date with a time of day is not a date
    workbook.save(path)
    report = validate_force(tmp_path, FORCE_CODE)
    assert [(f.row, f.column, f.value, f.rule) for f in report.failures] == [(3, "note_date", "2021-12-01 14:30:00", "type")]
