"""Disclosure control: primary and secondary suppression, derived values, rounding, model gate and audits.

Property-based tests (hypothesis) check, for random tables with margins, that after protection no published
count lies in 1..threshold-1 and no withheld cell can be recovered from the published cells and totals, by an
independent linear-algebra check and by linear programming with non-negative counts.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import optimize

from analysis.disclosure import (
    SUPPRESSED_SYMBOL,
    audit_crosstab,
    audit_results,
    display_table,
    flag_results,
    gate_model_rows,
    model_publishable,
    protect_crosstab,
    round_to_base,
    suppress_results,
)

# --- an independent model of a table with margins, used to attack the protected tables ----------------------


def constraint_matrix(n_rows: int, n_cols: int, row_totals: bool, column_totals: bool) -> np.ndarray:
    """Equations A x = 0 over the cells of the full table (row-major, margins last): each row and column with a
    published total sums to it."""
    equations = []
    index = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    inner_r = n_rows - 1 if column_totals else n_rows
    inner_c = n_cols - 1 if row_totals else n_cols
    if row_totals:
        for i in range(n_rows):
            eq = np.zeros(n_rows * n_cols)
            eq[index[i, :inner_c]] = 1
            eq[index[i, -1]] = -1
            equations.append(eq)
    if column_totals:
        for j in range(n_cols):
            eq = np.zeros(n_rows * n_cols)
            eq[index[:inner_r, j]] = 1
            eq[index[-1, j]] = -1
            equations.append(eq)
    return np.array(equations) if equations else np.zeros((0, n_rows * n_cols))


def linearly_recoverable(a: np.ndarray, withheld: np.ndarray) -> list[int]:
    """Withheld cells whose value is fixed by the equations given every published value: e_k in the row space
    of A restricted to the withheld columns."""
    cols = np.flatnonzero(withheld)
    if a.shape[0] == 0 or cols.size == 0:
        return []
    sub = a[:, cols]
    base = np.linalg.matrix_rank(sub)
    found = []
    for pos, k in enumerate(cols):
        unit = np.zeros(cols.size)
        unit[pos] = 1
        if np.linalg.matrix_rank(np.vstack([sub, unit])) == base:
            found.append(int(k))
    return found


def feasible_ranges(a: np.ndarray, values: np.ndarray, withheld: np.ndarray) -> list[tuple[float, float]]:
    """Smallest and largest value of each withheld cell consistent with the published cells and totals and with
    non-negative counts (linear programming)."""
    cols = np.flatnonzero(withheld)
    known = ~withheld
    rhs = -a[:, known] @ values[known]
    ranges = []
    for pos in range(cols.size):
        c = np.zeros(cols.size)
        c[pos] = 1
        lo = optimize.linprog(c, A_eq=a[:, cols], b_eq=rhs, bounds=[(0, None)] * cols.size, method="highs")
        hi = optimize.linprog(-c, A_eq=a[:, cols], b_eq=rhs, bounds=[(0, None)] * cols.size, method="highs")
        ranges.append((lo.fun, np.inf if hi.status == 3 else -hi.fun))  # status 3: unbounded above
    return ranges


cell = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 80))


@st.composite
def tables(draw, max_side=5):
    r = draw(st.integers(1, max_side))
    c = draw(st.integers(1, max_side))
    values = draw(st.lists(st.lists(cell, min_size=c, max_size=c), min_size=r, max_size=r))
    return pd.DataFrame(values, index=[f"r{i}" for i in range(r)], columns=[f"c{j}" for j in range(c)])


def _withheld(p) -> np.ndarray:
    return p.suppressed.to_numpy().ravel()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.booleans(), st.booleans())
def test_property_no_small_published_count_and_nothing_recoverable(counts, row_totals, column_totals):
    p = protect_crosstab(counts, threshold=10, row_totals=row_totals, column_totals=column_totals,
                         round_counts=False)
    values = p.counts.to_numpy(dtype=float).ravel()
    withheld = _withheld(p)
    published = values[~withheld]
    assert not ((published > 0) & (published < 10)).any()
    assert (p.primary.to_numpy().ravel() <= withheld).all()
    assert (values[withheld] > 0).all()  # zeros are never withheld
    a = constraint_matrix(*p.counts.shape, row_totals, column_totals)
    assert linearly_recoverable(a, withheld) == []
    assert audit_crosstab(p.published, threshold=10, round_counts=False).empty
    cells = p.published.to_numpy().ravel()
    assert all((v == SUPPRESSED_SYMBOL) == w for v, w in zip(cells, withheld, strict=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_side=4))
def test_property_withheld_cells_keep_a_range_under_non_negativity(counts):
    p = protect_crosstab(counts, threshold=10, round_counts=False)
    values = p.counts.to_numpy(dtype=float).ravel()
    withheld = _withheld(p)
    a = constraint_matrix(*p.counts.shape, True, True)
    for (lo, hi), true in zip(feasible_ranges(a, values, withheld), values[withheld], strict=True):
        assert lo <= true - 1 + 1e-7 and hi >= true + 1 - 1e-7


@settings(max_examples=60, deadline=None)
@given(tables())
# found by Hypothesis: the column total 11 (a secondary suppression) was 45 - 0 - 25 - 10 once the audit
# protected only counts from 1 to 9; a cross-tabulation protects every withheld cell
@example(pd.DataFrame([[0, 0, 0, 0], [0, 12, 1, 1], [0, 12, 10, 11]], index=["r0", "r1", "r2"],
                      columns=["c0", "c1", "c2", "c3"]))
def test_property_rounding_keeps_the_rules(counts):
    p = protect_crosstab(counts, threshold=10, round_counts=True, rounding_base=5)
    shown = [v for v in p.published.to_numpy().ravel() if v != SUPPRESSED_SYMBOL]
    assert all(v % 5 == 0 for v in shown)
    assert not any(0 < v < 10 for v in shown)
    assert audit_crosstab(p.published, threshold=10, round_counts=True, rounding_base=5).empty


# --- cross-tab examples ----------------------------------------------------------------------------------------
def test_single_small_cell_gets_complementary_suppression():
    counts = pd.DataFrame([[3, 20, 15], [25, 40, 22], [30, 12, 18]], index=list("abc"), columns=list("XYZ"))
    p = protect_crosstab(counts, threshold=10, round_counts=False)
    assert p.primary.to_numpy().sum() == 1
    withheld = p.suppressed.to_numpy()
    assert withheld.sum() == 4  # the cheapest 2x2 rectangle through the small cell
    assert withheld[0, 0] and withheld.sum(axis=1)[0] == 2 and withheld.sum(axis=0)[0] == 2
    assert p.published.loc["Total", "Total"] == 185
    assert not withheld[:, -1].any() and not withheld[-1, :].any()  # margins stay published


def test_one_way_table_with_total():
    p = protect_crosstab(pd.DataFrame([[3, 20, 15, 0]], index=["count"], columns=list("ABCD")),
                         threshold=10, column_totals=False, round_counts=False)
    assert p.published.loc["count"].tolist() == [SUPPRESSED_SYMBOL, 20, SUPPRESSED_SYMBOL, 0, 38]


def test_without_margins_only_primary_suppression():
    p = protect_crosstab(pd.DataFrame([[3, 20], [25, 40]]), threshold=10, row_totals=False, column_totals=False,
                         round_counts=False)
    assert p.suppressed.to_numpy().sum() == 1


def test_small_margin_is_suppressed_and_protected():
    counts = pd.DataFrame([[2, 3], [40, 50]], index=["a", "b"], columns=["X", "Y"])
    p = protect_crosstab(counts, threshold=10, round_counts=False)
    assert p.published.loc["a", "Total"] == SUPPRESSED_SYMBOL
    assert audit_crosstab(p.published, threshold=10, round_counts=False).empty


def test_crosstab_input_checks():
    with pytest.raises(ValueError, match="counts must be non-negative whole numbers with no missing cells"):
        protect_crosstab(pd.DataFrame([[1.5, 2]]), threshold=10)
    with pytest.raises(ValueError, match="counts already has a 'Total' row or column"):
        protect_crosstab(pd.DataFrame({"a": [1], "Total": [1]}), threshold=10)
    with pytest.raises(ValueError, match=r"rounding_base \(3\) must divide the threshold \(10\)"):
        protect_crosstab(pd.DataFrame([[1, 2]]), threshold=10, round_counts=True, rounding_base=3)


def test_audit_crosstab_finds_each_kind_of_violation():
    published = pd.DataFrame({"X": [SUPPRESSED_SYMBOL, 25, 28], "Y": [20, 40, 60], "Total": [23, 65, 88]},
                             index=["a", "b", "Total"], dtype=object)
    found = audit_crosstab(published, threshold=10, round_counts=False)
    assert found[["row", "column", "rule"]].values.tolist() == [["a", "X", "recoverable"]]
    published.loc["a", "X"] = 3
    found = audit_crosstab(published, threshold=10, round_counts=True, rounding_base=5)
    assert ["a", "X", "primary"] in found[["row", "column", "rule"]].values.tolist()
    assert set(found["rule"]) == {"primary", "rounding"}


# --- results tables ----------------------------------------------------------------------------------------------
def results(numerators, denominator, **extra):
    n = len(numerators)
    num = np.asarray(numerators, dtype=float)
    frame = pd.DataFrame({
        "force_code": ["F01"] * n, "indicator_id": ["OC01"] * n, "domain": ["offenders"] * n,
        "breakdown": ["ethnic group"] * n, "category": [f"g{i}" for i in range(n)],
        "numerator": num, "denominator": float(denominator), "value": num / denominator,
        "lower": num / denominator / 2, "upper": np.minimum(1, num / denominator * 2), "method": "Wilson score",
        "basis": "recorded", "suppressed": False, "note": "",
    })
    for col in ("numerator", "denominator", "value", "lower", "upper"):
        frame[col] = frame[col].astype("Float64")
    return frame.assign(**extra)


def test_primary_secondary_and_derived_suppression_in_a_breakdown():
    table = results([3, 40, 25, 12, 0], 80)
    flagged = flag_results(table, threshold=10)
    assert flagged["suppressed"].tolist() == [True, False, False, True, False]
    assert flagged["numerator"].tolist() == table["numerator"].tolist()  # flagging keeps the true numbers
    published = suppress_results(table, threshold=10, round_counts=False)
    withheld = published[published["suppressed"]]
    assert withheld[["numerator", "denominator", "value", "lower", "upper"]].isna().all().all()
    assert published.loc[1, "value"] == 0.5 and published["numerator"].dtype == "Float64"
    assert audit_results(published, threshold=10, round_counts=False).empty
    shown = display_table(published)
    assert shown.loc[0, "value"] == SUPPRESSED_SYMBOL and shown.loc[1, "numerator"] == 40


def test_small_denominator_withholds_the_whole_breakdown():
    published = suppress_results(results([0, 4, 3], 7), threshold=10, round_counts=False)
    assert published["suppressed"].all()


def test_secondary_prefers_a_non_zero_count_and_groups_are_separate():
    a = results([5, 0, 30, 20], 55)
    b = results([15, 30], 45, breakdown="sex")
    flagged = flag_results(pd.concat([a, b], ignore_index=True), threshold=10)
    assert flagged["suppressed"].tolist() == [True, False, False, True, False, False]


def test_exempt_rows_are_neither_suppressed_nor_used():
    table = results([3, 40], 43)
    flagged = flag_results(table, threshold=10, exempt=[True, False])
    assert not flagged["suppressed"].any()


def test_rounding_results_counts():
    published = suppress_results(results([12, 43, 25], 80), threshold=10, round_counts=True, rounding_base=5)
    assert published["numerator"].tolist() == [10, 45, 25] and published["denominator"].tolist() == [80] * 3
    assert published["value"].iloc[0] == pytest.approx(12 / 80)  # rates keep the unrounded counts
    assert audit_results(published, threshold=10, round_counts=True, rounding_base=5).empty


def test_round_to_base_halves_up_and_keeps_missing():
    out = round_to_base([0, 2, 2.5, 12, 13, np.nan], 5)
    assert out[:5].tolist() == [0, 0, 5, 10, 15] and np.isnan(out[5])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(cell, min_size=1, max_size=6), min_size=1, max_size=4))
def test_property_results_tables(groups):
    parts = [results(g, max(sum(g), 1), breakdown=f"b{k}") for k, g in enumerate(groups)]
    table = pd.concat(parts, ignore_index=True)
    published = suppress_results(table, threshold=10, round_counts=False)
    shown = published.loc[~published["suppressed"], ["numerator", "denominator"]].to_numpy(dtype=float)
    assert not ((shown > 0) & (shown < 10)).any()
    for _, g in published.groupby("breakdown"):
        has_published = g.loc[~g["suppressed"], "numerator"].notna().any()
        assert g["suppressed"].sum() != 1 or not has_published
    assert audit_results(published, threshold=10, round_counts=False).empty


def test_audit_results_lists_violations():
    table = results([3, 40, 25], 68)
    found = audit_results(table, threshold=10, round_counts=False)
    assert found[["row", "column", "rule"]].values.tolist() == [[0, "numerator", "primary"]]
    only_one = table.assign(suppressed=[True, False, False])
    only_one.loc[0, ["numerator", "value", "lower", "upper"]] = pd.NA
    found = audit_results(only_one, threshold=10, round_counts=False)
    assert found["rule"].tolist() == ["withheld value shown", "recoverable"]
    assert found["column"].tolist() == ["denominator", "numerator"]


# --- models and settings -----------------------------------------------------------------------------------------
def test_model_gate_on_residual_df():
    assert model_publishable(10, min_df=10) and not model_publishable(9, min_df=10)
    assert model_publishable(10) and not model_publishable(float("nan"))
    rows = results([40, 30], 200).drop(columns="suppressed")
    gated = gate_model_rows(rows, df_resid=4)
    assert gated["suppressed"].all()
    published = suppress_results(gated, threshold=10, round_counts=False)
    assert published["value"].isna().all()
    assert not gate_model_rows(rows, df_resid=50)["suppressed"].any()


def test_defaults_come_from_params(tmp_path, monkeypatch):
    import analysis.settings as settings_module

    path = tmp_path / "pipeline.yaml"
    path.write_text("disclosure:\n  threshold: 5\n  round_counts: true\n  rounding_base: 5\n  min_model_df: 30\n")
    monkeypatch.setattr(settings_module, "PIPELINE_YAML", path)
    flagged = flag_results(results([7, 40], 47))
    assert not flagged["suppressed"].any()  # 7 is publishable at threshold 5
    assert suppress_results(results([7, 43], 50))["numerator"].tolist() == [5, 45]
    assert not model_publishable(20)


def test_withheld_rows_publish_no_note():
    """A note can name a count ("4 of 1951 excluded") or a withheld figure's position: a withheld row's note is
    blanked with its numbers; a published row keeps its note (the control)."""
    from analysis.results import make_rows

    rows = make_rows([dict(force_code="SYN01", indicator_id="RI05", domain="test", breakdown=b, category=c,
                           numerator=n, denominator=1951, value=3.0, method="median", basis="referrals actioned",
                           note=note) for b, c, n, note in (("days", "a", 4, "4 of 1951 excluded"),
                                                            ("other days", "b", 1947, "kept"))])
    published = suppress_results(rows, threshold=10)
    assert published.loc[published["category"] == "a", "note"].tolist() == [""]
    assert published.loc[published["category"] == "b", "note"].tolist() == ["kept"]


def test_a_lone_withheld_row_needs_a_partner_only_among_parts_of_a_whole():
    """NS06's rows are the completeness of separate fields: a lone withheld row cannot be worked out from the
    others, so no second row is withheld (18 forces had lost 'suspect ethnicity recorded' that way). The control:
    categories that add up to their shared denominator get their secondary suppression."""
    from analysis.results import make_rows

    def rows(indicator, pairs, d):
        return make_rows([dict(force_code="SYN01", indicator_id=indicator, domain="test", breakdown="field", category=c,
                               numerator=n, denominator=d, value=n / d, method="Wilson score 95%", basis="b")
                          for c, n in pairs])

    fields = flag_results(rows("NS06", (("suspect sex", 336), ("suspect ethnicity", 72), ("victim age", 3)), 343), 10)
    assert fields["suppressed"].tolist() == [False, False, True]
    parts = flag_results(rows("OC02", (("male", 300), ("female", 40), ("other", 3)), 343), 10)
    assert parts["suppressed"].tolist() == [False, True, True]
