"""Reports an inspector can use (issue 15): the force at a glance, one meaning per column, numerators that
divide, glossary links, downloads with the page's numbers, publication metadata.

Reads the session's rendered pages (`reports`: 3 synthetic forces, pages rendered as the pipeline renders
them); the checks are functions run on real pages, each with a negative control showing it catches what it
is for.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis import results
from analysis.indicators.rows import quartiles, proportions
from analysis.pipeline.layout import restricted_dir
from analysis.indicators.catalogue import CATALOGUE, entries
from analysis.report import glossary
from analysis.report.display import COUNT_COLUMNS, INTERVAL_COLUMNS, count_columns, format_table, rate_base
from analysis.report.downloads import cell_value
from analysis.report.glance import LIMITS_COLUMN

FORCES = ("SYN01", "SYN02")
entries()  # registers every indicator in the catalogue
INTERVAL_HEADINGS = frozenset(INTERVAL_COLUMNS.values()) | {LIMITS_COLUMN, "95% control limits", "99.8% control limits"}


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_tables(page: BeautifulSoup) -> list[tuple[list[str], list[list[str]]]]:
    """(headings, rows of cell text) of every results table on a page (not the metadata or footer tables)."""
    out = []
    for table in page.select("main table.results-table"):
        head = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        rows = [[td.get_text(" ", strip=True) for td in tr.find_all(["td", "th"])] for tr in table.select("tbody tr")]
        out.append((head, rows))
    return out


# ------------------------------------------------------------------------------------------------
# Force at a glance


def test_every_force_page_opens_with_the_force_at_a_glance(reports):
    national = results.read(restricted_dir(reports.out_dir) / "national" / "results.parquet")
    for code in FORCES:
        page = soup(reports.pages[code])
        section = page.find(id="force-at-a-glance")
        assert section is not None, code
        # Before the notebook's own headline figures.
        text = page.find("main").get_text(" ", strip=True)
        assert text.index("Force at a glance") < text.index("Headline figures")
        chart = [img for img in page.select("main img") if img.get("alt", "").startswith("Dot plot of")]
        assert len(chart) == 1, code
        table = next(t for t in page.select("main table.results-table")
                     if "This force" in [th.get_text(strip=True) for th in t.select("thead th")])
        heads = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        rows = {}
        for tr in table.select("tbody tr"):
            cells = [c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
            rows[cells[0]] = dict(zip(heads, cells))
        assert len(rows) == 5
        charge = national[(national["indicator_id"] == "NA01") & (national["breakdown"] == "charge rate")]
        mine = charge[charge["force_code"] == code].iloc[0]
        nat = charge[charge["force_code"] == results.NATIONAL].iloc[0]
        assert rows["Charge rate"]["This force"] == f"{100 * mine['value']:.1f}%"
        assert rows["Charge rate"]["England and Wales"] == f"{100 * nat['value']:.1f}%"
        assert rows["Charge rate"]["Position"].startswith(("within", "above", "below"))
        # The alt text is written from the table.
        assert f"Charge rate: {100 * mine['value']:.1f}% against {100 * nat['value']:.1f}%" in chart[0]["alt"]


# ------------------------------------------------------------------------------------------------
# One meaning per column


def mixed_range_columns(head: list[str], rows: list[list[str]]) -> list[str]:
    """Columns that hold a range ("a to b") under a heading that does not say which kind of range it is."""
    bad = []
    for j, name in enumerate(head):
        ranges = [r[j] for r in rows if j < len(r) and re.fullmatch(r"-?[\d.,]+%? to -?[\d.,]+%?", r[j])]
        if ranges and name not in INTERVAL_HEADINGS:
            bad.append(name)
    return bad


def test_no_table_column_mixes_kinds_of_range(reports):
    seen = set()
    for unit, path in reports.pages.items():
        for head, rows in page_tables(soup(path)):
            assert mixed_range_columns(head, rows) == [], (unit, head)
            assert "Interval or range" not in head
            seen.update(h for h in head if h in INTERVAL_HEADINGS)
    assert {"95% confidence interval", "Interquartile range", "Range allowed by unrecorded values"} <= seen
    # Negative control: the old single column is caught.
    assert mixed_range_columns(["Value", "Interval or range"], [["1.0", "0.5 to 2.0"]]) == ["Interval or range"]


def test_rows_with_different_interval_types_get_separate_columns():
    entry = CATALOGUE["NS05"]
    shares = proportions(entry, "SYN01", "size band", ["2 suspects"], [4.0], [10.0])
    median = quartiles(entry, "SYN01", "summary", "median suspects per network", pd.Series([2.0, 3.0, 5.0, 8.0]))
    table = format_table(results.coerce(pd.concat([shares, median], ignore_index=True)))
    assert table["95% confidence interval"].tolist()[0].endswith("%") and table["95% confidence interval"].tolist()[1] == ""
    assert table["Interquartile range"].tolist() == ["", "2.8 to 5.8"]  # quartiles 2.75 and 5.75 of 2, 3, 5, 8


def test_results_reject_an_interval_without_its_kind():
    row = {"force_code": "SYN01", "indicator_id": "NS01", "domain": "d", "breakdown": "total", "category": "all",
           "value": 1.0, "lower": 0.5, "upper": 2.0, "method": "m", "basis": "b"}
    assert results.make_rows([row])["interval_type"].tolist() == ["ci95"]  # documented default of hand-built rows
    table = results.make_rows([{**row, "interval_type": "none"}])
    assert any("have lower/upper but interval_type 'none'" in p for p in results.check(table))
    table = results.make_rows([{**row, "interval_type": "range"}])
    assert any("interval_type not one of" in p for p in results.check(table))
    from analysis.indicators.rows import estimates

    with pytest.raises(ValueError, match="rows with lower/upper need an interval_type"):
        estimates(CATALOGUE["NS03"], "SYN01", "total", ["x"], 1.0, 0.5, 2.0, "m")


def test_a_census_of_forces_has_no_interval(reports):
    national = results.read(restricted_dir(reports.out_dir) / "national" / "results.parquet")
    tracker = national[(national["indicator_id"] == "NA03") & (national["force_code"] == results.NATIONAL)]
    shares = tracker[tracker["breakdown"] == "recommendation"]
    assert len(shares) and (shares["interval_type"] == "none").all()
    assert shares["lower"].isna().all() and shares["upper"].isna().all()
    page = soup(reports.pages["national"])
    heading = page.find("main").find(lambda t: t.name == "h2" and t.get_text().startswith("Recommendation tracker"))
    table = heading.find_next("table")
    heads = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    assert not INTERVAL_HEADINGS.intersection(heads)
    # X of Y forces, and the value is X / Y.
    for tr in table.select("tbody tr"):
        cells = dict(zip(heads, [td.get_text(strip=True) for td in tr.find_all(["th", "td"])]))
        if cells.get("Numerator") and cells.get("Denominator") and cells["Value"].endswith("%"):
            assert cells["Value"] == f"{100 * float(cells['Numerator']) / float(cells['Denominator']):.1f}%"


def test_forces_outside_the_998_limits_table_lists_only_those(reports):
    national = results.read(restricted_dir(reports.out_dir) / "national" / "results.parquet")
    page = soup(reports.pages["national"])
    for title in page.find_all(string=re.compile("^Forces outside the 99.8% limits")):
        key = title.rsplit(": ", 1)[1]
        table = title.find_parent("table") or title.find_next("table")  # the title is the table's caption
        heads = [th.get_text(strip=True) for th in table.select("thead th")]
        listed = [tr.find_all(["th", "td"])[heads.index("Force")].get_text(strip=True) for tr in table.select("tbody tr")]
        rows = national[(national["indicator_id"] == "NA01") & (national["breakdown"] == key)]
        outside = rows.loc[rows["note"].str.startswith(("above the 99.8%", "below the 99.8%")), "force_code"]
        assert listed == outside.tolist()


# ------------------------------------------------------------------------------------------------
# Numerators that divide


def rows_that_do_not_divide(table: pd.DataFrame) -> pd.DataFrame:
    """Results rows with numerator, denominator and value, shown under "Numerator"/"Denominator" (not a named
    count column of COUNT_COLUMNS), whose value is not numerator / denominator (x the rate base)."""
    full = table[table["numerator"].notna() & table["denominator"].notna() & table["value"].notna()
                 & ~table["suppressed"]]
    plain = full[[count_columns(i, b)[0] == "Numerator" for i, b in zip(full["indicator_id"], full["breakdown"])]]
    ratio = plain["numerator"].astype(float) / plain["denominator"].astype(float) * plain["method"].map(rate_base)
    return plain[~np.isclose(ratio, plain["value"].astype(float), rtol=1e-9, atol=1e-12)]


def test_numerator_over_denominator_is_the_value_in_every_row(reports):
    force = pd.concat([results.read(restricted_dir(reports.out_dir) / "forces" / c / "results.parquet") for c in FORCES])
    national = results.read(restricted_dir(reports.out_dir) / "national" / "results.parquet")
    for table in (force, national):
        bad = rows_that_do_not_divide(table)
        assert bad.empty, bad[["force_code", "indicator_id", "breakdown", "category"]].head().to_dict("records")
    # Negative control: without its own column names, the Kaplan-Meier rows (87 withdrawn is not the numerator
    # of 74.2% still supporting) are caught.
    saved = COUNT_COLUMNS.pop("VE03")
    try:
        caught = rows_that_do_not_divide(force)
        assert set(caught["indicator_id"]) == {"VE03"} and (caught["breakdown"] == "still supporting at").any()
    finally:
        COUNT_COLUMNS["VE03"] = saved


def test_page_tables_divide_too(reports):
    """On the pages: wherever a row shows Value (or Rate per N), Numerator and Denominator, they agree to the
    precision shown."""
    checked = 0
    for unit, path in reports.pages.items():
        for head, rows in page_tables(soup(path)):
            value = next((h for h in head if h == "Value" or h.startswith("Rate per")), None)
            if not (value and "Numerator" in head and "Denominator" in head):
                continue
            base = float(value.split()[-1].replace(",", "")) if value.startswith("Rate per") else 1.0
            for row in rows:
                cells = dict(zip(head, row))
                # A rate among shares says its base in its row ("matches per 100 notes").
                named = re.search(r"per ([\d,]+)\b", " ".join(cells.get(c, "") for c in ("Breakdown", "Category")))
                per = float(named.group(1).replace(",", "")) if named else base
                v, n, d = cells[value], cells["Numerator"], cells["Denominator"]
                if not (n and d and v) or "[c]" in (v, n, d) or d == "0":
                    continue
                ratio = float(n.replace(",", "")) / float(d.replace(",", "")) * per
                if v.endswith("%"):
                    assert abs(100 * ratio - float(v[:-1])) <= 0.05 + 1e-9, (unit, head, row)
                else:
                    shown = float(v.replace(",", ""))
                    assert abs(ratio - shown) <= 0.005 + 1e-9 * abs(shown), (unit, head, row)
                checked += 1
    assert checked > 100


# ------------------------------------------------------------------------------------------------
# Plain words


def unlinked_terms(page: BeautifulSoup) -> list[str]:
    """Glossary terms whose first use in the page's main text (outside headings and other links) is not a
    link to their entry."""
    root = page.find("main")
    linkable = {id(n) for n in glossary.text_nodes(page)}
    missing = []
    for term, pattern in glossary.compiled():
        for node in root.find_all(string=True):
            parent = node.parent
            if parent.name == "a" and "glossary-link" in (parent.get("class") or []) \
                    and parent.get("href", "").endswith(f"#{term.id}"):
                break
            if id(node) in linkable and pattern.search(str(node)):
                missing.append(term.id)
                break
    return missing


def test_every_glossary_term_used_links_to_its_entry(reports):
    entries = soup(reports.out_dir / "glossary.html")
    for term in glossary.TERMS:
        assert entries.find(id=term.id) is not None, term.id
    for unit, path in reports.pages.items():
        page = soup(path)
        assert unlinked_terms(page) == [], unit
        for link in page.select("a.glossary-link"):
            assert link["href"].rsplit("#", 1)[1] in glossary.TERM_IDS
        assert page.find("a", href=re.compile(r"glossary\.html#abe$")) or unit == "national"
    # Negative control: the same page without the links is caught.
    raw = soup(reports.pages["SYN01"])
    for link in raw.select("a.glossary-link"):
        link.replace_with(link.get_text())
    assert "abe" in unlinked_terms(BeautifulSoup(str(raw), "html.parser"))


def test_methods_and_catalogue_are_pages_linked_from_every_report(reports):
    methods = soup(reports.out_dir / "methods.html")
    assert methods.find("h1").get_text(strip=True) == "Statistical methods"
    assert soup(reports.out_dir / "indicators.html").find(string=re.compile("VE07"))
    for path in reports.pages.values():
        hrefs = {a["href"].rsplit("/", 1)[-1] for a in soup(path).select("main a[href]")}
        assert {"glossary.html", "methods.html", "indicators.html"} <= hrefs


def test_markdown_pages_escape_raw_html(tmp_path):
    from analysis.report.inspector import markdown_body

    doc = tmp_path / "doc.md"
    doc.write_text("# T\n\n<script>alert(1)</script> and <img src=x onerror=y>\n", encoding="utf-8")
    body = markdown_body(doc)
    assert "<script>" not in body and "&lt;script&gt;" in body and "<img" not in body


def test_every_q_value_has_a_reading(reports):
    found = 0
    for path in reports.pages.values():
        page = soup(path)
        for head, rows in page_tables(page):
            for q_column, reading in (("q", "What q means"), ("q-value", "What the q-value means")):
                if q_column not in head:
                    continue
                assert reading in head, head
                for row in rows:
                    cells = dict(zip(head, row))
                    if re.fullmatch(r"<? ?[0-9.e+-]+", cells[q_column]):
                        assert re.match(r"q [=<] [0-9.]+: ", cells[reading]), row
                        found += 1
        text = page.find("main").get_text(" ", strip=True)
        for match in re.finditer(r"FDR q = [0-9.e+-]+\)", text):  # a q in a note is followed by its reading
            assert re.match(r"\s*;\s*q [=<] [0-9.]+: ", text[match.end():]), text[match.start():match.end() + 80]
    # p- and q-values in the notes of a table (ethnicity against the population) carry theirs too.
    national = soup(reports.pages["national"]).find("main").get_text(" ", strip=True)
    assert re.search(r"q = [0-9.]+: (no clear|some|strong|very strong) evidence", national)


# ------------------------------------------------------------------------------------------------
# Downloads


def _html_rows(path) -> list[tuple[list[str], list[list[str]]]]:
    return page_tables(soup(path))


def test_downloads_open_and_hold_the_page_numbers(reports):
    import openpyxl

    for unit, path in reports.pages.items():
        shown = _html_rows(path)
        folder = path.parent / "downloads"
        stem = "national" if unit == "national" else unit
        book = openpyxl.load_workbook(folder / f"{stem}_tables.xlsx")
        assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
        assert len(book.sheetnames) == 3 + len(shown)
        assert not any(ws.merged_cells.ranges for ws in book)
        cover = "\n".join(str(c.value) for c in book["Cover"]["A"] if c.value)
        for label in ("Reference period", "Date produced", "Producer", "Status", "Contact"):
            assert label in cover
        assert "SYNTHETIC DATA" in cover
        notes = [str(c.value) for c in book["Notes"]["B"] if c.value]
        assert any(n.startswith("[c] means") for n in notes) and any(n.startswith("[z] means") for n in notes)
        contents = [row for row in book["Contents"].iter_rows(values_only=True)]
        ods = pd.read_excel(folder / f"{stem}_tables.ods", engine="odf", sheet_name=None, header=None)
        assert list(ods)[:3] == ["Cover", "Contents", "Notes"] and len(ods) == 3 + len(shown)
        for i, (head, rows) in enumerate(shown, start=1):
            sheet = book[f"Table_{i}"]
            values = list(sheet.iter_rows(values_only=True))
            assert any(r[0] == f"Table_{i}" for r in contents)
            assert isinstance(values[0][0], str) and values[0][0]  # the title in A1
            start = next(k for k, r in enumerate(values) if list(r[:len(head)]) == head)
            body = [list(r[:len(head)]) for r in values[start + 1:start + 1 + len(rows)]]
            expected = [[cell_value(c) for c in row] for row in rows]
            assert body == expected, (unit, i, head)
            numbers = sum(isinstance(v, (int, float)) for row in body for v in row)
            assert numbers == sum(isinstance(v, (int, float)) for row in expected for v in row)
            o = ods[f"Table_{i}"]
            assert o.iloc[0, 0] == values[0][0]  # the same title in A1
            top = next(k for k in range(len(o)) if [str(v) for v in o.iloc[k, :len(head)]] == head)
            o_rows = [[_ods(v) for v in r[:len(head)]] for r in o.iloc[top + 1:top + 1 + len(rows)].itertuples(index=False)]
            assert [[_close(a, b) for a, b in zip(r, e)] for r, e in zip(o_rows, expected)] == \
                [[True] * len(head)] * len(rows), (unit, i)
            with (folder / "csv" / f"table_{i}.csv").open(encoding="utf-8", newline="") as stream:
                assert list(csv.reader(stream)) == [head, *rows]


def _ods(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _close(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    return a == b


def test_downloads_are_linked_from_the_page_and_the_index(reports):
    index = soup(reports.index)
    for unit, path in reports.pages.items():
        page = soup(path)
        stem = "national" if unit == "national" else unit
        assert page.find("a", href=f"downloads/{stem}_tables.xlsx")
        assert page.find("a", href=f"downloads/{stem}_tables.ods")
        assert len(page.select("a[href^='downloads/csv/table_']")) == len(page_tables(page))
        prefix = "national" if unit == "national" else f"forces/{unit}"
        assert index.find("a", href=f"{prefix}/downloads/{stem}_tables.xlsx")


def test_cell_values_keep_the_page_numbers():
    assert cell_value("12.5%") == 0.125 and cell_value("1,234") == 1234 and cell_value("0.87") == 0.87
    assert cell_value("[c]") == "[c]" and cell_value("") == "[z]" and cell_value("2.5 to 5.8") == "2.5 to 5.8"


# ------------------------------------------------------------------------------------------------
# Publication metadata


def test_every_page_and_the_index_carry_publication_metadata(reports):
    for path in [*reports.pages.values(), reports.index]:
        table = soup(path).find("table", class_="publication-metadata")
        assert table is not None, path
        rows = {th.get_text(strip=True): th.find_next("td").get_text(strip=True) for th in table.select("th")}
        assert list(rows) == ["Reference period", "Date produced", "Producer", "Status", "Contact"]
        assert re.fullmatch(r"\d{1,2} \w+ \d{4} to \d{1,2} \w+ \d{4}", rows["Reference period"])
        assert rows["Status"].startswith("Synthetic data")


# ------------------------------------------------------------------------------------------------
# Incremental pages


def _national_rows(charge_syn01: float, model_or: float) -> pd.DataFrame:
    base = {"domain": "national", "basis": "b", "method": "m"}
    return results.make_rows([
        {**base, "force_code": "SYN01", "indicator_id": "NA01", "breakdown": "charge rate", "category": "force",
         "numerator": 20.0, "denominator": 100.0, "value": charge_syn01, "note": "within the limits adjusted for overdispersion"},
        {**base, "force_code": results.NATIONAL, "indicator_id": "NA01", "breakdown": "charge rate",
         "category": "national target", "numerator": 200.0, "denominator": 1000.0, "value": 0.2},
        {**base, "force_code": results.NATIONAL, "indicator_id": "NA05", "breakdown": "odds of charge",
         "category": "victim withdrew", "numerator": 50.0, "denominator": 1000.0, "value": model_or,
         "lower": model_or / 2, "upper": model_or * 2, "interval_type": "ci95"},
    ])


def test_a_national_change_re_renders_only_the_force_pages_it_affects(tmp_path):
    from analysis.pipeline import publish
    from analysis.pipeline.cache import UnitState
    from analysis.report.inspector import _national_published, context_digest

    disclosure = {"threshold": 10, "round_counts": False, "rounding_base": 5, "min_model_df": 10}
    path = restricted_dir(tmp_path) / "national" / "results.parquet"
    absent = context_digest(tmp_path, "SYN01", disclosure)
    results.write(_national_rows(0.2, 0.5), path)
    _national_published.cache_clear()
    first = context_digest(tmp_path, "SYN01", disclosure)
    assert first != absent  # the national report arriving changes the section
    results.write(_national_rows(0.2, 0.9), path)  # only a national model changed
    _national_published.cache_clear()
    assert context_digest(tmp_path, "SYN01", disclosure) == first
    results.write(_national_rows(0.25, 0.9), path)  # what the section shows changed
    _national_published.cache_clear()
    assert context_digest(tmp_path, "SYN01", disclosure) != first
    assert context_digest(tmp_path, results.NATIONAL, disclosure) == ""  # the national page shows no context
    # The page digest carries the context: a page rendered before the change is stale after it.
    state = UnitState("SYN01", "ok", {}, "run-digest", "now", html_digest=publish.page_digest("export", UnitState(
        "SYN01", "ok", {}, "run-digest", "now"), first))
    assert state.html_digest != publish.page_digest("export", state, context_digest(tmp_path, "SYN01", disclosure))


def test_returned_text_cannot_plant_a_link_or_formula_in_a_workbook(tmp_path):
    import gptables as gpt
    import openpyxl

    from analysis.report.downloads import PageTable, Publication, write_xlsx

    hostile = "Force [click](javascript:alert('x')) $$note$$"
    table = PageTable(f"{hostile} at a glance", ["Force", "Value"], [["=1+1", "12.5%"], ["SYN01", "[c]"]], [hostile])
    path = write_xlsx(tmp_path / "t.xlsx", [table], Publication(hostile, "p", "d", "producer", "s", hostile, True))
    book = openpyxl.load_workbook(path)
    links = [c.hyperlink.target for ws in book for row in ws.iter_rows() for c in row if c.hyperlink]
    assert not any(link and "javascript" in link for link in links)
    assert "javascript:alert('x')" in book["Cover"]["A1"].value  # shown as typed
    cells = list(book["Table_1"].iter_rows(values_only=True))
    assert ("=1+1", 0.125) in [tuple(r[:2]) for r in cells]  # text, not a formula
    # Negative control: given to gptables as it is, the same text is taken for a link (here refused outright).
    with pytest.raises(ValueError, match="Unknown URL type: javascript"):
        gpt.write_workbook(filename=str(tmp_path / "raw.xlsx"), sheets={"T": gpt.GPTable(
            table=pd.DataFrame({"a": [1]}), table_name="t", title=hostile, instructions="i", source="s", units=None,
            table_notes=None, subtitles=[], scope=None)}, contentsheet_label="Contents")
