"""Notebook parameters: papermill's unknown parameters and wrongly typed values are refused with ParameterError
naming them and the accepted ones (issue 16, item 3), in every notebook, before anything is read or written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analysis.report.parameters import ParameterError, check_parameters, injected_names
from explore.conftest import NOTEBOOKS, ROOT

DECLARED = {"force_code": str, "data_dir": str, "output_dir": str, "params_file": str}
ACCEPTS = "This notebook accepts: force_code (str), data_dir (str), output_dir (str), params_file (str)"
PARAMETERS_CELL = 'force_code: str = "SYN01"\ndata_dir: str = "data/synthetic"'


def _namespace(**values):
    ns = {"__annotations__": dict(DECLARED), "force_code": "SYN01", "data_dir": "data/synthetic", "output_dir": "",
          "params_file": "params/pipeline.yaml"}
    ns.update(values)
    return ns


def test_declared_values_of_the_right_type_pass():
    assert check_parameters(_namespace(), history=[PARAMETERS_CELL, "check_parameters(globals())"]) == {
        "force_code": "SYN01", "data_dir": "data/synthetic", "output_dir": "", "params_file": "params/pipeline.yaml"}


def test_unknown_injected_parameter_is_refused_with_the_nearest_name():
    history = [PARAMETERS_CELL, '# Parameters\nforcecode = "SYN05"\n', "check_parameters(globals())"]
    with pytest.raises(ParameterError) as caught:
        check_parameters(_namespace(forcecode="SYN05"), history=history)
    assert str(caught.value) == f"unknown parameter 'forcecode' (did you mean 'force_code'?). {ACCEPTS}"


def test_papermills_own_path_parameters_are_accepted():
    history = [PARAMETERS_CELL, '# Parameters\nPAPERMILL_INPUT_PATH = "a.ipynb"\nPAPERMILL_OUTPUT_PATH = "b.ipynb"\n',
               "check_parameters(globals())"]
    assert check_parameters(_namespace(PAPERMILL_INPUT_PATH="a.ipynb", PAPERMILL_OUTPUT_PATH="b.ipynb"), history=history)


def test_every_problem_is_named_at_once():
    history = [PARAMETERS_CELL, '# Parameters\ndata_dir = 2024\nzzz = 1\n', "check_parameters(globals())"]
    with pytest.raises(ParameterError) as caught:
        check_parameters(_namespace(data_dir=2024, zzz=1), history=history)
    assert str(caught.value) == (
        "unknown parameter 'zzz'; parameter 'data_dir' must be text (a string), but it is the int 2024 (papermill "
        "reads `-p data_dir 2024` as a number: pass text with `-r data_dir ...`, or give the intended value). "
        + ACCEPTS)


@pytest.mark.parametrize(("kind", "good", "bad"), [(int, 3, True), (int, 3, 2.5), (float, 2, "2"), (bool, False, 0)])
def test_types_are_exact(kind, good, bad):
    ns = {"__annotations__": {"x": kind}, "x": good}
    assert check_parameters(ns, history=[]) == {"x": good}
    with pytest.raises(ParameterError, match=r"^parameter 'x' must be "):
        check_parameters({**ns, "x": bad}, history=[])


def test_a_researchers_own_variables_are_not_parameters():
    """In JupyterLab nothing is injected: other globals (and a cell that merely assigns) are not checked."""
    history = [PARAMETERS_CELL, "x = 1\nforcecode = 'typo in my own cell'", "check_parameters(globals())"]
    assert check_parameters(_namespace(x=1, forcecode="typo in my own cell"), history=history)["force_code"] == "SYN01"


def test_a_notebook_without_typed_parameters_is_refused():
    with pytest.raises(ParameterError, match="declares no parameters"):
        check_parameters({"force_code": "SYN01"}, history=[])


def test_injected_cell_is_parsed_not_executed():
    assert injected_names('# Parameters\na = __import__("os").system("false")\nb: int = 2\n') == ["a", "b"]


def _papermill(notebook: Path, output: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "papermill", str(notebook), str(output), "--no-progress-bar",
                           *arguments], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
@pytest.mark.parametrize(("notebook", "arguments", "message"), [
    ("force_report", ["-p", "forcecode", "SYN05"],
     "ParameterError: unknown parameter 'forcecode' (did you mean 'force_code'?). This notebook accepts: force_code "
     "(str), data_dir (str), output_dir (str), restricted_dir (str), params_file (str)"),
    ("force_report", ["-p", "data_dir", "2024"],
     "ParameterError: parameter 'data_dir' must be text (a string), but it is the int 2024"),
], ids=["force-unknown", "force-number-path"])
def test_papermill_refuses_bad_parameters(tmp_path, notebook, arguments, message):
    other = "data_dir" if "data_dir" not in arguments else "params_file"  # a valid-looking value, never read
    done = _papermill(NOTEBOOKS / f"{notebook}.ipynb", tmp_path / "out.ipynb", *arguments,
                      "-p", other, str(tmp_path / "never-read"))
    assert done.returncode != 0
    assert message in done.stdout + done.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "out.ipynb"]  # nothing else written


@pytest.mark.parametrize("name", ["force_report", "national_findings", "explore"])
def test_every_notebook_checks_its_typed_parameters_first(name):
    """The same check guards every notebook: typed parameters cell, and the first code cell after it (where
    papermill's cell goes) calls check_parameters(globals()) before anything else runs."""
    import ast

    import nbformat

    cells = [c for c in nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells if c.cell_type == "code"]
    assert "parameters" in cells[0].metadata.get("tags", [])
    statements = ast.parse(cells[0].source).body
    assert statements and all(isinstance(s, ast.AnnAssign) and isinstance(s.annotation, ast.Name) for s in statements)
    first = ast.parse(cells[1].source).body
    assert ast.unparse(first[0]) == "from analysis.report.parameters import check_parameters"
    assert ast.unparse(first[1]) == "check_parameters(globals())"
