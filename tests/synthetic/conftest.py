"""Shared fixtures: the default synthetic dataset, generated once per test session into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.contract import TABLES
from analysis.synthetic import load_config, write_dataset
from analysis.synthetic.config import SyntheticConfig


@pytest.fixture(scope="session")
def default_config() -> SyntheticConfig:
    return load_config()


@pytest.fixture(scope="session")
def default_written(tmp_path_factory: pytest.TempPathFactory, default_config: SyntheticConfig):
    """The default dataset (params/synthetic.yaml as committed) written as Parquet, with the tables kept."""
    out = tmp_path_factory.mktemp("synthetic_default")
    forces: dict[str, dict[str, pd.DataFrame]] = {}
    write_dataset(default_config, out, "parquet", on_force=lambda code, tables: forces.__setitem__(code, tables))
    return out, forces


@pytest.fixture(scope="session")
def default_dir(default_written) -> Path:
    return default_written[0]


@pytest.fixture(scope="session")
def national(default_written) -> dict[str, pd.DataFrame]:
    """Every table of the default dataset, all forces stacked (canonical dtypes, as written)."""
    forces = default_written[1]
    return {name: pd.concat([f[name] for f in forces.values()], ignore_index=True) for name in TABLES}


@pytest.fixture(scope="session")
def small_config() -> SyntheticConfig:
    """A small dataset for format and determinism tests: 3 forces, about 400 offences in all."""
    return load_config(forces=3, scale=0.01)
