"""The results table's reader for many forces: same table as reading file by file, errors name the file."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import results


def _table(force: str, values: list[float]) -> pd.DataFrame:
    return results.make_rows([
        {"force_code": force, "indicator_id": "RI01", "domain": "response", "breakdown": "total", "category": f"c{i}",
         "numerator": v, "denominator": 10.0, "value": v / 10, "lower": 0.0, "upper": 1.0,
         "method": "Wilson score 95%", "basis": "assigned outcomes"}
        for i, v in enumerate(values)
    ])


def test_read_many_equals_reading_each_file(tmp_path):
    paths = []
    for force, values in (("SYN01", [1.0, 2.0]), ("SYN02", [3.0]), ("SYN03", [4.0, 5.0, 6.0])):
        paths.append(results.write(_table(force, values), tmp_path / force / "results.parquet"))
    stacked = results.read_many(paths)
    expected = pd.concat([results.read(p) for p in paths], ignore_index=True)
    pd.testing.assert_frame_equal(stacked, expected)
    assert stacked["force_code"].tolist() == ["SYN01", "SYN01", "SYN02", "SYN03", "SYN03", "SYN03"]
    assert stacked["numerator"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_read_many_names_the_file_that_breaks_the_schema(tmp_path):
    good = results.write(_table("SYN01", [1.0]), tmp_path / "SYN01" / "results.parquet")
    bad = tmp_path / "SYN02" / "results.parquet"
    bad.parent.mkdir()
    _table("SYN02", [2.0]).drop(columns=["basis"]).to_parquet(bad, index=False)
    with pytest.raises(results.ResultsSchemaError,
                       match=re.escape(f"{bad}: results table is missing columns ['basis']")):
        results.read_many([good, bad])


def test_read_many_of_nothing_is_the_empty_table():
    pd.testing.assert_frame_equal(results.read_many([]), results.empty_results())
