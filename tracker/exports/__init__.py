"""Candidate lists as CSV or XLSX, and the selected candidates' documents as one ZIP.

Exports select exactly what the inbox shows for the same filter (inbox.filter and
inbox.query): an admin exports "this list", newest first like the inbox. Rows come from one
query with the related values joined in SQL (:mod:`.rows`), read in one streaming pass:
as CSV cells for :func:`write_csv` (:mod:`.writers`), or typed for :func:`write_xlsx`
(:mod:`.workbook`), which writes numbers, dates and strings as typed cells. Memory stays
flat and the number of queries never depends on the number of rows. Headers are words in
the exporting user's language, or the column keys for machines (:mod:`.columns`).

Every export is audited with the filter (free text redacted), the columns, the header
choice and the row count. The contact columns of applicants at risk are left empty unless
the exporting admin asks for them; the audit row then says so, with how many there were.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from tracker.audit import filter_for_audit, record_event
from tracker.exports.columns import (
    CONTACT_COLUMNS,
    CRITERION_COLUMNS,
    EXPORT_COLUMNS,
    HEADER_CHOICES,
    HEADERS_AS_KEYS,
    HEADERS_FOR_PEOPLE,
    ExportError,
    check_columns,
    column_headers,
    column_widths,
)
from tracker.exports.documents import iter_file, write_documents_zip
from tracker.exports.rows import BATCH_SIZE, export_rows, neutralise
from tracker.exports.workbook import write_xlsx
from tracker.exports.writers import write_csv
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import count_filtered, filtered_rows_statement
from tracker.models import ApplicantSafety, Application, User

__all__ = [
    "BATCH_SIZE",
    "CONTACT_COLUMNS",
    "CRITERION_COLUMNS",
    "EXPORT_COLUMNS",
    "FORMATS",
    "HEADERS_AS_KEYS",
    "HEADERS_FOR_PEOPLE",
    "HEADER_CHOICES",
    "XLSX_TYPE",
    "ExportError",
    "at_risk_details",
    "ExportFile",
    "check_columns",
    "column_headers",
    "column_widths",
    "export_file",
    "export_rows",
    "iter_file",
    "neutralise",
    "record_export",
    "write_csv",
    "write_documents_zip",
    "write_xlsx",
]

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Files beyond this size are spooled to disk: an export is never all in memory.
SPOOL_MAX_SIZE = 8 * 1024 * 1024


def record_export(
    kind: str,
    f: InboxFilter,
    *,
    user: User | None,
    columns: Sequence[str] | None = None,
    headers: str | None = None,
    at_risk_contacts: bool = False,
) -> int:
    """Count what *f* selects, audit the export (``export.<kind>``), commit, return the count.

    The audit row says what was exported – the filter (search and tag redacted, see
    :func:`tracker.audit.filter_for_audit`), the columns and headers, how many rows – and
    holds nothing about the people in it. Where a list (not the documents) holds applicants
    at risk, or the admin asked for their contact details, it also says how many and
    whether their contact details were ``included`` or ``left out`` (*at_risk_contacts*).
    """
    count = count_filtered(f, user=user)
    details: dict = {"filter": filter_for_audit(f), "rows": count}
    if columns is not None:
        details["columns"] = list(columns)
        details |= at_risk_details(count_at_risk(f, user=user), at_risk_contacts)
    if headers is not None:
        details["headers"] = headers
    record_event(f"export.{kind}", actor=user, **details)
    db.session.commit()
    return count


def count_at_risk(f: InboxFilter, *, user: User | None) -> int:
    """Return how many of the applications *f* selects are applicants at risk."""
    selected = filtered_rows_statement(f, user=user, columns=[Application.id]).order_by(None)
    return db.session.scalar(
        select(func.count()).where(ApplicantSafety.application_id.in_(selected))
    )


def at_risk_details(at_risk: int, at_risk_contacts: bool) -> dict:
    """Return what an export's audit row says about applicants at risk (nothing if none and
    their contact details were not asked for)."""
    if not at_risk and not at_risk_contacts:
        return {}
    return {
        "at_risk_rows": at_risk,
        "at_risk_contacts": "included" if at_risk_contacts else "left out",
    }


@dataclass
class ExportFile:
    """An export ready to stream: its chunks, content type and file name."""

    chunks: Iterator[str] | Iterator[bytes]
    content_type: str
    filename: str


def export_file(
    kind: str,
    f: InboxFilter,
    *,
    user: User,
    columns: Sequence[str] | None = None,
    headers: str = HEADERS_FOR_PEOPLE,
    today: date | None = None,
    at_risk_contacts: bool = False,
) -> ExportFile:
    """Audit and build the export *kind* (csv, xlsx or documents) of what *f* selects.

    A CSV is written while it streams; an XLSX or ZIP is written first, spooled to disk.
    *headers* (``people`` or ``keys``) names the columns of a CSV or XLSX; the contact
    columns of applicants at risk are empty unless *at_risk_contacts*.
    """
    stem = f"candidates-{(today or date.today()).isoformat()}"
    if kind == "documents":
        record_export("documents", f, user=user)
        archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # noqa: SIM115
        write_documents_zip(f, user=user, fileobj=archive)
        archive.seek(0)
        return ExportFile(iter_file(archive), "application/zip", f"{stem}-documents.zip")
    chosen = check_columns(columns)
    if headers not in HEADER_CHOICES:
        raise ExportError(f"unknown headers: {headers}")
    record_export(
        kind, f, user=user, columns=columns, headers=headers, at_risk_contacts=at_risk_contacts
    )
    # The CSV streams after this returns, in a database session of its own: load the
    # user's attributes now (the audit commit expired them), so the stream can read them.
    db.session.refresh(user)
    if kind == "xlsx":
        rows = export_rows(
            f, user=user, columns=chosen, headers=headers, at_risk_contacts=at_risk_contacts
        )
        workbook = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # noqa: SIM115
        write_xlsx(rows, workbook, column_widths(chosen))
        workbook.seek(0)
        return ExportFile(iter_file(workbook), XLSX_TYPE, f"{stem}.xlsx")
    rows = export_rows(
        f, user=user, columns=chosen, headers=headers, text=True, at_risk_contacts=at_risk_contacts
    )
    return ExportFile(write_csv(rows), "text/csv; charset=utf-8", f"{stem}.csv")
