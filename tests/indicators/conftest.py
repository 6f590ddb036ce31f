"""Shared fixtures for indicator tests: the hand-made SYN01 return, typed."""

import pytest

from analysis.contract import TABLES
from analysis.indicators.data import ForceData
from analysis.returns_io import to_canonical
from tests.fixtures.valid_return import valid_return
from tests.indicators.fixtures import hand_return


def typed_return() -> dict:
    return {name: to_canonical(TABLES[name], frame) for name, frame in valid_return().items()}


@pytest.fixture
def syn01() -> ForceData:
    return ForceData(typed_return())


@pytest.fixture(scope="module")
def data() -> ForceData:
    """The hand-built return of tests/indicators/fixtures.py (victim, response and partnership tests)."""
    return hand_return()
