"""The selected candidates' documents as one ZIP, copied from storage in chunks."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from itertools import islice
from typing import IO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import defer, raiseload

from tracker.documents.serve import zip_member_name
from tracker.documents.storage import open_stored
from tracker.exports.rows import BATCH_SIZE
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import iter_filtered
from tracker.models import Application, Document, User


def _batches(applications: Iterator[Application], size: int) -> Iterator[list[Application]]:
    while chunk := list(islice(applications, size)):
        yield chunk


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
