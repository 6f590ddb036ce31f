"""The workbook reader's own sheet parser (`analysis.ingest.read._cells`) on sheet XML as Excel and other
programs write it: every cell type of ECMA-376 Part 1, 18.3.1.4, both date systems, formulas with and without a
saved result, and parts that are not valid. Each workbook is a real .xlsx file (saved by openpyxl, then given
hand-written sheet and shared-string parts) read through `read_workbook`."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from analysis.ingest.issues import ReadError
from analysis.ingest.read import read_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}" count="5" uniqueCount="4">'
          "<si><t>force_code</t></si>"
          "<si><t xml:space=\"preserve\"> SYN01</t></si>"
          '<si><r><rPr><b/></rPr><t>rich </t></r><r><t>text</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>'
          "<si><t>a_x005F_x000D_b</t></si></sst>")
# Row 1: headers (a shared string, inline strings). Row 2: every value type. Row 3 has no `r` on the row or its
# cells (positions follow from order); row 4 is missing. Row 5: formulas whose results were never saved (a shared formula's
# second cell is named with its formula translated to that cell). Column H of row 6 holds an error cell.
SHEET = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><dimension ref="A1:B2"/>'
         "<sheetData>"
         '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>when</t></is></c>'
         '<c r="C1" t="inlineStr"><is><t>n</t></is></c><c r="D1" t="inlineStr"><is><t>flag</t></is></c>'
         '<c r="E1" t="inlineStr"><is><r><t>no</t></r><r><t>te</t></r></is></c><c r="F1" t="inlineStr"><is><t>iso</t></is></c>'
         '<c r="G1" t="inlineStr"><is><t>calc</t></is></c><c r="H1" t="inlineStr"><is><t>err</t></is></c></row>'
         '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>45000</v></c><c r="C2"><v>2.5</v></c>'
         '<c r="D2" t="b"><v>1</v></c><c r="E2" t="s"><v>2</v></c><c r="F2" t="d"><v>2021-07-01T00:00:00</v></c>'
         '<c r="G2" t="str"><f>A2&amp;"x"</f><v> SYN01x</v></c><c r="H2"><f>1/0</f><v>7</v></c></row>'
         '<row><c t="s"><v>3</v></c><c s="1"><v>1</v></c><c><v>-3</v></c><c t="b"><v>0</v></c>'
         '<c t="inlineStr"><is><t>&lt;b&gt; &amp; &#233;</t></is></c><c><v>1E3</v></c></row>'
         '<row r="5"><c r="A5" t="inlineStr"><is><t>SYN01</t></is></c><c r="C5"><f t="shared" ref="C5:D5" si="0">A1+1</f></c>'
         '<c r="D5"><f t="shared" si="0"/></c></row>'
         '<row r="6"><c r="A6" t="inlineStr"><is><t>SYN01</t></is></c><c r="H6" t="e"><f>NA()</f><v>#N/A</v></c>'
         '<c r="I6" t="inlineStr"><is><t>   </t></is></c></row>'
         "</sheetData></worksheet>")


def _workbook(tmp_path, sheet: str = SHEET, shared: str = SHARED, epoch_1904: bool = False, name: str = "SYN01.xlsx"):
    """A real workbook whose first sheet (`offences`) and shared strings are replaced by `sheet` and `shared`."""
    wb = Workbook()
    if epoch_1904:
        wb.epoch = dt.datetime(1904, 1, 1)
    ws = wb.active
    ws.title = "offences"
    ws["B2"] = dt.datetime(2020, 1, 1)  # a date style: cellXfs index 1
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            elif info.filename == "[Content_Types].xml":  # openpyxl writes inline strings: add the shared ones
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                    b"</Relationships>")
            target.writestr(info.filename, data)
        target.writestr("xl/sharedStrings.xml", shared.encode())
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def test_every_cell_type_is_read_as_written(tmp_path):
    [sheet] = read_workbook(_workbook(tmp_path))
    assert sheet.header == ["force_code", "when", "n", "flag", "note", "iso", "calc", "err"]
    assert sheet.row_numbers == [2, 3, 4, 5, 6]
    assert sheet.epoch == dt.datetime(1899, 12, 30)
    assert sheet.rows[0] == [" SYN01", dt.datetime(2023, 3, 15), 2.5, True, "rich text", dt.datetime(2021, 7, 1),
                             " SYN01x", 7]  # a formula's saved result is its value; phonetic text is not
    assert sheet.rows[1] == ["a_x000D_b", dt.datetime(1900, 1, 1), -3, False, "<b> & é", 1000.0, None, None]
    assert [type(v) for v in sheet.rows[1][2:6:3]] == [int, float]
    assert sheet.rows[2] == [None] * 8  # the empty row between records, kept so validation can name it
    assert sheet.rows[3] == ["SYN01"] + [None] * 7 and sheet.rows[4] == ["SYN01"] + [None] * 7
    assert [(i.row, i.column, i.rule, i.value) for i in sheet.issues] == [
        (5, "n", "excel_error", "=A1+1"), (5, "flag", "excel_error", "=B1+1"), (6, "err", "excel_error", "#N/A")]
    assert sheet.issues[1].message == ("offences row 5: the cell in column flag holds the formula =B1+1 whose result "
                                       "was never calculated and saved instead of a value: replace it with the value "
                                       "(paste values, not formulas).")


def test_the_1904_date_system_moves_serials_by_1462_days(tmp_path):
    [sheet] = read_workbook(_workbook(tmp_path, epoch_1904=True))
    assert sheet.epoch == dt.datetime(1904, 1, 1)
    assert sheet.rows[0][1] == dt.datetime(2027, 3, 16) == dt.datetime(2023, 3, 15) + dt.timedelta(days=1462)
    assert sheet.rows[1][1] == dt.datetime(1904, 1, 2)


def test_a_serial_beyond_python_dates_is_an_error_cell(tmp_path):
    sheet_xml = SHEET.replace('<c r="B2" s="1"><v>45000</v></c>', '<c r="B2" s="1"><v>99999999</v></c>')
    [sheet] = read_workbook(_workbook(tmp_path, sheet_xml))
    assert (2, "when", "#VALUE!") in [(i.row, i.column, i.value) for i in sheet.issues]


@pytest.mark.parametrize(("change", "message"), [
    (('<c r="A2" t="s"><v>1</v></c>', '<c r="A2" t="s"><v>9</v></c>'),
     "the sheet offences has a cell A2 that refers to a shared string the workbook does not have"),
    (('<c r="C2"><v>2.5</v></c>', '<c r="C2"><v>2,5</v></c>'),
     "the sheet offences has a cell C2 that holds a stored value that is not valid for its type ('n')"),
    (('<row r="2">', '<row r="2.5">'), "the sheet offences has a row numbered '2.5', which is not a row number"),
    (('<c r="C2">', '<c r="C-2">'), "the sheet offences has a cell reference 'C-2' on row 2"),
    (("</sheetData></worksheet>", "</sheetData>"), "the sheet offences is not well-formed XML: no element found"),
])
def test_a_sheet_that_is_not_valid_is_damaged_naming_the_place(tmp_path, change, message):
    path = _workbook(tmp_path, SHEET.replace(*change))
    with pytest.raises(ReadError) as caught:
        read_workbook(path)
    assert caught.value.rule == "damaged"
    assert caught.value.message.startswith(f"SYN01.xlsx is damaged or incomplete ({message}")
    assert caught.value.message.endswith("ask the force to send it again. Excel may offer to repair it, but a repaired "
                                         "file can silently lose values, so the force should send the file again from "
                                         "its own copy.")


@pytest.mark.parametrize("part", ["sheet", "shared"])
def test_an_entity_declaration_is_refused_before_parsing(tmp_path, part):
    laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    sheet, shared = SHEET, SHARED
    if part == "sheet":
        sheet = SHEET.replace("?><worksheet", "?>" + laughs + "<worksheet").replace("<t>when</t>", "<t>&b;</t>")
    else:
        shared = SHARED.replace("?><sst", "?>" + laughs + "<sst").replace("<t>force_code</t>", "<t>&b;</t>")
    with pytest.raises(ReadError) as caught:
        read_workbook(_workbook(tmp_path, sheet, shared))
    target = "xl/worksheets/sheet1.xml" if part == "sheet" else "xl/sharedStrings.xml"
    assert (caught.value.rule, caught.value.message) == (
        "unreadable", f"SYN01.xlsx: the part {target} holds a document type or entity declaration (<!DOCTYPE or "
                      "<!ENTITY), which Excel never writes; the file was not read. Save it again from Excel as "
                      "'Excel Workbook (.xlsx)'.")
