"""The sections of the national findings notebook (notebooks/national_findings.ipynb).

Numbers come from the national results table (analysis.indicators.national) and the forces' results
tables, always through disclosure control; key findings are sentences built from them, each with its caveat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from analysis.disclosure import SUPPRESSED_SYMBOL
from analysis.indicators.catalogue import CATALOGUE
from analysis.indicators.national import KEY_INDICATORS, funnel, funnel_limits
from analysis.report import alt_text, figures, narrative, publication
from analysis.report.context import NationalContext, prepare_national
from analysis.report.display import format_table, region_label, show_figure, show_plain_table, show_table
from analysis.report.safe_text import md_text
from analysis.results import NATIONAL

__all__ = ["prepare_national", "header", "key_findings", "funnels", "regions", "models", "ethnicity", "tracker",
           "data_quality"]


#: What each key indicator's denominator counts (the funnel plot's horizontal axis).
FUNNEL_DENOMINATORS = {
    "charge rate": "Offences with an assigned outcome",
    "suspect ethnicity recorded": "Suspects",
    "victims who withdrew support": "Victims",
    "case notes with victim-blaming language": "Case notes",
    "offences per 10,000 children": "Child-years (children x years)",
}


def header(ctx: NationalContext) -> None:
    """The report's title (its only h1: the page header shows it only as a breadcrumb) and what it collates."""
    forces = ctx.reported
    lines = ["# Group-based CSE: national findings"]
    if ctx.partial:
        total = len(set(ctx.data_forces) | set(forces) | set(ctx.missing))
        lines.append(f"**Partial report: collated from {len(forces)} of the {total} forces in the data.** Not "
                     f"included (failed, data failed validation, or not run): {md_text(', '.join(ctx.missing))}. "
                     f"Every national figure below covers only the {len(forces)} forces reported.")
    lines.append(f"**Collated from the results of {len(forces)} forces:** {md_text(', '.join(forces))}.")
    if ctx.synthetic:
        lines.append("**These findings come from SYNTHETIC data made by the project's generator. They describe no "
                     "real force, victim or suspect.**")
    display(Markdown("\n\n".join(lines)))
    info = publication.build("Group-based CSE: national findings", ctx.data.profile, ctx.synthetic, ctx.params_file)
    publication.show_metadata(info, ctx.output_dir)


def scope(ctx: NationalContext) -> str:
    """How a national finding starts: "Nationally", or "In the 41 forces reported" when the report is partial."""
    return f"In the {len(ctx.reported)} forces reported" if ctx.partial else "Nationally"


def not_compared(ctx: NationalContext, name: str) -> str:
    """Why forces are not compared on key indicator `name` ("" when they are), from its NA01 status row."""
    rows = ctx.results[(ctx.results["indicator_id"] == "NA01") & (ctx.results["breakdown"] == name)
                       & (ctx.results["category"] == "not compared")]
    return str(rows["note"].iloc[0]).removeprefix("not compared: ") if len(rows) else ""


def _national(ctx: NationalContext, name: str) -> pd.Series:
    rows = ctx.published("NA02", name)
    return rows[rows["force_code"] == NATIONAL].iloc[0]


def _outside(ctx: NationalContext, name: str) -> tuple[list[str], list[str]]:
    rows = ctx.results[(ctx.results["indicator_id"] == "NA01") & (ctx.results["breakdown"] == name)]
    high = rows.loc[rows["note"].str.startswith("above the 99.8%"), "force_code"].tolist()
    low = rows.loc[rows["note"].str.startswith("below the 99.8%"), "force_code"].tolist()
    return high, low


def key_findings(ctx: NationalContext) -> None:
    """Findings written from the results, each with its caveat."""
    items = []
    for key in KEY_INDICATORS:
        row = _national(ctx, key.name)
        where = scope(ctx)
        if key.kind == "proportion":
            sentence = narrative.share_sentence(row, f"{where}, {key.name}")
        else:
            sentence = narrative.rate_sentence(row, f"{where}, {key.name.replace('per 10,000 children', '')}".strip(),
                                               "per 10,000 children a year")
        high, low = _outside(ctx, key.name)
        reason = not_compared(ctx, key.name)
        position = (f"Forces are not compared on it: {reason}." if reason else narrative.outliers_sentence(high, low))
        items.append(f"- {sentence} {position} *Caveat:* {CATALOGUE[key.indicator_id].caveat}")
    unreliable = ctx.force_results[(ctx.force_results["indicator_id"] == "OC06")
                                   & (ctx.force_results["breakdown"] == "goodness of fit")
                                   & ctx.force_results["note"].str.contains("not reliable")]
    items.append(f"- Suspect ethnicity was recorded for fewer than half of suspects in {len(unreliable)} of "
                 f"the {ctx.force_results['force_code'].nunique()} forces reported, so comparisons with the population are not "
                 "reliable there. *Caveat:* recorded ethnicity may not represent all suspects; no value is imputed.")
    models = ctx.published("NA05")
    charge = models[models["breakdown"] == "odds of charge"]
    if len(charge):
        items.append("- " + narrative.ratio_sentence(charge.iloc[0], "Odds of charge when the victim withdrew support, "
                                                     "relative to when they did not") +
                     f" *Caveat:* {CATALOGUE['NA05'].caveat}")
    display(Markdown("\n".join(items)))


def funnels(ctx: NationalContext) -> None:
    for i, key in enumerate(KEY_INDICATORS):
        reason = not_compared(ctx, key.name)
        if reason:  # one sentence instead of a funnel the data cannot support
            display(Markdown(f"**{key.name.capitalize()}: forces are not compared.** {reason[:1].upper()}{reason[1:]}."))
            continue
        comparison = funnel(ctx.force_results, key)
        units = comparison.table
        grid = np.unique(np.geomspace(max(units["denominator"].min() * 0.8, 1), units["denominator"].max() * 1.2, 80))
        limits = funnel_limits(comparison, grid, key.per)
        # A force's point is drawn only if its own figure would be published.
        rows = ctx.published("NA01", key.name)
        withheld = set(rows.loc[rows["suppressed"], "force_code"])
        units = units.assign(suppressed=units["unit"].isin(withheld))
        percent = key.kind == "proportion"
        if comparison.overdispersion.status != "ok":  # the limits drawn are unadjusted: label by the same test
            units = units.assign(band_od=units["band"])
        fig = figures.funnel_plot(units, limits, target=comparison.target, title=f"Funnel plot: {key.name}",
                                  ylabel=key.name.capitalize(), synthetic=ctx.synthetic, percent=percent,
                                  xlabel=FUNNEL_DENOMINATORS.get(key.name, "Denominator"))
        od = comparison.overdispersion
        adjustment = (f"adjusted for overdispersion (phi = {od.phi:.2f})" if od.status == "ok" else
                      f"NOT adjusted for overdispersion, which could not be estimated ({od.status.replace('_', ' ')}: "
                      "fewer than 3 forces), so they are too narrow if forces truly differ")
        high, low = _outside(ctx, key.name)
        show_figure(fig, ctx.figures_dir / f"funnel_{i + 1}.png",
                    f"each dot is a force; a higher value means {key.higher_is}. Dashed lines are 95% and solid lines "
                    f"99.8% limits {adjustment}; labelled forces lie outside the 99.8% limits.",
                    alt=alt_text.funnel(units, subject=key.name, indicator_id="NA01", target=comparison.target,
                                        denominator=FUNNEL_DENOMINATORS.get(key.name, "Denominator"),
                                        percent=percent, high=high, low=low),
                    data=format_table(rows), data_caption=f"{key.name} by force (NA01)",
                    rows=rows, ledger=ctx.ledger, units="forces")
        outer = rows["note"].str.startswith(("above the 99.8%", "below the 99.8%"))
        inner = rows["note"].str.startswith(("above the 95%", "below the 95%"))
        notes = (f"*Value* is the force's figure with its own 95% confidence interval; the *control limits* are the "
                 f"funnel's 95% and 99.8% limits at the force's denominator, {adjustment}; *z* is the force's z-score "
                 "against the national value and *q* its Benjamini-Hochberg false discovery rate across forces, with "
                 f"what it means. {SUPPRESSED_SYMBOL} = withheld by disclosure control.")
        which = ("adjusted for overdispersion" if od.status == "ok"
                 else "(not adjusted for overdispersion: too few forces to estimate it)")
        if outer.any():
            show_plain_table(outside_table(rows[outer], percent), f"Forces outside the 99.8% limits {which}: {key.name}",
                             notes)
        else:
            display(Markdown(f"No force lies outside the 99.8% limits {which} for {key.name}."))
        if inner.any():
            show_plain_table(outside_table(rows[inner], percent),
                             f"Forces outside the 95% but inside the 99.8% limits {which}: {key.name}", notes)


def outside_table(rows: pd.DataFrame, percent: bool) -> pd.DataFrame:
    """A reader's table of published NA01 rows: force, value with its 95% interval, the 95% and 99.8% control
    limits at its denominator, z-score and q-value, each in its own column (withheld rows show [c])."""
    from analysis.report.display import format_value, interval_text, significance_reading

    kind = "percent" if percent else "number"
    out = []
    for _, r in rows.iterrows():
        if bool(r["suppressed"]):
            out.append({"Force": r["force_code"], **dict.fromkeys(
                ["Value", "95% confidence interval", "95% control limits", "99.8% control limits", "z", "q",
                 "What q means"],
                SUPPRESSED_SYMBOL)})
            continue
        out.append({
            "Force": r["force_code"],
            "Value": format_value(r["value"], kind),
            "95% confidence interval": interval_text(format_value(r["lower"], kind), format_value(r["upper"], kind)),
            "95% control limits": interval_text(format_value(r["control_lower_95"], kind),
                                                format_value(r["control_upper_95"], kind)),
            "99.8% control limits": interval_text(format_value(r["control_lower_998"], kind),
                                                  format_value(r["control_upper_998"], kind)),
            "z": narrative.number(r["z_score"], 2),
            "q": "not available" if pd.isna(r["q_value"]) else f"{float(r['q_value']):.3g}",
            "What q means": "" if pd.isna(r["q_value"]) else significance_reading(float(r["q_value"]), adjusted=True),
        })
    return pd.DataFrame(out)


def regions(ctx: NationalContext) -> None:
    rows = ctx.published("NA02")
    show_table(rows, "NA02")
    for i, key in enumerate(KEY_INDICATORS[:4]):
        part = rows[(rows["breakdown"] == key.name)]
        fig = figures.bar_with_intervals(part, title=f"{key.name.capitalize()} by region", xlabel=key.name.capitalize(),
                                         ylabel="Region", synthetic=ctx.synthetic, percent=True)
        show_figure(fig, ctx.figures_dir / f"region_{i + 1}.png",
                    "each bar is a region's pooled value with its 95% interval; the first bar is England and Wales.",
                    alt=alt_text.bars(part.assign(category=part["category"].map(region_label)),
                                      subject=f"{key.name} by region", indicator_id="NA02", place="England and Wales"),
                    data=format_table(part), data_caption=f"{key.name} by region (NA02)",
                    rows=part, ledger=ctx.ledger, units="regions")


def models(ctx: NationalContext) -> None:
    show_table(ctx.published("NA05"), "NA05")


def ethnicity(ctx: NationalContext) -> None:
    rows = ctx.published("NA04")
    show_table(rows, "NA04")


def _by_force(rows: pd.DataFrame, shown, columns: str) -> pd.DataFrame:
    """One row per force and one column per value of `columns`, holding `shown`; headings capitalised."""
    wide = (rows.assign(shown=shown).pivot(index="force_code", columns=columns, values="shown")
            .reset_index().rename(columns={"force_code": "Force"}))
    wide.columns = [str(c)[:1].upper() + str(c)[1:] for c in wide.columns]
    return wide


def tracker(ctx: NationalContext) -> None:
    rows = ctx.published("NA03")
    show_table(rows[rows["force_code"] == NATIONAL], "NA03")
    by_force = rows[(rows["force_code"] != NATIONAL) & (rows["category"] == "meets the recommendation")]
    if by_force.empty:
        return
    words = by_force["value"].map(lambda v: "" if pd.isna(v) else ("met" if float(v) == 1 else "not met"))
    show_plain_table(_by_force(by_force, words, "breakdown"), "Recommendations met, by force",
                     "*Source:* each force's return (force profile), as returned; the national row above counts "
                     "the forces that meet each recommendation.")


def data_quality(ctx: NationalContext) -> None:
    rows = ctx.published("NS06", table=ctx.force_results)
    shown = [SUPPRESSED_SYMBOL if withheld else narrative.percent(value)
             for withheld, value in zip(rows["suppressed"], rows["value"], strict=True)]
    show_plain_table(_by_force(rows, shown, "category"), "Share of records with each key field recorded, by force",
                     f"*Numerator:* {CATALOGUE['NS06'].numerator}. *Denominator:* {CATALOGUE['NS06'].denominator}. "
                     f"*Caveat:* {CATALOGUE['NS06'].caveat} Each force's report gives the counts and 95% intervals. "
                     f"{SUPPRESSED_SYMBOL} = withheld by disclosure control.")
