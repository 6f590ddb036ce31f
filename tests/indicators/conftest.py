"""Shared fixtures for indicator tests: the hand-made SYN01 return, typed."""

import pytest

from analysis.indicators.data import ForceData
from fixtures.valid_return import typed, valid_return

from .fixtures import hand_return


@pytest.fixture
def syn01() -> ForceData:
    return ForceData(typed(valid_return()))


@pytest.fixture(scope="module")
def data() -> ForceData:
    """The hand-built return of tests/indicators/fixtures.py (victim, response and partnership tests)."""
    return hand_return()
