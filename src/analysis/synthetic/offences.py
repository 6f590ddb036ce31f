"""Who offended against whom, and when: networks, victims, suspects, offences and their links.

Offending is built from "pools". A network pool has several suspects (2 + a heavy-tailed count) and
several victims; each other victim has a small pool of their own (usually one suspect) with no network.
Each offence belongs to one pool, names one of its victims and a cyclic window of its suspects (so
co-offenders are distinct and, with enough offences, every member is linked). Pools are drawn until the
force's offence count (Poisson around its expected offences) is reached, overshooting by less than a pool.
Suspects who end up linked to no offence are dropped, so a network's size is the number of its suspects
on record. Everything is arrays; ids are given later in date order (see generate.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.synthetic.config import SyntheticConfig
from analysis.synthetic.sampling import DAY, choose, group_positions, growth_offsets


@dataclass
class Structure:
    """Arrays describing one force's offending (indices are positions in these arrays)."""

    n_networks: int
    network_first: np.ndarray        # datetime64[D] first offence of each network
    network_identified: np.ndarray   # datetime64[D]
    network_cocad: np.ndarray        # object codes
    victim_network: np.ndarray       # int, -1 when the victim is not in a network
    suspect_network: np.ndarray      # int, -1 when the suspect is not in a network
    offence_victim: np.ndarray       # int
    offence_network: np.ndarray      # int, -1 when none
    offence_recorded: np.ndarray     # datetime64[D]
    offence_category: np.ndarray     # object codes
    offence_report_source: np.ndarray
    offence_n_suspects: np.ndarray   # int
    cse_flag: np.ndarray             # bool
    group_flag: np.ndarray           # bool
    link_offence: np.ndarray         # int
    link_suspect: np.ndarray         # int

    @property
    def n_offences(self) -> int:
        return int(self.offence_victim.size)

    @property
    def n_victims(self) -> int:
        return int(self.victim_network.size)

    @property
    def n_suspects(self) -> int:
        return int(self.suspect_network.size)


def _draw_until(rng: np.random.Generator, target: int, draw, expected_per_pool: float) -> dict[str, np.ndarray]:
    """Draw pools in batches until their offences reach `target`; keep exactly the pools needed."""
    if target <= 0:
        empty = draw(rng, 0)
        return empty
    batches = []
    total = 0
    while total < target:
        batch = draw(rng, int(np.ceil((target - total) / expected_per_pool * 1.3)) + 8)
        batches.append(batch)
        total += int(batch["n_off"].sum())
    pools = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
    keep = int(np.searchsorted(np.cumsum(pools["n_off"]), target) + 1)
    return {key: value[:keep] for key, value in pools.items()}


def build_structure(config: SyntheticConfig, force: dict, rng: np.random.Generator) -> Structure:
    """Draw one force's networks, victims, suspects, offences and offence-suspect links."""
    s = config.section("structure")
    size_cfg = config.section("size")
    n_target = max(int(rng.poisson(force["expected_offences"])), 10)
    net_target = int(round(n_target * force["network_offence_share"]))

    def draw_networks(r: np.random.Generator, m: int) -> dict[str, np.ndarray]:
        n_sus = 2 + np.floor(np.exp(s["network_size_log_median"] + s["network_size_sigma"] * r.standard_normal(m))).astype(np.int64)
        n_sus = np.minimum(n_sus, 60)
        n_vic = 1 + r.poisson(s["network_victims_per_suspect"] * n_sus)
        n_off = n_vic + r.poisson(s["network_extra_offences_per_victim"] * n_vic + s["network_extra_offences_per_suspect"] * n_sus)
        return {"n_sus": n_sus, "n_vic": n_vic, "n_off": n_off}

    def draw_solo(r: np.random.Generator, m: int) -> dict[str, np.ndarray]:
        return {
            "n_sus": 1 + r.poisson(s["solo_extra_suspects"], m),
            "n_vic": np.ones(m, dtype=np.int64),
            "n_off": 1 + r.poisson(s["solo_extra_offences"], m),
        }

    networks = _draw_until(rng, net_target, draw_networks, 8.0)
    solo_target = n_target - int(networks["n_off"].sum())
    solo = _draw_until(rng, solo_target, draw_solo, 1.0 + s["solo_extra_offences"])
    n_networks = int(networks["n_off"].size)
    is_network = np.concatenate([np.ones(n_networks, bool), np.zeros(solo["n_off"].size, bool)])
    n_sus = np.concatenate([networks["n_sus"], solo["n_sus"]]).astype(np.int64)
    n_vic = np.concatenate([networks["n_vic"], solo["n_vic"]]).astype(np.int64)
    n_off = np.concatenate([networks["n_off"], solo["n_off"]]).astype(np.int64)
    n_pools = n_off.size
    sus_start = np.cumsum(n_sus) - n_sus
    vic_start = np.cumsum(n_vic) - n_vic

    # Dates: a pool starts on a day drawn from the growing trend over the period; its offences follow.
    start, end = config.period_start, config.period_end
    period_days = int((end - start) / DAY)
    pool_start = start + growth_offsets(rng, period_days, size_cfg["annual_growth"], n_pools) * DAY

    pool, position = group_positions(n_off)
    pool_is_network = is_network[pool]
    local_victim = np.where(position < n_vic[pool], position, np.floor(rng.random(pool.size) * n_vic[pool]).astype(np.int64))
    offence_victim = vic_start[pool] + local_victim
    offset = np.where(
        pool_is_network,
        np.floor(rng.random(pool.size) * s["network_span_days"]),
        np.floor(rng.exponential(s["solo_span_mean_days"], pool.size)),
    ).astype(np.int64)
    offset[position == 0] = 0
    recorded = pool_start[pool] + offset * DAY
    beyond = recorded > end
    recorded[beyond] = np.maximum(end - (recorded[beyond] - end), start)

    # Suspects named on each offence: a cyclic window of the pool's suspects, windows taken in turn.
    p_unid = np.where(pool_is_network, s["unidentified_suspect"]["network"], s["unidentified_suspect"]["solo"])
    p_co = np.where(pool_is_network, s["co_offending"]["network"], s["co_offending"]["solo"])
    k = np.where(rng.random(pool.size) < p_unid, 0, 1 + rng.binomial(n_sus[pool] - 1, p_co))
    before = np.cumsum(k) - k
    pool_first_offence = np.cumsum(n_off) - n_off
    within_pool_before = before - before[pool_first_offence][pool]
    window_start = (within_pool_before + rng.integers(0, 1 << 30, n_pools)[pool]) % n_sus[pool]
    link_offence, j = group_positions(k)
    link_pool = pool[link_offence]
    link_suspect_raw = sus_start[link_pool] + (window_start[link_offence] + j) % n_sus[link_pool]

    # Keep suspects linked to at least one offence, renumbered 0..S-1 in pool order.
    linked = np.zeros(int(n_sus.sum()), dtype=bool)
    linked[link_suspect_raw] = True
    new_index = np.cumsum(linked) - 1
    link_suspect = new_index[link_suspect_raw]
    suspect_pool = np.repeat(np.arange(n_pools), n_sus)[linked]
    suspect_network = np.where(is_network[suspect_pool], suspect_pool, -1)
    victim_pool = np.repeat(np.arange(n_pools), n_vic)
    victim_network = np.where(is_network[victim_pool], victim_pool, -1)
    offence_network = np.where(pool_is_network, pool, -1)

    # Networks: identified some days after their first offence, never after extraction.
    network_first = np.full(n_networks, np.datetime64("NaT"), dtype="datetime64[D]")
    if n_networks:
        order = np.lexsort((recorded, pool))
        first_of_pool = order[pool_first_offence]
        network_first = recorded[first_of_pool][:n_networks]
    delay = rng.integers(0, s["network_identification_delay_days"] + 1, n_networks) * DAY
    network_identified = np.minimum(network_first + delay, config.extraction_date)
    network_cocad = choose(rng, s["cocad_categories"], n_networks)

    # Flags: the group flag depends on the force having one and on the number of suspects.
    n = pool.size
    if force["group_flag_available"]:
        p_flag = np.where(
            k >= 2,
            force["group_flag_two_plus"],
            np.where(pool_is_network, s["group_flag_network_single"], s["group_flag_solo_single"]),
        )
        group_flag = rng.random(n) < p_flag
        cse_flag = rng.random(n) < s["cse_flag"]
        cse_flag |= ~group_flag
    else:
        group_flag = np.zeros(n, dtype=bool)
        cse_flag = np.ones(n, dtype=bool)

    categories = np.empty(n, dtype=object)
    categories[pool_is_network] = choose(rng, s["offence_categories"]["network"], int(pool_is_network.sum()))
    categories[~pool_is_network] = choose(rng, s["offence_categories"]["solo"], int((~pool_is_network).sum()))

    return Structure(
        n_networks=n_networks,
        network_first=network_first,
        network_identified=network_identified,
        network_cocad=network_cocad,
        victim_network=victim_network,
        suspect_network=suspect_network,
        offence_victim=offence_victim,
        offence_network=offence_network,
        offence_recorded=recorded,
        offence_category=categories,
        offence_report_source=choose(rng, s["report_sources"], n),
        offence_n_suspects=k,
        cse_flag=cse_flag,
        group_flag=group_flag,
        link_offence=link_offence,
        link_suspect=link_suspect,
    )


def group_min(keys: np.ndarray, values: np.ndarray, n_keys: int) -> np.ndarray:
    """Minimum of `values` for each key 0..n_keys-1 (every key must occur), by sorting."""
    order = np.lexsort((values, keys))
    sorted_keys = keys[order]
    first = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    if first.size != n_keys:
        raise ValueError("group_min: some keys have no values")
    return values[order][first]
