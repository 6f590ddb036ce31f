"""Statistical disclosure control for every published table (DESIGN.md section 5).

Rules (threshold, rounding base and model df from params/pipeline.yaml `disclosure`, see analysis.settings):
- primary suppression: a count from 1 to threshold-1 is withheld and shown as "[c]" (zero is published);
- secondary suppression: further cells are withheld so that no withheld cell can be recovered from the published
  cells and totals;
- shares, rates and intervals derived from a withheld count are withheld with it;
- optional rounding of published counts to a base (after suppression, from the true counts);
- a model is published only when its residual degrees of freedom reach `min_model_df`;
- audit functions list every violation in a table that is about to be published.

Two kinds of table are handled:
1. Results tables (analysis.results: one row per estimate). `flag_results` sets the row's `suppressed` flag and
   keeps the numbers (the national analysis needs the true counts); `suppress_results` also blanks the withheld
   numbers and rounds, giving the publishable table. Rows sharing the `groups` key (by default force, indicator,
   breakdown and basis: the categories of one breakdown) are treated as parts of a total that may be published
   elsewhere, so a group never has exactly one withheld row: if primary suppression leaves one, the smallest other
   count in the group is withheld too (conservative: it assumes the total is known even when it is not shown).
2. Cross-tabulations with margins (`protect_crosstab`). The table and its totals form a system of linear equations
   (each row and column sums to its total). Model it as a graph whose nodes are the rows and columns with a
   published total (lines without a total merge into one free node) and whose edges are the cells: a withheld cell
   is uniquely determined by the published cells and totals exactly when it is a bridge of the graph of withheld
   cells (it lies on no cycle of withheld cells; a cycle is a direction in which the withheld values can move
   while every total stays the same). Secondary suppression therefore adds, for each bridge, the cheapest path of
   published non-zero cells that closes a cycle through it (cost: the cell's count, margins penalised), until no
   bridge is left (Cox 1980, "Suppression methodology and statistical disclosure control", JASA 75:377-385;
   the network-flow view of Castro 2006). Because every withheld cell is non-zero and lies on a cycle, each can
   move by at least one in either direction with all counts non-negative: none is recoverable even when the
   attacker uses non-negativity. (Stronger attacker models, e.g. knowing that primary cells lie in 1..9, can
   narrow the ranges further; audit_crosstab checks the linear rule.)
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.results import PER_UNIT_COLUMNS
from analysis.settings import disclosure_settings

SUPPRESSED_SYMBOL = "[c]"
COUNT_COLUMNS = ("numerator", "denominator")
DERIVED_COLUMNS = ("value", "lower", "upper")
DEFAULT_GROUPS = ("force_code", "indicator_id", "breakdown", "basis")
VIOLATION_COLUMNS = ["row", "column", "rule", "detail"]


# --- settings -------------------------------------------------------------------------------------------------
def _settings(threshold, round_counts=None, rounding_base=None, min_model_df=None, *, protection_width=None,
              need: tuple[str, ...] = ("threshold", "round_counts", "rounding_base")) -> dict:
    """Arguments, with params/pipeline.yaml supplying those left as None among the `need`ed keys."""
    given = {"threshold": threshold, "round_counts": round_counts, "rounding_base": rounding_base,
             "min_model_df": min_model_df}
    s = disclosure_settings() if any(given[k] is None for k in need) or protection_width is None else {}
    out = {k: (s[k] if given[k] is None and k in need else given[k]) for k in given}
    out["protection_width"] = int(protection_width if protection_width is not None else s["protection_width"])
    if "threshold" in need:
        out["threshold"] = int(out["threshold"])
        if out["threshold"] < 1:
            raise ValueError(f"threshold must be at least 1, got {out['threshold']}")
    if "round_counts" in need and out["round_counts"]:
        out["rounding_base"] = int(out["rounding_base"])
        if out["rounding_base"] < 1 or out["threshold"] % out["rounding_base"]:
            raise ValueError(f"rounding_base ({out['rounding_base']}) must divide the threshold "
                             f"({out['threshold']}) so that rounding cannot turn a publishable count into one "
                             "below the threshold")
    return out


def is_small(values, threshold: int) -> np.ndarray:
    """True where a count lies in 1..threshold-1 (missing values are not small)."""
    arr = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return (arr > 0) & (arr < threshold)


def round_to_base(values, base: int) -> np.ndarray:
    """Round counts to the nearest multiple of `base`, halves upwards (e.g. 12 -> 10, 13 -> 15 for base 5);
    missing values stay missing."""
    arr = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    return np.floor(arr / base + 0.5) * base


# --- results tables -------------------------------------------------------------------------------------------
def _mask(exempt, n: int) -> np.ndarray:
    if exempt is None:
        return np.zeros(n, dtype=bool)
    arr = np.asarray(pd.Series(exempt).fillna(False), dtype=bool)
    if arr.shape != (n,):
        raise ValueError(f"exempt must have one entry per row ({n}), got {arr.shape}")
    return arr


def _check_columns(table: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"table is missing columns {missing}")


def _group_codes(table: pd.DataFrame, groups: Sequence[str]) -> np.ndarray | None:
    """Integer code of each row's group (rows sharing every `groups` column present), None without groups."""
    keys = [g for g in groups if g in table.columns]
    if not keys or table.empty:
        return None
    return pd.factorize(pd.util.hash_pandas_object(table[keys], index=False))[0]


def _lonely_groups(codes: np.ndarray, eligible: np.ndarray, withheld: np.ndarray) -> np.ndarray:
    """Per group code: True when the group has exactly one withheld eligible row."""
    size = codes.max() + 1
    return np.bincount(codes[eligible & withheld], minlength=size) == 1


def _additive_groups(codes: np.ndarray, numerator: np.ndarray, denominator: np.ndarray | None) -> np.ndarray:
    """Per group code: True when the group's rows are parts of a whole a reader can subtract from: their
    numerators add up to their one shared denominator, or (counts without a denominator) one row is the sum of
    the others. Rows that are not parts of a whole (the completeness of separate fields, readings at set days,
    model coefficients) cannot give a lone withheld row away, so they need no secondary suppression here (the
    reader's audit, analysis.disclosure.audit, checks every relation they do have)."""
    size = codes.max() + 1
    out = np.zeros(size, dtype=bool)
    for g in range(size):
        member = codes == g
        num = numerator[member]
        if np.isnan(num).any() or member.sum() < 2:
            continue
        den = denominator[member] if denominator is not None else np.full(member.sum(), np.nan)
        if np.isnan(den).all():
            out[g] = abs(2 * num.max() - num.sum()) < 0.5
        elif not np.isnan(den).any() and np.unique(den).size == 1:
            out[g] = abs(num.sum() - den[0]) < 0.5
    return out


def flag_results(results: pd.DataFrame, threshold: int | None = None, groups: Sequence[str] = DEFAULT_GROUPS,
                 count_columns: Sequence[str] = COUNT_COLUMNS, exempt=None) -> pd.DataFrame:
    """Set `suppressed` on every row whose numbers must be withheld; the numbers themselves are kept.

    A row is withheld when any of its counts (count_columns) lies in 1..threshold-1 (primary), when it was
    already flagged (e.g. by gate_model_rows), or to protect a group of parts of a whole (numerators adding up to
    their shared denominator, or counts with their total row) with exactly one withheld row (secondary: the
    group's smallest other published numerator, non-zero preferred). `exempt` marks rows whose counts are
    not counts of people or cases (e.g. numbers of forces); they are neither withheld nor used for protection.
    """
    _check_columns(results, count_columns)
    cfg = _settings(threshold, need=("threshold",))
    out = results.copy()
    n = len(out)
    skip = _mask(exempt, n)
    flagged = (out["suppressed"].fillna(False).to_numpy(dtype=bool) if "suppressed" in out.columns
               else np.zeros(n, dtype=bool))
    primary = np.zeros(n, dtype=bool)
    for col in count_columns:
        primary |= is_small(out[col], cfg["threshold"])
    suppressed = (flagged | primary) & ~skip
    numerator = pd.Series(out[count_columns[0]]).to_numpy(dtype=float, na_value=np.nan)
    codes = _group_codes(out, groups)
    if codes is not None:
        eligible = ~skip
        denominator = (pd.Series(out[count_columns[1]]).to_numpy(dtype=float, na_value=np.nan)
                       if len(count_columns) > 1 else None)
        lonely = _lonely_groups(codes, eligible, suppressed) & _additive_groups(codes, numerator, denominator)
        candidates = np.flatnonzero(eligible & ~suppressed & ~np.isnan(numerator) & lonely[codes])
        if candidates.size:
            # per group: the smallest non-zero numerator, else the smallest (a zero)
            order = np.lexsort((numerator[candidates], numerator[candidates] == 0, codes[candidates]))
            ranked = candidates[order]
            _, first = np.unique(codes[ranked], return_index=True)
            suppressed[ranked[first]] = True
    out["suppressed"] = suppressed | flagged
    return out


def suppress_results(results: pd.DataFrame, threshold: int | None = None, round_counts: bool | None = None,
                     rounding_base: int | None = None, groups: Sequence[str] = DEFAULT_GROUPS,
                     count_columns: Sequence[str] = COUNT_COLUMNS, derived_columns: Sequence[str] = DERIVED_COLUMNS,
                     exempt=None) -> pd.DataFrame:
    """The publishable form of a results table: flag_results, then blank (missing) the counts, the derived
    value and interval and the note of every withheld row, and round published counts to the base when asked.

    Rounded counts are rounded from the true counts after suppression; shares and rates keep the values
    computed from the true counts. Display "[c]" for the blanks with display_table().
    """
    cfg = _settings(threshold, round_counts, rounding_base)
    _check_columns(results, [*count_columns, *derived_columns])
    out = flag_results(results, cfg["threshold"], groups, count_columns, exempt)
    withheld = out["suppressed"].to_numpy(dtype=bool)
    # A withheld row's z-score, q-value and control limits go with it (z and the denominator give the count).
    per_row = [c for c in PER_UNIT_COLUMNS if c in out.columns and c not in derived_columns]
    for col in (*count_columns, *derived_columns, *per_row):
        out[col] = out[col].mask(withheld)
    if "note" in out.columns:
        # a note may name a count or give the figure's position ("below the 99.8% limit, q = ..."): it goes too
        out["note"] = out["note"].where(~withheld, "")
    if cfg["round_counts"]:
        skip = _mask(exempt, len(out))
        for col in count_columns:
            rounded = pd.Series(round_to_base(out[col], cfg["rounding_base"]), index=out.index)
            out[col] = out[col].where(skip, rounded.astype(out[col].dtype) if str(out[col].dtype) != "object"
                                      else rounded)
    return out


def display_table(table: pd.DataFrame, columns: Sequence[str] = (*COUNT_COLUMNS, *DERIVED_COLUMNS),
                  flag: str = "suppressed") -> pd.DataFrame:
    """A copy for display in which the listed columns of withheld rows read "[c]" (object columns)."""
    out = table.copy()
    withheld = out[flag].fillna(False).to_numpy(dtype=bool)
    for col in columns:
        if col in out.columns:
            values = out[col].astype(object)
            values[withheld] = SUPPRESSED_SYMBOL
            out[col] = values
    return out


# --- models -----------------------------------------------------------------------------------------------------
def gate_factor_cells(rows: pd.DataFrame, design: pd.DataFrame, outcome, threshold: int | None = None) -> pd.DataFrame:
    """Flag as suppressed each coefficient row (one per column of `design`, in order) whose factor-by-outcome
    table has a cell from 1 to threshold-1: records with the factor that had the event and that did not, and
    the same in its reference group (records with none of the factor's levels: the columns whose labels share
    its "(vs ...)" reference, taken from the rows' categories).

    Why: a binary coefficient's interval gives its variance, about 1/a + 1/b + 1/c + 1/d for an odds ratio and
    1/d1 + 1/d0 for a hazard ratio, and with the published group sizes a reader solves it for a small cell (an
    attacker recovered 4 charged offences of victims who withdrew support from a hazard ratio's limits).
    Shapes: rows has len(design.columns) rows; outcome is one 0/1 value per design row. Pass the result through
    suppress_results (or display_table) to withhold the numbers."""
    limit = _settings(threshold, need=("threshold",))["threshold"]
    out = rows.copy()
    y = np.asarray(outcome, dtype=bool)
    x = design.to_numpy(dtype=float) > 0
    labels = [str(c) for c in out["category"]]
    reference = [label.split("(vs", 1)[1] if "(vs" in label else label for label in labels]
    flags = out["suppressed"].fillna(False).to_numpy(dtype=bool).copy() if "suppressed" in out.columns \
        else np.zeros(len(out), dtype=bool)
    for j in range(x.shape[1]):
        siblings = [k for k in range(x.shape[1]) if reference[k] == reference[j]]
        in_reference = ~x[:, siblings].any(axis=1)
        cells = [int((x[:, j] & y).sum()), int((x[:, j] & ~y).sum()), int((in_reference & y).sum()),
                 int((in_reference & ~y).sum())]
        if any(0 < c < limit for c in cells):
            flags[j] = True
    out["suppressed"] = flags
    return out



def model_publishable(df_resid: float, min_df: float | None = None) -> bool:
    """A model table may be published only when its residual degrees of freedom reach min_model_df (default from
    params): fewer would let a table of coefficients describe very few people."""
    limit = _settings(None, min_model_df=min_df, need=("min_model_df",))["min_model_df"]
    return bool(np.isfinite(df_resid) and df_resid >= limit)


def gate_model_rows(rows: pd.DataFrame, df_resid: float, min_df: float | None = None) -> pd.DataFrame:
    """Flag every row of a model's table as suppressed when the model is not publishable (see model_publishable);
    pass the result through suppress_results (or display_table) to withhold the numbers."""
    out = rows.copy()
    current = (out["suppressed"].fillna(False).to_numpy(dtype=bool) if "suppressed" in out.columns
               else np.zeros(len(out), dtype=bool))
    out["suppressed"] = current | (not model_publishable(df_resid, min_df))
    return out


# --- cross-tabulations ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProtectedTable:
    """A cross-tabulation after disclosure control.

    counts: the true counts with margins (rows and columns labelled total_label); suppressed / primary: boolean
    frames of the same shape; published: object frame with "[c]" for withheld cells and the (rounded, when asked)
    counts elsewhere; threshold; rounding_base (None when not rounded); method.
    """

    counts: pd.DataFrame
    suppressed: pd.DataFrame
    primary: pd.DataFrame
    published: pd.DataFrame
    threshold: int
    rounding_base: int | None
    method: str


@dataclass(frozen=True)
class _Graph:
    """Cells as edges between line nodes: rows 0..R-1, columns R..R+C-1, and one free node for lines without a
    published total."""

    n_nodes: int
    ends: list[tuple[int, int]]


def _graph(n_rows: int, n_cols: int, row_has_total: bool, col_has_total: bool) -> _Graph:
    free = n_rows + n_cols
    ends = []
    for i, j in itertools.product(range(n_rows), range(n_cols)):
        u = i if row_has_total else free
        v = n_rows + j if col_has_total else free
        ends.append((u, v))
    return _Graph(free + 1, ends)


def _bridges(n_nodes: int, ends: list[tuple[int, int]], edges: Sequence[int]) -> set[int]:
    """Bridges among the given edges of a multigraph (Tarjan 1974, iterative depth-first search)."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for k in edges:
        u, v = ends[k]
        if u != v:  # a self-loop (cell with no equation at either end) is never determined
            adj[u].append((v, k))
            adj[v].append((u, k))
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    found: set[int] = set()
    timer = 0
    for start in range(n_nodes):
        if disc[start] != -1 or not adj[start]:
            continue
        disc[start] = low[start] = timer
        timer += 1
        stack = [(start, -1, iter(adj[start]))]
        while stack:
            u, parent_edge, it = stack[-1]
            for v, k in it:
                if k == parent_edge:
                    continue
                if disc[v] == -1:
                    disc[v] = low[v] = timer
                    timer += 1
                    stack.append((v, k, iter(adj[v])))
                    break
                low[u] = min(low[u], disc[v])
            else:
                stack.pop()
                if stack:
                    p = stack[-1][0]
                    low[p] = min(low[p], low[u])
                    if low[u] > disc[p]:
                        found.add(parent_edge)
    return found


def _cheapest_cycle_path(graph: _Graph, bridge: int, cost: np.ndarray) -> list[int]:
    """Edges of the cheapest path between the bridge's ends avoiding the bridge (Dijkstra)."""
    start, goal = graph.ends[bridge]
    adj: list[list[tuple[int, int]]] = [[] for _ in range(graph.n_nodes)]
    for k, (u, v) in enumerate(graph.ends):
        if k != bridge and np.isfinite(cost[k]) and u != v:
            adj[u].append((v, k))
            adj[v].append((u, k))
    best = {start: 0.0}
    via: dict[int, tuple[int, int]] = {}
    heap = [(0.0, start)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == goal:
            break
        if d > best.get(u, np.inf):
            continue
        for v, k in adj[u]:
            nd = d + cost[k]
            if nd < best.get(v, np.inf):
                best[v] = nd
                via[v] = (u, k)
                heapq.heappush(heap, (nd, v))
    if goal not in best:
        raise RuntimeError("no published cells can protect a withheld cell; the table cannot be protected")
    path, node = [], goal
    while node != start:
        node, k = via[node]
        path.append(k)
    return path


def _secondary(values: np.ndarray, primary: np.ndarray, graph: _Graph, is_margin: np.ndarray) -> np.ndarray:
    suppressed = primary.copy()
    penalty = values.sum() + 1.0
    while True:
        found = _bridges(graph.n_nodes, graph.ends, np.flatnonzero(suppressed))
        if not found:
            return suppressed
        bridge = min(found)
        cost = np.where(suppressed, 0.0, np.where(values > 0, values + penalty * is_margin, np.inf))
        suppressed[_cheapest_cycle_path(graph, bridge, cost)] = True


def _with_margins(counts: pd.DataFrame, row_totals: bool, column_totals: bool, label: str) -> pd.DataFrame:
    full = counts.copy()
    if row_totals:
        full[label] = counts.sum(axis=1)
    if column_totals:
        full.loc[label] = full.sum(axis=0)
    return full


def _audited(full: pd.DataFrame, suppressed: np.ndarray, total_label: str, cfg: dict) -> np.ndarray:
    """The suppression pattern extended until the reader's audit (analysis.disclosure.audit, with published
    zeros and withheld cells at least 1) leaves every withheld cell protected."""
    from analysis.disclosure.audit import crosstab_rows
    from analysis.disclosure.protect import protect_rows

    frame = pd.DataFrame(suppressed, index=full.index, columns=full.columns)
    rows = crosstab_rows(full, frame, total_label)
    # a cross-tabulation promises more than a page: no withheld cell can be worked out, whatever its size
    done = protect_rows(rows, cfg["threshold"], cfg["protection_width"], every_withheld=True).rows
    out = frame.copy()
    for (r, c), withheld in zip(done["cell"], done["suppressed"], strict=True):
        out.loc[r, c] = bool(out.loc[r, c]) or bool(withheld)
    return out.to_numpy(dtype=bool)


def protect_crosstab(counts: pd.DataFrame, threshold: int | None = None, row_totals: bool = True,
                     column_totals: bool = True, round_counts: bool | None = None, rounding_base: int | None = None,
                     total_label: str = "Total", protection_width: int | None = None) -> ProtectedTable:
    """Primary and secondary suppression (and optional rounding) of a cross-tabulation of counts.

    counts: the interior cells (non-negative whole numbers, no totals); row_totals / column_totals: whether each
    row / column total is published (both by default; a one-way table is one row with row_totals only). The
    totals are computed here and protected with the cells (see the module doc for the method), and the pattern
    is then extended until the reader's audit (analysis.disclosure.audit: linear programming, published zeros,
    withheld cells at least 1) leaves every withheld cell a range at least `protection_width` wide (default
    params/pipeline.yaml).
    """
    cfg = _settings(threshold, round_counts, rounding_base, protection_width=protection_width)
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        raise ValueError("counts must be a non-empty DataFrame of interior cells")
    raw = counts.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(raw).any() or (raw < 0).any() or (raw != np.round(raw)).any():
        raise ValueError("counts must be non-negative whole numbers with no missing cells")
    if total_label in counts.index or total_label in counts.columns:
        raise ValueError(f"counts already has a {total_label!r} row or column: pass the interior cells only")
    full = _with_margins(counts.astype("int64"), row_totals, column_totals, total_label)
    n_rows, n_cols = full.shape
    graph = _graph(n_rows, n_cols, row_totals, column_totals)
    values = full.to_numpy(dtype=float).ravel()
    primary = is_small(values, cfg["threshold"])
    margin = np.zeros((n_rows, n_cols), dtype=bool)
    if row_totals:
        margin[:, -1] = True
    if column_totals:
        margin[-1, :] = True
    suppressed = _secondary(values, primary, graph, margin.ravel())
    shape = (n_rows, n_cols)
    suppressed = _audited(full, suppressed.reshape(shape), total_label, cfg).ravel()
    published_values = round_to_base(values, cfg["rounding_base"]) if cfg["round_counts"] else values
    cells = np.where(suppressed, SUPPRESSED_SYMBOL, published_values.astype("int64").astype(object)).astype(object)
    published = pd.DataFrame(cells.reshape(shape), index=full.index, columns=full.columns, dtype=object)
    method = (f"primary suppression of counts 1-{cfg['threshold'] - 1}, secondary suppression so that no withheld "
              "cell is a bridge of the withheld-cell graph (unrecoverable from totals), then until the reader's "
              f"audit leaves every withheld cell a range at least {cfg['protection_width']} wide")
    if cfg["round_counts"]:
        method += f", published counts rounded to base {cfg['rounding_base']}"
    return ProtectedTable(full, pd.DataFrame(suppressed.reshape(shape), index=full.index, columns=full.columns),
                          pd.DataFrame(primary.reshape(shape), index=full.index, columns=full.columns), published,
                          cfg["threshold"], cfg["rounding_base"] if cfg["round_counts"] else None, method)


# --- audits -----------------------------------------------------------------------------------------------------
def _violations(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
    for col in ("column", "rule", "detail"):
        frame[col] = frame[col].astype("str")
    return frame


def audit_crosstab(published: pd.DataFrame, threshold: int | None = None, total_label: str = "Total",
                   round_counts: bool | None = None, rounding_base: int | None = None) -> pd.DataFrame:
    """List every disclosure violation in a published cross-tabulation ("[c]" marks withheld cells; rows and
    columns labelled total_label are the published totals).

    Rules: "primary" (a published count in 1..threshold-1), "recoverable" (a withheld cell uniquely determined by
    the published cells and totals), "rounding" (a published count not a multiple of the base when rounding is
    on). Returns a DataFrame with columns row, column, rule, detail (empty when the table is safe).
    """
    cfg = _settings(threshold, round_counts, rounding_base)
    rows_total = total_label in published.columns
    cols_total = total_label in published.index
    table = published
    if rows_total:
        table = table[[c for c in table.columns if c != total_label] + [total_label]]
    if cols_total:
        table = table.loc[[r for r in table.index if r != total_label] + [total_label]]
    cells = table.to_numpy(dtype=object)
    withheld = np.vectorize(lambda v: isinstance(v, str) and v == SUPPRESSED_SYMBOL)(cells)
    found = []
    for (i, j), value in np.ndenumerate(cells):
        if withheld[i, j]:
            continue
        number = float(value)
        if 0 < number < cfg["threshold"]:
            found.append({"row": table.index[i], "column": str(table.columns[j]), "rule": "primary",
                          "detail": f"published count {value} is below the threshold {cfg['threshold']}"})
        if cfg["round_counts"] and number % cfg["rounding_base"]:
            found.append({"row": table.index[i], "column": str(table.columns[j]), "rule": "rounding",
                          "detail": f"published count {value} is not a multiple of {cfg['rounding_base']}"})
    graph = _graph(table.shape[0], table.shape[1], rows_total, cols_total)
    for k in sorted(_bridges(graph.n_nodes, graph.ends, np.flatnonzero(withheld.ravel()))):
        i, j = divmod(k, table.shape[1])
        found.append({"row": table.index[i], "column": str(table.columns[j]), "rule": "recoverable",
                      "detail": "the withheld cell can be recovered from the published cells and totals"})
    return _violations(found)


def audit_results(published: pd.DataFrame, threshold: int | None = None, groups: Sequence[str] = DEFAULT_GROUPS,
                  count_columns: Sequence[str] = COUNT_COLUMNS, derived_columns: Sequence[str] = DERIVED_COLUMNS,
                  exempt=None, round_counts: bool | None = None, rounding_base: int | None = None) -> pd.DataFrame:
    """List every disclosure violation in a results table about to be published (the output of
    suppress_results, or any table in that form).

    Rules: "primary" (a published count in 1..threshold-1), "withheld value shown" (a row flagged suppressed that
    still shows a count, value or limit), "recoverable" (a group with exactly one withheld row, whose count follows
    from the group total), "rounding" (a published count not a multiple of the base when rounding is on).
    Returns a DataFrame with columns row (index label), column, rule, detail.
    """
    _check_columns(published, [*count_columns, *derived_columns, "suppressed"])
    cfg = _settings(threshold, round_counts, rounding_base)
    skip = _mask(exempt, len(published))
    withheld = published["suppressed"].fillna(False).to_numpy(dtype=bool)
    found = []
    labels = published.index
    for col in count_columns:
        values = pd.Series(published[col]).to_numpy(dtype=float, na_value=np.nan)
        small = is_small(values, cfg["threshold"]) & ~withheld & ~skip
        for i in np.flatnonzero(small):
            found.append({"row": labels[i], "column": col, "rule": "primary",
                          "detail": f"published count {values[i]:g} is below the threshold {cfg['threshold']}"})
        if cfg["round_counts"]:
            with np.errstate(invalid="ignore"):
                off = ~np.isnan(values) & (np.mod(values, cfg["rounding_base"]) != 0) & ~withheld & ~skip
            for i in np.flatnonzero(off):
                found.append({"row": labels[i], "column": col, "rule": "rounding",
                              "detail": f"published count {values[i]:g} is not a multiple of {cfg['rounding_base']}"})
    for col in (*count_columns, *derived_columns):
        shown = published[col].notna().to_numpy() & withheld
        for i in np.flatnonzero(shown):
            found.append({"row": labels[i], "column": col, "rule": "withheld value shown",
                          "detail": "the row is suppressed but this column still shows a number"})
    codes = _group_codes(published, groups)
    if codes is not None:
        numerator = pd.Series(published[count_columns[0]]).to_numpy(dtype=float, na_value=np.nan)
        eligible = ~skip
        lonely = _lonely_groups(codes, eligible, withheld)
        shown = np.bincount(codes[eligible & ~withheld & ~np.isnan(numerator)], minlength=codes.max() + 1) > 0
        keys = [g for g in groups if g in published.columns]
        for i in np.flatnonzero(eligible & withheld & lonely[codes] & shown[codes]):
            where = {k: str(published[k].iloc[i]) for k in keys}
            found.append({"row": labels[i], "column": count_columns[0], "rule": "recoverable",
                          "detail": f"the only withheld row in group {where}"})
    return _violations(found)
