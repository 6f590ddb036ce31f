"""Every python block of docs/exploring.md runs, in order, in a real kernel, on a small synthetic dataset
(the blocks carry their own assertions, e.g. SQL and the indicator agreeing)."""

from __future__ import annotations

import re

import nbformat
import pytest

from explore.conftest import ROOT, execute

DOC = ROOT / "docs" / "exploring.md"


def blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(), re.S | re.M)


def test_the_page_has_examples_for_each_task():
    text = "\n".join(blocks())
    for call in ("explore.load(", "explore.indicator(", "explore.show(", "explore.compare(", "explore.sql(",
                 "explore.pick(", "explore.plot("):
        assert call in text, call


@pytest.mark.slow
def test_examples_run(explore_data, tmp_path):
    setup = ("from pathlib import Path\nfrom analysis import paths\n"
             f"paths.SYNTHETIC_DIR = Path({str(explore_data)!r})  # the docs' default data folder, for this test")
    cells = [nbformat.v4.new_code_cell(setup)] + [nbformat.v4.new_code_cell(b) for b in blocks()]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                        "language": "python"}})
    execute(nb, scratch=tmp_path / "scratch", allow_errors=True)
    for number, cell in enumerate(nb.cells[1:], start=1):
        errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        assert errors == [], f"docs/exploring.md python block {number}:\n{cell.source}"
    assert (tmp_path / "scratch" / "exploring" / "charge_rate.png").is_file()
