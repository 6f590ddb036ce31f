"""`python -m analysis generate`: options, the stamp, --if-missing, and the committed data card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.paths import SYNTHETIC_DIR
from analysis.synthetic import GENERATOR_VERSION, is_current, load_config, read_stamp
from analysis.synthetic.write import source_hash

SMALL = ["--forces", "2", "--scale", "0.01"]


def test_generate_writes_returns_stamp_and_data_card(tmp_path, capsys):
    assert main(["generate", "--out", str(tmp_path), *SMALL, "--seed", "7"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "SYN01", "SYN02", "_generator.json"]
    stamp = json.loads((tmp_path / "_generator.json").read_text())
    config = load_config(seed=7, forces=2, scale=0.01)
    assert stamp == {
        "force_codes": ["SYN01", "SYN02"], "forces": 2, "format": "parquet", "generator_version": GENERATOR_VERSION,
        "params_hash": config.params_hash(), "scale": 0.01, "seed": 7, "source_hash": source_hash(),
    }
    assert "wrote 2 synthetic forces (parquet; seed 7, scale 0.01)" in capsys.readouterr().out
    assert "**THIS DATA IS SYNTHETIC.**" in (tmp_path / "README.md").read_text()


def test_if_missing_skips_a_current_dataset_and_regenerates_a_stale_one(tmp_path, capsys, monkeypatch):
    assert main(["generate", "--out", str(tmp_path), *SMALL]) == 0
    offences = tmp_path / "SYN01" / "offences.parquet"
    before = offences.stat().st_mtime_ns
    capsys.readouterr()
    assert main(["generate", "--out", str(tmp_path), *SMALL, "--if-missing"]) == 0
    assert "synthetic dataset is current" in capsys.readouterr().out
    assert offences.stat().st_mtime_ns == before
    # Other settings: stale, regenerated.
    assert main(["generate", "--out", str(tmp_path), *SMALL, "--seed", "99", "--if-missing"]) == 0
    assert "stale" in capsys.readouterr().out
    assert read_stamp(tmp_path).seed == 99
    # Changed generator code (same version): stale.
    monkeypatch.setattr("analysis.synthetic.write.source_hash", lambda: "edited")
    assert not is_current(load_config(seed=99, forces=2, scale=0.01), tmp_path)
    monkeypatch.undo()
    assert is_current(load_config(seed=99, forces=2, scale=0.01), tmp_path)
    # Missing files: regenerated even though the stamp matches.
    (tmp_path / "SYN02").rename(tmp_path / "elsewhere")
    assert not is_current(load_config(seed=99, forces=2, scale=0.01), tmp_path)
    assert main(["generate", "--out", str(tmp_path), *SMALL, "--seed", "99", "--if-missing"]) == 0
    assert (tmp_path / "SYN02" / "offences.parquet").exists()
    assert (tmp_path / "elsewhere").exists()  # files that are not synthetic returns are left alone


def test_absent_dataset_is_generated_with_if_missing(tmp_path, capsys):
    out = tmp_path / "new"
    assert main(["generate", "--out", str(out), *SMALL, "--format", "csv", "--if-missing"]) == 0
    assert "absent" in capsys.readouterr().out
    assert (out / "SYN01" / "offences.csv").exists()
    assert is_current(load_config(forces=2, scale=0.01), out, "csv")
    assert not is_current(load_config(forces=2, scale=0.01), out, "parquet")


def test_bad_settings_exit_with_a_message(tmp_path, caplog):
    assert main(["generate", "--out", str(tmp_path), "--scale", "0"]) == 2
    assert "synthetic settings: scale must be positive, got 0.0" in caplog.text
    with pytest.raises(SystemExit):
        main(["generate", "--format", "json"])


def test_committed_data_card_is_the_default_datasets_card(default_dir):
    """data/synthetic/README.md must say exactly what the default generator writes."""
    committed = (SYNTHETIC_DIR / "README.md").read_text(encoding="utf-8")
    assert committed == (default_dir / "README.md").read_text(encoding="utf-8")


def test_data_card_states_targets_sources_and_true_values(default_dir, default_config):
    card = (Path(default_dir) / "README.md").read_text(encoding="utf-8")
    planted = default_config.planted
    for needle in (
        "**THIS DATA IS SYNTHETIC.**",
        f"| `charge_withdrawal_odds_ratio` | {planted['charge_withdrawal_odds_ratio']} |",
        f"| `withdrawal_specialist_support_odds_ratio` | {planted['withdrawal_specialist_support_odds_ratio']} |",
        f"| `withdrawal_delayed_abe_odds_ratio` | {planted['withdrawal_delayed_abe_odds_ratio']} |",
        planted["charge_rate_outliers"]["high"]["force"],
        planted["charge_rate_outliers"]["low"]["force"],
        planted["victim_blaming"]["force"],
        "**OFF** in this dataset",
        "Crime outcomes in England and Wales",
        "National Audit on Group-based Child Sexual Exploitation and Abuse (Casey, June 2025)",
        "HMICFRS (2023)",
    ):
        assert needle in card, needle
