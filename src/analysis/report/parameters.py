"""Checking a notebook's parameters: only those its `parameters` cell declares, each of its declared type.

A notebook declares its parameters in the cell tagged `parameters`, each with a type annotation::

    force_code: str = "SYN01"  # force to report on
    data_dir: str = "data/synthetic"

papermill (`-p name value`) writes the values it is given into a new cell just after it, tagged
`injected-parameters`, whose source starts with the comment "# Parameters" and holds one plain assignment per
value. papermill itself only warns about a name the notebook does not declare ("Passed unknown parameter")
and converts a value that looks like a number (`-p data_dir 2024` gives the int 2024). So the notebook's first
code cell after the parameters calls `check_parameters(globals())`, which

- reads the declared parameters and their types from the annotations the parameters cell left in the
  notebook's namespace (`__annotations__`);
- reads the names papermill injected from the kernel's input history: the cell executed just before the
  checking cell is papermill's when it starts with "# Parameters" (papermill puts it right after the parameters
  cell; with no `-p` there is no such cell and nothing was injected). The history is the kernel's record of what
  it executed, so a variable a researcher made in JupyterLab is never mistaken for a parameter;
- raises ParameterError naming every unknown parameter (with the closest declared name) and every value of the
  wrong type, and listing the parameters the notebook accepts.

The same check applies in JupyterLab when someone edits the parameters cell (a path set to a number is
refused before anything is read or written). This module imports nothing heavy, so a wrong parameter is
reported within a second of the kernel starting.
"""

from __future__ import annotations

import ast
import difflib
import os
from collections.abc import Mapping
from typing import Any



class ParameterError(ValueError):
    """A notebook parameter is wrong: the message says which and how to fix it."""


#: The first line of the cell papermill injects (papermill.translators.PythonTranslator, comment "Parameters").
PAPERMILL_MARKER = "# Parameters"

#: What papermill itself may inject (`--inject-paths` and friends): accepted in every notebook.
PAPERMILL_OWN = ("PAPERMILL_INPUT_PATH", "PAPERMILL_OUTPUT_PATH")

_TYPE_WORDS = {str: "text (a string)", int: "a whole number", float: "a number", bool: "true or false"}


def declared_parameters(namespace: Mapping[str, Any]) -> dict[str, type]:
    """The parameters a notebook declares: name -> type, from the annotations of its parameters cell.

    `namespace` is the notebook's globals. Only annotations that are plain types (str, int, float, bool, ...)
    count. Raises ParameterError when the notebook declares none (its parameters cell has no annotations).
    """
    annotations = namespace.get("__annotations__") or {}
    declared = {name: kind for name, kind in annotations.items() if isinstance(kind, type)}
    if not declared:
        raise ParameterError("this notebook declares no parameters: its `parameters` cell must give each one a type "
                             "(for example `force_code: str = \"SYN01\"`) and run before this check")
    return declared


def injected_source(history: list[str]) -> str | None:
    """The source of papermill's injected-parameters cell if it ran just before the current cell, else None.

    `history` is the kernel's raw input history, the current cell last (IPython's `input_hist_raw`).
    """
    if len(history) < 2:
        return None
    previous = history[-2]
    return previous if previous.lstrip().startswith(PAPERMILL_MARKER) else None


def injected_names(source: str) -> list[str]:
    """The names assigned in an injected-parameters cell, in order (its code is parsed, never executed)."""
    names = []
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id not in names:
                names.append(target.id)
    return names


def _kernel_history() -> list[str]:
    try:
        from IPython import get_ipython
    except ImportError:  # not in IPython: nothing can have been injected
        return []
    shell = get_ipython()
    if shell is None or getattr(shell, "history_manager", None) is None:
        return []
    return list(shell.history_manager.input_hist_raw)


def _type_ok(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, (str, os.PathLike))
    return isinstance(value, kind)


def _wrong_type(name: str, value: Any, kind: type, injected: bool) -> str:
    wanted = _TYPE_WORDS.get(kind, kind.__name__)
    text = f"parameter '{name}' must be {wanted}, but it is the {type(value).__name__} {value!r}"
    if kind is str and injected:
        text += (f" (papermill reads `-p {name} {value!r}` as a number: pass text with `-r {name} ...`, or give the "
                 "intended value)")
    return text


def check_parameters(namespace: Mapping[str, Any], history: list[str] | None = None) -> dict[str, Any]:
    """Refuse unknown or wrongly typed notebook parameters; returns the declared parameters' values.

    `namespace`: the notebook's globals (call `check_parameters(globals())` in the first code cell after the
    parameters cell). `history`: the kernel's raw input history, current cell last (default: IPython's).

    Raises ParameterError naming each unknown parameter papermill injected (with the nearest declared name),
    each declared parameter that is missing or of the wrong type, and listing the accepted parameters with
    their types.
    """
    declared = declared_parameters(namespace)
    source = injected_source(_kernel_history() if history is None else history)
    injected = injected_names(source) if source else []
    problems = []
    for name in injected:
        if name not in declared and name not in PAPERMILL_OWN:
            near = difflib.get_close_matches(name, declared, n=1)
            problems.append(f"unknown parameter '{name}'" + (f" (did you mean '{near[0]}'?)" if near else ""))
    for name, kind in declared.items():
        if name not in namespace:
            problems.append(f"parameter '{name}' is not set: run the parameters cell first")
        elif not _type_ok(namespace[name], kind):
            problems.append(_wrong_type(name, namespace[name], kind, name in injected))
    if problems:
        accepted = ", ".join(f"{name} ({kind.__name__})" for name, kind in declared.items())
        raise ParameterError("; ".join(problems) + f". This notebook accepts: {accepted}")
    return {name: namespace[name] for name in declared}
