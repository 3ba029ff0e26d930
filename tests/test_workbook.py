"""The XLSX writer (tracker/exports/workbook.py): cells, escapes, limits, styles, the package.

Each workbook is read back with openpyxl (what a spreadsheet shows) and, where the bytes
matter, from the sheet's XML itself.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from tracker.exports import write_xlsx


def written(rows, widths=()) -> tuple[int, bytes]:
    buffer = io.BytesIO()
    count = write_xlsx(rows, buffer, widths)
    return count, buffer.getvalue()


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def values(data: bytes) -> list[list]:
    return [[cell.value for cell in row] for row in sheet_of(data).iter_rows()]


def test_text_is_escaped_and_read_back_as_written():
    hostile = ['a <b> & "c"', "</t></is></c><c><f>1+1</f></c>", "=1+2", "Tom & Jerry's"]
    count, data = written([["<&>"], *([text] for text in hostile)])
    assert count == 4
    assert values(data) == [["<&>"], *([text] for text in hostile)]
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert '<c r="A1" s="1" t="inlineStr"><is><t>&lt;&amp;&gt;</t></is></c>' in sheet
    assert '<c r="A2" t="inlineStr"><is><t>a &lt;b&gt; &amp; "c"</t></is></c>' in sheet
    assert "<f>" not in sheet.replace("&lt;f&gt;", "")
    assert [cell.data_type for (cell,) in sheet_of(data).iter_rows()] == ["s"] * 5


def test_characters_xml_cannot_hold_are_dropped_and_a_cr_is_excels_escape():
    text = "Ni\x00no\x07\x0b\x0c\x1f\ufffe\uffff\ud800 A\tB\nC\r\nD"
    _, data = written([["name"], [text]])
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert "<t>Nino A\tB\nC_x000D_\nD</t>" in sheet
    # openpyxl, unlike Excel, does not decode _x000D_ (see test_export_golden.describe_xlsx).
    assert unescape(sheet_of(data)["A2"].value) == "Nino A\tB\nC\r\nD"


def test_a_literal_excel_escape_is_escaped_itself():
    _, data = written([["code"], ["_x0041_ and _x00zz_"]])
    assert "<t>_x005F_x0041_ and _x00zz_</t>" in part(data, "xl/worksheets/sheet1.xml")
    assert unescape(sheet_of(data)["A2"].value) == "_x0041_ and _x00zz_"


def test_spaces_at_either_end_are_kept():
    texts = [" lead", "trail ", "\tTab", "line\n", "in side"]
    _, data = written([["text"], *([text] for text in texts)])
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert '<t xml:space="preserve"> lead</t>' in sheet
    assert '<t xml:space="preserve">trail </t>' in sheet
    assert "<t>in side</t>" in sheet
    assert values(data)[1:] == [[text] for text in texts]


def test_text_longer_than_a_cell_holds_is_cut_at_32767_units():
    emoji = "\U0001f600"  # two UTF-16 units
    texts = ["x" * 40_000, "y" * 32_767, "é" * 16_384, emoji * 20_000, "z" + emoji * 16_383]
    _, data = written([["text"], *([text] for text in texts)])
    assert values(data)[1:] == [
        ["x" * 32_767],
        ["y" * 32_767],
        ["é" * 16_384],
        [emoji * 16_383],  # the next emoji would need units 32,767 and 32,768
        ["z" + emoji * 16_383],
    ]


def test_empty_text_and_none_leave_their_cells_out():
    count, data = written([["a", "b", "c", "d"], ["", None, "x", None], [None, 0, "", 0.0]])
    assert count == 2
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert '<row r="2"><c r="C2" t="inlineStr"><is><t>x</t></is></c></row>' in sheet
    assert '<row r="3"><c r="B3"><v>0</v></c><c r="D3" s="2"><v>0.0</v></c></row>' in sheet
    assert values(data) == [["a", "b", "c", "d"], [None, None, "x", None], [None, 0, None, 0]]


def test_typed_cells_and_their_styles():
    header = ["text", "count", "mean", "received"]
    rows = [header, ["Nino", 3, 2.8, date(2026, 1, 3)], ["Ani", 0, 1 / 3, date(2000, 1, 1)]]
    _, data = written(rows)
    sheet = sheet_of(data)
    assert [
        [(c.value, c.data_type, c.number_format, c.font.b) for c in row]
        for row in sheet.iter_rows()
    ] == [
        [(title, "s", "General", True) for title in header],
        [
            ("Nino", "s", "General", False),
            (3, "n", "General", False),
            (2.8, "n", "0.00", False),
            (datetime(2026, 1, 3), "d", "yyyy-mm-dd", False),
        ],
        [
            ("Ani", "s", "General", False),
            (0, "n", "General", False),
            (1 / 3, "n", "0.00", False),
            (datetime(2000, 1, 1), "d", "yyyy-mm-dd", False),
        ],
    ]
    xml = part(data, "xl/worksheets/sheet1.xml")
    # Excel's serial of 2000-01-01 is 36526; a mean keeps every digit.
    assert '<c r="D3" s="3"><v>36526</v></c>' in xml
    assert '<c r="C3" s="2"><v>0.3333333333333333</v></c>' in xml


def test_header_is_frozen_and_the_filter_covers_the_data():
    count, data = written([["a", "b", "c"], *(["x", i, None] for i in range(2_500))])
    assert count == 2_500
    sheet = sheet_of(data)
    assert (sheet.title, sheet.freeze_panes, sheet.auto_filter.ref) == (
        "Candidates",
        "A2",
        "A1:C2501",
    )
    # Rows cross the chunks the XML is written in, in order.
    assert [row[1] for row in values(data)[1:]] == list(range(2_500))
    assert (
        '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        "Candidates!$A$1:$C$2501</definedName>"
    ) in part(data, "xl/workbook.xml")


def test_a_workbook_without_data_rows_has_its_header_and_filter():
    count, data = written([["reference", "name"]])
    assert count == 0
    sheet = sheet_of(data)
    assert values(data) == [["reference", "name"]]
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:B1")
    assert "Candidates!$A$1:$B$1" in part(data, "xl/workbook.xml")


def test_a_workbook_without_any_row_is_empty():
    count, data = written([])
    assert count == 0
    assert values(data) == []
    assert "definedName" not in part(data, "xl/workbook.xml")


def test_widths_fit_the_header_or_the_typical_value_up_to_45():
    header = [
        "id",
        "Country of residence (as written)",
        "x",
        "A header far too long to be shown in its whole length",
    ]
    _, data = written([header], widths=[20, 12])
    dimensions = sheet_of(data).column_dimensions
    # Excel's width of n digits: (7n + 5 pixels) in 256ths of a 7-pixel digit.
    assert {letter: dimensions[letter].width for letter in "ABCD"} == {
        "A": 20.7109375,  # the typical value: wider than "id" + 4
        "B": 37.7109375,  # the header + 4
        "C": 12.7109375,  # no typical width given: 12
        "D": 45.7109375,  # at most 45
    }
    assert all(dimensions[letter].customWidth for letter in "ABCD")


def test_columns_beyond_z_are_named_as_excel_names_them():
    _, data = written([[f"h{i}" for i in range(30)], list(range(30))])
    sheet = sheet_of(data)
    assert (sheet["Z2"].value, sheet["AA2"].value, sheet["AD2"].value) == (25, 26, 29)
    assert sheet.auto_filter.ref == "A1:AD2"


def test_a_value_of_another_type_is_refused():
    with pytest.raises(TypeError, match="cannot write datetime to a workbook"):
        written([["at"], [datetime(2026, 1, 1, 12)]])


def test_the_package_holds_the_parts_excel_needs_deflated():
    _, data = written([["a"], ["b"]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert [(i.filename, i.compress_type) for i in archive.infolist()] == [
            (name, zipfile.ZIP_DEFLATED)
            for name in (
                "[Content_Types].xml",
                "_rels/.rels",
                "xl/_rels/workbook.xml.rels",
                "xl/styles.xml",
                "xl/worksheets/sheet1.xml",
                "xl/workbook.xml",
            )
        ]
    types = part(data, "[Content_Types].xml")
    for name, kind in (
        ("/xl/workbook.xml", "sheet.main"),
        ("/xl/worksheets/sheet1.xml", "worksheet"),
        ("/xl/styles.xml", "styles"),
    ):
        assert (
            f'<Override PartName="{name}" '
            f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.{kind}+xml"/>'
        ) in types
