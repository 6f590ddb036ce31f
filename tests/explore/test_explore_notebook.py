"""notebooks/explore.ipynb runs top to bottom in a real kernel (nbclient) with its defaults (only data_dir
pointed at a small dataset), and shows the researcher's own plot and the picker's default view as images."""

from __future__ import annotations

import base64
import io

import nbformat
import pytest
from PIL import Image

from analysis.explore.picker import view_outputs
from explore.conftest import NOTEBOOKS, ROOT, execute, inject_parameters, mime_types, outputs_of


def _png(output) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"])))


@pytest.fixture(scope="module")
def executed(explore_data, tmp_path_factory):
    nb = nbformat.read(NOTEBOOKS / "explore.ipynb", as_version=4)
    inject_parameters(nb, {"data_dir": str(explore_data)})
    scratch = tmp_path_factory.mktemp("scratch")
    outputs_before = sorted((ROOT / "outputs").rglob("*")) if (ROOT / "outputs").exists() else []
    execute(nb, scratch=scratch)
    outputs_after = sorted((ROOT / "outputs").rglob("*")) if (ROOT / "outputs").exists() else []
    return nb, scratch, outputs_before, outputs_after


@pytest.mark.slow
def test_runs_without_errors(executed):
    nb, *_ = executed
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


@pytest.mark.slow
def test_own_plot_shows_inline_and_is_saved_to_scratch(executed):
    nb, scratch, before, after = executed
    outputs = outputs_of(nb, "plt.subplots(")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1
    assert _png(images[0]).size[0] > 500
    assert (scratch / "explore" / "SYN01_offences_by_year.png").is_file()
    assert after == before  # nothing written under outputs/


@pytest.mark.slow
def test_picker_default_view_is_drawn(executed):
    nb, *_ = executed
    outputs = outputs_of(nb, "explore.pick(")
    kinds = mime_types(outputs)
    assert "application/vnd.jupyter.widget-view+json" in kinds  # the dropdowns
    tables = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) == 1 and "charged or summonsed" in tables[0]
    image = next(o for o in outputs if "image/png" in o.get("data", {}))
    png = _png(image)
    assert png.text["Title"].startswith("SYNTHETIC DATA: SYN01: Charge rate")  # figures.figure_text in the PNG


@pytest.mark.slow
def test_tour_figures_show_as_images(executed):
    nb, *_ = executed
    assert "image/png" in mime_types(outputs_of(nb, "explore.plot(every_force)"))
    assert "image/png" in mime_types(outputs_of(nb, "explore.funnel_figure("))


def test_picker_view_has_no_figure_when_everything_is_withheld(explore_data):
    """Negative control for the image checks: with every count below the threshold nothing is drawn."""
    from analysis import explore

    data = explore.load("SYN02", data_dir=explore_data)
    shown = view_outputs("SYN02", "RI02", data)
    assert "image/png" in shown[-1]
    withheld = view_outputs("SYN02", "RI02", data, threshold=10**9)
    assert "image/png" not in withheld[-1]
    assert withheld[-1]["text/plain"].startswith("No figure: every value of this indicator is withheld")
