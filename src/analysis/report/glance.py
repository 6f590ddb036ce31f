"""The force at a glance: each key indicator beside the national value and the force's position (DESIGN.md s8).

Built from the national results (indicator NA01, the funnel comparison of every force with the national
value: analysis.indicators.national), through the same disclosure control as the national page, so a force
report and the national report can never disagree. `glance_table` gives the rows (one per key indicator,
as a reader's table); `glance_sentences` the headline sentences; `glance_figure` a dot plot of the kind
public-health profiles use (every force's value as a grey dot, the national value as a line, the force's
99.8% control limits as a band and the force as a large marker whose shape says where it stands).

The position is read from the NA01 row's note, which analysis.indicators.national writes as "above the
99.8% limit adjusted for overdispersion (FDR q = ...)", "within the limits ...", etc.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.disclosure import SUPPRESSED_SYMBOL
from analysis.indicators.national import KEY_INDICATORS, KeyIndicator
from analysis.results import NATIONAL

INDICATOR = "NA01"
LIMITS_COLUMN = "99.8% control limits (adjusted for overdispersion)"

_POSITION = re.compile(r"^(above|below) the (99\.8|95)% limit")
_Q = re.compile(r"q = ([0-9.eE+-]+)")


@dataclass(frozen=True)
class Position:
    """Where a force stands against the funnel limits: `where` is above | below | within | not assessed;
    `level` the outermost limit crossed ("99.8%" or "95%", "" when within); `q` the FDR-adjusted p-value."""

    where: str
    level: str
    q: float
    adjusted: bool

    @property
    def words(self) -> str:
        limits = "limits adjusted for overdispersion" if self.adjusted else "limits (not adjusted for overdispersion)"
        if self.where in ("above", "below"):
            inner = " (inside the 99.8% limits)" if self.level == "95%" else ""
            return f"{self.where} the {self.level} {limits}{inner}"
        if self.where == "within":
            return f"within the 95% {limits}"
        return "not assessed"


def position(note: str) -> Position:
    """The force's position from its NA01 row's note (see the module docstring)."""
    text = str(note or "")
    adjusted = "not adjusted" not in text
    found = _POSITION.search(text)
    q_found = _Q.search(text)
    q = float(q_found.group(1)) if q_found else float("nan")
    if found:
        return Position(found.group(1), f"{found.group(2)}%", q, adjusted)
    if text.startswith("within"):
        return Position("within", "", q, adjusted)
    return Position("not assessed", "", q, adjusted)


def control_limits(row: pd.Series) -> tuple[float, float]:
    """The force's 99.8% control limits from its NA01 row: the control_lower_998 / control_upper_998 columns
    when the results have them, else lower/upper when the row's interval_type says they hold the limits."""
    if "control_lower_998" in row.index and not (pd.isna(row["control_lower_998"]) and pd.isna(row["control_upper_998"])):
        return row["control_lower_998"], row["control_upper_998"]
    if str(row.get("interval_type", "control_limits_99.8")) == "control_limits_99.8":
        return row["lower"], row["upper"]
    return float("nan"), float("nan")


def q_value(row: pd.Series, p: Position) -> float:
    """The force's FDR q-value: the q_value column when the results have one, else the one in the note."""
    if "q_value" in row.index and not pd.isna(row["q_value"]):
        return float(row["q_value"])
    return p.q


def _format(value, key: KeyIndicator) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{100 * float(value):.1f}%" if key.kind == "proportion" else f"{float(value):.2f}"


def _unit(key: KeyIndicator) -> str:
    return "" if key.kind == "proportion" else " per 10,000 children a year"


def key_rows(national_published: pd.DataFrame, force_code: str) -> list[tuple[KeyIndicator, pd.Series | None,
                                                                            pd.Series | None, pd.DataFrame]]:
    """For each key indicator: (key, the force's NA01 row, the national row, every force's rows), from the
    published (disclosure-controlled) NA01 rows; a missing row is None."""
    na01 = national_published[national_published["indicator_id"] == INDICATOR]
    out = []
    for key in KEY_INDICATORS:
        part = na01[na01["breakdown"] == key.name]
        force = part[part["force_code"] == force_code]
        nat = part[part["force_code"] == NATIONAL]
        out.append((key, force.iloc[0] if len(force) else None, nat.iloc[0] if len(nat) else None,
                    part[part["force_code"] != NATIONAL]))
    return out


def glance_table(national_published: pd.DataFrame, force_code: str) -> pd.DataFrame:
    """One row per key indicator: the force's value, the England and Wales value, the force's 99.8% control
    limits, its position and q-value with their reading, and the force's numerator and denominator.
    Withheld figures show as [c]; an indicator the national results lack says so."""
    from analysis.report.display import significance_reading

    lines = []
    for key, force, nat, _ in key_rows(national_published, force_code):
        row = {"Indicator": key.name[:1].upper() + key.name[1:] + ("" if key.kind == "proportion" else " a year")}
        if force is None or nat is None:
            row.update({"This force": "", "England and Wales": "", LIMITS_COLUMN: "", "Position": "not available",
                        "q-value": "", "Numerator": "", "Denominator": "",
                        "What the q-value means": "not in the national results"})
            lines.append(row)
            continue
        withheld = bool(force["suppressed"])
        p = position(force["note"])
        row["This force"] = SUPPRESSED_SYMBOL if withheld else _format(force["value"], key)
        row["England and Wales"] = SUPPRESSED_SYMBOL if bool(nat["suppressed"]) else _format(nat["value"], key)
        if withheld:
            row.update({LIMITS_COLUMN: SUPPRESSED_SYMBOL, "Position": SUPPRESSED_SYMBOL, "q-value": SUPPRESSED_SYMBOL,
                        "Numerator": SUPPRESSED_SYMBOL, "Denominator": SUPPRESSED_SYMBOL, "What the q-value means": ""})
        else:
            limits = control_limits(force)
            lower, upper = _format(limits[0], key), _format(limits[1], key)
            row[LIMITS_COLUMN] = f"{lower} to {upper}" if lower and upper else ""
            row["Position"] = p.words
            q = q_value(force, p)
            row["q-value"] = "" if np.isnan(q) else ("< 0.001" if q < 0.001 else f"{q:.3f}")
            row["Numerator"] = f"{float(force['numerator']):,.0f}"
            row["Denominator"] = f"{float(force['denominator']):,.0f}"
            row["What the q-value means"] = significance_reading(q, adjusted=True) if not np.isnan(q) else ""
        lines.append(row)
    table = pd.DataFrame(lines)
    empty = [c for c in ("q-value", "What the q-value means") if c in table and (table[c] == "").all()]
    return table.drop(columns=empty)


def glance_sentences(national_published: pd.DataFrame, force_code: str, force_name: str) -> list[str]:
    """Headline sentences: where the force stands on each key indicator, in words."""
    out = []
    for key, force, nat, _ in key_rows(national_published, force_code):
        name = key.name[:1].upper() + key.name[1:]
        if force is None or nat is None:
            out.append(f"{name}: not available (not in the national results).")
            continue
        if bool(force["suppressed"]):
            out.append(f"{name}: withheld ({SUPPRESSED_SYMBOL}) because it rests on a count below the disclosure "
                       "threshold.")
            continue
        p = position(force["note"])
        national = _format(nat["value"], key) if not bool(nat["suppressed"]) else SUPPRESSED_SYMBOL
        where = {"above": "above", "below": "below"}.get(p.where)
        stands = (f"{where} the {p.level} limits adjusted for overdispersion" if where else
                  ("within the limits adjusted for overdispersion" if p.where == "within" else "not assessed"))
        if where and p.level == "95%":
            stands += " (but inside the 99.8% limits)"
        qv = q_value(force, p)
        q = "" if np.isnan(qv) or not where else (" (q < 0.001)" if qv < 0.001 else f" (q = {qv:.3f})")
        out.append(f"{name}: {_format(force['value'], key)}{_unit(key)} in {force_name} "
                   f"({float(force['numerator']):,.0f} of {float(force['denominator']):,.0f}{' ' + key.basis if key.kind == 'proportion' else ' ' + key.basis}) "
                   f"against {national}{_unit(key)} in England and Wales: {stands}{q}.")
    return out


def _literal(function):
    """Draw under analysis.report.figures.literal_text (a force name is drawn as typed, never as mathtext)."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from analysis.report.figures import literal_text

        return literal_text(function)(*args, **kwargs)
    return wrapper


@_literal
def glance_figure(national_published: pd.DataFrame, force_code: str, force_name: str, *, synthetic: bool):
    """A dot plot (one panel per key indicator) on an explicit matplotlib Figure (no pyplot state):
    every force's published value as a grey dot, England and Wales as a vertical line, the force's 99.8%
    control limits as a shaded band and the force as a large marker (triangle up: above the 99.8% limits;
    triangle down: below; circle: within or between the 95% and 99.8% limits; labelled in words)."""
    from matplotlib.figure import Figure

    from analysis.report.figures import PALETTE, titled

    from analysis.report.figures import wrap

    rows = key_rows(national_published, force_code)
    fig = Figure(figsize=(9, 1.25 * len(rows) + 1.3))
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    left_out = 0
    for ax, (key, force, nat, every) in zip(axes, rows, strict=True):
        scale = 100.0 if key.kind == "proportion" else 1.0
        shown = every[~every["suppressed"].to_numpy(bool) & every["value"].notna().to_numpy()]
        left_out += len(every) - len(shown)
        ax.scatter(shown["value"].astype(float) * scale, np.zeros(len(shown)), s=18, color="#9a9a9a", marker="o",
                   alpha=0.8, zorder=2, label="other forces")
        ax.set_yticks([0])
        ax.set_yticklabels([])
        ax.set_ylim(-1, 1)
        ax.set_ylabel(wrap(key.name[:1].upper() + key.name[1:], 22), rotation=0, ha="right", va="center", fontsize=9)
        ax.set_xlabel("Share (%)" if key.kind == "proportion" else "Offences per 10,000 children a year", fontsize=8)
        if nat is not None and not bool(nat["suppressed"]):
            ax.axvline(float(nat["value"]) * scale, color="black", linewidth=1.5, zorder=3, label="England and Wales")
        if force is None or bool(force["suppressed"]) or pd.isna(force["value"]):
            ax.text(0.99, 0.6, "this force: " + (SUPPRESSED_SYMBOL if force is not None else "not available"),
                    transform=ax.transAxes, ha="right", fontsize=8)
        else:
            p = position(force["note"])
            lower, upper = control_limits(force)
            if not pd.isna(lower) and not pd.isna(upper):
                ax.axvspan(float(lower) * scale, float(upper) * scale, color=PALETTE[0], alpha=0.15,
                           zorder=1, label="99.8% control limits for this force")
            marker, colour = {"above": ("^", PALETTE[3]), "below": ("v", PALETTE[1])}.get(
                p.where if p.level == "99.8%" else "", ("o", PALETTE[0]))
            x = float(force["value"]) * scale
            ax.scatter([x], [0], s=140, marker=marker, color=colour, edgecolor="black", zorder=4, label=force_code)
            ax.annotate(f"{_format(force['value'], key)}: {p.words}", (x, 0), xytext=(0, 11),
                        textcoords="offset points", ha="center", fontsize=8)
        ax.grid(axis="x", alpha=0.4)
        ax.tick_params(axis="x", labelsize=8)
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncols=min(4, len(labels)), fontsize=8, frameon=False)
    suffix = f" ({left_out} withheld values not drawn)" if left_out else ""
    fig.suptitle(titled(f"{force_name} at a glance: key indicators against England and Wales{suffix}", synthetic),
                 fontsize=11, fontweight="bold")
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig


def glance_alt_text(table: pd.DataFrame, force_name: str) -> str:
    """The chart's text alternative, written from the table."""
    parts = [f"{r['Indicator']}: {r['This force'] or 'not available'} against {r['England and Wales'] or 'not available'}"
             f" nationally, {r['Position']}" for _, r in table.iterrows()]
    return (f"Dot plot of {force_name} against every force and England and Wales on the key indicators (NA01): "
            + "; ".join(parts) + ".")


def chart_points(national_published: pd.DataFrame) -> pd.DataFrame:
    """What the dot plot draws, as a reader's table: one row per force (England and Wales first), one column
    per key indicator, the published value (withheld: [c])."""
    na01 = national_published[national_published["indicator_id"] == INDICATOR]
    forces = [NATIONAL, *sorted(set(na01["force_code"]) - {NATIONAL})]
    out = []
    for code in forces:
        row = {"Force": "England and Wales" if code == NATIONAL else code}
        for key in KEY_INDICATORS:
            hit = na01[(na01["force_code"] == code) & (na01["breakdown"] == key.name)]
            name = key.name[:1].upper() + key.name[1:] + ("" if key.kind == "proportion" else " a year")
            if hit.empty:
                row[name] = ""
            else:
                r = hit.iloc[0]
                row[name] = SUPPRESSED_SYMBOL if bool(r["suppressed"]) else _format(r["value"], key)
        out.append(row)
    return pd.DataFrame(out)


def glance_digest(national_published: pd.DataFrame | None, force_code: str) -> str:
    """Digest of what a force's at-a-glance section shows: its table's text (the force, England and Wales, the
    limits, position, q and counts as printed) and the chart's points at the precision drawn (every force's
    published value to 3 significant figures, and how many were withheld). A national run that leaves these
    as they were leaves the force's page current; one that moves anything shown re-renders it."""
    if national_published is None:
        return "no national results"
    table = glance_table(national_published, force_code)
    points = []
    for key, _, _, every in key_rows(national_published, force_code):
        shown = every[~every["suppressed"].to_numpy(bool) & every["value"].notna().to_numpy()]
        points.append([key.name, sorted(float(f"{float(v):.3g}") for v in shown["value"]), len(every) - len(shown)])
    payload = json.dumps([force_code, table.to_dict("split"), points], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()
