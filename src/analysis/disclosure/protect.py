"""Secondary suppression driven by the reader's audit (analysis.disclosure.audit).

`protect_rows` audits a unit's rows; while a withheld count (or a small complement) is exposed, it withholds
more: for each exposed count, among the published quantities that appear in a relation with it (the other
categories of its table, its total, the denominator or numerator it is the complement of), it tries the least
informative first (cost: the count times the number of rows that would be withheld, each headline row of the
key indicators counting HEADLINE_WEIGHT times (analysis.record_kinds), so small counts shown in few places go
first and a force's charge rate last; zeros are never withheld, as published zeros carry the rule that a withheld count is at
least 1), keeps the first that leaves the exposed count protected, or else the one that widens its range most;
a candidate that does not widen the range is never kept for that reason (it would withhold a number and
protect nothing). When no single candidate widens it (two cells must go together), the exposed count's own
quantity is withheld first (a side of a complement), so that the next round finds its partner; and it audits
again until nothing is exposed. This is the "audit, then add the cheapest complementary suppression"
loop of the hypercube and modular heuristics (Hundepool et al. 2012, section 4.4; Repsilber's hypercube method
in tau-Argus); it does not promise the minimum number of withheld cells, but it ends, because every round
withholds at least one more row, and its result always passes the audit that drives it.

Rows may be `frozen`: already published elsewhere (a force page, when the national page is protected) so they
cannot be withheld now; quantities shown in a frozen row are never chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.disclosure.audit import System, Target, build_system, component_of, feasible_range, findings, targets
from analysis.record_kinds import row_weight

#: How many candidates (cheapest first) are tried for one exposed count before the one that widens its range most
#: is taken.
TRIES = 40


@dataclass(frozen=True)
class Protection:
    """The result of protect_rows: the rows with `suppressed` updated, the final audit's findings, how many rows
    were withheld by the audit-driven step, and the rounds it took."""

    rows: pd.DataFrame
    findings: pd.DataFrame
    added: int
    rounds: int

    @property
    def passed(self) -> bool:
        return not bool(self.findings["exposed"].any())


def _republish(system: System, withheld_rows: np.ndarray) -> None:
    system.published = np.array([any(not withheld_rows[r] for r, _ in places) for places in system.cells])


def _rows_of(system: System, q: int) -> list[int]:
    return sorted({r for r, _ in system.cells[q]})


def _row_weights(system: System) -> np.ndarray:
    """Each row's cost of being withheld (analysis.record_kinds.row_weight: headline rows go last)."""
    found = getattr(system, "_row_weights", None)
    if found is None:
        rows = system.rows
        found = np.array([row_weight(*key) for key in zip(rows["indicator_id"].astype(str),
                                                          rows["breakdown"].astype(str), rows["category"].astype(str))])
        system._row_weights = found  # type: ignore[attr-defined]
    return found


def _candidates(system: System, target: Target, frozen: np.ndarray, withheld_rows: np.ndarray) -> list[int]:
    terms = dict(target.terms)
    related: set[int] = {q for q in terms if system.published[q]}
    free = [q for q in terms if not system.published[q]]
    if free:
        comp = component_of(system, free)
        for relation in comp.equalities + comp.orders:
            related.update(p for p in relation if system.published[p])
    if not free:
        # a published small count, or a complement of two published counts: the relations of its quantities
        for relation in system.equalities + system.orders:
            if any(q in relation for q in terms):
                related.update(p for p in relation if system.published[p])
    weights = _row_weights(system)
    out = []
    for q in related:
        if system.values[q] <= 0:
            continue
        rows = _rows_of(system, q)
        if any(frozen[r] and not withheld_rows[r] for r in rows):
            continue
        change = sum(weights[r] for r in rows if not withheld_rows[r])
        out.append((system.values[q] * max(change, 1.0), system.values[q], q))
    return [(cost, q) for cost, _, q in sorted(out)]


def protect_rows(rows: pd.DataFrame, threshold: int, width: int, frozen=None, max_rounds: int = 200,
                 audit_frozen: bool = True, groups: dict[str, list[str]] | None = None) -> Protection:
    """Withhold extra rows until the reader's audit finds no exposed count (see the module doc).

    rows: KEY_COLUMNS, numerator, denominator (true counts) and suppressed (the withholding so far); frozen: one
    bool per row, rows that must not change; audit_frozen False: audit only counts shown in a row that is not
    frozen (the frozen rows' own counts are audited elsewhere, e.g. with their own page); groups: the sums across
    units a reader knows (analysis.disclosure.audit.build_system). Returns a Protection whose `rows` is a copy of
    `rows` with `suppressed` updated (index kept) and whose `findings` is the final audit (exposed cells left
    only when no published quantity could protect them: `passed` is then False).
    """
    out = rows.copy()
    positions = rows.reset_index(drop=True)
    system = build_system(positions, groups)
    withheld_rows = positions["suppressed"].fillna(False).to_numpy(dtype=bool).copy()
    frozen_rows = (np.zeros(len(positions), dtype=bool) if frozen is None
                   else np.asarray(pd.Series(frozen).fillna(False), dtype=bool))
    start = withheld_rows.copy()
    rounds = 0
    def audited(found: list[Target]) -> list[Target]:
        if audit_frozen or frozen is None:
            return found
        return [t for t in found if any(not frozen_rows[r] for q, _ in t.terms for r, _ in system.cells[q])]

    for rounds in range(1, max_rounds + 1):
        _republish(system, withheld_rows)
        changed = False
        for target in audited(targets(system, threshold)):
            low, high = _range(system, target)
            if high - low >= width and not _published_small(system, target, threshold):
                continue
            current = high - low
            best, best_score, fallback = None, 0.0, None
            own = {q for q, _ in target.terms}
            for cost, q in _candidates(system, target, frozen_rows, withheld_rows)[:TRIES]:
                trial = withheld_rows.copy()
                trial[_rows_of(system, q)] = True
                saved = system.published
                _republish(system, trial)
                lo, hi = _range(system, target)
                system.published = saved
                span = hi - lo
                if fallback is None or (q in own and fallback not in own):
                    fallback = q
                # the widening (up to the width) for what it costs: a cheap partial step, then another, usually
                # withholds far less than one population shown in every table
                score = (min(span, width) - min(current, width)) / max(cost, 1.0)
                if score > best_score:
                    best, best_score = q, score
                if span >= width:
                    break  # candidates come cheapest first: no later one can score higher than this one
            if best is None:
                # no single candidate widens the range: withhold the count itself (the cheapest of its own
                # quantities, e.g. one side of a complement) so that the next round can find its complement;
                # failing that, the cheapest candidate
                best = fallback
            if best is None:
                continue
            withheld_rows[_rows_of(system, best)] = True
            _republish(system, withheld_rows)
            changed = True
        if not changed:
            break
    _republish(system, withheld_rows)
    out["suppressed"] = withheld_rows
    final = findings(system, threshold, width, audited(targets(system, threshold)))
    return Protection(out, final, int((withheld_rows & ~start).sum()), rounds)


def _published_small(system: System, target: Target, threshold: int) -> bool:
    return target.column != "complement" and all(system.published[q] for q, _ in target.terms) and 0 < target.value < threshold


def _range(system: System, target: Target) -> tuple[float, float]:
    if _published_small(system, target, 10 ** 9):
        return target.value, target.value
    low, high = feasible_range(system, target)
    return low, (high if math.isfinite(high) else math.inf)
