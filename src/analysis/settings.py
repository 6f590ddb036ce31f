"""Run settings from params/pipeline.yaml.

One YAML file holds the pipeline's settings, one top-level section per concern. This module reads it and
validates the sections it knows; other modules add their own accessors for their own sections.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from analysis.paths import PIPELINE_YAML

DISCLOSURE_DEFAULTS: dict[str, Any] = {
    "threshold": 10,
    "rounding_base": 5,
    "round_counts": False,
    "min_model_df": 10,
    "protection_width": 5,
    "protect_secondary": False,
}


def load_settings(path: str | Path | None = None) -> dict[str, Any]:
    """Read the pipeline settings (params/pipeline.yaml unless `path` is given) as a dict.

    A missing file is an error (the file is part of the repository); an empty file is an empty dict.
    """
    target = Path(path) if path is not None else PIPELINE_YAML
    if not target.is_file():
        raise FileNotFoundError(f"settings file not found: {target}")
    stat = target.stat()
    # parsed once per version of the file (the disclosure rules ask for their settings on every call)
    loaded = copy.deepcopy(_parsed(str(target.resolve()), stat.st_mtime_ns, stat.st_size))
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{target}: the top level must be a mapping of sections, got {type(loaded).__name__}")
    return loaded


@functools.lru_cache(maxsize=16)
def _parsed(path: str, mtime_ns: int, size: int) -> Any:
    """The YAML document at `path` as parsed; cached by the file's modification time and size, so an edited
    file is read again."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def section(name: str, defaults: dict[str, Any], path: str | Path | None = None) -> dict[str, Any]:
    """One section of the settings file merged over its defaults; a section that is not a mapping, or holds a
    key the defaults do not know, is an error (a misspelt setting must not be silently ignored)."""
    found = load_settings(path).get(name) or {}
    if not isinstance(found, dict):
        raise ValueError(f"settings: `{name}` must be a mapping")
    unknown = sorted(set(found) - set(defaults))
    if unknown:
        raise ValueError(f"settings: unknown {name} key(s): {', '.join(unknown)}")
    return {**defaults, **found}


def disclosure_settings(path: str | Path | None = None) -> dict[str, Any]:
    """The `disclosure` section with defaults filled in and types checked.

    Keys: threshold (int >= 1), rounding_base (int >= 1), round_counts (bool), min_model_df (int >= 0),
    protection_width (int >= 1: the narrowest range of values a reader's audit may leave a withheld count,
    see analysis.disclosure.audit), protect_secondary (bool: the audit also protects every withheld count of
    threshold or more, not only the counts from 1 to threshold-1).
    Unknown keys are an error so that a misspelt setting cannot be silently ignored.
    """
    merged = section("disclosure", DISCLOSURE_DEFAULTS, path)
    for key, minimum in (("threshold", 1), ("rounding_base", 1), ("min_model_df", 0), ("protection_width", 1)):
        value = merged[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"settings: disclosure.{key} must be an integer >= {minimum}, got {value!r}")
    for key in ("round_counts", "protect_secondary"):
        if not isinstance(merged[key], bool):
            raise ValueError(f"settings: disclosure.{key} must be true or false, got {merged[key]!r}")
    return merged
