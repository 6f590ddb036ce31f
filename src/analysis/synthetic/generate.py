"""Assemble one force's contract tables from the generator modules, and the national set of forces.

Order of generation within a force (each step has its own random stream, see config.STREAMS):
structure (offences, links, networks) -> victims (engagement, withdrawal) -> suspect demographics ->
outcomes (needs withdrawal and suspect ages) -> arrests and charges -> disruptions -> referrals ->
case reviews -> case notes. Identifiers are numbered in date order (crime references grow with time)
and prefixed with the force code, so they are unique nationally as well as within the return.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.contract import TABLES
from analysis.returns_io import CANONICAL_DTYPES
from analysis.synthetic.activity import CRITERIA, build_disruptions, build_referrals, build_reviews
from analysis.synthetic.config import SyntheticConfig
from analysis.synthetic.forces import force_profile, plan_forces
from analysis.synthetic.notes import build_notes
from analysis.synthetic.offences import build_structure
from analysis.synthetic.outcomes import assign_outcomes
from analysis.synthetic.people import build_suspect_demographics, build_victims, suspect_justice

def _ids(code: str, prefix: str, sort_key: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """(ids in original row order, the row order that sorts rows by id): numbered by `sort_key`, ties by row.

    Built with pyarrow string kernels: Python-level string handling would dominate at a million rows."""
    order = np.argsort(sort_key, kind="stable")
    digits = pc.utf8_lpad(pc.cast(pa.array(_rank(order) + 1), pa.string()), 6, "0")
    return pc.binary_join_element_wise(f"{code}-{prefix}", digits, ""), order


def _refs(ids: pa.Array, index: np.ndarray) -> pa.Array:
    """Foreign keys: the id at each index, null where the index is -1."""
    index = np.asarray(index, dtype=np.int64)
    return pc.take(ids, pa.array(index, mask=index < 0))


def _rank(order: np.ndarray) -> np.ndarray:
    """Position of each row in `order` (ids are numbered in this order, so it sorts like the ids)."""
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return rank


def _dates(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]")


def _ints(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=float)


def _canonical(kind: str, values, order: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """One column, rows in `order`, in the canonical dtype of its contract type
    (returns_io.CANONICAL_DTYPES). Built directly from arrays: the same result as returns_io.to_canonical
    (a test checks) without its text round trip, which would dominate the generator's run time."""
    dtype = CANONICAL_DTYPES[kind]
    if kind in ("id", "code", "text"):
        if not isinstance(values, pa.Array):
            values = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
        return pd.array(pc.take(values, pa.array(order)), dtype=dtype)
    values = np.asarray(values)[order]
    if kind == "int":
        numbers = values.astype(float)
        missing = np.isnan(numbers)
        return pd.arrays.IntegerArray(np.where(missing, 0, numbers).astype(np.int64), missing)
    if kind == "date":
        return values.astype("datetime64[D]").astype(dtype)
    if kind == "bool":
        return values.astype(bool)
    raise ValueError(f"the generator writes no '{kind}' column")


def _frame(name: str, code: str, columns: dict, order: np.ndarray) -> pd.DataFrame:
    """A contract table in canonical dtypes, its rows in `order`."""
    table = TABLES[name]
    n = order.size
    force = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([code])).dictionary_decode()
    columns = {"force_code": force, **columns}
    if set(columns) != set(table.column_names):
        raise ValueError(f"{name}: generator columns differ from the contract: {sorted(set(columns) ^ set(table.column_names))}")
    return pd.DataFrame({c.name: _canonical(c.type, columns[c.name], order) for c in table.columns}, copy=False)


def generate_force(config: SyntheticConfig, code: str, plan: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every contract table of one synthetic force, in canonical dtypes (analysis.returns_io)."""
    plan = plan_forces(config) if plan is None else plan
    rows = plan.index[plan["force_code"] == code]
    if rows.size != 1:
        raise KeyError(f"no synthetic force '{code}' with {config.n_forces} forces")
    force = plan.loc[rows[0]].to_dict()
    index = int(force["index"])

    st = build_structure(config, force, config.rng(index, "structure"))
    victims = build_victims(config, force, st, config.rng(index, "victims"))
    demo = build_suspect_demographics(config, force, st, config.rng(index, "suspects"))
    outcome_code, outcome_date = assign_outcomes(config, force, st, victims, demo, config.rng(index, "outcomes"))
    charged, arrest = suspect_justice(config, demo, st, outcome_code, outcome_date, config.rng(index, "arrests"))
    disruptions = build_disruptions(config, force, st, config.rng(index, "disruptions"))
    referrals = build_referrals(config, force, st, victims, config.rng(index, "referrals"))
    reviews = build_reviews(config, force, st, config.rng(index, "reviews"))
    notes = build_notes(config, force, st, victims, config.rng(index, "notes"))

    network_ids, network_order = _ids(code, "N", st.network_first)
    offence_ids, offence_order = _ids(code, "O", st.offence_recorded)
    victim_ids, victim_order = _ids(code, "V", victims.first_report)
    suspect_ids, suspect_order = _ids(code, "S", demo.first_offence)
    disruption_ids, disruption_order = _ids(code, "D", disruptions.date)
    referral_ids, referral_order = _ids(code, "R", referrals.received)
    review_ids, review_order = _ids(code, "CR", reviews.offence)
    note_ids, note_order = _ids(code, "CN", notes.date)
    link_order = np.lexsort((_rank(suspect_order)[st.link_suspect], _rank(offence_order)[st.link_offence]))

    tables = {
        "force_profile": _frame("force_profile", code, force_profile(config, plan.loc[rows[0]]), np.arange(1)),
        "networks": _frame("networks", code, {
            "network_id": network_ids,
            "identified_date": _dates(st.network_identified),
            "cocad_category": st.network_cocad,
        }, network_order),
        "offences": _frame("offences", code, {
            "offence_id": offence_ids,
            "recorded_date": _dates(st.offence_recorded),
            "offence_category": st.offence_category,
            "cse_flag": st.cse_flag,
            "group_flag": st.group_flag,
            "network_id": _refs(network_ids, st.offence_network),
            "victim_id": _refs(victim_ids, st.offence_victim),
            "report_source": st.offence_report_source,
            "outcome_code": _ints(outcome_code),
            "outcome_date": _dates(outcome_date),
        }, offence_order),
        "suspects": _frame("suspects", code, {
            "suspect_id": suspect_ids,
            "network_id": _refs(network_ids, st.suspect_network),
            "birth_year": _ints(demo.birth_year),
            "age_at_first_offence": _ints(demo.age),
            "sex": demo.sex,
            "ethnicity_sde": demo.ethnicity_sde,
            "ethnicity_ode": demo.ethnicity_ode,
            "nationality": demo.nationality,
            "first_arrest_date": _dates(arrest),
            "charged": charged,
        }, suspect_order),
        "offence_suspects": _frame("offence_suspects", code, {
            "offence_id": _refs(offence_ids, st.link_offence),
            "suspect_id": _refs(suspect_ids, st.link_suspect),
        }, link_order),
        "victims": _frame("victims", code, {
            "victim_id": victim_ids,
            "age_at_first_offence": _ints(victims.age),
            "sex": victims.sex,
            "ethnicity_sde": victims.ethnicity_sde,
            "looked_after": victims.looked_after,
            "missing_episodes": _ints(victims.missing_episodes),
            "first_report_date": _dates(victims.first_report),
            "abe_interview_date": _dates(victims.abe_date),
            "specialist_support_referral": victims.support,
            "support_withdrawn_date": _dates(victims.withdrawn_date),
            "nrm_referral": victims.nrm,
            "treated_as_suspect": victims.treated_as_suspect,
        }, victim_order),
        "disruptions": _frame("disruptions", code, {
            "disruption_id": disruption_ids,
            "tactic": disruptions.tactic,
            "suspect_id": _refs(suspect_ids, disruptions.suspect),
            "network_id": _refs(network_ids, disruptions.network),
            "victim_id": _refs(victim_ids, disruptions.victim),
            "date": _dates(disruptions.date),
            "status": disruptions.status,
        }, disruption_order),
        "referrals": _frame("referrals", code, {
            "referral_id": referral_ids,
            "source_agency": referrals.agency,
            "received_date": _dates(referrals.received),
            "victim_id": _refs(victim_ids, referrals.victim),
            "action_date": _dates(referrals.action),
            "strategy_meeting": referrals.strategy_meeting,
            "feedback_to_referrer": referrals.feedback,
        }, referral_order),
        "case_reviews": _frame("case_reviews", code, {
            "review_id": review_ids,
            "offence_id": _refs(offence_ids, reviews.offence),
            "grade": reviews.grade,
            **{f"score_{name}": reviews.scores[name] for name in CRITERIA},
        }, review_order),
        "case_notes": _frame("case_notes", code, {
            "note_id": note_ids,
            "offence_id": _refs(offence_ids, notes.offence),
            "victim_id": _refs(victim_ids, notes.victim),
            "note_date": _dates(notes.date),
            "author_role": notes.author_role,
            "text": notes.text,
        }, note_order),
    }
    return tables


def iter_forces(config: SyntheticConfig) -> Iterator[tuple[str, dict[str, pd.DataFrame]]]:
    """(force_code, tables) for every synthetic force in code order, one force in memory at a time."""
    plan = plan_forces(config)
    for code in plan["force_code"]:
        yield code, generate_force(config, code, plan)


def generate_national(config: SyntheticConfig) -> dict[str, dict[str, pd.DataFrame]]:
    """Every synthetic force's tables: {force_code: {table: DataFrame}}."""
    return dict(iter_forces(config))
