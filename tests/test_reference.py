"""The reference code lists: sizes and facts from their published sources, and their fit with the contract."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from analysis import reference
from analysis.contract import ETHNIC_GROUPS, TABLES
from analysis.paths import DOCS_DIR, REFERENCE_DIR

CODE_LISTS = sorted({c.codelist for t in TABLES.values() for c in t.columns if c.codelist})


@pytest.mark.parametrize("path", sorted(REFERENCE_DIR.glob("*.csv")), ids=lambda p: p.name)
def test_every_row_has_as_many_fields_as_the_header(path) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    widths = Counter(len(r) for r in rows)
    assert list(widths) == [len(rows[0])], f"{path.name}: rows with another field count (unquoted comma?)"


@pytest.mark.parametrize("name", sorted(set(CODE_LISTS) | {"outcome_types", "ethnicity_groups", "ethnicity_sde_legacy"}))
def test_every_code_list_loads_with_unique_non_blank_codes(name: str) -> None:
    codes = reference.codes(name)
    assert codes, name
    assert all(c.strip() == c and c for c in codes), name
    assert len(set(codes)) == len(codes), name
    assert len(reference.labels(name)) == len(codes)


def test_every_list_is_documented_with_its_source() -> None:
    text = (DOCS_DIR / "reference_code_lists.md").read_text(encoding="utf-8")
    for name in reference.available():
        assert f"**`{name}.csv`**" in text, name


def test_every_reference_file_has_a_code_column() -> None:
    for name in reference.available():
        assert reference.CODE_COLUMNS.get(name, "code") in reference.load(name).columns, name


# ------------------------------------------------------------------------------------------ outcomes

PUBLISHED_GROUPS = {
    "Charged/Summonsed": {1},
    "Out-of-court (formal)": {2, 3, 6, 7},
    "Taken into consideration": {4},
    "Out-of-court (informal)": {8},
    "Prosecution prevented or not in the public interest": {5, 9, 10, 11, 12, 13, 17},
    "Evidential difficulties (suspect identified; victim supports action)": {15},
    "Evidential difficulties (victim does not support action)": {14, 16},
    "Investigation complete: no suspect identified": {18},
    "Action undertaken by another body or agency": {20},
    "Further investigation to support formal action not in the public interest": {21},
    "Diversionary educational or intervention activity": {22},
}


def test_22_outcome_types_with_19_retired() -> None:
    table = reference.load("outcome_types")
    assert table["code"].astype(int).tolist() == list(range(1, 23))
    assert table.loc[table["in_use"] == "false", "code"].tolist() == ["19"]
    assert set(table["in_use"]) == {"true", "false"}


def test_outcome_groups_are_the_published_groups() -> None:
    table = reference.load("outcome_types")
    in_use = table[table["in_use"] == "true"]
    groups = {g: set(frame["code"].astype(int)) for g, frame in in_use.groupby("outcome_group")}
    assert groups == PUBLISHED_GROUPS
    assert in_use.groupby("outcome_group")["group_order"].nunique().eq(1).all()


def test_key_outcome_labels() -> None:
    labels = reference.labels("outcome_types")
    assert labels["1"] == "Charged or summonsed"
    assert labels["16"] == "Evidential difficulties: suspect identified; victim does not support further action"
    assert labels["18"] == "Investigation complete: no suspect identified"


# ------------------------------------------------------------------------------------------ ethnicity


def test_19_self_defined_ethnicity_codes_18_plus_1() -> None:
    table = reference.load("ethnicity_sde")
    assert table["code"].tolist() == ["A1", "A2", "A3", "A4", "A9", "B1", "B2", "B9", "M1", "M2", "M3", "M9",
                                      "O2", "O9", "W1", "W2", "W3", "W9", "NS"]
    groups = table.set_index("code")["ons_group"]
    assert groups["NS"] == ""
    assert set(groups.drop("NS")) == set(ETHNIC_GROUPS)
    assert dict(Counter(groups.drop("NS"))) == {"asian": 5, "black": 3, "mixed": 4, "other": 2, "white": 4}
    assert groups["A4"] == "asian" and groups["O2"] == "other"


def test_legacy_16_plus_1_codes_all_map_to_existing_codes() -> None:
    legacy = reference.load("ethnicity_sde_legacy").set_index("legacy_code")["maps_to"]
    sde = reference.load("ethnicity_sde").set_index("code")
    assert len(legacy) == 17
    assert set(legacy).issubset(sde.index)
    assert legacy["O1"] == "A4"  # Chinese moved from "Chinese or other" to Asian in 2011
    # Each 18+1 code that names a legacy code is where that legacy code maps.
    named = sde.loc[sde["legacy_16_code"] != "", "legacy_16_code"]
    assert set(named).issubset(legacy.index)
    assert all(legacy[old] == new for new, old in named.items())
    assert set(sde.index[sde["legacy_16_code"] == ""]) == {"O2", "W3"}


def test_ethnic_groups_are_the_five_ons_groups() -> None:
    assert reference.codes("ethnicity_groups") == list(ETHNIC_GROUPS)


def test_officer_defined_ic_codes() -> None:
    table = reference.load("ethnicity_ode").set_index("code")["ons_group"]
    assert table.index.tolist() == ["IC1", "IC2", "IC3", "IC4", "IC5", "IC6", "IC9"]
    assert table.to_dict() == {"IC1": "white", "IC2": "white", "IC3": "black", "IC4": "asian", "IC5": "asian",
                               "IC6": "other", "IC9": ""}


# ------------------------------------------------------------------------------------------ places


def test_43_forces_in_10_regions() -> None:
    forces = reference.load("forces")
    assert len(forces) == 43
    assert forces["force_code"].is_unique and forces["force_name"].is_unique
    assert set(forces["region"]) == set(reference.codes("regions"))
    assert len(reference.codes("regions")) == 10
    assert forces.groupby("region").size().to_dict() == {
        "east_midlands": 5, "eastern": 6, "london": 2, "north_east": 3, "north_west": 5, "south_east": 5,
        "south_west": 5, "wales": 4, "west_midlands": 4, "yorkshire_humber": 4,
    }


def test_force_codes_are_ons_police_force_area_codes() -> None:
    forces = reference.load("forces").set_index("force_code")
    english = [c for c in forces.index if c.startswith("E")]
    welsh = [c for c in forces.index if c.startswith("W")]
    assert english == [f"E230000{i:02d}" for i in range(1, 40)]
    assert welsh == [f"W1500000{i}" for i in range(1, 5)]
    assert forces.loc[welsh, "region"].eq("wales").all()
    assert forces.at["E23000001", "force_name"] == "Metropolitan Police"
    assert forces.at["E23000034", "force_name"] == "City of London"
    assert forces.at["E23000013", "force_name"] == "Cleveland"
    assert forces.at["W15000004", "force_name"] == "Dyfed-Powys"


def test_nationalities_are_iso_3166_alpha_3_plus_not_recorded() -> None:
    table = reference.load("nationalities").set_index("code")
    assert len(table) == 250
    assert table.index[-1] == "NR" and table.at["NR", "label"] == "Not recorded"
    iso = table.drop("NR")
    assert iso.index.str.fullmatch(r"[A-Z]{3}").all() and iso.index.is_unique
    assert iso.at["GBR", "label"] == "United Kingdom"
    assert iso.at["IRL", "label"] == "Ireland"
    assert iso.at["PAK", "label"] == "Pakistan"
    assert iso.at["ROU", "label"] == "Romania"
    assert iso.at["POL", "label"] == "Poland"
    assert iso.at["NAM", "alpha_2"] == "NA"  # read as text, never as missing
    assert iso.at["GBR", "numeric"] == "826"
    assert "XKX" not in iso.index and "ANT" not in iso.index


# ------------------------------------------------------------------------------------------ offences and tactics


def _sections(text: str) -> list[str]:
    """'s9, s11 and s13' -> ['9', '11', '13']; 's9 to s13' -> ['9', '10', '11', '12', '13']."""
    out: list[str] = []
    for part in re.split(r", | and ", text):
        span = re.fullmatch(r"s(\d+) to s(\d+)", part)
        out += [str(i) for i in range(int(span[1]), int(span[2]) + 1)] if span else [part.removeprefix("s")]
    return out


def test_section_parser_expands_ranges() -> None:
    assert _sections("s9 to s13") == ["9", "10", "11", "12", "13"]
    assert _sections("s9, s11 and s15A") == ["9", "11", "15A"]


def test_each_section_of_an_act_is_in_one_offence_category() -> None:
    seen: dict[tuple[str, str], str] = {}
    for row in reference.load("offence_categories").itertuples():
        for act, sections in re.findall(r"([A-Z][A-Za-z ]+Act \d{4}) ((?:s\d+[A-Z]?(?:, | and | to )?)+)", row.legislation):
            for section in _sections(sections.strip()):
                assert (act, section) not in seen, f"{act} s{section} in {seen.get((act, section))} and {row.code}"
                seen[(act, section)] = row.code
    assert seen[("Sexual Offences Act 2003", "10")] == "cause_incite_child_sexual_activity"
    assert seen[("Sexual Offences Act 2003", "15A")] == "sexual_communication_with_child"


def test_disruption_tactics_and_statuses() -> None:
    tactics = reference.load("disruption_tactics").set_index("code")
    assert tactics.index.tolist() == ["cawn", "sro", "shpo", "stro", "stpo", "closure_order", "hotel_notice", "other"]
    assert tactics.at["sro", "legislation"].startswith("Sexual Offences Act 2003 s122A")
    assert reference.codes("disruption_statuses") == ["applied", "granted", "refused", "served", "breached"]


def test_case_review_criteria_name_case_review_columns() -> None:
    criteria = reference.load("case_review_criteria")
    columns = TABLES["case_reviews"].column_names
    assert all(c in columns for c in criteria["column"])
    assert reference.codes("case_review_grades") == ["good", "requires_improvement", "inadequate"]


def test_not_recorded_codes_exist_where_the_contract_promises_them() -> None:
    assert "NS" in reference.codes("ethnicity_sde")
    assert "IC9" in reference.codes("ethnicity_ode")
    assert "NR" in reference.codes("nationalities")
    assert "not_recorded" in reference.codes("sexes")
    assert "not_recorded" in reference.codes("yes_no_not_recorded")


def test_lexicon_patterns_compile_and_match_their_examples() -> None:
    lexicon = reference.load("victim_blaming_lexicon")
    for row in lexicon.itertuples():
        assert re.search(row.pattern, row.example, flags=re.IGNORECASE), row.term_id
        assert row.recommended_alternative.strip(), row.term_id


# ------------------------------------------------------------------------------------------ published tables, pinned
# Each table below is copied from its published source (docs/reference_code_lists.md gives source, version and
# date); a change to a code list file that departs from the source fails here.

#: Police self-defined ethnicity "18+1" (Home Office / NPCC, from the ONS 2011 census categories).
PUBLISHED_18_PLUS_1 = {
    "W1": "English, Welsh, Scottish, Northern Irish or British", "W2": "Irish", "W3": "Gypsy or Irish Traveller", "W9": "any other White background",
    "M1": "White and Black Caribbean", "M2": "White and Black African", "M3": "White and Asian", "M9": "any other mixed background",
    "A1": "Indian", "A2": "Pakistani", "A3": "Bangladeshi", "A4": "Chinese", "A9": "any other Asian background",
    "B1": "Caribbean", "B2": "African", "B9": "any other Black background",
    "O2": "Arab", "O9": "any other ethnic group", "NS": "Not stated",
}
#: The older police "16+1" list (ONS 2001 census categories) and where each code is in the 18+1 list.
PUBLISHED_16_PLUS_1 = {
    "W1": "W1", "W2": "W2", "W9": "W9", "M1": "M1", "M2": "M2", "M3": "M3", "M9": "M9", "A1": "A1", "A2": "A2",
    "A3": "A3", "A9": "A9", "B1": "B1", "B2": "B2", "B9": "B9", "O1": "A4", "O9": "O9", "NS": "NS",
}
#: Officer-defined ethnicity, the police IC (identity code) "6+1" codes.
PUBLISHED_IC = {
    "IC1": "White - North European", "IC2": "White - South European", "IC3": "Black", "IC4": "Asian - Indian subcontinent",
    "IC5": "Chinese, Japanese, Korean or other South East Asian", "IC6": "Arab or North African", "IC9": "Unknown",
}
#: ONS police force area codes of the 43 territorial forces (ONS Open Geography Portal, PFA December 2023).
PUBLISHED_FORCES = {
    "E23000001": "Metropolitan Police", "E23000002": "Cumbria", "E23000003": "Lancashire", "E23000004": "Merseyside",
    "E23000005": "Greater Manchester", "E23000006": "Cheshire", "E23000007": "Northumbria", "E23000008": "Durham",
    "E23000009": "North Yorkshire", "E23000010": "West Yorkshire", "E23000011": "South Yorkshire", "E23000012": "Humberside",
    "E23000013": "Cleveland", "E23000014": "West Midlands", "E23000015": "Staffordshire", "E23000016": "West Mercia",
    "E23000017": "Warwickshire", "E23000018": "Derbyshire", "E23000019": "Nottinghamshire", "E23000020": "Lincolnshire",
    "E23000021": "Leicestershire", "E23000022": "Northamptonshire", "E23000023": "Cambridgeshire", "E23000024": "Norfolk",
    "E23000025": "Suffolk", "E23000026": "Bedfordshire", "E23000027": "Hertfordshire", "E23000028": "Essex",
    "E23000029": "Thames Valley", "E23000030": "Hampshire", "E23000031": "Surrey", "E23000032": "Kent", "E23000033": "Sussex",
    "E23000034": "City of London", "E23000035": "Devon and Cornwall", "E23000036": "Avon and Somerset",
    "E23000037": "Gloucestershire", "E23000038": "Wiltshire", "E23000039": "Dorset",
    "W15000001": "North Wales", "W15000002": "Gwent", "W15000003": "South Wales", "W15000004": "Dyfed-Powys",
}


def test_18_plus_1_table_is_the_published_one() -> None:
    table = reference.load("ethnicity_sde")
    labels = {code: label.split(": ", 1)[-1] for code, label in zip(table["code"], table["label"], strict=True)}
    assert labels == PUBLISHED_18_PLUS_1
    assert "O1" not in labels  # O1 was Chinese in the 16+1 list; Arab is O2
    sde = table.set_index("code")
    assert sde.loc["O2", "label"] == "Other ethnic group: Arab" and sde.loc["A4", "legacy_16_code"] == "O1"


def test_16_plus_1_mapping_is_the_published_one() -> None:
    legacy = reference.load("ethnicity_sde_legacy")
    assert dict(zip(legacy["legacy_code"], legacy["maps_to"], strict=True)) == PUBLISHED_16_PLUS_1


def test_ic_codes_are_the_published_ones() -> None:
    assert reference.labels("ethnicity_ode") == PUBLISHED_IC


def test_forces_are_the_43_published_police_force_areas() -> None:
    assert reference.labels("forces") == PUBLISHED_FORCES


def test_outcome_types_are_1_to_22_with_19_retired() -> None:
    table = reference.load("outcome_types")
    assert table["code"].tolist() == [str(n) for n in range(1, 23)]
    assert table.loc[table["in_use"] == "false", "code"].tolist() == ["19"]
    groups = table.groupby("outcome_group")["code"].apply(lambda c: sorted(int(x) for x in c)).to_dict()
    assert groups["Out-of-court (formal)"] == [2, 3, 6, 7]
    assert groups["Evidential difficulties (victim does not support action)"] == [14, 16]
    assert groups["Prosecution prevented or not in the public interest"] == [5, 9, 10, 11, 12, 13, 17]


def test_a_legacy_16_plus_1_code_is_refused_with_its_18_plus_1_meaning() -> None:
    from analysis.validate import validate_tables
    from fixtures.valid_return import as_force

    tables = as_force("SYN01")
    tables["suspects"].loc[0, "ethnicity_sde"] = "O1"
    tables["victims"].loc[0, "ethnicity_sde"] = "O2"  # Arab in the 18+1 list: accepted
    failures = validate_tables(tables).failures
    assert [(f.table, f.row, f.column, f.rule, f.message) for f in failures] == [(
        "suspects", 2, "ethnicity_sde", "codelist",
        "suspects row 2, column ethnicity_sde: 'O1' is not a code in the list ethnicity_sde "
        "(params/reference/ethnicity_sde.csv) ('O1' is the code for Chinese in the older 16+1 list, which is 'A4' in the "
        "18+1 list: check which the force meant and use the 18+1 code)")]
