"""Candidate lists as CSV or XLSX, and the selected candidates' documents as one ZIP.

Exports select exactly what the inbox shows for the same filter (inbox.filter and
inbox.query): an admin exports "this list". Rows are data first
(:func:`export_rows`); :func:`write_csv` and :func:`write_xlsx` wrap them. Both stream, in
id-ordered batches with the related rows bulk-loaded per batch, so memory stays flat and the
number of queries depends on the number of batches, never on the number of rows.

Spreadsheet programs run a cell that starts with ``= + - @`` (or a TAB, CR or LF before
one) as a formula: an applicant who names themselves ``=HYPERLINK(…)`` would otherwise get
code run on an editor's machine (OWASP "CSV injection"). Every such cell is prefixed with
``'`` (:func:`neutralise`), and XLSX cells are written as strings, never as formulas.

Every export is audited with the filter (free text redacted), the columns and the row count.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import IO

from flask import current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select
from sqlalchemy.orm import defer, raiseload

from tracker.applications.ratings import criterion_means, rated_by
from tracker.audit import filter_for_audit, record_event
from tracker.documents.serve import zip_member_name
from tracker.documents.storage import open_stored
from tracker.enums import DocumentKind, RubricCriterion
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import count_filtered, iter_filtered, iter_filtered_rows
from tracker.labels import language_with_level
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Document,
    Tag,
    User,
    application_tags,
)
from tracker.urls import external_url

BATCH_SIZE = 1000
CRITERION_COLUMNS = tuple(f"mean_{criterion.value}" for criterion in RubricCriterion)
# The allow-list of columns, in the order they are written. Nothing else can be exported.
EXPORT_COLUMNS = (
    "reference",
    "full_name",
    "email",
    "phone",
    "country",
    "country_other",
    "city",
    "regions",
    "languages",
    "topics",
    "status",
    "tags",
    "assignee",
    "rating_count",
    "rating_mean",
    *CRITERION_COLUMNS,
    "received",
    "candidate_link",
    "documents",
)
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Files beyond this size are spooled to disk: an export is never all in memory.
SPOOL_MAX_SIZE = 8 * 1024 * 1024
# What a spreadsheet may take as the start of a formula (OWASP CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_DOCUMENT_ORDER = [kind.value for kind in DocumentKind]


class ExportError(ValueError):
    """The export cannot be made as asked (unknown column or format)."""


def check_columns(columns: Iterable[str] | None) -> list[str]:
    """Return *columns* in export order, every one allow-listed; all columns for None.

    :raises ExportError: for an unknown column or an empty choice.
    """
    if columns is None:
        return list(EXPORT_COLUMNS)
    wanted = set(columns)
    unknown = wanted - set(EXPORT_COLUMNS)
    if unknown:
        raise ExportError(f"unknown columns: {', '.join(sorted(unknown))}")
    if not wanted:
        raise ExportError("choose at least one column")
    return [column for column in EXPORT_COLUMNS if column in wanted]


def neutralise(cell: str) -> str:
    """Return *cell* so that no spreadsheet runs it as a formula: a leading ``'`` if needed."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


# --- rows ----------------------------------------------------------------------------


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _batches(applications: Iterator[Application], size: int) -> Iterator[list[Application]]:
    while chunk := list(islice(applications, size)):
        yield chunk


# Core columns of an application that the export reads: no ORM objects, no identity map.
_APPLICATION_COLUMNS = (
    Application.id,
    Application.reference,
    Application.full_name,
    Application.email,
    Application.phone,
    Application.country,
    Application.country_other,
    Application.city,
    Application.status,
    Application.assignee_id,
    Application.rating_count,
    Application.rating_mean,
    Application.created_at,
)


def _grouped(statement, shape=lambda value: value) -> dict[int, list]:
    """Return application id -> *shape*(the values) of each row of *statement*, in order."""
    grouped: dict[int, list] = {}
    for application_id, *values in db.session.execute(statement):
        grouped.setdefault(application_id, []).append(shape(*values))
    return grouped


def _related(ids: list[int], columns: Sequence[str]) -> dict[str, dict[int, list]]:
    """Return the related values of the applications *ids*: one query per kind and batch."""
    related: dict[str, dict[int, list]] = {}
    spoken, topic, region = ApplicationLanguage, ApplicationTopic, ApplicationRegion
    # Languages in words, in the exporting editor's language; regions in the applicant's order.
    for name, owner, values, order, shape in (
        ("languages", spoken.application_id, (spoken.language, spoken.level, spoken.name),
         spoken.position, language_with_level),
        ("topics", topic.application_id, (topic.topic,), topic.topic, None),
        ("regions", region.application_id, (region.region,), region.position, None),
    ):  # fmt: skip
        if name in columns:
            statement = select(owner, *values).where(owner.in_(ids)).order_by(owner, order)
            related[name] = _grouped(statement, shape or (lambda value: value))
    if "tags" in columns:
        related["tags"] = _grouped(
            select(application_tags.c.application_id, Tag.name)
            .join(Tag, Tag.id == application_tags.c.tag_id)
            .where(application_tags.c.application_id.in_(ids))
            .order_by(application_tags.c.application_id, Tag.name)
        )
    if "documents" in columns:
        related["documents"] = _grouped(
            select(Document.application_id, Document.kind).where(Document.application_id.in_(ids))
        )
    return related


def export_rows(
    f: InboxFilter,
    *,
    user: User | None,
    columns: Sequence[str] | None = None,
    batch: int = BATCH_SIZE,
) -> Iterator[list[str]]:
    """Yield the header, then one row of strings per application *f* matches, in id order.

    Rows are read with Core, in id-ordered batches; related values (languages, topics,
    tags, documents, means) with one query per kind and batch.

    :param user: who exports (the filter's "me"); None on the command line. Editors see
        rating means only of candidates they rated (the blind first pass, as in the inbox);
        admins and the command line see every mean.
    :param columns: a subset of EXPORT_COLUMNS (see :func:`check_columns`); all by default.
    """
    columns = check_columns(columns)
    yield list(columns)
    wants_link = "candidate_link" in columns
    sees_all = user is None or user.is_admin
    assignees: dict[int, str] = {}
    if "assignee" in columns:
        assignees = dict(db.session.execute(select(User.id, User.name)).all())
    wants_means = any(column in CRITERION_COLUMNS for column in columns)
    wants_visible = wants_means or "rating_mean" in columns
    for chunk in iter_filtered_rows(f, user=user, columns=_APPLICATION_COLUMNS, batch=batch):
        ids = [row.id for row in chunk]
        related = _related(ids, columns)
        languages = related.get("languages", {})
        topics = related.get("topics", {})
        tags = related.get("tags", {})
        kinds = related.get("documents", {})
        visible: set[int] = set()
        if wants_visible:
            visible = set(ids) if sees_all else rated_by(user, ids)
        means = criterion_means(visible) if wants_means and visible else {}
        for row in chunk:
            application_id = row.id
            shown = application_id in visible
            mean = means.get(application_id, {})
            values = {
                "reference": row.reference,
                "full_name": row.full_name,
                "email": row.email,
                "phone": row.phone or "",
                "country": row.country,
                "country_other": row.country_other or "",
                "city": row.city,
                "regions": "; ".join(related.get("regions", {}).get(application_id, ())),
                "languages": "; ".join(languages.get(application_id, ())),
                "topics": "; ".join(sorted(topics.get(application_id, ()))),
                "status": row.status,
                "tags": "; ".join(tags.get(application_id, ())),
                "assignee": assignees.get(row.assignee_id, "") if row.assignee_id else "",
                "rating_count": str(row.rating_count),
                "rating_mean": _number(row.rating_mean if shown else None),
                "received": row.created_at.date().isoformat(),
                # PUBLIC_BASE_URL names the site: a request's Host header can be forged.
                "candidate_link": (
                    external_url("review.candidate", application_id=application_id)
                    if wants_link
                    else ""
                ),
                "documents": "; ".join(
                    kind for kind in _DOCUMENT_ORDER if kind in set(kinds.get(application_id, ()))
                ),
            }
            for criterion, column in zip(RubricCriterion, CRITERION_COLUMNS, strict=True):
                values[column] = _number(mean.get(criterion.value))
            yield [values[column] for column in columns]


# --- writers -------------------------------------------------------------------------


def write_csv(rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """Yield *rows* as CSV lines, every cell neutralised, after a BOM (Excel reads UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def write_xlsx(rows: Iterable[Sequence[str]], fileobj: IO[bytes]) -> int:
    """Write *rows* to *fileobj* as an XLSX workbook; return how many data rows it holds.

    A write-only workbook keeps rows on disk, not in memory. Every cell is a neutralised
    string with its type forced to text: ``=HYPERLINK(…)`` is shown, never evaluated.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Candidates")
    count = -1
    for row in rows:
        cells = []
        for value in row:
            # XML cannot hold most control characters; openpyxl would refuse the cell.
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", neutralise(value)))
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(fileobj)
    return max(count, 0)


def write_documents_zip(f: InboxFilter, *, user: User | None, fileobj: IO[bytes]) -> int:
    """Write the documents of every application *f* matches to *fileobj* as a ZIP.

    Entries are ``<reference>/<kind>-<filename>``; files are copied from storage in
    chunks, never read whole. A file missing from storage is left out (and logged).

    :returns: how many documents were written.
    """
    count = 0
    options = (raiseload("*"), defer(Application.cover_letter, raiseload=True))
    applications = iter_filtered(f, user=user, batch=BATCH_SIZE, options=options)
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for chunk in _batches(applications, BATCH_SIZE):
            references = {application.id: application.reference for application in chunk}
            documents = db.session.execute(
                select(
                    Document.application_id, Document.kind, Document.filename, Document.storage_key
                )
                .where(Document.application_id.in_(list(references)))
                .order_by(Document.application_id, Document.id)
            ).all()
            for application_id, kind, filename, key in documents:
                name = f"{references[application_id]}/{kind}-{zip_member_name(filename)}"
                try:
                    source = open_stored(key)
                except (OSError, ValueError):
                    current_app.logger.warning("export: stored file of a document is missing")
                    continue
                with source, archive.open(name, "w", force_zip64=True) as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
                count += 1
            for application in chunk:
                db.session.expunge(application)
    return count


def iter_file(fileobj: IO[bytes], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """Yield the contents of *fileobj* in chunks, and close it at the end (or on abort)."""
    try:
        while chunk := fileobj.read(chunk_size):
            yield chunk
    finally:
        fileobj.close()


# --- audit ---------------------------------------------------------------------------


def record_export(
    kind: str, f: InboxFilter, *, user: User | None, columns: Sequence[str] | None = None
) -> int:
    """Count what *f* selects, audit the export (``export.<kind>``), commit, return the count.

    The audit row says what was exported – the filter (search and tag redacted, see
    :func:`tracker.audit.filter_for_audit`), the columns, how many rows – and holds
    nothing about the people in it.
    """
    count = count_filtered(f, user=user)
    details = {"filter": filter_for_audit(f), "rows": count}
    if columns is not None:
        details["columns"] = list(columns)
    record_event(f"export.{kind}", actor=user, **details)
    db.session.commit()
    return count


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
    today: date | None = None,
) -> ExportFile:
    """Audit and build the export *kind* (csv, xlsx or documents) of what *f* selects.

    A CSV is written while it streams; an XLSX or ZIP is written first, spooled to disk.
    """
    stem = f"candidates-{(today or date.today()).isoformat()}"
    if kind == "documents":
        record_export("documents", f, user=user)
        archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # noqa: SIM115
        write_documents_zip(f, user=user, fileobj=archive)
        archive.seek(0)
        return ExportFile(iter_file(archive), "application/zip", f"{stem}-documents.zip")
    record_export(kind, f, user=user, columns=columns)
    # The CSV streams after this returns, in a database session of its own: load the
    # user's attributes now (the audit commit expired them), so the stream can read them.
    db.session.refresh(user)
    rows = export_rows(f, user=user, columns=columns)
    if kind == "xlsx":
        workbook = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # noqa: SIM115
        write_xlsx(rows, workbook)
        workbook.seek(0)
        return ExportFile(iter_file(workbook), XLSX_TYPE, f"{stem}.xlsx")
    return ExportFile(write_csv(rows), "text/csv; charset=utf-8", f"{stem}.csv")
