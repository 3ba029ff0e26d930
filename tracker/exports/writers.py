"""The export's rows written as CSV (text, formula-guarded); XLSX is :mod:`.workbook`.

Spreadsheet programs run a CSV cell that starts with ``= + - @`` (or a TAB, CR or LF before
one) as a formula: an applicant who names themselves ``=HYPERLINK(…)`` would otherwise get
code run on an editor's machine (OWASP "CSV injection"). In CSV every such cell is
prefixed with ``'``: the rows arrive guarded (``export_rows(text=True)``, in SQL, see
:func:`tracker.exports.rows.guard`). XLSX cells carry their type (:mod:`.workbook`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

# CSV rows written per chunk of the stream.
_CHUNK_ROWS = 1000


def write_csv(rows: Iterable[Sequence[str | int | None]]) -> Iterator[str]:
    """Yield *rows* of CSV cells (``export_rows(text=True)``: text already guarded) as CSV
    text, a BOM first (Excel reads UTF-8), then a chunk of lines per thousand rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    iterator = iter(rows)
    while True:
        writer.writerows(islice(iterator, _CHUNK_ROWS))
        chunk = buffer.getvalue()
        if not chunk:
            return
        yield chunk
        buffer.seek(0)
        buffer.truncate()
