"""How `make test` spreads the tests over two pytest-xdist worker processes (`-n 2 --dist loadscope`).

The tests are cut into units, and a unit runs whole on one worker, so that what its tests share is built once:
- "tests/report": every test of tests/report (they read the session's executed reports, `reports`, and drive
  the session's Chromium, `browser`; tests/report/conftest.py);
- any other test: its own module, so module- and session-scoped fixtures used by one module (the planted
  national results, an executed notebook, a Dask cluster) are built once and its tests keep their order.
The units that take longest (the reports, the planted national results, the pipeline's and the notebooks'
real processes) are handed out first and the many quick modules last, so neither worker is left with a long
unit at the end (`--no-loadscope-reorder` keeps this order). Without xdist (a plain `pytest` run, e.g. of one
file) nothing is changed.

xdist's own `--dist loadgroup` (marks) is not used: with pytest 9 it does not keep a group on one worker
(it renames `item._nodeid`, which pytest 9 no longer reads), so the units are made by the scheduler below.
"""

from __future__ import annotations

import pytest

#: Folders whose tests share session fixtures, so each is one unit.
SHARED_FOLDERS = ("tests/report/",)
#: Modules that run long (real pipelines, kernels, servers, the 43-force results): handed out first.
LONG = ("tests/report/", "tests/indicators/test_planted_national.py", "tests/pipeline/", "tests/explore/")


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its shared folder, else its module."""
    for folder in SHARED_FOLDERS:
        if nodeid.startswith(folder):
            return folder.rstrip("/")
    return nodeid.split("::", 1)[0]


def _rank(nodeid: str) -> int:
    return next((i for i, prefix in enumerate(LONG) if nodeid.startswith(prefix)), len(LONG))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # on an xdist worker: every worker sorts the same collection alike
        items.sort(key=lambda item: _rank(item.nodeid))  # stable: each module keeps its own order


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under `--dist loadscope`, units as `unit_of` cuts them (default scheduling otherwise)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return UnitScheduling(config, log)
