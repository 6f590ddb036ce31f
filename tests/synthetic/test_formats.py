"""Generated data passes validation in every format, and is byte-identical for the same seed."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.contract import TABLES
from analysis.returns_io import to_canonical
from analysis.synthetic import generate_force, generate_national, load_config, write_dataset
from analysis.validate import validate_directory, validate_tables
from fixtures.files import file_hashes


def test_default_dataset_validates_with_zero_failures(default_dir, default_config):
    reports = validate_directory(default_dir)
    assert sorted(reports) == default_config.force_codes
    failing = {code: r.summary(10) for code, r in reports.items() if not r.ok}
    assert failing == {}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_small_dataset_validates_in_submission_formats(tmp_path, small_config, fmt):
    write_dataset(small_config, tmp_path, fmt)
    reports = validate_directory(tmp_path)
    assert sorted(reports) == small_config.force_codes
    assert {code: r.summary(10) for code, r in reports.items() if not r.ok} == {}


@pytest.mark.parametrize("fmt", ["parquet", "csv", "xlsx"])
def test_same_seed_gives_identical_files(tmp_path, small_config, fmt):
    write_dataset(small_config, tmp_path / "a", fmt)
    write_dataset(small_config, tmp_path / "b", fmt)
    first, second = file_hashes(tmp_path / "a"), file_hashes(tmp_path / "b")
    assert len(first) > 3 and first == second


def test_different_seed_gives_different_files(tmp_path, small_config):
    write_dataset(small_config, tmp_path / "a", "parquet")
    write_dataset(load_config(forces=small_config.n_forces, scale=small_config.scale, seed=small_config.seed + 1), tmp_path / "b", "parquet")
    first, second = file_hashes(tmp_path / "a"), file_hashes(tmp_path / "b")
    assert first.keys() == second.keys()
    changed = [name for name in first if first[name] != second[name] and name.endswith(".parquet")]
    assert len(changed) >= 3 * 9  # every table of every force except force_profile may keep its values


def test_frames_are_canonical(small_config):
    """The generator builds canonical dtypes directly; returns_io.to_canonical must leave them unchanged."""
    tables = generate_force(small_config, "SYN01")
    assert list(tables) == list(TABLES)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(to_canonical(TABLES[name], frame), frame, check_exact=True)
        assert len(frame) > 0, name
    assert tables["force_profile"]["is_synthetic"].tolist() == [True]


def test_in_memory_tables_validate(small_config):
    for code, tables in generate_national(small_config).items():
        report = validate_tables(tables, source=code)
        assert report.ok, report.summary(10)


def test_a_force_does_not_depend_on_generation_order(small_config):
    alone = generate_force(small_config, "SYN03")
    together = generate_national(small_config)["SYN03"]
    for name in TABLES:
        pd.testing.assert_frame_equal(alone[name], together[name])
