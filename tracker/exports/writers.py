"""The export's rows written as CSV (text, formula-guarded) or as an XLSX workbook (typed).

Spreadsheet programs run a CSV cell that starts with ``= + - @`` (or a TAB, CR or LF before
one) as a formula: an applicant who names themselves ``=HYPERLINK(…)`` would otherwise get
code run on an editor's machine (OWASP "CSV injection"). In CSV every such cell is
prefixed with ``'`` (:func:`neutralise`). XLSX cells carry their type: text is written
as a string cell, which no spreadsheet evaluates, so it needs no prefix and shows none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker.exports.rows import Value

# What a spreadsheet may take as the start of a formula (OWASP CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
DATE_FORMAT = "yyyy-mm-dd"
MEAN_FORMAT = "0.00"
# No column wider than this (characters): a long header wraps rather than fill the screen.
_MAX_WIDTH = 45


def neutralise(cell: str) -> str:
    """Return *cell* so that no spreadsheet runs it as a formula: a leading ``'`` if needed."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def csv_text(value: Value) -> str:
    """Return *value* as a CSV cell: means with two decimals, dates as ISO, text guarded."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return neutralise(value)


def write_csv(rows: Iterable[Sequence[Value]]) -> Iterator[str]:
    """Yield *rows* as CSV lines, every text cell neutralised, after a BOM (Excel reads UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in rows:
        writer.writerow([csv_text(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _xlsx_cell(sheet, value: Value) -> WriteOnlyCell:
    """Return *value* as a typed cell: a number, a date, or a string (never a formula)."""
    if isinstance(value, str):
        # XML cannot hold most control characters; openpyxl would refuse the cell.
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        # openpyxl takes a string starting with "=" for a formula: text it stays.
        cell.data_type = "s"
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, float):
        cell.number_format = MEAN_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def write_xlsx(
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
        cell = _xlsx_cell(sheet, title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in iterator:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    if header:
        # Written at the end of the sheet: the range is known once every row is.
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    workbook.save(fileobj)
    return count
