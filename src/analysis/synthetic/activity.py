"""Force activity around the offences: disruption tactics, partner referrals and case file reviews.

- Disruptions: uses per suspect vary by force; child abduction warning notices (CAWN) dominate. A CAWN
  names a suspect and the child it protects; orders (SRO, SHPO, STRO, STPO) name a suspect; closure
  orders and hotel information notices target a network. The status depends on the tactic.
- Referrals: every partner agency refers; some referrals concern a known victim (received shortly before
  the victim's first report), most are actioned within days, with force-level shares of strategy
  meetings and feedback to the referrer.
- Case reviews: a simple random sample of offences; criterion grades and the overall grade come from one
  latent case quality (force effect + case noise), so grades are spread and correlated across criteria.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.synthetic.config import SyntheticConfig
from analysis.synthetic.offences import Structure
from analysis.synthetic.people import Victims
from analysis.synthetic.sampling import DAY, choose, growth_offsets, truncated_lognormal_days

ORDERS = ("sro", "shpo", "stro", "stpo")
CRITERIA = ("initial_response", "victim_care", "investigation_plan", "supervision", "safeguarding")


@dataclass
class Disruptions:
    tactic: np.ndarray
    suspect: np.ndarray   # int, -1 none
    network: np.ndarray   # int, -1 none
    victim: np.ndarray    # int, -1 none
    date: np.ndarray      # datetime64[D]
    status: np.ndarray


def build_disruptions(config: SyntheticConfig, force: dict, st: Structure, rng: np.random.Generator) -> Disruptions:
    d = config.section("disruptions")
    n = int(rng.poisson(force["disruptions_per_suspect"] * st.n_suspects)) if st.link_offence.size else 0
    tactic = choose(rng, d["tactics"], n)
    if st.n_networks == 0:
        tactic[np.isin(tactic, ("closure_order", "hotel_notice"))] = "cawn"
    link = rng.integers(0, max(st.link_offence.size, 1), n)
    offence = st.link_offence[link] if n else np.zeros(0, dtype=np.int64)
    suspect = st.link_suspect[link] if n else np.zeros(0, dtype=np.int64)
    victim = st.offence_victim[offence]
    tactic_text = tactic.astype(str)
    on_network = np.isin(tactic_text, ("closure_order", "hotel_notice"))
    network = np.where(on_network, rng.integers(0, max(st.n_networks, 1), n), st.suspect_network[suspect] if n else -1)
    suspect = np.where(on_network, -1, suspect)
    victim = np.where(tactic == "cawn", victim, -1)
    # Date: after the offence it follows (for a network, its first offence), within the period.
    base = np.where(on_network, st.network_first[np.maximum(network, 0)] if st.n_networks else st.offence_recorded[offence], st.offence_recorded[offence])
    base = np.minimum(base.astype("datetime64[D]"), config.period_end)
    delay = truncated_lognormal_days(rng, d["delay_median_days"], 1.0, (config.period_end - base) / DAY)
    date = base + delay * DAY

    status = np.empty(n, dtype=object)
    groups = {"cawn": ("cawn",), "order": ORDERS, "closure_order": ("closure_order",), "hotel_notice": ("hotel_notice",), "other": ("other",)}
    for key, tactics in groups.items():
        mask = np.isin(tactic_text, tactics)
        status[mask] = choose(rng, d["statuses"][key], int(mask.sum()))
    return Disruptions(tactic=tactic, suspect=suspect, network=network, victim=victim, date=date, status=status)


@dataclass
class Referrals:
    agency: np.ndarray
    received: np.ndarray   # datetime64[D]
    victim: np.ndarray     # int, -1 none
    action: np.ndarray     # datetime64[D], NaT none
    strategy_meeting: np.ndarray
    feedback: np.ndarray


def build_referrals(config: SyntheticConfig, force: dict, st: Structure, victims: Victims, rng: np.random.Generator) -> Referrals:
    r = config.section("referrals")
    n = max(int(rng.poisson(force["referrals_per_offence"] * st.n_offences)), 1)
    agency = choose(rng, r["agencies"], n)
    linked = rng.random(n) < r["linked_to_victim"]
    victim = np.where(linked, rng.integers(0, st.n_victims, n), -1)
    start, end = config.period_start, config.period_end
    first = victims.first_report[np.maximum(victim, 0)]
    room = np.minimum((first - start) / DAY, 60)
    lead = np.floor(rng.random(n) * (room + 1)).astype(np.int64) * DAY
    from_victim = first - lead
    unlinked = start + growth_offsets(rng, int((end - start) / DAY), config.section("size")["annual_growth"], n) * DAY
    received = np.where(linked, from_victim, unlinked).astype("datetime64[D]")
    actioned = rng.random(n) < r["actioned"]
    delay = truncated_lognormal_days(rng, r["action_delay_median_days"], r["action_delay_sigma"], (config.extraction_date - received) / DAY)
    action = np.where(actioned, received + delay * DAY, np.datetime64("NaT")).astype("datetime64[D]")
    meeting = rng.random(n) < np.minimum(force["strategy_meeting"] * np.where(linked, 1.3, 0.7), 1.0)
    feedback = rng.random(n) < force["feedback_to_referrer"]
    return Referrals(agency=agency, received=received, victim=victim, action=action, strategy_meeting=meeting, feedback=feedback)


@dataclass
class Reviews:
    offence: np.ndarray
    grade: np.ndarray
    scores: dict[str, np.ndarray]


def _grade(latent: np.ndarray, thresholds: dict) -> np.ndarray:
    return np.where(latent > thresholds["good"], "good", np.where(latent < thresholds["inadequate"], "inadequate", "requires_improvement")).astype(object)


def build_reviews(config: SyntheticConfig, force: dict, st: Structure, rng: np.random.Generator) -> Reviews:
    c = config.section("case_reviews")
    n = min(st.n_offences, max(c["minimum"], int(round(c["per_offence"] * st.n_offences))))
    offence = np.sort(rng.choice(st.n_offences, size=n, replace=False))
    quality = force["review_quality"] + rng.standard_normal(n)
    latent = quality[:, None] + c["criterion_noise_sd"] * rng.standard_normal((n, len(CRITERIA)))
    scores = {name: _grade(latent[:, j], c["thresholds"]) for j, name in enumerate(CRITERIA)}
    grade = _grade(latent.mean(axis=1), c["thresholds"])
    return Reviews(offence=offence, grade=grade, scores=scores)
