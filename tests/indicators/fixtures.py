"""Hand-built returns for the victim, response and partnership indicators, small enough to count by hand.

`hand_return()` is SYN01's profile (period 2021-04-01 to 2024-03-31, extracted 2024-05-15) with the tables
below, typed by returns_io.to_canonical. The tests state each numerator and denominator from these rows.

Victims (days are from first report; "censored" = no withdrawal, followed to extraction 2024-05-15):
  V1 14 F looked after, 6 missing, ABE +9,  support yes, no withdrawal (censored at 1049)
  V2 15 F not,          0 missing, ABE +5,  support no,  withdrew at 108
  V3 13 M not recorded, -,         no ABE,  support yes, censored at 450; treated as a suspect
  V4 11 F looked after, 2 missing, ABE +50, support no,  withdrew at 30
  V5 16 F not,          1 missing, no ABE,  support no,  withdrew at 335
  V6 -- sex not recorded, not,   -, ABE +19, support yes, censored at 257
  V7 17 F not,          4 missing, ABE +61, support no,  withdrew at 20
  V8 12 M looked after, 0 missing, no ABE,  support yes, censored at 166; treated as a suspect

Offences (days from recording to outcome, or to extraction when open):
  O1 V1 N1 outcome 1 at 335 | O2 V2 N1 16 at 198 | O3 V3 open (blank), 450 | O4 V1 N2 open (0), 167
  O5 V4 14 at 41 | O6 V5 N2 15 at 426 | O7 V7 1 at 45 | O8 V6 18 at 30 | O9 V8 16 at 62 | O10 V2 8 at 379
Suspects: S1 (O1, O2, O7; first 2021-05-01, arrested 2021-09-01: 123 days), S2 (O1, O9; not arrested),
  S3 (O4; first 2023-11-30, arrested 2023-12-05: 5 days), S4 (O6, O10; first 2022-03-01, arrested 2022-06-11:
  102 days), S5 (no linked offence; arrested 2022-01-01).
Networks N1, N2. Disruptions: cawn served, sro applied, closure order granted, cawn breached, shpo granted.
Referrals: R1 social care (1 day, meeting, feedback), R2 education (not actioned), R3 social care (4 days,
  meeting), R4 health (10 days, feedback), R5 social care (0 days).
Case reviews CR1-CR4 and case notes CN1-CN6 as listed in their tables.

`model_victims(...)` and `charge_offences(...)` build larger, regular returns for the two regression models.
"""

from __future__ import annotations

import io

import pandas as pd

from analysis.indicators.data import ForceData
from fixtures.valid_return import typed, valid_return

FORCE = "SYN01"

_TABLES = {
    "networks": """\
force_code,network_id,identified_date,cocad_category
SYN01,N1,2021-06-01,cse
SYN01,N2,2022-01-10,unknown
""",
    "offences": """\
force_code,offence_id,recorded_date,offence_category,cse_flag,group_flag,network_id,victim_id,report_source,outcome_code,outcome_date
SYN01,O1,2021-07-01,rape_child_13_15,true,true,N1,V1,partner_agency,1,2022-06-01
SYN01,O2,2021-08-15,sexual_activity_with_child,true,false,N1,V2,parent_carer,16,2022-03-01
SYN01,O3,2023-02-20,meeting_child_following_grooming,false,true,,V3,police_proactive,,
SYN01,O4,2023-11-30,arrange_facilitate_child_sexual_exploitation,true,true,N2,V1,victim,0,
SYN01,O5,2022-01-10,sexual_assault_child,true,false,,V4,victim,14,2022-02-20
SYN01,O6,2022-06-01,rape_child_13_15,true,true,N2,V5,partner_agency,15,2023-08-01
SYN01,O7,2021-05-01,sexual_activity_with_child,true,false,,V7,parent_carer,1,2021-06-15
SYN01,O8,2023-09-01,sexual_communication_with_child,true,false,,V6,victim,18,2023-10-01
SYN01,O9,2023-12-01,sexual_assault_child,true,false,,V8,third_party,16,2024-02-01
SYN01,O10,2022-03-01,sexual_activity_with_child,true,false,,V2,parent_carer,8,2023-03-15
""",
    "suspects": """\
force_code,suspect_id,network_id,birth_year,age_at_first_offence,sex,ethnicity_sde,ethnicity_ode,nationality,first_arrest_date,charged
SYN01,S1,N1,1990,31,male,W1,IC1,GBR,2021-09-01,true
SYN01,S2,N1,2006,15,male,NS,IC9,NR,,false
SYN01,S3,,,,not_recorded,A2,IC4,PAK,2023-12-05,false
SYN01,S4,N2,1985,36,male,W1,IC1,GBR,2022-06-11,false
SYN01,S5,,1999,,male,NS,IC9,NR,2022-01-01,false
""",
    "offence_suspects": """\
force_code,offence_id,suspect_id
SYN01,O1,S1
SYN01,O1,S2
SYN01,O2,S1
SYN01,O4,S3
SYN01,O6,S4
SYN01,O7,S1
SYN01,O9,S2
SYN01,O10,S4
""",
    "victims": """\
force_code,victim_id,age_at_first_offence,sex,ethnicity_sde,looked_after,missing_episodes,first_report_date,abe_interview_date,specialist_support_referral,support_withdrawn_date,nrm_referral,treated_as_suspect
SYN01,V1,14,female,W1,yes,6,2021-07-01,2021-07-10,true,,true,false
SYN01,V2,15,female,M1,no,0,2021-08-15,2021-08-20,false,2021-12-01,false,false
SYN01,V3,13,male,NS,not_recorded,,2023-02-20,,true,,false,true
SYN01,V4,11,female,W1,yes,2,2022-01-10,2022-03-01,false,2022-02-09,false,false
SYN01,V5,16,female,A1,no,1,2022-06-01,,false,2023-05-02,false,false
SYN01,V6,,not_recorded,NS,no,,2023-09-01,2023-09-20,true,,false,false
SYN01,V7,17,female,W1,no,4,2021-05-01,2021-07-01,false,2021-05-21,false,false
SYN01,V8,12,male,B1,yes,0,2023-12-01,,true,,false,true
""",
    "disruptions": """\
force_code,disruption_id,tactic,suspect_id,network_id,victim_id,date,status
SYN01,D1,cawn,S1,N1,V1,2022-02-01,served
SYN01,D2,sro,S2,,,2023-05-10,applied
SYN01,D3,closure_order,,N2,,2024-01-15,granted
SYN01,D4,cawn,S4,,V5,2022-08-01,breached
SYN01,D5,shpo,S1,,,2022-09-01,granted
""",
    "referrals": """\
force_code,referral_id,source_agency,received_date,victim_id,action_date,strategy_meeting,feedback_to_referrer
SYN01,R1,childrens_social_care,2021-05-01,V1,2021-05-02,true,true
SYN01,R2,education,2023-01-05,,,false,false
SYN01,R3,childrens_social_care,2022-02-01,V4,2022-02-05,true,false
SYN01,R4,health,2022-07-01,,2022-07-11,false,true
SYN01,R5,childrens_social_care,2023-03-01,V3,2023-03-01,false,false
""",
    "case_reviews": """\
force_code,review_id,offence_id,grade,score_initial_response,score_victim_care,score_investigation_plan,score_supervision,score_safeguarding
SYN01,CR1,O1,good,good,good,requires_improvement,good,good
SYN01,CR2,O2,inadequate,requires_improvement,inadequate,inadequate,inadequate,requires_improvement
SYN01,CR3,O6,requires_improvement,good,requires_improvement,requires_improvement,inadequate,good
SYN01,CR4,O7,good,good,good,good,good,good
""",
    "case_notes": """\
force_code,note_id,offence_id,victim_id,note_date,author_role,text
SYN01,CN1,O1,V1,2021-07-02,investigating_officer,Victim seen with an independent advocate; safety plan agreed.
SYN01,CN2,O2,V2,2021-09-01,response_officer,Recorded that she was putting herself at risk and is streetwise.
SYN01,CN3,O5,V4,2022-01-12,supervisor,Described as her older boyfriend; later notes say her boyfriend collected her.
SYN01,CN4,O6,V5,2022-06-03,safeguarding_officer,The child was not putting anyone at risk; the contact was non-consensual.
SYN01,CN5,,V7,2021-05-03,call_handler,Caller said PUTTING HERSELF AT RISK.
SYN01,CN6,O8,V6,2023-09-02,investigating_officer,Safeguarding referral made and support offered.
""",
}


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def hand_raw() -> dict[str, pd.DataFrame]:
    """The hand-built return as raw text frames (fresh copies), SYN01's profile included."""
    raw = valid_return()
    raw.update({name: _read(text) for name, text in _TABLES.items()})
    return raw


def hand_return(**replace: pd.DataFrame) -> ForceData:
    """ForceData of the hand-built return; keyword arguments replace whole raw tables first."""
    raw = hand_raw()
    raw.update(replace)
    return ForceData(typed(raw))


def empty_return() -> ForceData:
    """ForceData of the hand-built return with every table but force_profile emptied (no records at all)."""
    return hand_return(**{name: frame.iloc[0:0] for name, frame in hand_raw().items() if name != "force_profile"})


def _frame(columns: list[str], records: list[list]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=columns, dtype=str)


VICTIM_COLUMNS = ["force_code", "victim_id", "age_at_first_offence", "sex", "ethnicity_sde", "looked_after",
                  "missing_episodes", "first_report_date", "abe_interview_date", "specialist_support_referral",
                  "support_withdrawn_date", "nrm_referral", "treated_as_suspect"]


def model_victims(cells: dict[bool, tuple[int, int]]) -> pd.DataFrame:
    """Raw victims table for the withdrawal model in which only specialist support varies.

    cells maps specialist_support_referral -> (victims who withdrew, victims who did not). Every victim is
    aged 14, not looked after, first reported 2022-01-01 with an ABE interview 10 days later (within 28
    days); withdrawals are dated 2022-03-01.
    """
    records = []
    for support, (withdrew, stayed) in cells.items():
        for k in range(withdrew + stayed):
            records.append([FORCE, f"V{len(records) + 1}", "14", "female", "W1", "no", "0", "2022-01-01",
                            "2022-01-11", "true" if support else "false", "2022-03-01" if k < withdrew else "",
                            "false", "false"])
    return _frame(VICTIM_COLUMNS, records)


OFFENCE_COLUMNS = ["force_code", "offence_id", "recorded_date", "offence_category", "cse_flag", "group_flag",
                   "network_id", "victim_id", "report_source", "outcome_code", "outcome_date"]


def charge_offences(records: list[tuple[bool, int, int]]) -> dict[str, pd.DataFrame]:
    """Raw offences, victims and offence_suspects for the Cox model of time to charge.

    Each record (victim withdrew, days from recording to outcome or extraction, outcome code or 0 if open)
    becomes one offence recorded on 2022-01-01 against its own victim (not looked after, first reported the
    same day; withdrawal dated 2022-01-05 when it withdrew), linked to suspect S1, with no network, so that
    only the victim's withdrawal varies. Open offences must have days equal to the follow-up to extraction
    (2024-05-15 is 865 days after 2022-01-01).
    """
    start = pd.Timestamp("2022-01-01")
    offences, victims, links = [], [], []
    for i, (withdrew, days, code) in enumerate(records, start=1):
        outcome_date = (start + pd.Timedelta(days=days)).strftime("%Y-%m-%d") if code else ""
        offences.append([FORCE, f"O{i}", "2022-01-01", "sexual_activity_with_child", "true", "false", "",
                         f"V{i}", "victim", str(code) if code else "", outcome_date])
        victims.append([FORCE, f"V{i}", "14", "female", "W1", "no", "0", "2022-01-01", "", "false",
                        "2022-01-05" if withdrew else "", "false", "false"])
        links.append([FORCE, f"O{i}", "S1"])
    return {
        "offences": _frame(OFFENCE_COLUMNS, offences),
        "victims": _frame(VICTIM_COLUMNS, victims),
        "offence_suspects": _frame(["force_code", "offence_id", "suspect_id"], links),
        "disruptions": _read("force_code,disruption_id,tactic,suspect_id,network_id,victim_id,date,status\n"),
        "referrals": _read("force_code,referral_id,source_agency,received_date,victim_id,action_date,"
                           "strategy_meeting,feedback_to_referrer\n"),
        "case_reviews": _read("force_code,review_id,offence_id,grade,score_initial_response,score_victim_care,"
                              "score_investigation_plan,score_supervision,score_safeguarding\n"),
        "case_notes": _read("force_code,note_id,offence_id,victim_id,note_date,author_role,text\n"),
    }
