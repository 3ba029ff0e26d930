"""The export's typed rows as an XLSX workbook, written by XlsxWriter in constant-memory mode.

XLSX cells carry their type: text is written as a string cell, which no spreadsheet
evaluates, so it needs no formula guard and shows none; means are numbers shown with two
decimals, the day received a date. Each value goes through XlsxWriter's typed call
(``write_string``, ``write_number``, ``write_datetime``), never the generic ``write``,
which would take "=…" for a formula and "http…" for a link. In constant-memory mode each
row is flushed to a temporary file as the next one starts: memory stays flat. Loaded only
for an XLSX export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO

from xlsxwriter import Workbook

from tracker.exports.rows import Value

DATE_FORMAT = "yyyy-mm-dd"
MEAN_FORMAT = "0.00"
# No column wider than this (characters): a long header wraps rather than fill the screen.
_MAX_WIDTH = 45
# The control characters XML 1.0 cannot hold: they are dropped (Excel would show XlsxWriter's
# _xHHHH_ escape of them, a reader of the file a stray code).
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ILLEGAL = _ILLEGAL_CHARACTERS.search


def _legal(text: str) -> str:
    return _ILLEGAL_CHARACTERS.sub("", text) if _ILLEGAL(text) else text


def write_workbook(
    rows: Iterable[Sequence[Value]], fileobj: IO[bytes], widths: Sequence[int] = ()
) -> int:
    """Write *rows* (the header first) to *fileobj* as an XLSX workbook; return how many
    data rows it holds.

    The header row is bold and frozen, an autofilter covers the data, and each column is
    as wide as its header or its typical value (*widths*, by position), whichever is wider.
    An empty string or None leaves its cell empty.
    """
    workbook = Workbook(fileobj, {"constant_memory": True})
    sheet = workbook.add_worksheet("Candidates")
    bold = workbook.add_format({"bold": True})
    mean = workbook.add_format({"num_format": MEAN_FORMAT})
    day = workbook.add_format({"num_format": DATE_FORMAT})
    iterator = iter(rows)
    header = [str(title) for title in next(iterator, [])]
    typical = list(widths) + [12] * (len(header) - len(widths))
    for position, (title, value_width) in enumerate(zip(header, typical, strict=False)):
        sheet.set_column(position, position, min(max(len(title) + 4, value_width), _MAX_WIDTH))
        sheet.write_string(0, position, _legal(title), bold)
    sheet.freeze_panes(1, 0)
    write_string, write_number, write_datetime = (
        sheet.write_string, sheet.write_number, sheet.write_datetime
    )  # fmt: skip
    count = 0
    for count, values in enumerate(iterator, start=1):
        for position, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if value:
                    write_string(count, position, _legal(value))
            elif kind is float:
                write_number(count, position, value, mean)
            elif kind is int:
                write_number(count, position, value)
            elif kind is date:
                write_datetime(count, position, value, day)
    if header:
        # Any time before closing: XlsxWriter writes the filter after the rows.
        sheet.autofilter(0, 0, count, len(header) - 1)
    workbook.close()
    return count
