"""Generator settings: params/synthetic.yaml read into one immutable object with a stable hash.

The hash covers every setting and the generator version, so a stamp written next to generated data says
whether that data is still what the current settings and code would produce (`generate --if-missing`).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from analysis.contract import ETHNIC_GROUPS, SYNTHETIC_FORCE_CODE_PATTERN
from analysis.paths import PARAMS_DIR

#: Bump when a change to the generator changes its output for the same settings.
GENERATOR_VERSION = "1.0.0"

DEFAULT_PATH = PARAMS_DIR / "synthetic.yaml"

#: Random streams of one force, each from its own child seed, so that (for example) changing how case
#: notes are written does not change the offences.
STREAMS = ("structure", "victims", "outcomes", "suspects", "disruptions", "referrals", "reviews", "notes", "arrests")


def force_code(index: int) -> str:
    """Code of the index-th synthetic force (1-based): SYN01, SYN02, ..."""
    return f"SYN{index:02d}"


@dataclass(frozen=True)
class SyntheticConfig:
    """Resolved generator settings. `params` is the whole yaml (with overrides applied)."""

    params: dict[str, Any]
    source: str = ""

    @property
    def seed(self) -> int:
        return int(self.params["seed"])

    @property
    def scale(self) -> float:
        return float(self.params["scale"])

    @property
    def n_forces(self) -> int:
        return int(self.params["forces"])

    @property
    def force_codes(self) -> list[str]:
        return [force_code(i) for i in range(1, self.n_forces + 1)]

    @property
    def period_start(self) -> np.datetime64:
        return np.datetime64(self.params["period"]["start"], "D")

    @property
    def period_end(self) -> np.datetime64:
        return np.datetime64(self.params["period"]["end"], "D")

    @property
    def extraction_date(self) -> np.datetime64:
        return np.datetime64(self.params["extraction_date"], "D")

    @property
    def planted(self) -> dict[str, Any]:
        return self.params["planted"]

    def section(self, name: str) -> dict[str, Any]:
        return self.params[name]

    def canonical_json(self) -> str:
        """The settings as sorted JSON (dates as ISO text): the input of the params hash."""
        return json.dumps(self.params, sort_keys=True, default=_json_default, separators=(",", ":"))

    def params_hash(self) -> str:
        """SHA-256 of the settings and the generator version."""
        text = f"{GENERATOR_VERSION}\n{self.canonical_json()}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def rng(self, force_index: int, stream: str) -> np.random.Generator:
        """Random generator of one stream of one force (1-based index), from its own child seed."""
        return np.random.default_rng(
            np.random.SeedSequence(self.seed, spawn_key=(1, force_index, STREAMS.index(stream)))
        )

    def national_rng(self) -> np.random.Generator:
        """Random generator of the national step (force sizes and force-level settings)."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(0,)))


def _json_default(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__} in synthetic settings")


def load_config(
    path: Path | str | None = None,
    *,
    seed: int | None = None,
    scale: float | None = None,
    forces: int | None = None,
    suspect_ethnicity: bool | None = None,
) -> SyntheticConfig:
    """Read the generator settings, apply command-line overrides and check them.

    Raises ValueError naming the setting when a value is out of range (for example a planted force code
    that is not a synthetic force, or a scale that is not positive).
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    with open(path, encoding="utf-8") as handle:
        params = yaml.safe_load(handle)
    params = copy.deepcopy(params)
    if seed is not None:
        params["seed"] = int(seed)
    if scale is not None:
        params["scale"] = float(scale)
    if forces is not None:
        params["forces"] = int(forces)
    if suspect_ethnicity is not None:
        params["planted"]["suspect_ethnicity"]["enabled"] = bool(suspect_ethnicity)
    config = SyntheticConfig(params=params, source=str(path))
    check(config)
    return config


def with_params(config: SyntheticConfig, **changes: Any) -> SyntheticConfig:
    """A copy of `config` with dotted-path settings replaced, e.g. {"planted.victim_blaming.note_rate": 0.3}."""
    params = copy.deepcopy(config.params)
    for dotted, value in changes.items():
        node = params
        keys = dotted.split(".")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    new = SyntheticConfig(params=params, source=config.source)
    check(new)
    return new


def check(config: SyntheticConfig) -> None:
    """Raise ValueError for settings the generator cannot honour."""
    p = config.params
    if not isinstance(p.get("seed"), int) or p["seed"] < 0:
        raise ValueError(f"synthetic settings: seed must be a non-negative integer, got {p.get('seed')!r}")
    if not config.scale > 0:
        raise ValueError(f"synthetic settings: scale must be positive, got {config.scale}")
    if not 1 <= config.n_forces <= 99:
        raise ValueError(f"synthetic settings: forces must be between 1 and 99, got {config.n_forces}")
    if not config.period_start <= config.period_end <= config.extraction_date:
        raise ValueError("synthetic settings: need period.start <= period.end <= extraction_date")
    planted = p["planted"]
    named = [
        planted["charge_rate_outliers"]["high"]["force"],
        planted["charge_rate_outliers"]["low"]["force"],
        planted["victim_blaming"]["force"],
        *planted["suspect_ethnicity"]["forces"],
    ]
    for code in named:
        if not re.match(SYNTHETIC_FORCE_CODE_PATTERN, str(code)):
            raise ValueError(f"synthetic settings: planted force '{code}' is not a synthetic force code SYNnn")
    group = planted["suspect_ethnicity"]["group"]
    if group not in ETHNIC_GROUPS:
        raise ValueError(f"synthetic settings: suspect_ethnicity.group '{group}' is not one of {ETHNIC_GROUPS}")
    for name in ("charge_withdrawal_odds_ratio", "withdrawal_specialist_support_odds_ratio",
                 "withdrawal_delayed_abe_odds_ratio", "withdrawal_no_abe_odds_ratio",
                 "withdrawal_looked_after_odds_ratio"):
        if not planted[name] > 0:
            raise ValueError(f"synthetic settings: planted.{name} must be positive")
    if not planted["suspect_ethnicity"]["odds_ratio"] > 0:
        raise ValueError("synthetic settings: planted.suspect_ethnicity.odds_ratio must be positive")
