"""Session fixtures for the researchers' tests (issue 16): one small synthetic dataset, and running a notebook
in a real Jupyter kernel (nbclient) as JupyterLab or papermill would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
FORCES = 3
SCALE = 0.3


@pytest.fixture(scope="session")
def explore_data(tmp_path_factory) -> Path:
    """3 synthetic forces at scale 0.3, generated once with the project's CLI (SYN02 is the small one)."""
    data = tmp_path_factory.mktemp("explore") / "data"
    subprocess.run([sys.executable, "-m", "analysis", "generate", "--out", str(data), "--forces", str(FORCES),
                    "--scale", str(SCALE)], cwd=ROOT, check=True, capture_output=True, text=True)
    return data


def inject_parameters(nb, values: dict) -> None:
    """Insert the cell papermill would inject after the `parameters` cell (same first line and tag)."""
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    source = "# Parameters\n" + "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items())
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]}))


def execute(nb, *, scratch: Path, timeout: int = 600, allow_errors: bool = False):
    """Execute a notebook in a fresh python3 kernel started from the project root, as nbclient does for
    papermill, with ANALYSIS_SCRATCH pointing at `scratch`. Returns the executed notebook."""
    from nbclient import NotebookClient

    env = {**os.environ, "ANALYSIS_SCRATCH": str(scratch)}
    env.pop("MPLBACKEND", None)  # the kernel chooses its backend itself, as in JupyterLab
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}},
                            allow_errors=allow_errors)
    client.execute(env=env)  # a new kernel, shut down when the notebook has run
    return nb


def outputs_of(nb, needle: str) -> list[dict]:
    """The outputs of the one code cell whose source contains `needle`."""
    cells = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    assert len(cells) == 1, f"{len(cells)} cells contain {needle!r}"
    return cells[0].outputs


def mime_types(outputs) -> list[str]:
    return [m for o in outputs for m in o.get("data", {})]
