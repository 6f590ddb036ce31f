"""The data contract: the tables a force returns, their columns, types, code lists and keys.

This module is the single declaration of the return's form (DESIGN.md section 3). Validation
(`analysis.validate`), the synthetic generator, the Excel template, ingestion and the generated data
dictionary (docs/data_dictionary.md) all read it, so a change here changes all of them together.

Conventions
- Every table carries `force_code`, so validated tables from many forces can be stacked; identifiers
  are unique within one force's return, so keys are (force_code, id).
- "Not recorded" is an explicit code wherever the real world has that state (ethnicity `NS`, `IC9`,
  nationality `NR`, sex and looked-after `not_recorded`). A blank is allowed only where the column is
  declared nullable, and then it means "does not apply" or "has not happened" (no outcome yet, no
  withdrawal of support, no arrest), except for numeric ages, where blank means not recorded.
- Dates are ISO calendar dates (YYYY-MM-DD). Row numbers in validation reports count as a spreadsheet
  does: the header is row 1, the first record is row 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["id", "code", "text", "int", "float", "date", "bool"]

#: Home Office outcome types are 1-22; 0 (or blank) means no outcome assigned yet.
OUTCOME_NOT_YET_ASSIGNED = 0

#: The five ONS high-level ethnic groups used for population comparisons (codes of ethnicity_groups).
ETHNIC_GROUPS = ("asian", "black", "mixed", "white", "other")

#: Ages are "plausible" inside these bounds (suspects can be children: the age of criminal
#: responsibility in England and Wales is 10).
SUSPECT_AGE_RANGE = (10, 95)
VICTIM_AGE_RANGE = (0, 17)

#: Synthetic forces use codes that cannot be mistaken for real ONS police force area codes.
SYNTHETIC_FORCE_CODE_PATTERN = r"^SYN[0-9]{2}$"


@dataclass(frozen=True)
class Column:
    """One column of a contract table."""

    name: str
    type: ColumnType
    description: str
    nullable: bool = False
    codelist: str | None = None  # name of a list in params/reference/ (for type "code")
    unique: bool = False  # unique within one force's return
    references: tuple[str, str] | None = None  # (table, column) this foreign key must resolve to
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Table:
    """One table of a force return: a sheet of the Excel template, a CSV file, a Parquet file."""

    name: str
    one_row_per: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[str, ...] = field(default_factory=tuple)  # cross-column rules, in words (docs)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table '{self.name}' has no column '{name}'")


def _force_code() -> Column:
    return Column(
        "force_code",
        "id",
        "Police force area code; the same in every table of one return (must match force_profile).",
        references=("force_profile", "force_code"),
    )


def _population_columns() -> tuple[Column, ...]:
    columns = []
    for age in ("child", "adult"):
        for group in ETHNIC_GROUPS:
            span = "aged 0-17" if age == "child" else "aged 18 and over"
            columns.append(
                Column(
                    f"pop_{age}_{group}",
                    "int",
                    f"Resident population {span} in ONS ethnic group '{group}' (census-based estimate).",
                    minimum=0,
                )
            )
    return tuple(columns)


FORCE_PROFILE = Table(
    "force_profile",
    "force (exactly one row)",
    (
        Column("force_code", "id", "Police force area code (ONS code from params/reference/forces.csv, or SYNnn for synthetic forces).", unique=True),
        Column("force_name", "text", "Name of the force."),
        Column("region", "code", "Region of England, or Wales.", codelist="regions"),
        Column("is_synthetic", "bool", "True when this return was made by the synthetic generator, never for a real return."),
        Column("period_start", "date", "First day of the period the return covers."),
        Column("period_end", "date", "Last day of the period the return covers."),
        Column("extraction_date", "date", "Date the data were extracted from force systems (on or after period_end)."),
        Column("child_population", "int", "Resident population aged 0-17.", minimum=1),
        *_population_columns(),
        Column("problem_profile_date", "date", "Date of the force's latest CSE problem profile; blank if it has none.", nullable=True),
        Column("problem_profile_uses_partner_data", "bool", "Whether the latest problem profile uses partner agency data (false if there is no profile)."),
        Column("specialist_cse_team", "bool", "Whether the force has a specialist CSE team."),
        Column("group_flag_available", "bool", "Whether the force's crime system can flag group-based CSE."),
    ),
    key=("force_code",),
    rules=(
        "exactly one row",
        "force_code is a real force from the reference list with its region, or a synthetic code SYNnn when is_synthetic is true",
        "period_start <= period_end <= extraction_date",
        "child_population equals the sum of the pop_child_* columns",
        "problem_profile_date is on or before extraction_date",
    ),
)

NETWORKS = Table(
    "networks",
    "identified group or network of suspects",
    (
        _force_code(),
        Column("network_id", "id", "Identifier of the network within the return.", unique=True),
        Column("identified_date", "date", "Date the force identified the network."),
        Column("cocad_category", "code", "Category of the group (COCAD typology).", codelist="cocad_categories"),
    ),
    key=("force_code", "network_id"),
    rules=("identified_date is on or before extraction_date",),
)

OFFENCES = Table(
    "offences",
    "recorded crime in scope (CSE-flagged or group-based)",
    (
        _force_code(),
        Column("offence_id", "id", "Crime reference within the return.", unique=True),
        Column("recorded_date", "date", "Date the crime was recorded."),
        Column("offence_category", "code", "Offence category in scope.", codelist="offence_categories"),
        Column("cse_flag", "bool", "Whether the record carries the force's CSE flag."),
        Column("group_flag", "bool", "Whether the record carries a group-based CSE flag."),
        Column("network_id", "id", "Network the offence is linked to; blank if none.", nullable=True, references=("networks", "network_id")),
        Column("victim_id", "id", "The victim of the offence.", references=("victims", "victim_id")),
        Column("report_source", "code", "Who first reported the offence.", codelist="report_sources"),
        Column("outcome_code", "int", "Home Office outcome type 1-22; 0 or blank while no outcome is assigned.", nullable=True, minimum=0, maximum=22),
        Column("outcome_date", "date", "Date the outcome was assigned; blank while none is.", nullable=True),
    ),
    key=("force_code", "offence_id"),
    rules=(
        "recorded_date falls inside the return period",
        "outcome_date is on or after recorded_date and on or before extraction_date",
        "an outcome_date is given exactly when outcome_code is 1-22",
        "outcome_code 19 is retired and not accepted",
        "every offence is in scope: cse_flag or group_flag is true",
    ),
)

SUSPECTS = Table(
    "suspects",
    "suspect person",
    (
        _force_code(),
        Column("suspect_id", "id", "Identifier of the suspect within the return.", unique=True),
        Column("network_id", "id", "Network the suspect belongs to; blank if none.", nullable=True, references=("networks", "network_id")),
        Column("birth_year", "int", "Year of birth; blank if not recorded.", nullable=True, minimum=1900),
        Column("age_at_first_offence", "int", "Age at the first offence in the return; blank if not recorded.", nullable=True, minimum=SUSPECT_AGE_RANGE[0], maximum=SUSPECT_AGE_RANGE[1]),
        Column("sex", "code", "Sex of the suspect.", codelist="sexes"),
        Column("ethnicity_sde", "code", "Self-defined ethnicity (18+1 code; NS when not stated).", codelist="ethnicity_sde"),
        Column("ethnicity_ode", "code", "Officer-defined ethnicity (IC code; IC9 when unknown).", codelist="ethnicity_ode"),
        Column("nationality", "code", "Nationality as ISO 3166 alpha-3; NR when not recorded.", codelist="nationalities"),
        Column("first_arrest_date", "date", "Date of first arrest for an offence in the return; blank if not arrested.", nullable=True),
        Column("charged", "bool", "Whether the suspect has been charged with an offence in the return."),
    ),
    key=("force_code", "suspect_id"),
    rules=(
        "birth_year is no later than the extraction year minus 10",
        "first_arrest_date is on or before extraction_date",
    ),
)

OFFENCE_SUSPECTS = Table(
    "offence_suspects",
    "link between an offence and a suspect",
    (
        _force_code(),
        Column("offence_id", "id", "The offence.", references=("offences", "offence_id")),
        Column("suspect_id", "id", "A suspect of that offence.", references=("suspects", "suspect_id")),
    ),
    key=("force_code", "offence_id", "suspect_id"),
    rules=("each (offence_id, suspect_id) pair appears once",),
)

VICTIMS = Table(
    "victims",
    "victim person",
    (
        _force_code(),
        Column("victim_id", "id", "Identifier of the victim within the return.", unique=True),
        Column("age_at_first_offence", "int", "Age at the first offence against them in the return; blank if not recorded.", nullable=True, minimum=VICTIM_AGE_RANGE[0], maximum=VICTIM_AGE_RANGE[1]),
        Column("sex", "code", "Sex of the victim.", codelist="sexes"),
        Column("ethnicity_sde", "code", "Self-defined ethnicity (18+1 code; NS when not stated).", codelist="ethnicity_sde"),
        Column("looked_after", "code", "Whether the victim is a looked-after child.", codelist="yes_no_not_recorded"),
        Column("missing_episodes", "int", "Number of missing-from-home or care episodes recorded; blank if not recorded.", nullable=True, minimum=0),
        Column("first_report_date", "date", "Date the first offence against the victim was reported."),
        Column("abe_interview_date", "date", "Date of the Achieving Best Evidence interview; blank if none.", nullable=True),
        Column("specialist_support_referral", "bool", "Whether the victim was referred to specialist support (e.g. an ISVA or CSE service)."),
        Column("support_withdrawn_date", "date", "Date the victim withdrew support for the investigation; blank if not withdrawn.", nullable=True),
        Column("nrm_referral", "bool", "Whether the victim was referred to the National Referral Mechanism."),
        Column("treated_as_suspect", "bool", "Whether the victim was recorded as a suspect in connection with their own exploitation."),
    ),
    key=("force_code", "victim_id"),
    rules=(
        "abe_interview_date and support_withdrawn_date are on or after first_report_date and on or before extraction_date",
        "every victim is the victim of at least one offence",
    ),
)

DISRUPTIONS = Table(
    "disruptions",
    "use of a disruption tactic",
    (
        _force_code(),
        Column("disruption_id", "id", "Identifier of the use of the tactic.", unique=True),
        Column("tactic", "code", "Disruption tactic.", codelist="disruption_tactics"),
        Column("suspect_id", "id", "Suspect it targets; blank if none.", nullable=True, references=("suspects", "suspect_id")),
        Column("network_id", "id", "Network it targets; blank if none.", nullable=True, references=("networks", "network_id")),
        Column("victim_id", "id", "Victim it protects; blank if none.", nullable=True, references=("victims", "victim_id")),
        Column("date", "date", "Date of the latest status."),
        Column("status", "code", "Latest status of the tactic.", codelist="disruption_statuses"),
    ),
    key=("force_code", "disruption_id"),
    rules=("date falls inside the return period",),
)

REFERRALS = Table(
    "referrals",
    "information received from a partner agency",
    (
        _force_code(),
        Column("referral_id", "id", "Identifier of the referral.", unique=True),
        Column("source_agency", "code", "Agency that shared the information.", codelist="partner_agencies"),
        Column("received_date", "date", "Date the police received it."),
        Column("victim_id", "id", "Victim it concerns, if known to the police; blank otherwise.", nullable=True, references=("victims", "victim_id")),
        Column("action_date", "date", "Date the police first acted on it; blank if not yet.", nullable=True),
        Column("strategy_meeting", "bool", "Whether a strategy meeting or discussion was held."),
        Column("feedback_to_referrer", "bool", "Whether the referrer was told the outcome."),
    ),
    key=("force_code", "referral_id"),
    rules=(
        "received_date falls inside the return period",
        "action_date is on or after received_date and on or before extraction_date",
    ),
)

CASE_REVIEWS = Table(
    "case_reviews",
    "inspected case file",
    (
        _force_code(),
        Column("review_id", "id", "Identifier of the review.", unique=True),
        Column("offence_id", "id", "Offence whose case file was reviewed.", references=("offences", "offence_id")),
        Column("grade", "code", "Overall grade.", codelist="case_review_grades"),
        Column("score_initial_response", "code", "Grade for the initial response.", codelist="case_review_grades"),
        Column("score_victim_care", "code", "Grade for victim care.", codelist="case_review_grades"),
        Column("score_investigation_plan", "code", "Grade for the investigation plan.", codelist="case_review_grades"),
        Column("score_supervision", "code", "Grade for supervision.", codelist="case_review_grades"),
        Column("score_safeguarding", "code", "Grade for safeguarding.", codelist="case_review_grades"),
    ),
    key=("force_code", "review_id"),
)

CASE_NOTES = Table(
    "case_notes",
    "free-text record entry",
    (
        _force_code(),
        Column("note_id", "id", "Identifier of the note.", unique=True),
        Column("offence_id", "id", "Offence the note belongs to; blank if it belongs to a victim record only.", nullable=True, references=("offences", "offence_id")),
        Column("victim_id", "id", "Victim the note concerns; blank if it belongs to an offence record only.", nullable=True, references=("victims", "victim_id")),
        Column("note_date", "date", "Date of the entry."),
        Column("author_role", "code", "Role of the author.", codelist="author_roles"),
        Column("text", "text", "The entry's text. Never published: used only to detect victim-blaming language."),
    ),
    key=("force_code", "note_id"),
    rules=(
        "offence_id or victim_id is given (at least one)",
        "note_date is on or before extraction_date",
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        FORCE_PROFILE,
        NETWORKS,
        OFFENCES,
        SUSPECTS,
        OFFENCE_SUSPECTS,
        VICTIMS,
        DISRUPTIONS,
        REFERRALS,
        CASE_REVIEWS,
        CASE_NOTES,
    )
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
