"""Checks a reviewer page must pass, written as functions that return what they found (so each can be
shown to fail on a page built to break it: see test_checks.py)."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterable

from bs4 import BeautifulSoup

#: Table headers whose cells are counts of records (a value from 1 to threshold-1 must never be shown).
COUNT_HEADERS = frozenset({"numerator", "denominator", "count", "n", "records", "events"})

_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_DATA_PNG = re.compile(r"""src=["']data:image/png;base64,([A-Za-z0-9+/=\s]+)["']""")
_INTEGER = re.compile(r"\d+")


def soup(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def visible_text(page: str) -> str:
    """The text a reader sees in the page body (no style, script or attribute values), whitespace collapsed."""
    tree = soup(page)
    for tag in tree(["style", "script", "head"]):
        tag.decompose()
    return " ".join(tree.get_text(" ").split())


def leaked_identifiers(page: str, identifiers: Iterable[str]) -> list[str]:
    """Identifiers that occur in the page (markup and text) as whole tokens (letters, digits, _ and -)."""
    wanted = set(identifiers)
    return sorted({token for token in _TOKEN.findall(page) if token in wanted})


def small_counts(page: str, threshold: int = 10) -> list[str]:
    """Every table cell that shows a count from 1 to threshold-1.

    Count cells are those under a count header (Numerator, Denominator, Count, ...), and the Value of a row
    whose Value equals its Numerator (a count shown as its own numerator). '[c]' and non-integers pass.
    """
    found = []
    for number, table in enumerate(soup(page).find_all("table")):
        rows = table.find_all("tr")
        if not rows:
            continue
        header = [" ".join(c.get_text(" ").split()) for c in rows[0].find_all(["th", "td"])]
        lowered = [h.lower() for h in header]
        for row in rows[1:]:
            cells = [" ".join(c.get_text(" ").split()) for c in row.find_all(["th", "td"])]
            if len(cells) != len(header):
                continue
            values = dict(zip(lowered, cells, strict=True))
            for name, text in values.items():
                is_count = name in COUNT_HEADERS or (name == "value" and "numerator" in values
                                                     and text == values["numerator"])
                plain = text.replace(",", "")
                if is_count and _INTEGER.fullmatch(plain) and 1 <= int(plain) < threshold:
                    found.append(f"table {number + 1}, column {header[lowered.index(name)]!r}: {text} (row {cells})")
    return found


def embedded_pngs(page: str) -> list[bytes]:
    """The PNG images embedded in the page as data URIs, in page order."""
    return [base64.b64decode("".join(m.group(1).split())) for m in _DATA_PNG.finditer(page)]


def png_text(data: bytes) -> dict[str, str]:
    """The text chunks of a PNG (figures.save writes Title, XLabel and YLabel there)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return dict(getattr(image, "text", {}) or {})


def code_cell_lines(notebook: dict) -> list[str]:
    """The non-trivial source lines of a notebook's code cells (each must never reach a reviewer page)."""
    lines = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines += [line.strip() for line in source.splitlines() if len(line.strip()) >= 8]
    return lines
