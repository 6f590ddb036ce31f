"""Pipeline settings: the disclosure section of params/pipeline.yaml and its validation."""

import pytest

from analysis.settings import disclosure_settings, load_settings


def test_repository_settings_carry_the_disclosure_defaults():
    assert disclosure_settings() == {"threshold": 10, "rounding_base": 5, "round_counts": False, "min_model_df": 10,
                                   "protection_width": 5, "protect_secondary": False}
    assert "disclosure" in load_settings()


def test_partial_section_is_completed_with_defaults(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("disclosure:\n  threshold: 5\n  round_counts: true\nother: {a: 1}\n")
    assert disclosure_settings(path) == {"threshold": 5, "rounding_base": 5, "round_counts": True, "min_model_df": 10,
                                       "protection_width": 5, "protect_secondary": False}
    assert load_settings(path)["other"] == {"a": 1}


@pytest.mark.parametrize(("text", "message"), [
    ("disclosure:\n  threshhold: 5\n", "settings: unknown disclosure key(s): threshhold"),
    ("disclosure:\n  threshold: 0\n", "settings: disclosure.threshold must be an integer >= 1, got 0"),
    ("disclosure:\n  rounding_base: 2.5\n", "settings: disclosure.rounding_base must be an integer >= 1, got 2.5"),
    ("disclosure:\n  round_counts: 'yes'\n", "settings: disclosure.round_counts must be true or false, got 'yes'"),
    ("disclosure:\n  protect_secondary: 1\n", "settings: disclosure.protect_secondary must be true or false, got 1"),
])
def test_bad_settings_are_rejected(tmp_path, text, message):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        disclosure_settings(path)
    assert str(err.value) == message


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="settings file not found"):
        load_settings(tmp_path / "absent.yaml")
