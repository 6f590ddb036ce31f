"""The data card (DIR/README.md) of a generated dataset: what it is, its targets, sources and truths.

The card is rendered from the settings and from figures measured on the tables as they are written, so
every number in it is true of the dataset next to it. data/synthetic/README.md is the card of the default
dataset and is committed; a test regenerates the default and checks the committed card is identical.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.contract import OUTCOME_NOT_YET_ASSIGNED, TABLES
from analysis.synthetic.config import GENERATOR_VERSION, SyntheticConfig
from analysis.synthetic.lexicon import matches_any


def summarise_force(tables: dict[str, pd.DataFrame]) -> dict:
    """Figures of one force's tables that the card reports (counts, so forces can be pooled)."""
    profile = tables["force_profile"].iloc[0]
    off = tables["offences"]
    sus = tables["suspects"]
    vic = tables["victims"]
    notes = tables["case_notes"]
    links = tables["offence_suspects"]
    extraction = profile["extraction_date"]
    code = off["outcome_code"]
    assigned = code.between(OUTCOME_NOT_YET_ASSIGNED + 1, TABLES["offences"].column("outcome_code").maximum).fillna(False).astype(bool)
    year_old = off["recorded_date"] <= extraction - pd.Timedelta(days=365)
    n_suspects = links.groupby("offence_id").size().reindex(off["offence_id"], fill_value=0).to_numpy()
    two_plus = n_suspects >= 2
    ages = sus["age_at_first_offence"].dropna()
    vages = vic["age_at_first_offence"].dropna()
    sizes = sus["network_id"].dropna().value_counts()
    outcome_counts = code[assigned].astype(int).value_counts()
    lexicon = matches_any(notes["text"])
    grades = tables["case_reviews"]["grade"].value_counts()
    disruptions = tables["disruptions"]
    return {
        "force_code": profile["force_code"],
        "region": profile["region"],
        "child_population": int(profile["child_population"]),
        "offences": len(off),
        "victims": len(vic),
        "suspects": len(sus),
        "networks": len(tables["networks"]),
        "network_size_max": int(sizes.max()) if len(sizes) else 0,
        "network_size_median": float(sizes.median()) if len(sizes) else 0.0,
        "assigned": int(assigned.sum()),
        "charged": int((code == 1).fillna(False).sum()),
        "most_common_outcome": int(outcome_counts.idxmax()) if len(outcome_counts) else 0,
        "outcome_16": int(outcome_counts.get(16, 0)),
        "outcome_counts": {int(k): int(v) for k, v in outcome_counts.items()},
        "open": int((~assigned).sum()),
        "year_old": int(year_old.sum()),
        "year_old_open": int((year_old & ~assigned).sum()),
        "suspects_ns": int((sus["ethnicity_sde"] == "NS").sum()),
        "suspects_ic9": int((sus["ethnicity_ode"] == "IC9").sum()),
        "suspects_male": int((sus["sex"] == "male").sum()),
        "suspect_ages": int(len(ages)),
        "suspects_10_17": int((ages < 18).sum()),
        "victims_female": int((vic["sex"] == "female").sum()),
        "victim_ages": int(len(vages)),
        "victims_12_17": int((vages >= 12).sum()),
        "victims_withdrawn": int(vic["support_withdrawn_date"].notna().sum()),
        "victims_looked_after": int((vic["looked_after"] == "yes").sum()),
        "two_plus": int(two_plus.sum()),
        "two_plus_flagged": int((two_plus & off["group_flag"].to_numpy()).sum()),
        "notes": len(notes),
        "notes_lexicon": int(lexicon.sum()),
        "disruptions": len(disruptions),
        "cawn": int((disruptions["tactic"] == "cawn").sum()),
        "referrals": len(tables["referrals"]),
        "referral_agencies": int(tables["referrals"]["source_agency"].nunique()),
        "reviews": int(grades.sum()),
        "review_good": int(grades.get("good", 0)),
        "review_ri": int(grades.get("requires_improvement", 0)),
        "review_inadequate": int(grades.get("inadequate", 0)),
        "recent_profile": bool(pd.notna(profile["problem_profile_date"]) and profile["problem_profile_date"] >= extraction - pd.Timedelta(days=365)),
        "partner_data": bool(profile["problem_profile_uses_partner_data"]),
        "group_flag_available": bool(profile["group_flag_available"]),
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _range(values: pd.Series) -> str:
    return f"{_pct(values.min())} to {_pct(values.max())} (median {_pct(values.median())})"


def render(config: SyntheticConfig, summaries: list[dict]) -> str:
    """The data card as Markdown."""
    s = pd.DataFrame(summaries)
    total = s.sum(numeric_only=True)
    p = config.planted
    charge = s["charged"] / s["assigned"]
    ns = s["suspects_ns"] / s["suspects"]
    vb = s["notes_lexicon"] / s["notes"]
    flagged = s.loc[s["group_flag_available"], "two_plus_flagged"].sum() / max(s.loc[s["group_flag_available"], "two_plus"].sum(), 1)
    outcomes = pd.DataFrame(list(s["outcome_counts"])).fillna(0).sum()
    national_outcome = int(outcomes.idxmax())
    national_outcome_share = outcomes.max() / outcomes.sum()
    high, low = p["charge_rate_outliers"]["high"], p["charge_rate_outliers"]["low"]
    eth = p["suspect_ethnicity"]

    def force_value(series: pd.Series, code: str) -> str:
        match = s.index[s["force_code"] == code]
        return _pct(series.loc[match[0]]) if len(match) else "not generated"

    lines = [
        "# Data card: synthetic national dataset",
        "",
        "**THIS DATA IS SYNTHETIC.** Every force, person, offence and case note in it was made up by the",
        "generator in `src/analysis/synthetic/` from `params/synthetic.yaml`. Force names such as",
        "\"Synthetic Force 07 (North West)\" and codes SYN01..SYNnn cannot be mistaken for real police forces;",
        "no record describes a real person, place or case. Outputs made from it must say they are synthetic.",
        "",
        "## How it was made",
        "",
        f"- Command: `python -m analysis generate --seed {config.seed} --scale {config.scale:g} --forces {config.n_forces}`",
        f"- Generator version {GENERATOR_VERSION}; settings hash `{config.params_hash()[:16]}` (full hash in `_generator.json`).",
        f"- Period {config.period_start} to {config.period_end} (financial years 2019/20 to 2024/25); extraction date {config.extraction_date}.",
        f"- {config.n_forces} fictional forces in the 10 regions of England and Wales, in the regional proportions of the real 43 forces;",
        "  child populations are evenly spaced quantiles of a lognormal (a skewed spread), shuffled by the seed.",
        "- Deterministic: the same seed, scale, number of forces and generator version give byte-identical files.",
        "- Every table of the data contract (`analysis.contract.TABLES`), one return per force, in the layout of",
        "  `analysis.returns_io` (Parquet by default; `--format csv` or `xlsx` as a force would submit).",
        "- This card is written next to the data it describes; the committed `data/synthetic/README.md` is the card",
        "  of the default dataset (a test regenerates the default and checks the two are identical).",
        "",
        "## Size",
        "",
        "| item | count |",
        "|---|---|",
        f"| offences | {int(total['offences']):,} |",
        f"| victims | {int(total['victims']):,} |",
        f"| suspects | {int(total['suspects']):,} |",
        f"| networks | {int(total['networks']):,} (largest {int(s['network_size_max'].max())} suspects) |",
        f"| disruptions | {int(total['disruptions']):,} |",
        f"| referrals | {int(total['referrals']):,} |",
        f"| case reviews | {int(total['reviews']):,} |",
        f"| case notes | {int(total['notes']):,} |",
        f"| offences per force | {int(s['offences'].min()):,} to {int(s['offences'].max()):,} |",
        "",
        "## Realism targets",
        "",
        "Each target restates a published finding (or, where the publication gives no figure, the range set in issue 3);",
        "the synthetic values are modelling choices consistent with it, not estimates for any real force. Sources:",
        "Home Office, *Crime outcomes in England and Wales* (annual statistical bulletins); Home Office (December 2020),",
        "*Group-based Child Sexual Exploitation: Characteristics of Offending* and its literature review; HMICFRS",
        "(8 December 2023), *An inspection of the effectiveness of the police and law enforcement bodies' response to",
        "group-based child sexual exploitation in England and Wales*; Baroness Casey (16 June 2025), *National Audit on",
        "Group-based Child Sexual Exploitation and Abuse*.",
        "",
        "| target | source | in this dataset |",
        "|---|---|---|",
        f"| Charge rate (outcome 1 as a share of offences with an assigned outcome 1-22) about 5% to 20% across forces | Home Office, *Crime outcomes in England and Wales*: charge/summons is a small share of outcomes for sexual offences; the 5%-20% range is issue 3's | {_range(charge)} |",
        f"| Outcome 16 (evidential difficulties, victim does not support action) the most common assigned outcome | Home Office, *Crime outcomes in England and Wales*: evidential difficulties outcomes dominate sexual offences | most common nationally: outcome {national_outcome} ({_pct(national_outcome_share)} of assigned outcomes); most common in {int((s['most_common_outcome'] == 16).sum())} of {len(s)} forces |",
        f"| Long times to outcome, many investigations open at extraction | Home Office, *Crime outcomes in England and Wales* (time to outcome for sexual offences); HMICFRS (2023) | {_pct(total['open'] / total['offences'])} open at extraction; {_pct(total['year_old_open'] / total['year_old'])} of offences recorded a year or more before extraction still open |",
        f"| Suspect self-defined ethnicity not stated for 15% to 85% of suspects by force, national median near two thirds | National Audit on Group-based Child Sexual Exploitation and Abuse (Casey, June 2025): ethnicity not recorded for about two thirds of perpetrators; the by-force range is issue 3's | {_range(ns)} |",
        f"| Officer-defined ethnicity recorded more often than self-defined | HMICFRS (2023) and Casey (2025) on unreliable recording; officer-defined codes IC1-IC6 need no self-declaration | IC9 {_pct(total['suspects_ic9'] / total['suspects'])} vs NS {_pct(total['suspects_ns'] / total['suspects'])} |",
        f"| Most suspects male; a large share aged 10-17 | Home Office (2020), *Characteristics of Offending* (age, gender, social status of offenders); the 10-17 share is issue 3's | male {_pct(total['suspects_male'] / total['suspects'])}; aged 10-17 {_pct(total['suspects_10_17'] / total['suspect_ages'])} of recorded ages |",
        f"| Victims mostly female, mostly aged 12-17 | Home Office (2020) literature review (characteristics of victims); HMICFRS (2023) | female {_pct(total['victims_female'] / total['victims'])}; aged 12-17 {_pct(total['victims_12_17'] / total['victim_ages'])} of recorded ages; looked after {_pct(total['victims_looked_after'] / total['victims'])} |",
        f"| Group flag not applied consistently | HMICFRS (2023): no shared definition, recommended a group-based CSE flag | {int((~s['group_flag_available']).sum())} forces without a flag; elsewhere {_pct(flagged)} of offences with 2+ suspects flagged |",
        f"| Problem profiles not always current or using partner data | HMICFRS (2023) recommendation: annual problem profiles using partner data | {int(s['recent_profile'].sum())} of {len(s)} forces with a profile in the 12 months before extraction; {int(s['partner_data'].sum())} use partner data |",
        f"| Referrals from all partner agencies | HMICFRS (2023) on information sharing | {int(s['referral_agencies'].min())} to {int(s['referral_agencies'].max())} agencies per force |",
        f"| Child abduction warning notices dominate disruption tactics | HMICFRS (2023) on disruption | CAWN {_pct(total['cawn'] / total['disruptions'])} of tactics |",
        f"| Case review grades spread across good, requires improvement, inadequate | HMICFRS (2023) case file review | good {_pct(total['review_good'] / total['reviews'])}, requires improvement {_pct(total['review_ri'] / total['reviews'])}, inadequate {_pct(total['review_inadequate'] / total['reviews'])} |",
        f"| Victim-blaming language in some forces' records | HMICFRS (2023): examples of victim-blaming language | notes with a lexicon phrase {_range(vb)} |",
        "",
        "## Planted effects (true values)",
        "",
        "Each is a parameter in `params/synthetic.yaml` (`planted`); tests in `tests/synthetic/` recover each with",
        "the estimator named here and check the true value lies inside the 95% interval.",
        "",
        "| effect | parameter | true value | estimator |",
        "|---|---|---|---|",
        f"| Odds of charge when the victim withdrew support | `charge_withdrawal_odds_ratio` | {p['charge_withdrawal_odds_ratio']} | Mantel-Haenszel odds ratio stratified by force, closed offences (outcome 1-22) with a linked suspect; charge = outcome 1, exposure = victim's support_withdrawn_date present |",
        f"| Specialist support referral on withdrawal | `withdrawal_specialist_support_odds_ratio` | {p['withdrawal_specialist_support_odds_ratio']} | victim-level logistic regression of withdrawal on referral, ABE delay category and looked-after, with force fixed effects |",
        f"| ABE interview more than {p['abe_delay_threshold_days']} days after first report, on withdrawal | `withdrawal_delayed_abe_odds_ratio` | {p['withdrawal_delayed_abe_odds_ratio']} | same model (reference: ABE within {p['abe_delay_threshold_days']} days) |",
        f"| No ABE interview recorded, on withdrawal | `withdrawal_no_abe_odds_ratio` | {p['withdrawal_no_abe_odds_ratio']} | same model |",
        f"| Looked-after child, on withdrawal | `withdrawal_looked_after_odds_ratio` | {p['withdrawal_looked_after_odds_ratio']} | same model |",
        f"| High charge-rate outlier | `charge_rate_outliers.high` | {high['force']} at {high['charge_rate']} (realised {force_value(charge, high['force'])}) | assigned-basis charge rate outside the 99.8% funnel limits adjusted for overdispersion (Spiegelhalter 2005) |",
        f"| Low charge-rate outlier | `charge_rate_outliers.low` | {low['force']} at {low['charge_rate']} (realised {force_value(charge, low['force'])}) | as above |",
        f"| High rate of victim-blaming language | `victim_blaming` | {p['victim_blaming']['force']}: {p['victim_blaming']['note_rate']} of notes (realised {force_value(vb, p['victim_blaming']['force'])}); other forces {config.section('case_notes')['victim_blaming_rate'][0]} to {config.section('case_notes')['victim_blaming_rate'][1]} | share of notes with any whole-phrase lexicon match, Wilson interval |",
        f"| Suspect ethnicity disproportionality | `suspect_ethnicity` | **{'ON' if eth['enabled'] else 'OFF'}** in this dataset; when on, odds of group `{eth['group']}` x {eth['odds_ratio']} in {', '.join(eth['forces'])} | odds of the group among suspects with a recorded self-defined ethnicity / odds in the adult population |",
        "",
        "Suspect ethnicity: each suspect's ONS ethnic group is drawn from the force's **adult** population mix",
        "(`pop_adult_*` in force_profile) and \"not stated\" is missing completely at random, so with the parameter",
        "off no force's recorded suspect mix differs from its adult population beyond chance.",
        "",
        "## Case notes",
        "",
        "Notes are built from neutral, victim-centred template sentences (`src/analysis/synthetic/text.py`). A",
        "force-specific share of notes carries one phrase of the lexicon `params/reference/victim_blaming_lexicon.csv`;",
        f"{_pct(config.section('case_notes')['near_miss_rate'])} of notes carry near-miss wording (\"the suspect put her at risk\",",
        "\"risk assessment completed\", \"willing to take part\") that a whole-phrase matcher must not count. No note",
        "names a person or a place. Note text must never be quoted in any output.",
        "",
        "## Limitations",
        "",
        "- Relationships are simple by design: effects not listed above (for example age on charge) are absent.",
        "- Networks are ethnically unstructured (suspects' groups are independent draws), which keeps the",
        "  disproportionality check exact; real networks cluster.",
        "- Targets restate published national findings; no synthetic force resembles a real one.",
        "",
    ]
    text = "\n".join(lines)
    return re.sub(r"[ \t]+\n", "\n", text)
