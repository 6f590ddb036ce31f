"""Shared fixtures for the disclosure tests."""

import pytest

from analysis.synthetic import generate_force
from analysis.synthetic.config import load_config
from analysis.synthetic.forces import plan_forces


@pytest.fixture(scope="module")
def tiny_force():
    """(code, tables) of the smallest synthetic force of the default settings (the most withholding)."""
    config = load_config()
    plan = plan_forces(config)
    forces = {code: generate_force(config, code, plan) for code in ("SYN41", "SYN30")}
    code = min(forces, key=lambda c: len(forces[c]["suspects"]))
    return code, forces[code]
