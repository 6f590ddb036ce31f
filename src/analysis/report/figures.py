"""Figures for the reports, drawn from results tables so a figure never shows more than its table.

Every figure has a title, axis labels, the colour-blind-safe palette and, when the data are synthetic,
"SYNTHETIC DATA" in its title. Rows withheld by disclosure control are never drawn: their category is
kept on the axis and marked "[c]" so the reader sees that something was withheld.

Figures are drawn on explicit `matplotlib.figure.Figure` objects, never through pyplot's global state,
and nothing here selects a backend: saving a Figure to PNG uses Agg whatever backend the process has, so
importing this module leaves a JupyterLab kernel's inline plots (or a script's GUI backend) as they were,
and a report figure is never shown twice nor left open in pyplot's figure list.

Accessibility (WCAG 2.2 AA, 1.4.1 and 1.4.11): series differ by marker and line style (lines), by hatching
(grouped bars) as well as by colour, and every colour has a contrast of at least 3:1 against the white
background (`PALETTE`, checked in the tests). Text is never interpreted: every figure function and `save`
draw under `text.parse_math: False` (a matplotlib rc_context, so the process's settings are untouched), so a
force name holding `$...$` is drawn as the literal characters, never through mathtext.
"""

from __future__ import annotations

import functools
import io
import textwrap
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
import numpy as np
import pandas as pd
import seaborn as sns

from analysis.disclosure import SUPPRESSED_SYMBOL

#: Okabe-Ito colours, darkened where needed so each has contrast >= 3:1 against white (blue 5.2, vermillion
#: 3.9, bluish green 3.4, reddish purple 6.1, grey 7.0, dark yellow 4.9).
PALETTE = [matplotlib.colors.to_rgb(c) for c in ("#0072B2", "#D55E00", "#009E73", "#AA3377", "#595959", "#8A6D00")]
#: What tells series apart besides colour: a marker and a line style per line, a hatch per bar group.
MARKERS = ("o", "s", "^", "D", "v", "P")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)))
HATCHES = ("", "///", "...", "xx", "\\\\", "++")
#: rcParams every figure is drawn under (text is shown as typed, never parsed as mathtext).
LITERAL_TEXT = {"text.parse_math": False, "text.usetex": False}


def literal_text(function):
    """Run a drawing function under LITERAL_TEXT (matplotlib.rc_context: the process's settings are restored)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(LITERAL_TEXT):
            return function(*args, **kwargs)
    return wrapper


SYNTHETIC_PREFIX = "SYNTHETIC DATA: "


def style() -> None:
    """Apply the report style (called once per notebook)."""
    sns.set_theme(style="whitegrid", palette="colorblind", context="notebook")
    matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 110, "figure.figsize": (8, 4.2),
                                "axes.titlesize": 12, "axes.titleweight": "bold"})


class ReportFigure(Figure):
    """A Figure that shows itself as PNG when it is a Jupyter cell's value, with or without pyplot.

    IPython displays an object through its `_repr_png_`; pyplot's inline backend registers its own printer for
    Figure only once pyplot has drawn something, so without this a figure returned before that would show only
    as text. Either way it is shown once, as a PNG.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight", metadata=figure_text(self))
        return buffer.getvalue()


def new_figure(figsize: tuple[float, float] | None = None) -> tuple[Figure, "matplotlib.axes.Axes"]:
    """A new Figure with one Axes, outside pyplot (figsize in inches; default rcParams["figure.figsize"]).

    Not registered with pyplot, so no backend is involved until it is saved or displayed, and it is freed
    when no longer referenced (no `plt.close` needed).
    """
    fig = ReportFigure(figsize=figsize)
    return fig, fig.add_subplot()


def titled(title: str, synthetic: bool, width: int = 70) -> str:
    """The figure title, marked when the data are synthetic, wrapped to fit the figure."""
    return textwrap.fill((SYNTHETIC_PREFIX + title) if synthetic else title, width)


def wrap(label: str, width: int = 28) -> str:
    return textwrap.fill(str(label), width)


def _withheld(table: pd.DataFrame) -> np.ndarray:
    return table["suppressed"].to_numpy(dtype=bool) | table["value"].isna().to_numpy()


def _legend_below(ax, title: str | None = None, ncols: int = 3) -> None:
    """A legend under the plot, so it never covers a bar, point or line."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, title=title, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  ncols=min(ncols, len(handles)), fontsize=8, title_fontsize=8, frameon=False)


@literal_text
def bar_with_intervals(table: pd.DataFrame, *, title: str, xlabel: str, ylabel: str, synthetic: bool,
                       percent: bool = False, hue: str | None = None, hue_title: str | None = None, ax=None):
    """Horizontal bars of `value` by `category` with 95% interval whiskers; withheld rows marked [c].

    With `hue` (a column such as 'basis' or 'force_code'), bars are grouped side by side and the legend
    (titled `hue_title`) sits under the plot. A category that a group has no row for (for example 'not
    recorded' on the basis of recorded values) is left empty, not marked as withheld.
    """
    categories = list(dict.fromkeys(table["category"]))
    groups = list(dict.fromkeys(table[hue])) if hue else [None]
    labels = [wrap(c) for c in categories]
    if ax is None:
        # Room for each category: its wrapped label (about 0.22 inch a line) or its bars, whichever is taller.
        per_bar = 0.42 if hue is None else 0.3 * len(groups)
        room = sum(max(0.22 * (label.count("\n") + 1) + 0.15, per_bar) for label in labels)
        fig, ax = new_figure((8, max(2.5, room + 1.4 + (0.5 if hue else 0))))
    else:
        fig = ax.figure
    scale = 100.0 if percent else 1.0
    height = 0.8 / len(groups)
    for g, group in enumerate(groups):
        part = table if group is None else table[table[hue] == group]
        present = np.isin(categories, part["category"].to_numpy())
        part = part.set_index("category").reindex(categories)
        y = np.arange(len(categories)) + (g - (len(groups) - 1) / 2) * height
        withheld = present & (part["suppressed"].fillna(False).astype(bool).to_numpy() | part["value"].isna().to_numpy())
        values = part["value"].astype("float64").to_numpy() * scale
        lower = part["lower"].astype("float64").to_numpy() * scale
        upper = part["upper"].astype("float64").to_numpy() * scale
        shown = present & ~withheld
        ax.barh(y[shown], values[shown], height=height * 0.9, color=PALETTE[g % len(PALETTE)],
                hatch=HATCHES[g % len(HATCHES)], edgecolor="white", linewidth=0,
                label=None if group is None else str(group))
        has_ci = shown & ~np.isnan(lower) & ~np.isnan(upper)
        ax.errorbar(values[has_ci], y[has_ci], xerr=[values[has_ci] - lower[has_ci], upper[has_ci] - values[has_ci]],
                    fmt="none", ecolor="black", elinewidth=1, capsize=3)
        for yy in y[withheld]:
            ax.text(0, yy, f" {SUPPRESSED_SYMBOL}", va="center", ha="left", fontsize=9, color="dimgray")
    ax.set_yticks(np.arange(len(categories)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel + (" (%)" if percent and "%" not in xlabel else ""))
    ax.set_ylabel(ylabel)
    ax.set_title(titled(title, synthetic), loc="left")
    if hue:
        _legend_below(ax, hue_title or hue.replace("_", " ").capitalize())
    fig.tight_layout()
    return fig


@literal_text
def line_by_year(table: pd.DataFrame, *, title: str, ylabel: str, synthetic: bool, series: str = "breakdown"):
    """Lines of `value` by financial year (category), one per `series`, with interval bands; withheld points omitted."""
    fig, ax = new_figure()
    for i, (name, part) in enumerate(table.groupby(series, sort=False)):
        part = part.copy()
        keep = ~_withheld(part)
        x = np.arange(len(part))
        values = part["value"].astype("float64").to_numpy(copy=True)
        values[~keep] = np.nan
        lower = part["lower"].astype("float64").to_numpy(copy=True)
        upper = part["upper"].astype("float64").to_numpy(copy=True)
        lower[~keep] = np.nan
        upper[~keep] = np.nan
        ax.plot(x, values, marker=MARKERS[i % len(MARKERS)], linestyle=LINESTYLES[i % len(LINESTYLES)],
                color=PALETTE[i % len(PALETTE)], label=str(name))
        ax.fill_between(x, lower, upper, color=PALETTE[i % len(PALETTE)], alpha=0.15)
        ax.set_xticks(x, part["category"].tolist())
    ax.set_xlabel("Financial year")
    ax.set_ylabel(ylabel)
    ax.set_title(titled(title, synthetic))
    ax.set_ylim(bottom=0)
    _legend_below(ax, ncols=4)
    fig.tight_layout()
    return fig


@literal_text
def funnel_plot(units: pd.DataFrame, limits: pd.DataFrame, *, target: float, title: str, ylabel: str,
                synthetic: bool, percent: bool = True, label_bands: tuple[str, ...] = ("above 99.8%", "below 99.8%"),
                xlabel: str = "Denominator"):
    """Funnel plot: each force's value against its denominator, with 95% and 99.8% limits.

    `units` is the per-unit comparison table (unit, denominator, value, band_od, suppressed optional);
    `limits` has denominator, level, lower, upper. Forces in `label_bands` are labelled.
    """
    scale = 100.0 if percent else 1.0
    fig, ax = new_figure((8, 5.2))
    styles = {0.95: ("--", "95% limits"), 0.998: ("-", "99.8% limits")}
    for level, part in limits.groupby("level"):
        ls, label = styles.get(round(level, 3), (":", f"{level:.1%} limits"))
        part = part.sort_values("denominator")
        ax.plot(part["denominator"], part["lower"] * scale, ls, color=PALETTE[4], lw=1, label=label)
        ax.plot(part["denominator"], part["upper"] * scale, ls, color=PALETTE[4], lw=1)
    ax.axhline(target * scale, color="black", lw=1.5, linestyle=LINESTYLES[2], label="national value")
    shown = units if "suppressed" not in units else units[~units["suppressed"].astype(bool)]
    outside = shown["band_od"].isin(label_bands)
    ax.scatter(shown.loc[~outside, "denominator"], shown.loc[~outside, "value"] * scale, color=PALETTE[0], s=30,
               label="force", zorder=3)
    if outside.any():
        ax.scatter(shown.loc[outside, "denominator"], shown.loc[outside, "value"] * scale, color=PALETTE[1], s=45,
                   marker="D", label="force outside 99.8% limits", zorder=4)
    for _, r in shown[outside].iterrows():
        ax.annotate(str(r["unit"]), (r["denominator"], r["value"] * scale), xytext=(4, 4),
                    textcoords="offset points", fontsize=8)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"{xlabel} (log scale)")
    ax.set_ylabel(ylabel + (" (%)" if percent else ""))
    ax.set_title(titled(title, synthetic))
    _legend_below(ax, ncols=5)
    fig.tight_layout()
    return fig


@literal_text
def step_curves(curves: pd.DataFrame, *, title: str, xlabel: str, ylabel: str, synthetic: bool,
                curve: str = "curve"):
    """Step functions (Kaplan-Meier survival or cumulative incidence) with optional interval bands.

    `curves` has columns time, estimate, optional lower/upper, `curve` naming each line and optional
    `segment`: the stretches of one curve (analysis.report.curve_control.drawn), each drawn on its own and
    never joined to the next (the curve is not drawn between them).
    """
    fig, ax = new_figure()
    for i, (name, part) in enumerate(curves.groupby(curve, sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        stretches = part.groupby("segment", sort=False) if "segment" in part else [(0, part)]
        for j, (_, piece) in enumerate(stretches):
            ax.step(piece["time"], piece["estimate"], where="post", color=colour, label=str(name) if j == 0 else "_nolegend_",
                    linestyle=LINESTYLES[i % len(LINESTYLES)], lw=1.8)
            if {"lower", "upper"} <= set(piece.columns):
                ax.fill_between(piece["time"], piece["lower"], piece["upper"], step="post", color=colour, alpha=0.15)
    ax.set_ylim(0, 1)
    ax.set_xlim(left=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(titled(title, synthetic))
    if curves[curve].nunique() > 1:
        _legend_below(ax)
    fig.tight_layout()
    return fig


def figure_text(fig) -> dict[str, str]:
    """The title and axis labels of a figure, as drawn (every axes' left, centre and right titles)."""
    titles = [t for ax in fig.axes for t in (ax.get_title("left"), ax.get_title("center"), ax.get_title("right")) if t]
    if fig._suptitle is not None and fig._suptitle.get_text():
        titles.insert(0, fig._suptitle.get_text())
    return {"Title": " | ".join(" ".join(t.split()) for t in titles),
            "XLabel": " | ".join(ax.get_xlabel() for ax in fig.axes),
            "YLabel": " | ".join(ax.get_ylabel() for ax in fig.axes)}


@literal_text
def save(fig, path: Path) -> Path:
    """Save a figure as PNG (creating the folder); a figure made with pyplot is also closed there.

    The drawn title and axis labels are also written into the PNG's text chunks (keys Title, XLabel,
    YLabel; the PNG specification's tEXt), so anyone holding the image (or the report that embeds it)
    can check that it is titled, labelled and, for synthetic data, marked SYNTHETIC DATA.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight", metadata=figure_text(fig))
    _close_if_pyplot(fig)
    return path


def _close_if_pyplot(fig) -> None:
    """Close `fig` in pyplot if pyplot manages it (a caller's own plt figure); never imports pyplot."""
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    manager = getattr(fig.canvas, "manager", None)
    if pyplot is not None and manager is not None and pyplot.fignum_exists(manager.num):
        pyplot.close(fig)
