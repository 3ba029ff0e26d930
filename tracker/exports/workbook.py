"""The export's typed rows as an XLSX workbook, written by openpyxl in write-only mode.

XLSX cells carry their type: text is written as a string cell, which no spreadsheet
evaluates, so it needs no formula guard and shows none; means are numbers shown with two
decimals, the day received a date. Loaded only for an XLSX export (openpyxl is large).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker.exports.rows import Value

DATE_FORMAT = "yyyy-mm-dd"
MEAN_FORMAT = "0.00"
# No column wider than this (characters): a long header wraps rather than fill the screen.
_MAX_WIDTH = 45
# A string starting so is no plain text to openpyxl (a formula, an error code).
_UNTYPED_STARTS = frozenset(("=", "#"))
_ILLEGAL = ILLEGAL_CHARACTERS_RE.search


class _TypedCells:
    """Turns a row of values into what a write-only sheet appends: plain values where
    openpyxl types them as today's export did, a styled cell of the column otherwise.

    A write-only sheet writes each row as it is appended, so one styled cell per column
    serves every row (creating and styling a cell per value costs more than the rest).
    """

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        self.styled: dict[tuple[int, str], WriteOnlyCell] = {}

    def cell(self, position: int, kind: str) -> WriteOnlyCell:
        cell = self.styled.get((position, kind))
        if cell is None:
            cell = self.styled[position, kind] = WriteOnlyCell(self.sheet)
            if kind == "mean":
                cell.number_format = MEAN_FORMAT
            elif kind == "date":
                cell.number_format = DATE_FORMAT
        return cell

    def row(self, values: Sequence[Value]) -> list:
        row = list(values)
        for position, value in enumerate(row):
            kind = type(value)
            if kind is str:
                # openpyxl takes "=…" for a formula and "#N/A" for an error: text they stay.
                # XML cannot hold most control characters; openpyxl would refuse the cell.
                if value[:1] in _UNTYPED_STARTS or _ILLEGAL(value):
                    cell = self.cell(position, "text")
                    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                    cell.data_type = "s"
                    row[position] = cell
            elif kind is float:
                cell = row[position] = self.cell(position, "mean")
                cell.value = value
            elif kind is date:
                cell = row[position] = self.cell(position, "date")
                cell.value = value
        return row


def write_workbook(
    rows: Iterable[Sequence[Value]], fileobj: IO[bytes], widths: Sequence[int] = ()
) -> int:
    """Write *rows* (the header first) to *fileobj* as an XLSX workbook; return how many
    data rows it holds.

    A write-only workbook keeps rows on disk, not in memory. The header row is bold and
    frozen, an autofilter covers the data, and each column is as wide as its header or
    its typical value (*widths*, by position), whichever is wider (the widths and the
    frozen row are written before the first row).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Candidates")
    iterator = iter(rows)
    header = [str(title) for title in next(iterator, [])]
    typical = list(widths) + [12] * (len(header) - len(widths))
    for position, (title, value_width) in enumerate(zip(header, typical, strict=False), start=1):
        width = min(max(len(title) + 4, value_width), _MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", title))
        cell.data_type = "s"
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    cells = _TypedCells(sheet)
    count = 0
    for row in iterator:
        sheet.append(cells.row(row))
        count += 1
    if header:
        # Written at the end of the sheet: the range is known once every row is.
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    workbook.save(fileobj)
    return count
