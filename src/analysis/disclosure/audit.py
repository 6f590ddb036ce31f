"""A reader's audit of everything a unit publishes: can any withheld count be worked out?

Cell-by-cell rules (analysis.disclosure.rules) withhold small counts and protect each table's own totals, but a
reader holds every table, figure and download of a page at once, and the national page's rows about the same
force. This module models what such a reader knows as a system of linear relations over the unit's counts and
finds, by linear programming, the smallest and largest value each withheld count can take. It is the audit step
of the table-protection tools of statistical agencies: tau-Argus' audit and sdcTable's `attack()` compute the
same lower and upper bounds of every suppressed cell (Hundepool et al. 2012, Statistical Disclosure Control,
Wiley, sections 4.2-4.4; de Wolf and Giessing 2009, "Adjusting the tau-Argus modular approach to deal with
linked tables", Data & Knowledge Engineering 68:1160-1174).

What the reader is assumed to know (the input is the unit's results rows with their true counts, one row per
published row, `suppressed` marking the rows whose numbers are withheld where they are shown):
- every published numerator and denominator (a count is one *quantity*; the same quantity shown in several
  places is published when it is shown anywhere);
- which cells of the same force (or region) are the same quantity: a denominator with the same value as
  another denominator of the same indicator, or (from 10 up) of any indicator of the unit
  (the same population: all suspects, all offences...), a numerator with the same value as a denominator (one
  indicator's numerator is another's denominator: suspects with sex recorded is the denominator of the shares
  of recorded sexes), numerators of the same category with the same value (the count of a category on both
  bases, in two tables, or on the force page and the national page), and a row of the national page repeating
  a force's row (same numerator and denominator). Cells are one quantity only when they count the same kind of
  record (analysis.record_kinds: suspects, victims, offences...). Every link is a true relation of the data
  within a kind, so a link the reader might not notice only makes the audit stricter;
- the relations the catalogue declares (analysis.record_kinds): counts shown twice under other names, nested
  counts (cumulative readings at set days, a model's sample inside its population) whose differences are
  counts, and sums across units (England and Wales and each region as sums of their forces, given `groups`;
  the pooled national model as the sum of the force models);
- categories sum to their total: rows of one breakdown on one basis that share a denominator and whose
  numerators add up to it; count rows whose sum is another published quantity (a total row, or a total shown
  in another table);
- a row that is the sum of the same row of every other unit shown with it (England and Wales as the sum of the
  forces, or of the regions, on the national page);
- the numerator of a share (a row with a Wilson interval, or any row whose numerator and denominator count the same kind of record) is at most its denominator, so the complement (denominator minus numerator: suspects whose sex
  is not recorded, referrals not actioned, offences without an outcome) is a count too;
- published zeros are zeros, so a withheld count that is not zero is at least 1 (withheld cells are otherwise
  non-negative and unbounded above).

The rule (a sliding protection level in tau-Argus' terms): every count whose value lies in 1..threshold-1,
withheld or derived (a complement, a difference of nested counts), is *protected* only when its feasible range
[low, high] over the integers is at least `protection_width` wide (high - low >= width; a range of 0 is a count
determined exactly). A published count in 1..threshold-1 is exposed outright. A withheld count of threshold or
more is a secondary suppression and not a target of its own (see `targets`). The width is `disclosure.protection_width` in params/pipeline.yaml.

The linear programmes are solved with HiGHS (highspy, the solver's own Python interface; Huangfu and Hall
2018, Math. Prog. Comp. 10:119-142); when a bound comes out fractional the problem is solved again with
integrality, which can only narrow the range. Problems are
kept small: the withheld quantities are split into connected components (quantities linked by a relation),
and each component is solved on its own.

Limits (docs/assumptions.md): the reader is assumed to know the relations above and no others; rates, medians,
intervals, model coefficients and survival curves are not inverted into counts (they are published only with
their counts or withheld with them; a summary of a table with a withheld cell is withheld with it:
analysis.record_kinds.SUMMARIES_OF_TABLES); relations between units enter as a row that sums the same row of
every other unit shown, and as the declared sums across units when `groups` is given.
"""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd

from analysis.record_kinds import CROSS_UNIT_SUMS, CUMULATIVE, NESTED, REPEATS_FORCE_ROW, SAME_COUNT, record_kind

KEY_COLUMNS = ("force_code", "indicator_id", "breakdown", "category", "basis")
#: Rows whose basis starts with this count forces, not people or cases: not audited (published as they are).
UNIT_COUNT_BASIS = "forces"
#: Optional boolean column of audit rows: the row repeats a row of another page (see build_system).
REPEATS = "repeats"
#: A row is a share of its denominator (so its complement is a count) when its method names the Wilson interval.
SHARE_METHOD = "Wilson"
#: Counts from this value up are linked across indicators by equal value (see the module doc); smaller ones only
#: within an indicator or by category (equal small values in different tables are too often a coincidence).
LINK_FROM = 10
FINDING_COLUMNS = ["force_code", "indicator_id", "breakdown", "category", "basis", "column", "places", "low", "high",
                   "width", "exposed", "reason", "source"]
#: Category labels that name the same count in different indicators (normalised: lower case, letters and digits).
CATEGORY_ALIASES = {"chargedsummonsed": "chargedorsummonsed"}


def _norm(text: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", str(text).lower())
    return CATEGORY_ALIASES.get(key, key)


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class System:
    """The reader's knowledge of one unit: quantities (true value, published or not, the cells showing them)
    and linear relations over them (`equalities`: sum coef*x = 0; `orders`: sum coef*x <= 0)."""

    rows: pd.DataFrame
    values: np.ndarray  # per quantity
    published: np.ndarray  # per quantity
    cells: list[list[tuple[int, str]]]  # per quantity: (row position, column)
    equalities: list[dict[int, float]] = field(default_factory=list)
    orders: list[dict[int, float]] = field(default_factory=list)
    complements: list[tuple[int, dict[int, float]]] = field(default_factory=list)  # (row, terms of a derived count)
    ranges: dict = field(default_factory=dict)  # solved ranges by (target terms, component variables)

    @property
    def withheld(self) -> np.ndarray:
        return ~self.published


def build_system(rows: pd.DataFrame, groups: dict[str, list[str]] | None = None) -> System:
    """The quantities and relations a reader knows from `rows` (true counts; `suppressed` marks withheld rows).

    rows: a results-like frame with KEY_COLUMNS, numerator, denominator (the true counts; blank where the row
    has none) and suppressed. groups: optional {unit: its member units} (England and Wales and each region:
    their forces) for the sums across units of analysis.record_kinds.CROSS_UNIT_SUMS. Shapes: one quantity per
    distinct count (see the module doc for which cells are one count). Raises ValueError when a column is
    missing.
    """
    missing = [c for c in (*KEY_COLUMNS, "numerator", "denominator", "suppressed") if c not in rows.columns]
    if missing:
        raise ValueError(f"audit rows are missing columns {missing}")
    rows = rows.reset_index(drop=True)
    # counts of forces (e.g. forces meeting a recommendation) are not counts of people: published as they are
    units_count = rows["basis"].astype(str).str.startswith(UNIT_COUNT_BASIS).to_numpy()
    # their rows are kept (row positions are those of `rows`, as callers index them) but hold no quantity
    num = pd.Series(rows["numerator"]).to_numpy(dtype=float, na_value=np.nan, copy=True)
    den = pd.Series(rows["denominator"]).to_numpy(dtype=float, na_value=np.nan, copy=True)
    num[units_count] = np.nan
    den[units_count] = np.nan
    withheld = rows["suppressed"].fillna(False).to_numpy(dtype=bool)
    categories = [_norm(c) for c in rows["category"].astype(str)]
    indicators = rows["indicator_id"].astype(str).tolist()
    units = rows["force_code"].astype(str).tolist()  # links join counts of the same force (or region) only
    breakdowns = rows["breakdown"].astype(str).tolist()
    threshold = LINK_FROM
    # rows that repeat another page's row (the national page's rows about a force): linked to the row they repeat
    # by numerator and denominator together, never by one equal value (an equal value alone may be chance)
    repeats = (rows[REPEATS].fillna(False).to_numpy(dtype=bool) if REPEATS in rows.columns
               else np.zeros(len(rows), dtype=bool))
    repeats = repeats | np.isin(np.asarray(indicators, dtype=object), list(REPEATS_FORCE_ROW))
    # what each cell counts (analysis.record_kinds): cells are one count only when they count the same kind of
    # record; None (a row the catalogue does not describe) links by value alone
    kinds = [record_kind(*key) for key in zip(indicators, breakdowns, rows["category"].astype(str), rows["basis"].astype(str))]
    cell_row, cell_col, cell_value, cell_kind = [], [], [], []
    for i in range(len(rows)):
        for col, arr, side in (("numerator", num, 0), ("denominator", den, 1)):
            if not math.isnan(arr[i]):
                cell_row.append(i)
                cell_col.append(col)
                cell_value.append(float(arr[i]))
                cell_kind.append(kinds[i][side])
    n = len(cell_row)
    den_cell = {cell_row[c]: c for c in range(n) if cell_col[c] == "denominator"}
    uf = _Union(n)

    def firsts(table: dict, key: tuple, kind) -> list[int]:
        """The first cells registered under `key` whose kind is compatible with `kind` (equal, or either None)."""
        entry = table.get(key, {})
        return list(entry.values()) if kind is None else [entry[k] for k in (kind, None) if k in entry]

    def register(table: dict, key: tuple, kind, c: int) -> None:
        table.setdefault(key, {}).setdefault(kind, c)

    first_den: dict[tuple, dict] = {}  # (unit, value) -> {kind: first denominator cell}, from LINK_FROM up
    first_num: dict[tuple, dict] = {}  # (unit, category, value) -> {kind: first numerator cell}
    first_den_of: dict[tuple, dict] = {}  # (unit, indicator, value) -> {kind: first denominator cell}
    first_pair: dict[tuple, dict] = {}  # (unit, numerator, denominator) -> {kind: first numerator cell}
    for c in range(n):
        if cell_col[c] == "denominator":
            i, kind = cell_row[c], cell_kind[c]
            same_indicator = (units[i], indicators[i], cell_value[c])  # one population within an indicator
            for other in firsts(first_den_of, same_indicator, kind):
                uf.join(other, c)
            register(first_den_of, same_indicator, kind, c)
            if cell_value[c] < threshold or repeats[i]:
                continue  # small denominators of different indicators are linked only when shown to be the same
            v = (units[i], cell_value[c])
            for other in firsts(first_den, v, kind):
                uf.join(other, c)
            register(first_den, v, kind, c)
    for c in range(n):
        if cell_col[c] != "numerator":
            continue
        i, kind, v = cell_row[c], cell_kind[c], cell_value[c]
        unit = units[i]
        if not repeats[i]:
            key = (unit, categories[i], v)
            for other in firsts(first_num, key, kind):
                if (v >= threshold or indicators[cell_row[other]] != indicators[i]
                        or breakdowns[cell_row[other]] == breakdowns[i]):
                    # a category's count on both bases, in another indicator, or (from the threshold up) in another
                    # breakdown of the same indicator (a count table and its shares)
                    uf.join(other, c)
            register(first_num, key, kind, c)
        d = den[i]
        if not math.isnan(d):
            pair = (unit, v, float(d))
            for other in firsts(first_pair, pair, kind):
                if indicators[cell_row[other]] != indicators[i] and (repeats[i] or repeats[cell_row[other]]):
                    # one row repeating another (the national page's row about a force): the same count of the same
                    # population, numerator and denominator. Equal pairs are otherwise often chance (9 of 115
                    # suspects aged 45 and over, 9 of 115 female suspects); a count truly shown twice is linked by
                    # its category or, from LINK_FROM up, as the denominator of another indicator
                    uf.join(other, c)
                    uf.join(den_cell[cell_row[other]], den_cell[i])
            register(first_pair, pair, kind, c)
        if repeats[i] or v < threshold:
            continue
        for other in firsts(first_den, (unit, v), kind):  # one indicator's numerator is another's denominator
            uf.join(other, c)
    declared = _Declared(rows, units, indicators, breakdowns, cell_row, cell_col, cell_value)
    for a, b in SAME_COUNT:  # counts the catalogue shows twice (analysis.record_kinds)
        for unit in declared.units:
            left, right = declared.cells(unit, a), declared.cells(unit, b)
            if left and right and cell_value[left[0]] == cell_value[right[0]]:
                for c in left[1:] + right:
                    uf.join(left[0], c)
    roots = sorted({uf.find(c) for c in range(n)})
    index = {r: k for k, r in enumerate(roots)}
    q_of_cell = [index[uf.find(c)] for c in range(n)]
    values = np.zeros(len(roots))
    published = np.zeros(len(roots), dtype=bool)
    cells: list[list[tuple[int, str]]] = [[] for _ in roots]
    row_q: dict[tuple[int, str], int] = {}
    for c in range(n):
        q = q_of_cell[c]
        values[q] = cell_value[c]
        published[q] |= not withheld[cell_row[c]]
        cells[q].append((cell_row[c], cell_col[c]))
        row_q[(cell_row[c], cell_col[c])] = q
    system = System(rows, values, published, cells)
    _relations(system, rows, row_q, num, den, first_den, q_of_cell, kinds)
    _nested(system, declared, q_of_cell)
    if groups:
        _cross_unit_sums(system, declared, q_of_cell, groups)
    return system


def _cross_unit_sums(system: System, declared: "_Declared", q_of_cell: list[int], groups: dict[str, list[str]]) -> None:
    """A group's row is the sum of its members' rows (analysis.record_kinds.CROSS_UNIT_SUMS), added when every
    member shows the row and the true counts satisfy it."""
    values = system.values
    seen = {tuple(sorted(e.items())) for e in system.equalities}
    for declared_sum in CROSS_UNIT_SUMS:
        total_selector, member_selector = declared_sum[:2]
        present_only = "present" in declared_sum[2:]
        for unit, members in groups.items():
            for c in declared.cells(unit, total_selector):
                i = declared.cell_row[c]
                indicator, breakdown, category, basis, column = member_selector
                selector = (indicator, declared.breakdown[i] if breakdown is None else breakdown, category,
                            declared.basis[i] if basis is None else (None if basis == "*" else basis), column)
                parts = []
                for member in members:
                    found = declared.cells(member, selector)
                    if not found:
                        if present_only:
                            continue
                        break
                    parts.append(q_of_cell[found[0]])
                else:
                    total = q_of_cell[c]
                    if not parts or total in parts or abs(sum(values[q] for q in parts) - values[total]) >= 0.5:
                        continue
                    terms: dict[int, float] = {total: -1.0}
                    for q in parts:
                        terms[q] = terms.get(q, 0.0) + 1.0
                    key = tuple(sorted(terms.items()))
                    if key not in seen:
                        seen.add(key)
                        system.equalities.append(terms)


class _Declared:
    """Finds the cells of one unit's rows named by a selector of analysis.record_kinds."""

    def __init__(self, rows, units, indicators, breakdowns, cell_row, cell_col, cell_value):
        self.units = sorted(set(units))
        self.by_key: dict[tuple, list[int]] = defaultdict(list)  # (unit, indicator, breakdown) -> cells
        self.by_indicator: dict[tuple, list[int]] = defaultdict(list)  # (unit, indicator) -> cells
        categories = rows["category"].astype(str).tolist()
        bases = rows["basis"].astype(str).tolist()
        self.category, self.basis, self.cell_row, self.cell_col = categories, bases, cell_row, cell_col
        self.breakdown = breakdowns
        for c, i in enumerate(cell_row):
            self.by_key[(units[i], indicators[i], breakdowns[i])].append(c)
            self.by_indicator[(units[i], indicators[i])].append(c)

    def cells(self, unit: str, selector: tuple) -> list[int]:
        indicator, breakdown, category, basis, column = selector
        pool = (self.by_indicator.get((unit, indicator), []) if breakdown is None
                else self.by_key.get((unit, indicator, breakdown), []))
        found = [c for c in pool
                 if self.cell_col[c] == column and (basis is None or self.basis[self.cell_row[c]] == basis)]
        if category == "@last":  # the reading at the most days
            days = [_days(self.category[self.cell_row[c]]) for c in found]
            known = [d for d in days if d is not None]
            return [c for c, d in zip(found, days) if known and d == max(known)]
        return [c for c in found if category is None or self.category[self.cell_row[c]] == category]

    def readings(self, unit: str, indicator: str, breakdown: str) -> list[list[int]]:
        """The numerator cells of a cumulative breakdown, one list per basis, in order of days."""
        out: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for c in self.by_key.get((unit, indicator, breakdown), []):
            d = _days(self.category[self.cell_row[c]])
            if self.cell_col[c] == "numerator" and d is not None:
                out[self.basis[self.cell_row[c]]].append((d, c))
        return [[c for _, c in sorted(v)] for v in out.values()]


def _days(category: str) -> int | None:
    found = re.match(r"\s*(\d+)\s*days?\b", category)
    return int(found.group(1)) if found else None


def _nested(system: System, declared: _Declared, q_of_cell: list[int]) -> None:
    """Declared nestings (analysis.record_kinds NESTED, CUMULATIVE): inner <= outer, and outer - inner is a count
    (audited like a complement). A declared relation that the true counts do not satisfy is not added (the
    catalogue's description does not fit these rows)."""
    values = system.values

    def add(row: int, inner: dict[int, float], outer: dict[int, float]) -> None:
        difference = dict(outer)
        for q, c in inner.items():
            difference[q] = difference.get(q, 0.0) - c
        difference = {q: c for q, c in difference.items() if c != 0}
        if not difference or sum(c * values[q] for q, c in difference.items()) < -0.5:
            return
        system.orders.append({q: -c for q, c in difference.items()})
        system.complements.append((row, difference))

    for unit in declared.units:
        for inner_terms, outer_terms in NESTED:
            sides = []
            for terms in (inner_terms, outer_terms):
                side: dict[int, float] = {}
                for selector, coef in terms:
                    cells = declared.cells(unit, selector)
                    if not cells:
                        break
                    q = q_of_cell[cells[0]]
                    side[q] = side.get(q, 0.0) + coef
                else:
                    sides.append(side)
                    continue
                break
            if len(sides) == 2:
                row = declared.cell_row[declared.cells(unit, inner_terms[0][0])[0]]
                add(row, *sides)
        for indicator, breakdown in CUMULATIVE:
            for cells in declared.readings(unit, indicator, breakdown):
                for a, b in zip(cells, cells[1:]):
                    add(declared.cell_row[b], {q_of_cell[a]: 1.0}, {q_of_cell[b]: 1.0})


def _relations(system: System, rows: pd.DataFrame, row_q: dict, num: np.ndarray, den: np.ndarray,
               first_den: dict[tuple, dict], q_of_cell: list[int], kinds: list[tuple]) -> None:
    values = system.values
    seen_eq: set[tuple] = set()

    def add_eq(terms: dict[int, float]) -> None:
        terms = {q: c for q, c in terms.items() if c != 0}
        key = tuple(sorted(terms.items()))
        if len(terms) >= 2 and key not in seen_eq:
            seen_eq.add(key)
            system.equalities.append(terms)

    groups = rows.groupby(["force_code", "indicator_id", "breakdown", "basis"], sort=False).indices
    den_quantity = {(*v, kind): q_of_cell[c] for v, entry in first_den.items() for kind, c in entry.items()}
    units = rows["force_code"].astype(str).tolist()
    for positions in groups.values():
        with_den: dict[int, set[int]] = defaultdict(set)
        counts: set[int] = set()
        for i in positions:
            n_q = row_q.get((i, "numerator"))
            d_q = row_q.get((i, "denominator"))
            if n_q is None:
                continue
            if d_q is not None:
                with_den[d_q].add(n_q)
            else:
                counts.add(n_q)
        for d_q, parts in with_den.items():
            # categories that add up to their shared denominator
            if len(parts) >= 2 and d_q not in parts and abs(sum(values[q] for q in parts) - values[d_q]) < 0.5:
                add_eq({**{q: 1.0 for q in parts}, d_q: -1.0})
        if len(counts) >= 2:
            total = sum(values[q] for q in counts)
            # a total row among the counts (it equals the sum of the others)
            for t in counts:
                if abs(2 * values[t] - total) < 0.5:
                    add_eq({**{q: 1.0 for q in counts if q != t}, t: -1.0})
            # counts adding up to a population the unit publishes elsewhere
            unit, kind = units[positions[0]], kinds[positions[0]][0]
            d_q = next((den_quantity[k] for k in ((unit, float(total), kind), (unit, float(total), None))
                        if k in den_quantity), None) if kind is not None else next(
                (q for (u, t, _), q in den_quantity.items() if u == unit and t == float(total)), None)
            if d_q is not None and d_q not in counts:
                add_eq({**{q: 1.0 for q in counts}, d_q: -1.0})
    # a row that is the sum of the same row of other units (England and Wales = the forces, or the regions)
    across = rows.groupby(["indicator_id", "breakdown", "basis"], sort=False).indices
    for positions in across.values():
        members = [i for i in positions if (i, "numerator") in row_q]
        if len({units[i] for i in members}) < 3:
            continue
        total_num = sum(num[i] for i in members)
        for t in members:
            others = [i for i in members if i != t and units[i] != units[t]]
            if len(others) != len(members) - 1 or abs(2 * num[t] - total_num) >= 0.5:
                continue
            add_eq({**{row_q[(i, "numerator")]: 1.0 for i in others}, row_q[(t, "numerator")]: -1.0})
            dens = [row_q.get((i, "denominator")) for i in others]
            t_den = row_q.get((t, "denominator"))
            if t_den is not None and None not in dens and abs(sum(den[i] for i in others) - den[t]) < 0.5:
                add_eq({**{q: 1.0 for q in dens}, t_den: -1.0})
    seen_order: set[tuple[int, int]] = set()
    methods = rows["method"].astype(str).tolist() if "method" in rows.columns else [SHARE_METHOD] * len(rows)
    for i in range(len(rows)):
        n_q = row_q.get((i, "numerator"))
        d_q = row_q.get((i, "denominator"))
        if n_q is None or d_q is None or n_q == d_q or values[n_q] > values[d_q]:
            continue
        # a share (Wilson interval), or any row whose numerator counts records of the same kind as its
        # denominator (victims with an ABE interview of all victims): the cases left out are a count too
        if SHARE_METHOD not in methods[i] and (kinds[i][0] is None or kinds[i][0] != kinds[i][1]):
            continue
        if (n_q, d_q) not in seen_order:
            seen_order.add((n_q, d_q))
            system.orders.append({n_q: 1.0, d_q: -1.0})
            system.complements.append((i, {d_q: 1.0, n_q: -1.0}))


# --- solving ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """What is audited: a quantity (`terms` = {q: 1}) or a complement ({den: 1, num: -1}), with its row."""

    row: int
    column: str  # numerator, denominator or complement
    terms: tuple[tuple[int, float], ...]
    value: float


def targets(system: System, threshold: int, every_withheld: bool = False) -> list[Target]:
    """What the audit protects (see the module doc): every count with a value in 1..threshold-1, withheld (its
    range must be at least the width) or published (exposed outright), and every derived count (complement,
    difference of nested counts) with a value in 1..threshold-1. A withheld count of threshold or more is a
    secondary suppression: it is withheld to protect the small ones, which are audited with it in the system;
    working it out discloses no small count (Hundepool et al. 2012, section 4.2: protection levels are set for
    the sensitive cells). `every_withheld`: also every withheld count whatever its size (the stricter promise of
    protect_crosstab: no withheld cell of a table can be worked out)."""
    found = []
    withheld_rows = system.rows["suppressed"].fillna(False).to_numpy(dtype=bool)
    for q, places in enumerate(system.cells):
        v = system.values[q]
        if 0 < v < threshold or (every_withheld and not system.published[q]):
            row, col = _label_cell(withheld_rows, places)
            found.append(Target(row, col, ((q, 1.0),), v))
    for row, terms in system.complements:
        v = sum(c * system.values[q] for q, c in terms.items())
        if 0 < v < threshold:
            found.append(Target(row, "complement", tuple(terms.items()), v))
    return found


def _label_cell(withheld_rows: np.ndarray, places: list[tuple[int, str]]) -> tuple[int, str]:
    for row, col in places:
        if withheld_rows[row]:
            return row, col
    return places[0]


@dataclass
class _Component:
    variables: list[int]  # quantity ids (withheld)
    equalities: list[dict[int, float]]
    orders: list[dict[int, float]]


def _relation_index(system: System) -> list[list[int]]:
    """For each quantity, the positions (in equalities + orders) of the relations it appears in; built once per
    system (relations are fixed once build_system has made them; only `published` changes)."""
    index = getattr(system, "_relation_index", None)
    if index is None or len(index) != len(system.values):
        index = [[] for _ in system.values]
        for k, terms in enumerate(system.equalities + system.orders):
            for q in terms:
                index[q].append(k)
        system._relation_index = index  # type: ignore[attr-defined]
    return index


def component_of(system: System, quantities) -> _Component:
    """The withheld quantities linked to `quantities` (withheld ones among them) through relations whose other
    withheld quantities are linked in turn, with those relations: the part of the reader's system that bounds
    them. A search from `quantities` only, so its cost is that of the component, not of the whole unit."""
    index = _relation_index(system)
    relations = system.equalities + system.orders
    n_eq = len(system.equalities)
    published = system.published
    start = [int(q) for q in quantities if not published[q]]
    seen_q, seen_r = set(start), set()
    stack = list(start)
    while stack:
        q = stack.pop()
        for k in index[q]:
            if k in seen_r:
                continue
            seen_r.add(k)
            for p in relations[k]:
                if not published[p] and p not in seen_q:
                    seen_q.add(p)
                    stack.append(p)
    ordered = sorted(seen_r)
    return _Component(sorted(seen_q), [relations[k] for k in ordered if k < n_eq],
                      [relations[k] for k in ordered if k >= n_eq])


def _solve(system: System, comp: _Component | None, objective: dict[int, float]) -> tuple[float, float]:
    """Smallest and largest value of sum(coef*x) over the component's feasible points: the linear programme in
    HiGHS (highspy), solved once per direction on one model; a bound that comes out fractional is solved again
    with integrality (a mixed-integer programme, which can only narrow the range)."""
    constant = sum(c * system.values[q] for q, c in objective.items() if system.published[q])
    free = [q for q in objective if not system.published[q]]
    if not free:
        return constant, constant
    variables = comp.variables if comp is not None else free
    pos = {q: k for k, q in enumerate(variables)}
    k = len(variables)
    relations = (comp.equalities + comp.orders) if comp is not None else []
    n_eq = len(comp.equalities) if comp is not None else 0
    starts, index, coefs = [0], [], []
    row_lower, row_upper = [], []
    for r, terms in enumerate(relations):
        bound = 0.0
        for q, c in terms.items():
            if system.published[q]:
                bound -= c * system.values[q]
            else:
                index.append(pos[q])
                coefs.append(c)
        starts.append(len(index))
        row_lower.append(bound if r < n_eq else -highspy.kHighsInf)
        row_upper.append(bound)
    cost = np.zeros(k)
    for q, coef in objective.items():
        if not system.published[q]:
            cost[pos[q]] += coef
    lp = highspy.HighsLp()
    lp.num_col_ = k
    lp.num_row_ = len(relations)
    lp.col_cost_ = cost
    lp.col_lower_ = np.array([min(1.0, system.values[q]) for q in variables])
    lp.col_upper_ = np.full(k, highspy.kHighsInf)
    lp.row_lower_ = np.array(row_lower)
    lp.row_upper_ = np.array(row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(coefs, dtype=float)
    out = []
    for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
        value = _optimum(lp, sense, integer=False)
        if math.isfinite(value) and abs(value - round(value)) > 1e-6:
            value = _optimum(lp, sense, integer=True)
        out.append(value)
    return out[0] + constant, out[1] + constant


def _optimum(lp, sense, integer: bool) -> float:
    """The optimum of `lp` in direction `sense` (-inf/inf when unbounded); raises RuntimeError when the
    programme has no solution, which cannot happen for true counts."""
    solver = _solver()
    solver.clearModel()
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * lp.num_col_
    else:
        lp.integrality_ = []
    solver.passModel(lp)
    solver.changeObjectiveSense(sense)
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(solver.getInfo().objective_function_value)
    if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        # the true counts are a feasible point, so "unbounded or infeasible" is unbounded
        return math.inf if sense == highspy.ObjSense.kMaximize else -math.inf
    raise RuntimeError(f"the audit's linear programme failed ({solver.modelStatusToString(status)}); "
                       "the true counts must satisfy it")


_SOLVERS = threading.local()


def _solver():
    """One quiet HiGHS instance per thread, reused for every programme (creating one costs more than solving
    the small programmes the audit makes)."""
    solver = getattr(_SOLVERS, "highs", None)
    if solver is None:
        solver = highspy.Highs()
        solver.setOptionValue("output_flag", False)
        _SOLVERS.highs = solver
    return solver


def feasible_range(system: System, target: Target) -> tuple[float, float]:
    """[low, high] of a target over everything the reader knows (high may be infinite), solved over the target's
    own component (component_of) and cached by it."""
    terms = dict(target.terms)
    free = [q for q in terms if not system.published[q]]
    comp = component_of(system, free) if free else None
    key = (target.terms, tuple(sorted(comp.variables)) if comp is not None else ())
    found = system.ranges.get(key)
    if found is None:
        quick = _without_equalities(system, comp, terms)
        low, high = quick if quick is not None else _solve(system, comp, terms)
        found = (round(low, 6), (round(high, 6) if math.isfinite(high) else math.inf))
        system.ranges[key] = found
    return found


def _without_equalities(system: System, comp: _Component | None, terms: dict[int, float]) -> tuple[float, float] | None:
    """The range of one withheld quantity linked by no equality and only by `numerator <= denominator` to
    published counts, without a solver (None when the component needs one)."""
    if comp is None or comp.equalities or len(terms) != 1:
        return None
    (q, coef), = terms.items()
    if coef != 1.0 or system.published[q]:
        return None
    low, high = min(1.0, system.values[q]), math.inf
    for order in comp.orders:
        if q not in order:
            continue
        others = [p for p in order if p != q]
        if len(others) != 1 or not system.published[others[0]] or abs(order[q]) != 1.0 or abs(order[others[0]]) != 1.0:
            return None  # a nested count or a withheld partner: the solver decides
        other = others[0]
        if order[q] == order[other]:
            return None
        if order[q] > 0:  # q is the numerator: at most the denominator
            high = min(high, system.values[other])
        else:  # q is the denominator: at least the numerator
            low = max(low, system.values[other])
    return low, high


def audit_rows(rows: pd.DataFrame, threshold: int, width: int, groups: dict[str, list[str]] | None = None,
               every_withheld: bool = False) -> pd.DataFrame:
    """The reader's audit of one unit's published rows (see the module doc); one finding per withheld quantity,
    small complement and small published count.

    rows: KEY_COLUMNS, numerator, denominator (true counts), suppressed, optional `source` (where the row is
    published). Returns a DataFrame with FINDING_COLUMNS: the row that names the quantity, `column`
    (numerator, denominator or complement), `places` (how many published cells show the quantity), the feasible
    range low..high (high = inf when unbounded), its width, `exposed` and the reason. True counts are not in the
    findings.
    """
    system = build_system(rows, groups)
    return findings(system, threshold, width, targets(system, threshold, every_withheld))


def findings(system: System, threshold: int, width: int, audited: list[Target] | None = None) -> pd.DataFrame:
    """The audit's findings for `audited` targets (default: all, see `targets`)."""
    out = []
    columns = {k: system.rows[k].to_numpy() for k in KEY_COLUMNS}
    source = system.rows["source"].astype(str).to_numpy() if "source" in system.rows.columns else None
    for target in (targets(system, threshold) if audited is None else audited):
        published = all(system.published[q] for q, _ in target.terms)
        if published and target.column != "complement":
            low = high = target.value
            reason = f"published count below the threshold {threshold}"
        else:
            low, high = feasible_range(system, target)
            span = high - low
            reason = ("determined exactly" if span < 0.5 else
                      f"range {span:g} is narrower than the protection width {width}" if span < width else "")
        span = high - low
        out.append({**{k: columns[k][target.row] for k in KEY_COLUMNS}, "column": target.column,
                    "places": sum(len(system.cells[q]) for q, _ in target.terms), "low": low, "high": high,
                    "width": span, "exposed": bool(reason), "reason": reason,
                    "source": source[target.row] if source is not None else ""})
    return pd.DataFrame(out, columns=FINDING_COLUMNS)


def exposed(found: pd.DataFrame) -> pd.DataFrame:
    """The exposed findings only."""
    return found[found["exposed"]].reset_index(drop=True)


def describe(found: pd.DataFrame, limit: int = 5) -> str:
    """One line naming the exposed cells (up to `limit`), for failure messages; '' when none is exposed."""
    bad = exposed(found)
    if bad.empty:
        return ""
    parts = [f"{r.indicator_id} {r.breakdown} / {r.category} ({r.basis}; {r.column}): {r.reason}"
             for r in bad.head(limit).itertuples()]
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return f"{len(bad)} withheld count(s) can be worked out from what is published: " + "; ".join(parts) + more


def crosstab_rows(full: pd.DataFrame, suppressed: pd.DataFrame, total_label: str = "Total") -> pd.DataFrame:
    """A cross-tabulation with margins (as analysis.disclosure.rules.protect_crosstab makes it) as audit rows:
    one group of count rows per line (row or column), holding its cells and, when published, its total (so the
    audit knows that the line sums to it), and one group of the line totals with the grand total. Each table cell
    is one category (its row and column labels), so a cell shown in two lines is one count; column `cell` holds
    the (row, column) labels. Shapes: full and suppressed are frames of the same shape, totals labelled
    `total_label`."""
    rows = []

    def add(breakdown, r, c):
        # the row lines and the column lines as two "indicators": a cell's count in a row line and in a column
        # line is then one quantity whatever its size (the same category in another indicator is the same count)
        view = "crosstab rows" if breakdown.startswith("row ") else "crosstab columns" if breakdown.startswith("column ") else "crosstab"
        rows.append({"force_code": "table", "indicator_id": view, "breakdown": breakdown,
                     "category": f"{r} | {c}", "basis": "", "numerator": float(full.loc[r, c]), "denominator": np.nan,
                     "suppressed": bool(suppressed.loc[r, c]), "cell": (r, c)})

    for r in full.index:
        for c in full.columns:
            if total_label in full.columns and (r != total_label or c != total_label):
                add(f"row {r}", r, c)  # the line's cells and its total
            if total_label in full.index:
                add(f"column {c}", r, c)
            if total_label not in full.index and total_label not in full.columns:
                add("cells", r, c)  # no totals: no relation
    return pd.DataFrame(rows)


__all__: Sequence[str] = ["crosstab_rows", "System", "Target", "build_system", "targets", "component_of", "feasible_range", "audit_rows",
                          "findings", "exposed", "describe", "FINDING_COLUMNS", "KEY_COLUMNS"]
