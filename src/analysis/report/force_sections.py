"""The sections of the force report notebook: each call shows tables, figures and sentences for one strand.

The notebook (notebooks/force_report.ipynb) calls these in order and explains them in markdown; all
numbers come from the force's results table, passed through disclosure control.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from analysis.disclosure import SUPPRESSED_SYMBOL
from analysis.indicators.rows import ALL_BASIS, RECORDED_BASIS
from analysis.indicators.response import outcome_fit
from analysis.indicators.victims import withdrawal_fit
from analysis.report import alt_text, curve_control, figures, narrative, publication
from analysis.report.context import ForceContext, prepare_force
from analysis.report.display import format_table, readable, region_label, show_figure, show_table
from analysis.report.safe_text import md_text

__all__ = ["prepare_force", "title", "headline", "nature_scale", "offenders", "victims", "response", "partnership"]

ASSIGNED = "offences with an outcome assigned (1-22)"
RECORDED = "all recorded offences (incl. not yet assigned)"
#: RI03's curves by cause code of the Aalen-Johansen fit (analysis.indicators.response.outcome_fit).
OUTCOME_CURVES = {1: "charged or summonsed", 2: "other outcome"}


def _fig_path(ctx: ForceContext, name: str):
    return ctx.figures_dir / f"{name}.png"


def _threshold(ctx: ForceContext) -> int:
    return ctx.disclosure["threshold"]


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st ..."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def title(ctx: ForceContext) -> None:
    """The report's title (its only h1: the page header shows it only as a breadcrumb), the force, the
    period and the data's nature."""
    p = ctx.data.profile.iloc[0]
    period = f"{p['period_start']:%d %B %Y} to {p['period_end']:%d %B %Y}"
    name, code = md_text(ctx.force_name), md_text(ctx.force_code)  # the force's own text: shown, never interpreted
    lines = [f"# {name} ({code}): group-based CSE force report",
             f"**{name}** (force code {code}), {md_text(region_label(ctx.region))} region. "
             f"Records from {period}, extracted on {p['extraction_date']:%d %B %Y}."]
    if ctx.synthetic:
        lines.append("**These figures come from SYNTHETIC data made by the project's generator. They describe no "
                     "real force, victim or suspect.**")
    display(Markdown("\n\n".join(lines)))
    info = publication.build(f"{ctx.force_name} ({ctx.force_code}): group-based CSE force report", ctx.data.profile,
                             ctx.synthetic, ctx.params_file)
    publication.show_metadata(info, ctx.output_dir)


def headline(ctx: ForceContext) -> None:
    """The headline figures, each with its interval, numerator, denominator and basis."""
    r = ctx.results
    charge = narrative.one(r, "RI02", "total", "charged or summonsed", ASSIGNED)
    withdrew = narrative.one(r, "VE02", "total", "withdrew support")
    recorded = narrative.one(r, "NS06", "field", "suspect self-defined ethnicity")
    rate = narrative.one(r, "NS02", "total", "all years (annual average)")
    lines = ["## Headline figures",
             "- " + narrative.rate_sentence(_controlled(ctx, rate), "Offences recorded", "per 10,000 children a year"),
             "- " + narrative.share_sentence(_controlled(ctx, charge), "Charge rate (of offences with an assigned outcome)"),
             "- " + narrative.share_sentence(_controlled(ctx, withdrew), "Victims who withdrew support"),
             "- " + narrative.share_sentence(_controlled(ctx, recorded), "Suspects with a self-defined ethnicity recorded")]
    display(Markdown("\n\n".join(lines)))


def _controlled(ctx: ForceContext, row: pd.Series) -> pd.Series:
    """The published version of one row (blanked if disclosure control withholds it)."""
    group = ctx.published(row["indicator_id"], row["breakdown"], row["basis"])
    return group[group["category"] == row["category"]].iloc[0]


def nature_scale(ctx: ForceContext) -> None:
    counts = ctx.published("NS01")
    show_table(counts, "NS01")
    fig = figures.line_by_year(counts.assign(breakdown=counts["breakdown"].map(lambda b: readable(b, "NS01"))),
                               title=f"{ctx.force_name}: records per financial year", ylabel="Number recorded",
                               synthetic=ctx.synthetic)
    show_figure(fig, _fig_path(ctx, "records_per_year"),
                "each line counts one kind of record by financial year; shaded bands are 95% intervals.",
                alt=alt_text.lines(counts.assign(breakdown=counts["breakdown"].map(lambda b: readable(b, "NS01"))),
                                   subject="records per financial year", indicator_id="NS01", place=ctx.force_name),
                data=format_table(counts), data_caption="records per financial year (NS01)",
                rows=counts, ledger=ctx.ledger)
    show_table(ctx.published("NS02"), "NS02")
    trend = ctx.published("NS03")
    show_table(trend, "NS03")
    display(Markdown(narrative.trend_sentence(trend.iloc[0], "Recorded offences")))
    for indicator_id in ("NS04", "NS05", "NS06", "NS07", "NS08"):
        show_table(ctx.published(indicator_id), indicator_id)


def _both_bases_figure(ctx: ForceContext, indicator_id: str, breakdown: str, title: str, name: str,
                       ylabel: str) -> None:
    drawn = ctx.published(indicator_id, breakdown)
    rows = drawn.assign(category=drawn["category"].map(lambda c: readable(c, indicator_id, breakdown)),
                        basis=drawn["basis"].map({RECORDED_BASIS: "of suspects with a recorded value",
                                                 ALL_BASIS: "of all suspects ('not recorded' shown)"}))
    fig = figures.bar_with_intervals(rows, title=title, xlabel="Share of suspects", ylabel=ylabel,
                                     synthetic=ctx.synthetic, percent=True, hue="basis", hue_title="Basis")
    subject = title.split(": ", 1)[-1]
    show_figure(fig, _fig_path(ctx, name),
                "each bar is a share with its 95% interval, on two bases: among suspects with the value recorded, and "
                f"among all suspects with 'not recorded' shown; {SUPPRESSED_SYMBOL} marks a withheld figure.",
                alt=alt_text.bars(rows, subject=subject, indicator_id=indicator_id, place=ctx.force_name, group="basis"),
                data=format_table(drawn), data_caption=f"{subject} ({indicator_id})",
                rows=drawn, ledger=ctx.ledger)


def offenders(ctx: ForceContext) -> None:
    show_table(ctx.published("OC01"), "OC01")
    _both_bases_figure(ctx, "OC01", "age_band", f"{ctx.force_name}: suspects by age band", "suspect_age",
                       "Age band")
    show_table(ctx.published("OC02"), "OC02")
    ethnicity = ctx.published("OC03")
    show_table(ethnicity, "OC03")
    _both_bases_figure(ctx, "OC03", "ethnic_group", f"{ctx.force_name}: suspects by self-defined ethnic group",
                       "suspect_ethnicity", "Ethnic group (ONS)")
    show_table(ctx.published("OC04"), "OC04")
    show_table(ctx.published("OC05"), "OC05")
    show_table(ctx.published("OC06"), "OC06")  # its note says when the comparison is not reliable


def _km_curve(ctx: ForceContext) -> pd.DataFrame:
    """The whole Kaplan-Meier fit behind VE03's table (so the band is the table's interval), with its at-risk
    and event counts: analysis.report.curve_control decides what of it is read and drawn."""
    fit, _ = withdrawal_fit(ctx.data)
    t = fit.table
    return pd.DataFrame({"time": t["time"], "estimate": t["survival"], "lower": t["lower"], "upper": t["upper"],
                         "curve": "still supporting the investigation", "n_at_risk": t["n_at_risk"],
                         "n_events": t["n_events"]})


def _show_curves(ctx: ForceContext, curves: pd.DataFrame, *, rows: pd.DataFrame, breakdowns: dict[str, str],
                 start: float, events: str, drawn_from: str, title: str, xlabel: str, ylabel: str, name: str,
                 reading: str, subject: str, indicator_id: str, series_title: str, caption: str) -> None:
    """Read `curves` at set days and draw them under the curve rules of analysis.report.curve_control, with
    the results table's withheld days (`rows`, the published rows; `breakdowns` maps a breakdown to its curve).
    `events` names the events (plural) for the table's note; `drawn_from` says where a curve starts, with
    '{nth}' for the threshold as an ordinal ('the day the {nth} victim withdrew support')."""
    threshold = _threshold(ctx)
    held, shown = curve_control.table_days(rows, breakdowns)
    read = curve_control.readings(curves, threshold=threshold, withheld=held, published=shown, start=start)
    drawn = curve_control.drawn(curves, read, threshold=threshold, withheld=held)
    rule = (f"{drawn_from.format(nth=_ordinal(threshold))} (so that no number under {threshold} can be read "
            f"from it) and stops where fewer than {threshold} remain followed; it is not drawn over a reading "
            "withheld ([c]) in the data table: there it stops at the reading before and starts again at the next.")
    if drawn.empty:
        display(Markdown(f"*No chart of {md_text(subject)} ({indicator_id}):* none of it can be drawn under the "
                         f"rule for curves: {rule}"))
        return
    fig = figures.step_curves(drawn, title=title, xlabel=xlabel, ylabel=ylabel, synthetic=ctx.synthetic)
    show_figure(fig, _fig_path(ctx, name), f"{reading}; {rule}",
                alt=alt_text.curves(read, drawn, subject=subject, indicator_id=indicator_id, place=ctx.force_name),
                data=alt_text.curve_table(read, series_title=series_title,
                                          note=curve_control.withheld_note(threshold, events)),
                data_caption=caption)


def victims(ctx: ForceContext) -> None:
    show_table(ctx.published("VE01"), "VE01")
    withdrew = ctx.published("VE02")
    show_table(withdrew, "VE02")
    display(Markdown(narrative.share_sentence(withdrew.iloc[0], "Victims who withdrew support")))
    ve03 = ctx.published("VE03")
    show_table(ve03, "VE03")
    _show_curves(ctx, _km_curve(ctx), rows=ve03,
                 breakdowns={"still supporting at": "still supporting the investigation"}, start=1.0,
                 events="withdrawals", drawn_from="the curve is drawn from the day the {nth} victim withdrew support",
                 title=f"{ctx.force_name}: victims still supporting the investigation",
                 xlabel="Days since first report", ylabel="Share still supporting", name="withdrawal_km",
                 reading="the line falls each time a victim withdraws support (Kaplan-Meier, victims followed to the "
                         "extraction date); the band is the 95% interval",
                 subject="the share of victims still supporting the investigation", indicator_id="VE03",
                 series_title="Victims",
                 caption="victims still supporting the investigation, read at set days (VE03)")
    show_table(ctx.published("VE04"), "VE04")
    for indicator_id in ("VE05", "VE06"):
        show_table(ctx.published(indicator_id), indicator_id)
    language = ctx.published("VE07")
    show_table(language, "VE07")
    shares = language[(language["breakdown"] == "notes with a match") & (language["category"] != "any category")]
    labelled = shares.assign(category=shares["category"].map(lambda c: readable(c, "VE07")))
    fig = figures.bar_with_intervals(labelled,
                                     title=f"{ctx.force_name}: case notes with victim-blaming language, by category",
                                     xlabel="Share of case notes", ylabel="Category of language", synthetic=ctx.synthetic,
                                     percent=True)
    show_figure(fig, _fig_path(ctx, "language"),
                "each bar is the share of case notes with at least one phrase of that category from the lexicon; "
                "no note text is shown anywhere in this report.",
                alt=alt_text.bars(labelled, subject="case notes with victim-blaming language, by category",
                                  indicator_id="VE07", place=ctx.force_name),
                data=format_table(shares), data_caption="case notes with victim-blaming language, by category (VE07)",
                rows=shares, ledger=ctx.ledger)


def _cif_curves(ctx: ForceContext) -> pd.DataFrame:
    """The whole Aalen-Johansen fit behind RI03's table, one curve per outcome, with its at-risk counts and
    each outcome's own event counts: analysis.report.curve_control decides what of it is read and drawn."""
    fit, _, _ = outcome_fit(ctx.data)
    t = fit.table
    return pd.DataFrame({"time": t["time"], "estimate": t["cif"], "lower": t["lower"], "upper": t["upper"],
                         "curve": t["cause"].map(OUTCOME_CURVES), "n_at_risk": t["n_at_risk"],
                         "n_events": t["n_events"]})


def response(ctx: ForceContext) -> None:
    outcomes = ctx.published("RI01")
    show_table(outcomes, "RI01")
    assigned = outcomes[outcomes["basis"] == ASSIGNED]
    fig = figures.bar_with_intervals(assigned, title=f"{ctx.force_name}: outcomes of offences with an assigned outcome",
                                     xlabel="Share of assigned outcomes", ylabel="Home Office outcome group",
                                     synthetic=ctx.synthetic, percent=True)
    show_figure(fig, _fig_path(ctx, "outcomes"),
                "shares of offences with an outcome assigned, by Home Office outcome group, with 95% intervals; "
                "the table also gives the shares of all recorded offences, including those not yet assigned.",
                alt=alt_text.bars(assigned.assign(category=assigned["category"].map(lambda c: readable(c, "RI01"))),
                                  subject="outcomes of offences with an assigned outcome", indicator_id="RI01",
                                  place=ctx.force_name),
                data=format_table(assigned), data_caption="outcomes of offences with an assigned outcome (RI01)",
                rows=assigned, ledger=ctx.ledger)
    charge = ctx.published("RI02")
    show_table(charge, "RI02")
    for basis, words in ((ASSIGNED, "Charge rate of offences with an assigned outcome"),
                         (RECORDED, "Charge rate of all recorded offences")):
        display(Markdown(narrative.share_sentence(charge[charge["basis"] == basis].iloc[0], words)))
    ri03 = ctx.published("RI03")
    show_table(ri03, "RI03")
    _show_curves(ctx, _cif_curves(ctx), rows=ri03,
                 breakdowns={f"cumulative incidence: {n}": n for n in OUTCOME_CURVES.values()}, start=0.0,
                 events="offences reaching that outcome",
                 drawn_from="each line is drawn from the day the {nth} offence reached that outcome",
                 title=f"{ctx.force_name}: time from recording to outcome",
                 xlabel="Days since the offence was recorded", ylabel="Cumulative incidence", name="time_to_outcome",
                 reading="each line is the share of offences that have reached that outcome by each day, allowing for "
                         "the other outcome as a competing event (Aalen-Johansen); the gap below 100% is offences "
                         "still open",
                 subject="time from recording to outcome (cumulative incidence)", indicator_id="RI03",
                 series_title="Outcome", caption="time from recording to outcome, read at set days (RI03)")
    for indicator_id in ("RI04", "RI05", "RI06", "RI07"):
        show_table(ctx.published(indicator_id), indicator_id)


def partnership(ctx: ForceContext) -> None:
    agencies = ctx.published("PS01")
    show_table(agencies, "PS01")
    shares = agencies[agencies["breakdown"] == "share of referrals"]
    labelled = shares.assign(category=shares["category"].map(lambda c: readable(c, "PS01")))
    fig = figures.bar_with_intervals(labelled,
                                     title=f"{ctx.force_name}: referrals by partner agency", xlabel="Share of referrals",
                                     ylabel="Partner agency", synthetic=ctx.synthetic, percent=True)
    show_figure(fig, _fig_path(ctx, "referrals"), "shares of referrals received from each partner agency, with 95% intervals.",
                alt=alt_text.bars(labelled, subject="referrals by partner agency", indicator_id="PS01",
                                  place=ctx.force_name),
                data=format_table(shares), data_caption="referrals by partner agency (PS01)",
                rows=shares, ledger=ctx.ledger)
    for indicator_id in ("PS02", "PS03", "PS04"):
        show_table(ctx.published(indicator_id), indicator_id)
