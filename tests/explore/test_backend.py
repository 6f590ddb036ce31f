"""Importing any analysis module never changes the matplotlib backend: in a real Jupyter kernel, after
importing every module of the package, the backend is still the inline one and a plt plot shows inline."""

from __future__ import annotations

import pkgutil
import re

import nbformat

import analysis
from explore.conftest import ROOT, execute, mime_types

INLINE = "module://matplotlib_inline.backend_inline"


def _modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(analysis.__path__, "analysis.")]
    return sorted(n for n in names if not n.endswith("__main__"))  # __main__ runs the command line


def test_no_module_selects_a_backend():
    """Source check: nothing in the package calls matplotlib.use / pyplot.switch_backend / sets MPLBACKEND."""
    pattern = re.compile(r"matplotlib\.use\(|switch_backend\(|MPLBACKEND|rcParams\[.backend.\]")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "src" / "analysis").rglob("*.py")
                 if pattern.search(p.read_text())]
    assert offenders == []


def test_inline_plots_after_importing_every_analysis_module(tmp_path):
    modules = _modules()
    assert "analysis.report.figures" in modules and "analysis.explore" in modules and len(modules) > 60
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import importlib\n"
                                  f"for name in {modules!r}:\n    importlib.import_module(name)"),
        nbformat.v4.new_code_cell("import matplotlib\nprint(matplotlib.get_backend())"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.title('researcher plot');"),
        # Negative control: a backend switch (what figures.py used to do at import) does hide the plot.
        nbformat.v4.new_code_cell("matplotlib.use('Agg')\nplt.figure()\nplt.plot([1, 2]);"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    execute(nb, scratch=tmp_path / "scratch")
    imported, backend, plot, control = nb.cells
    assert [o for o in imported.outputs if o.output_type == "error"] == []
    assert backend.outputs[0]["text"].strip() == INLINE
    assert "image/png" in mime_types(plot.outputs)
    assert "image/png" not in mime_types(control.outputs)
