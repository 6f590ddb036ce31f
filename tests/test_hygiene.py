"""Repository hygiene: committed notebooks carry no outputs; the conda and pip pins agree."""

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _committed_notebooks() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    found = {ROOT / p for p in listed} | set((ROOT / "notebooks").glob("*.ipynb"))
    return sorted(found)


@pytest.mark.parametrize("notebook", _committed_notebooks(), ids=lambda p: p.name)
def test_notebook_has_no_outputs(notebook: Path) -> None:
    cells = json.loads(notebook.read_text())["cells"]
    dirty = [i for i, c in enumerate(cells) if c.get("outputs") or c.get("execution_count") is not None]
    assert dirty == [], f"{notebook.name}: cells {dirty} carry outputs or execution counts"


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = re.fullmatch(r"\s*(?:-\s*)?([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)\s*", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def test_environment_yml_matches_pip_lock() -> None:
    lock = _pins((ROOT / "requirements.lock").read_text().splitlines())
    conda = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert len(lock) > 100
    assert conda == lock, "environment.yml drifted from requirements.lock: run `make env-file`"


def test_lock_pins_the_core_packages() -> None:
    lock = _pins((ROOT / "requirements.lock").read_text().splitlines())
    for name in ("pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib", "papermill",
                 "nbconvert", "nbclient", "ipykernel", "jupyterlab", "pyarrow", "pandera",
                 "openpyxl", "pyyaml", "pytest", "hypothesis", "dask", "distributed", "tqdm"):
        assert name in lock, f"{name} is not pinned in requirements.lock"
    assert lock["pandas"].startswith("3.")
    assert lock["statsmodels"].startswith("0.15")


def test_gitignore_keeps_private_and_generated_paths_out() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "outputs/x.html", "data/returns/x.csv", ".venv/x", "data/synthetic/x.parquet",
         "outputs-restricted/forces/SYN01/results.parquet", "runs/june-restricted/national/results.parquet"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.split()
    # the unsuppressed results (outputs-restricted/, or DIR-restricted beside --out DIR) are never committed
    assert ignored == ["outputs/x.html", "data/returns/x.csv", ".venv/x", "data/synthetic/x.parquet",
                       "outputs-restricted/forces/SYN01/results.parquet", "runs/june-restricted/national/results.parquet"]
    assert subprocess.run(["git", "check-ignore", "-q", "data/synthetic/README.md"], cwd=ROOT).returncode == 1
    # Validated real returns and their error reports (which quote values) stay out too, where the README and
    # the returns guide tell people to write them.
    real = ["data/validated/E23000001/offences.parquet", "data/validated_reports/E23000001/errors.md"]
    assert subprocess.run(["git", "check-ignore", *real], cwd=ROOT, capture_output=True, text=True,
                          check=False).stdout.split() == real
