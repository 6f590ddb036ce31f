"""The page checks catch what they look for (negative controls), and the figure text they read is the
text figures.save draws: so the acceptance tests on real pages can fail."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from analysis.report import figures
from report.checks import embedded_pngs, leaked_identifiers, png_text, small_counts, visible_text


def table(header, *rows, cls="results-table"):
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def test_small_counts_finds_numerators_denominators_counts_and_count_values():
    page = (table(["Category", "Value", "Numerator", "Denominator"], ["a", "12.0%", "7", "58"], ["b", "[c]", "[c]", "[c]"])
            + table(["Category", "Count"], ["2019/20", "3"], ["2020/21", "1,204"])
            + table(["Category", "Value", "Numerator"], ["all", "9", "9"], ["median", "4", "1,100"]))
    found = small_counts(page, threshold=10)
    assert len(found) == 4
    assert "'Numerator': 7" in found[0] and "'Count': 3" in found[1]
    assert "'Value': 9" in found[2] and "'Numerator': 9" in found[3]
    # Withheld cells, zeros, large counts, shares and medians (a Value that is not its own numerator) pass.
    assert small_counts(table(["Value", "Numerator", "Denominator"], ["0", "0", "10"], ["4", "12", "1,000"],
                              ["5.0%", "[c]", "[c]"])) == []


def test_leaked_identifiers_match_whole_tokens_only():
    ids = {"SYN01-O000012", "SYN01-V000001"}
    page = "<p>SYN01-O000012 and SYN01-V0000012 and xSYN01-V000001</p><td title='SYN01-V000001'></td>"
    assert leaked_identifiers(page, ids) == ["SYN01-O000012", "SYN01-V000001"]
    assert leaked_identifiers("<p>SYN01-V0000012 SYN01-O0000120</p>", ids) == []


def test_visible_text_skips_style_and_script():
    page = "<html><head><style>.x{}</style></head><body><p>shown  text</p><script>import x</script></body></html>"
    assert visible_text(page) == "shown text"


def test_saved_figure_carries_its_drawn_title_and_axis_labels(tmp_path):
    rows = pd.DataFrame({"category": ["a", "b"], "value": [0.2, 0.4], "lower": [0.1, 0.3], "upper": [0.3, 0.5],
                         "suppressed": [False, False]})
    fig = figures.bar_with_intervals(rows, title="Force X: a long title about shares of something",
                                     xlabel="Share", ylabel="Group", synthetic=True, percent=True)
    drawn = fig.axes[0].get_title("left")
    path = figures.save(fig, tmp_path / "f.png")
    text = png_text(path.read_bytes())
    assert text["Title"] == " ".join(drawn.split()) == "SYNTHETIC DATA: Force X: a long title about shares of something"
    assert (text["XLabel"], text["YLabel"]) == ("Share (%)", "Group")
    page = f'<img src="data:image/png;base64,{__import__("base64").b64encode(path.read_bytes()).decode()}">'
    assert embedded_pngs(page) == [path.read_bytes()]


def test_unmarked_figure_title_is_seen_as_unmarked(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title(figures.titled("Real data", synthetic=False))
    text = png_text(figures.save(fig, tmp_path / "g.png").read_bytes())
    assert text["Title"] == "Real data" and not text["Title"].startswith("SYNTHETIC DATA")
    assert text["XLabel"] == "" and text["YLabel"] == ""
