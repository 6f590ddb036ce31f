"""A force and indicator picker for JupyterLab (ipywidgets): pick, and the table and figure redraw.

The view is written as ordinary cell outputs, each with a display id, and a new pick replaces them in
place (IPython `update_display`). So the default selection is drawn when the cell runs, whether or not a
browser is attached: a notebook executed headless by papermill or nbclient keeps the default view (its
table and its figure as image/png), and an HTML export shows it without the widget's JavaScript.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path

from IPython.display import DisplayHandle, display
from IPython.utils.capture import capture_output

from analysis.explore.indicators import Data, _data, force_indicator_ids, indicator
from analysis.explore.show import drawable_groups, plot, show
from analysis.indicators.catalogue import CATALOGUE
from analysis.report import figures

#: Output slots kept for the view: enough for a table's title, table, notes and its figure, with room over.
SLOTS = 6


def figure_output(fig) -> dict[str, str]:
    """A figure as a display bundle: PNG (with its title and axis labels in the PNG text chunks, as
    figures.save writes them) and the title as the plain-text alternative."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata=figures.figure_text(fig))
    return {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "text/plain": f"Figure: {figures.figure_text(fig)['Title']}"}


def view_outputs(force_code: str, indicator_id: str, data: Data, threshold: int | None = None) -> list[dict]:
    """The picker's view of one force and indicator as display bundles: the disclosure-controlled table (title,
    table, notes) and a bar chart of its first breakdown with values (or a sentence saying why there is none)."""
    rows = indicator(indicator_id, force_code, data=data, threshold=threshold)
    with capture_output(stdout=False, stderr=False) as captured:
        show(rows, threshold=threshold)
    outputs = [dict(o.data) for o in captured.outputs]
    fig = plot(rows, threshold=threshold) if drawable_groups(rows) else None
    if fig is None:
        outputs.append({"text/markdown": "_No figure: every value of this indicator is withheld or not estimable._",
                        "text/plain": "No figure: every value of this indicator is withheld or not estimable."})
    else:
        outputs.append(figure_output(fig))
    return outputs


@dataclass
class Picker:
    """The widgets (`widget`), the current selection (`force_code`, `indicator_id`) and the view's outputs."""

    data: Data
    force_code: str
    indicator_id: str
    threshold: int | None = None
    widget: object = None
    handles: list[DisplayHandle] = field(default_factory=list)
    error: str = ""

    def outputs(self) -> list[dict]:
        try:
            outputs = view_outputs(self.force_code, self.indicator_id, self.data, self.threshold)
            self.error = ""
        except Exception as error:  # a view that fails says so in place of the view; the picker stays usable
            self.error = f"{type(error).__name__}: {error}"
            outputs = [{"text/plain": f"Could not draw {self.indicator_id} for {self.force_code}: {self.error}"}]
        blank = {"text/plain": ""}
        return (outputs + [blank] * SLOTS)[:max(SLOTS, len(outputs))]

    def draw(self) -> None:
        """Show the view under the widgets (first call) or replace it in place (later calls)."""
        outputs = self.outputs()
        if not self.handles or None in self.handles:  # first call, or outside IPython (no display handles)
            self.handles = [display(o, raw=True, display_id=True) for o in outputs]
            return
        for handle, output in zip(self.handles, outputs, strict=False):
            handle.update(output, raw=True)

    def select(self, force_code: str | None = None, indicator_id: str | None = None) -> None:
        """Change the selection (as the dropdowns do) and redraw; ValueError for a force or indicator the
        picker does not offer."""
        if force_code is not None and force_code not in self.data.force_codes:
            raise ValueError(f"force '{force_code}' is not in the data (it holds {self.data.force_codes})")
        if indicator_id is not None and indicator_id not in force_indicator_ids():
            raise ValueError(f"'{indicator_id}' is not a force indicator; they are {force_indicator_ids()}")
        self.force_code = force_code or self.force_code
        self.indicator_id = indicator_id or self.indicator_id
        self.draw()


def pick(force_code: str | None = None, indicator_id: str = "RI02", *, data: Data | None = None,
         data_dir: str | Path | None = None, threshold: int | None = None) -> Picker:
    """Show a force dropdown and an indicator dropdown, with the selection's table and figure under them.

    `data`: tables from `load()` (default: every force in `data_dir`); `force_code`: the first selection
    (default: the first force). The view is disclosure controlled (`show`, `plot`). Returns the Picker;
    `picker.select(...)` changes the selection from code.
    """
    import ipywidgets as widgets

    fd = _data(data, None, data_dir)
    codes = fd.force_codes
    force_code = force_code or codes[0]
    ids = force_indicator_ids()
    if force_code not in codes:
        raise ValueError(f"force '{force_code}' is not in the data (it holds {codes})")
    if indicator_id not in ids:
        raise ValueError(f"'{indicator_id}' is not a force indicator; they are {ids}")
    picker = Picker(fd, force_code, indicator_id, threshold)
    force = widgets.Dropdown(options=codes, value=force_code, description="Force")
    chosen = widgets.Dropdown(options=[(f"{i}: {CATALOGUE[i].title}", i) for i in ids], value=indicator_id,
                              description="Indicator", layout=widgets.Layout(width="70%"))
    force.observe(lambda change: picker.select(force_code=change["new"]), names="value")
    chosen.observe(lambda change: picker.select(indicator_id=change["new"]), names="value")
    picker.widget = widgets.HBox([force, chosen])
    display(picker.widget)
    picker.draw()
    return picker
