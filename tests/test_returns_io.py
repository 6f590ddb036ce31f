"""Stacking every force's validated tables: all of them, or only the tables asked for (the national notebook
reads only the tables its indicators use)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import returns_io
from analysis.contract import TABLES
from analysis.indicators.national import NATIONAL_TABLES
from fixtures.valid_return import valid_return, write_return


def test_read_all_stacks_forces_and_reads_only_the_tables_asked_for(tmp_path):
    for code in ("SYN01", "SYN02"):
        write_return(tmp_path, code)
    everything = returns_io.read_all(tmp_path)
    assert list(everything) == list(TABLES)
    offences = valid_return()["offences"]
    assert everything["offences"]["force_code"].tolist() == ["SYN01"] * len(offences) + ["SYN02"] * len(offences)

    national = returns_io.read_all(tmp_path, ["SYN01", "SYN02"], tables=NATIONAL_TABLES)
    assert list(national) == ["force_profile", "offences", "offence_suspects", "victims"]
    for name, frame in national.items():
        pd.testing.assert_frame_equal(frame, everything[name])


def test_read_all_refuses_a_table_that_is_not_in_the_contract(tmp_path):
    write_return(tmp_path, "SYN01")
    with pytest.raises(KeyError, match=r"not tables of the contract: \['offence'\]"):
        returns_io.read_all(tmp_path, tables=("offences", "offence"))
