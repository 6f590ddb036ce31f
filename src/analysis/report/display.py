"""Showing results in a notebook: disclosure-controlled tables, captions and figures.

Every table shown passes through `analysis.disclosure.suppress_results` (withheld numbers blanked, then
shown as [c]); every figure is drawn from the same controlled rows. Captions state numerator,
denominator, basis, method and caveat from the indicator catalogue, so no reader meets a figure without
them. Values are written as a reader expects them: shares as percentages, counts as whole numbers,
medians of days in days, yes/no facts as words; codes become their labels from the indicator's own code
list (a code such as "other" means different things in different lists).
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from analysis import reference
from analysis.disclosure import SUPPRESSED_SYMBOL, suppress_results
from analysis.indicators.catalogue import CATALOGUE, entries
from analysis.report import figures
from analysis.report.safe_text import md_text
from analysis.results import INTERVAL_TYPES, NATIONAL

SUPPRESSION_NOTE = (f"{SUPPRESSED_SYMBOL} = withheld by statistical disclosure control (a count from 1 to 9, a figure "
                    "derived from one, or a cell that would let one be worked out).")

#: The code lists whose labels name an indicator's categories (by indicator, then breakdown prefix).
CODE_LISTS: dict[str, dict[str, tuple[str, ...]]] = {
    "PS01": {"": ("partner_agencies",)},
    "RI06": {"tactic": ("disruption_tactics",), "status": ("disruption_statuses",)},
    "RI07": {"": ("case_review_grades",)},
    "OC03": {"": ("ethnicity_groups",)},
    "OC06": {"": ("ethnicity_groups",)},
    "NA02": {"": ("regions",)},
}
#: Labels for breakdowns (row groups) that are codes.
BREAKDOWN_LISTS: dict[str, tuple[str, ...]] = {"RI07": ("case_review_criteria",)}

#: National indicators with a row per force: their tables name the force of each row.
FORCE_ROW_INDICATORS = frozenset({"NA01", "NA03", "NA04"})

#: What the counts of a row are when its value is NOT numerator / denominator (a survival or cumulative
#: incidence estimate allows for censoring; a model's coefficient, a ratio to a population share, a p-value,
#: a median): (numerator heading, denominator heading) by indicator, then breakdown prefix ("" = any).
#: Rows not listed have value = numerator / denominator (x the rate base), and their counts are headed
#: "Numerator" and "Denominator"; tests check that every other row is listed here.
COUNT_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "NS03": {"": ("Offences (all years)", "")},
    "NS05": {"summary": ("Networks measured", "")},
    "OC05": {"agreement": ("Suspects whose two records agree", "Suspects with both recorded")},
    "OC06": {"ratio to adult population": ("Suspects in the group", "Suspects with a stated ethnicity"),
             "bounds allowed": ("Suspects in the group", "All suspects (incl. not recorded)"),
             "goodness of fit": ("Suspects with a stated ethnicity", "All suspects (incl. not recorded)")},
    "VE03": {"still supporting at": ("Victims who withdrew by then", "Victims followed"),
             "median": ("Victims who withdrew", "Victims followed")},
    "VE04": {"odds ratio": ("Victims with the factor", "Victims in the model")},
    "RI03": {"cumulative incidence": ("Offences with this outcome by then", "Offences followed")},
    "RI04": {"hazard ratio": ("Offences with the factor", "Offences in the model")},
    "RI05": {"days": ("Cases measured", "All cases")},
    "PS04": {"days to action": ("Referrals measured", "")},
    "NA04": {"difference from adult population": ("Suspects with a stated ethnicity", "All suspects (incl. not recorded)")},
    "NA05": {"odds of charge": ("Offences charged", "Offences in the model"),
             "odds of withdrawing support": ("Victims who withdrew", "Victims in the model")},
}

#: The columns of one row's interval, by the row's interval_type (analysis.results.INTERVAL_TYPES).
INTERVAL_COLUMNS = {code: label for code, label in INTERVAL_TYPES.items() if label}

#: Columns of a reader's table that hold numbers (right-aligned); the others are words (left-aligned).
NUMBER_COLUMNS = frozenset({"Value", "Count", "Numerator", "Denominator", *INTERVAL_COLUMNS.values(),
                            *(label for by in COUNT_COLUMNS.values() for pair in by.values() for label in pair if label)})


def count_columns(indicator_id: str, breakdown: str) -> tuple[str, str]:
    """(numerator heading, denominator heading) of a row: its own names when its value is not numerator /
    denominator (COUNT_COLUMNS), else ("Numerator", "Denominator")."""
    for prefix, pair in COUNT_COLUMNS.get(indicator_id, {}).items():
        if not prefix or str(breakdown).startswith(prefix):
            return pair
    return ("Numerator", "Denominator")


_RATE_BASE = re.compile(r"rate per ([\d,]+)")


def rate_base(method: str) -> float:
    """The base of a rate ("rate per 10,000" in the method: 10000), 1 for anything else."""
    found = _RATE_BASE.search(str(method))
    return float(found.group(1).replace(",", "")) if found else 1.0


def significance_reading(p: float, *, adjusted: bool) -> str:
    """One line saying what a p-value (or, `adjusted`, an FDR q-value) means for a reader."""
    if p is None or pd.isna(p):
        return ""
    what = "q" if adjusted else "p"
    shown = f"{what} < 0.001" if p < 0.001 else f"{what} = {p:.3f}"
    allowing = " after allowing for comparing every force at once" if adjusted else ""
    if p < 0.001:
        words = "very strong evidence of a real difference: chance alone would give one this large less than 1 time in 1,000"
    elif p < 0.01:
        words = "strong evidence of a real difference: chance alone would give one this large less than 1 time in 100"
    elif p < 0.05:
        words = "some evidence of a real difference: chance alone would give one this large less than 1 time in 20"
    else:
        words = "no clear evidence of a difference beyond chance (which is not evidence that there is none)"
    return f"{shown}: {words}{allowing}."


_Q_IN_NOTE = re.compile(r"\(FDR q = ([0-9.eE+-]+)\)")


@cache
def _labels(name: str) -> dict[str, str]:
    return reference.labels(name)


def _lists_for(indicator_id: str | None, breakdown: str | None) -> tuple[str, ...]:
    by_breakdown = CODE_LISTS.get(indicator_id or "", {})
    for prefix, lists in by_breakdown.items():
        if prefix and str(breakdown or "").startswith(prefix):
            return lists
    return by_breakdown.get("", ())


def _label(lists: tuple[str, ...], text: str) -> str:
    """The first label `text` has in the code lists `lists`, else `text` with underscores as spaces."""
    for name in lists:
        label = _labels(name).get(text)
        if label:
            return label
    return str(text).replace("_", " ")


def readable(text: str, indicator_id: str | None = None, breakdown: str | None = None) -> str:
    """A code or snake_case name as words for a reader, using the indicator's own code list when it has one."""
    return _label(_lists_for(indicator_id, breakdown), text)


def readable_breakdown(text: str, indicator_id: str | None = None) -> str:
    return _label(BREAKDOWN_LISTS.get(indicator_id or "", ()), text)


def region_label(code: str) -> str:
    return _labels("regions").get(code, str(code).replace("_", " "))


def published(results: pd.DataFrame, indicator_id: str, breakdown: str | list[str] | None = None,
              basis: str | None = None, disclosure: dict | None = None) -> pd.DataFrame:
    """The publishable rows of one indicator (withheld numbers blanked), optionally narrowed; `disclosure`
    is the settings section to apply (analysis.settings.disclosure_settings; default params/pipeline.yaml)."""
    rows = results[results["indicator_id"] == indicator_id]
    if breakdown is not None:
        keep = [breakdown] if isinstance(breakdown, str) else breakdown
        rows = rows[rows["breakdown"].isin(keep)]
    if basis is not None:
        rows = rows[rows["basis"] == basis]
    d = disclosure or {}
    return suppress_results(rows.reset_index(drop=True), d.get("threshold"), d.get("round_counts"), d.get("rounding_base"))


# ------------------------------------------------------------------------------------------------
# Values as a reader reads them

_COUNT = re.compile(r"\(count\)|\(Poisson count\)|^count of", re.IGNORECASE)


def value_kind(row: pd.Series) -> str:
    """How a results row's value reads: 'percent', 'count', 'fact' (1/0), 'whole', 'median' or 'number'.

    Decided from the row's method (the results table's own statement of how the value was computed):
    Wilson score shares, the national comparisons of proportions (Wilson-equivalent score test),
    Kaplan-Meier shares still supporting, Aalen-Johansen cumulative incidences and a model's share of
    events are proportions; Poisson counts and counts of forces are counts; medians are whole days or
    values with at most one decimal.
    """
    method = str(row["method"])
    breakdown = str(row["breakdown"])
    if method.startswith("as returned (1 ="):
        return "whole" if str(row["category"]).startswith("months") else "fact"
    if _COUNT.search(method):
        return "count"
    if method.startswith("median") or (method.startswith("Kaplan-Meier") and breakdown.startswith("median")):
        return "median"  # quartiles of days, and Kaplan-Meier median days (whole days)
    if ("Wilson score" in method or "Wilson-equivalent" in method or "Aalen-Johansen" in method
            or (method.startswith("Kaplan-Meier") and not breakdown.startswith("median"))
            or breakdown == "model"):
        return "percent"
    return "number"


def _number(x, digits: int) -> str:
    return f"{float(x):,.{digits}f}"


def format_value(x, kind: str, *, interval: bool = False, method: str = "") -> str:
    """One value as text ('' when missing). Intervals of counts carry one decimal (they are not counts)."""
    if pd.isna(x):
        return ""
    x = float(x)
    if kind == "percent":
        return f"{100 * x:.1f}%"
    if kind == "count":
        return _number(x, 1 if interval else 0)
    if kind == "median":
        return _number(x, 0) if x == round(x) else _number(x, 1)
    if kind == "fact" and x in (0.0, 1.0):
        words = ("met", "not met") if "met" in method else ("yes", "no")
        return words[0] if x == 1 else words[1]
    if kind in ("fact", "whole"):
        return _number(x, 0)
    return _number(x, 2)


def _note(text) -> str:
    """A row's note for readers ('ok', a model's status when it fitted, says nothing)."""
    text = "" if text is None or pd.isna(text) else str(text)
    return "" if text.strip().lower() == "ok" else text


def interval_text(lower: str, upper: str) -> str:
    """Two formatted limits as one text; a limit that could not be estimated is left open ('at least 463' when
    only the lower limit exists, 'at most 0.9' when only the upper does), never shown as 'to'."""
    if lower and upper:
        return f"{lower} to {upper}"
    if lower:
        return f"at least {lower} (upper limit not reached)"
    return f"at most {upper} (lower limit not estimable)" if upper else ""


def format_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Results rows as a reader's table: words for codes, percentages for shares, [c] for withheld cells.

    One meaning per column: each kind of interval (95% confidence interval, interquartile range, control
    limits, range allowed by unrecorded values; the rows' interval_type) has its own column, and counts
    that are not the value's numerator and denominator have their own named columns (COUNT_COLUMNS).
    A p-value or q-value gets a one-line reading. A national table names the force of each row; a table of
    counts shows them under "Count" (their numerator is the count itself); columns that would say nothing
    are left out.
    """
    out = []
    national = bool(len(rows)) and str(rows["indicator_id"].iloc[0]) in FORCE_ROW_INDICATORS and bool(
        (rows["force_code"] != NATIONAL).any())
    interval_order: list[str] = []
    count_order: list[str] = []
    for _, r in rows.iterrows():
        kind = value_kind(r)
        method = str(r["method"])
        withheld = bool(r["suppressed"])
        row = {"Force": "England and Wales" if r["force_code"] == NATIONAL else r["force_code"]} if national else {}
        row.update({
            "Breakdown": readable_breakdown(str(r["breakdown"]), r["indicator_id"]),
            "Category": readable(str(r["category"]), r["indicator_id"], str(r["breakdown"])),
            "Basis": r["basis"],
            "Value": SUPPRESSED_SYMBOL if withheld else format_value(r["value"], kind, method=method),
        })
        interval = str(r.get("interval_type", "none") or "none")
        heading = INTERVAL_COLUMNS.get(interval)
        if heading:
            lower = format_value(r["lower"], kind, interval=True, method=method)
            upper = format_value(r["upper"], kind, interval=True, method=method)
            row[heading] = SUPPRESSED_SYMBOL if withheld else interval_text(lower, upper)
            interval_order.append(heading)
        numerator, denominator = count_columns(str(r["indicator_id"]), str(r["breakdown"]))
        row[numerator] = SUPPRESSED_SYMBOL if withheld else format_value(r["numerator"], "count")
        count_order.append(numerator)
        if denominator:
            row[denominator] = SUPPRESSED_SYMBOL if withheld else format_value(r["denominator"], "count")
            count_order.append(denominator)
        # a withheld row shows no note: a note may name a count (a model's "4 of 6 withdrew"), and the row's
        # [c] already says why nothing is shown
        note = "" if withheld else _note(r["note"])
        reading = _reading(r, withheld)
        row["Note"] = "; ".join(x for x in (note, reading) if x)
        row["_kind"] = kind
        out.append(row)
    frame = pd.DataFrame(out)
    if frame.empty:
        return frame
    head = [c for c in ("Force", "Breakdown", "Category", "Basis", "Value") if c in frame]
    middle = list(dict.fromkeys(interval_order)) + list(dict.fromkeys(count_order))
    frame = frame[head + middle + ["Note", "_kind"]].fillna("")
    if (frame["_kind"] == "count").all() and "Numerator" in frame:
        # A count is its own numerator: show it once, as a count.
        frame = frame.rename(columns={"Value": "Count"}).drop(columns="Numerator")
    elif (frame["_kind"] == "number").all() and len({rate_base(m) for m in rows["method"]}) == 1 \
            and rate_base(rows["method"].iloc[0]) != 1:
        frame = frame.rename(columns={"Value": f"Rate per {rate_base(rows['method'].iloc[0]):,.0f}"})
    frame = frame.drop(columns="_kind")
    for column in [*middle, "Note"]:
        if column in frame and (frame[column] == "").all():
            frame = frame.drop(columns=column)
    for column in ("Breakdown", "Basis"):
        if column in frame and frame[column].nunique() == 1:
            frame = frame.drop(columns=column)
    return frame


def _reading(r: pd.Series, withheld: bool) -> str:
    """The one-line reading of a row's p-value or q-value (in its value or its note), else ''."""
    if withheld:
        return ""
    category = str(r["category"]).lower()
    if "p-value" in category and not pd.isna(r["value"]):
        return significance_reading(float(r["value"]), adjusted="fdr" in category or "adjusted" in category)
    found = _Q_IN_NOTE.search(str(r["note"]))
    if found:
        return significance_reading(float(found.group(1)), adjusted=True)
    return ""


def common_note(table: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Lift notes out of the table when they repeat, to print once under it, as (rows, note) pairs.

    A note shared by every row that has one is printed once (rows '' when every row has it, else the
    breakdown, basis or category of the rows it applies to); a note that is constant within each
    breakdown (or basis) is printed once per breakdown.
    """
    if "Note" not in table or len(table) < 2:
        return table, []
    notes = table["Note"]
    given = notes[notes != ""]
    if given.nunique() == 1:
        text = str(given.iloc[0])
        if len(given) == len(table):
            return table.drop(columns="Note"), [("", text)]
        for column in ("Breakdown", "Basis", "Category"):
            if column in table:
                labels = table.loc[given.index, column].unique()
                if len(labels) == 1 and not (table.loc[notes == "", column] == labels[0]).any():
                    return table.drop(columns="Note"), [(str(labels[0]), text)]
        return table, []
    for column in ("Breakdown", "Basis"):
        if column in table and table[column].nunique() < len(table):
            per_group = table.groupby(column, sort=False)["Note"].nunique()
            if (per_group == 1).all():
                firsts = table.groupby(column, sort=False)["Note"].first()
                return table.drop(columns="Note"), [(str(group), note) for group, note in firsts.items() if note]
    return table, []


def _note_line(rows: str, text: str) -> str:
    """'**Note (rows):** text.', or '**Note:** text.' for a note about every row."""
    return f"**Note{f' ({rows})' if rows else ''}:** {text.rstrip('.')}."


def html_table(table: pd.DataFrame, caption: str | None = None, *, row_headers: int | None = None) -> str:
    """A reader's table as accessible HTML: escaped text, words left-aligned and numbers right-aligned
    (classes `num` / `text`), column headers with scope="col", the first word column(s) of each row as row
    headers (scope="row"), and `caption` (escaped) as the table's caption, its accessible name.

    `row_headers` is how many leading columns name the row (default: the leading word columns, at most two,
    e.g. Breakdown and Category). The table sits in a `div.table-scroll` so a wide table scrolls inside its
    own box instead of the page (WCAG 1.4.10 reflow); with a caption, that box is a region named by it and a
    tab stop, so it can be scrolled from the keyboard.
    """
    columns = [str(c) for c in table.columns]
    if row_headers is None:
        row_headers = 0
        for column in columns[:2]:
            if column in NUMBER_COLUMNS:
                break
            row_headers += 1
        row_headers = max(1, row_headers) if columns else 0

    def kind(column: str) -> str:
        return "num" if column in NUMBER_COLUMNS else "text"

    head = "".join(f'<th scope="col" class="{kind(c)}">{html.escape(c)}</th>' for c in columns)
    rows = []
    for values in table.itertuples(index=False, name=None):
        cells = []
        for i, (column, value) in enumerate(zip(columns, values, strict=True)):
            tag, scope = ("th", ' scope="row"') if i < row_headers else ("td", "")
            cells.append(f'<{tag}{scope} class="{kind(column)}">{html.escape(str(value))}</{tag}>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    # A named region in the tab order, so a keyboard user can scroll a table wider than the screen
    # (the accessible pattern for scrolling tables; axe rule scrollable-region-focusable).
    region = f' role="region" tabindex="0" aria-label="{html.escape(caption, quote=True)}"' if caption else ""
    return (f'<div class="table-scroll"{region}><table class="results-table">{caption_html}<thead><tr>{head}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>')


def caption(indicator_id: str) -> str:
    """Markdown caption: what the indicator counts, how, and its caveat."""
    e = CATALOGUE[indicator_id]
    return (f"*{e.id}. Numerator:* {e.numerator}. *Denominator:* {e.denominator}. *Method:* {e.method}. "
            f"*Caveat:* {e.caveat}")


#: Key of a displayed table's data in its output's metadata: what the page shows, kept with it, so that the
#: downloads (analysis.report.downloads) are built from exactly the tables on the page.
TABLE_METADATA = "analysis_table"


def table_metadata(table: pd.DataFrame, title: str, notes: list[str], indicator_id: str | None = None) -> dict:
    """The published table as display metadata: its title, columns, rows (the page's text, cell for cell),
    its notes and indicator."""
    return {TABLE_METADATA: {"title": title, "indicator_id": indicator_id or "",
                             "columns": [str(c) for c in table.columns],
                             "rows": [[str(v) for v in values] for values in table.itertuples(index=False, name=None)],
                             "notes": [n for n in notes if n]}}


def show_table(rows: pd.DataFrame, indicator_id: str, title: str | None = None) -> pd.DataFrame:
    """Display a published, formatted table captioned with its title (and indicator id), then its notes and
    the catalogue's caption; returns the formatted table."""
    entry = CATALOGUE[indicator_id]
    heading = f"{title or entry.title} ({entry.id})"
    if len(rows) and rows["suppressed"].fillna(False).astype(bool).all():
        display(Markdown(f"**{md_text(heading)}**\n\n{not_published_sentence(rows)}"))
        return pd.DataFrame()
    table, shared = common_note(format_table(rows))
    notes = [_note_line(rows, text) for rows, text in shared]
    notes += [caption(indicator_id), SUPPRESSION_NOTE if (rows["suppressed"].any() if len(rows) else False) else ""]
    if table.empty:
        display(Markdown(f"**{md_text(heading)}**\n\n_No records for this indicator._"))
    else:
        display(HTML(html_table(table, heading)), metadata=table_metadata(table, heading, notes, indicator_id))
    display(Markdown("\n\n".join(n for n in notes if n)))
    return table


NOT_PUBLISHED = "Not published"


def not_published_sentence(rows: pd.DataFrame) -> str:
    """The one sentence that replaces a table in which every figure is withheld."""
    return (f"_{NOT_PUBLISHED}: every figure in this table rests on counts too small to publish (fewer than the "
            f"disclosure threshold) or would let one be worked out from the other tables on this page, so the "
            f"table is withheld as a whole ({len(rows)} figure{'s' if len(rows) != 1 else ''} withheld)._")


def left_out_sentence(rows: pd.DataFrame, units: str = "values") -> str:
    """' N withheld <units> are not drawn.' ('' when none is withheld)."""
    if rows is None or not len(rows):
        return ""
    n = int((rows["suppressed"].fillna(False).astype(bool) | rows["value"].isna()).sum())
    return f" {n} withheld {units if n != 1 else units.rstrip('s')} {'are' if n != 1 else 'is'} not drawn." if n else ""


def show_plain_table(table: pd.DataFrame, title: str, notes: str = "") -> None:
    """Display a table that is already a reader's table (words and formatted numbers), captioned with its title."""
    display(HTML(html_table(table, title)), metadata=table_metadata(table, title, [notes]))
    if notes:
        display(Markdown(notes))


def chart_data(table: pd.DataFrame, caption: str) -> str:
    """The data behind a chart as a collapsed, captioned table (HTML `details`): a reader who cannot see
    the chart, or wants its numbers, opens it; without JavaScript, as a native disclosure widget."""
    return (f'<details class="chart-data"><summary>Data behind the chart: {html.escape(caption)}</summary>'
            f"{html_table(table, caption)}</details>")


def show_figure(fig, path: Path, reading: str, *, alt: str | None = None, data: pd.DataFrame | None = None,
                data_caption: str | None = None, rows: pd.DataFrame | None = None, ledger=None,
                units: str = "values") -> Path:
    """Save a figure under the report's figures folder and show it with its text alternative `alt` (written
    from the results by analysis.report.alt_text: what it shows and its main reading), its one-line
    reading and, when given, `data` (a reader's table of what it plots) as a collapsed table.

    Every report figure should pass `alt` and `data` (tests/report/test_accessibility.py fails a figure whose
    alt text does not name its indicator and reading, or that has no data table); without `alt`, the
    figure's drawn title and its reading are used, so the page still says what the chart is.

    rows: the published rows the figure draws (withheld rows are never drawn): the reading then says how many
    withheld `units` it leaves out, and `ledger` (the page's publication ledger) records them as the figure's
    data."""
    if rows is not None:
        reading = reading.rstrip() + left_out_sentence(rows, units)
        if ledger is not None:
            ledger.record(rows, f"figure {Path(path).stem}", "figure")
    title = figures.figure_text(fig)["Title"]
    saved = figures.save(fig, path)
    if not alt or not alt.strip():
        alt = f"Chart: {title.removeprefix(figures.SYNTHETIC_PREFIX)}. {reading}"
    display(Image(filename=str(saved)), metadata={"image/png": {"alt": alt}})
    # On a narrow screen the embedded chart shrinks with the page; the PNG beside the report opens at full size.
    href = f"{saved.parent.name}/{saved.name}"
    display(HTML(f'<p class="figure-full-size"><a href="{html.escape(href, quote=True)}">Open this chart at full '
                 f'size</a> (PNG image)</p>'))
    display(Markdown(f"*Reading the figure:* {reading}"))
    if data is not None and len(data):
        shown = data_caption or alt.split(";")[0]
        display(HTML(chart_data(data, shown)),
                metadata=table_metadata(data, f"Data behind the chart: {shown}", [f"Reading the figure: {reading}"]))
    return saved


def catalogue_table(scope: str | None = None) -> pd.DataFrame:
    """The indicator catalogue as a reader's table."""
    return pd.DataFrame([{"Id": e.id, "Strand": e.strand, "Indicator": e.title, "Basis": e.basis}
                         for e in entries(scope)])

