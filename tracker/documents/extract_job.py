"""Read a submitted application's documents afterwards: the extract_text job.

A submission stores and checks its documents in the request (a PDF must open and have a
page: tracker.documents.validate) and queues this job in the same transaction; the worker
then reads each document's text, stores it and indexes the application for search again,
and counts each PDF's pages for the reader (in the limited child of
tracker.documents.pages). Until then the candidate page says the text is not extracted
and the pages not prepared yet, and search finds the applicant by their answers but not by
their documents.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.database import begin_write
from tracker.documents.extract import extract_text
from tracker.documents.pages import count_pages
from tracker.documents.storage import local_copy
from tracker.enums import DocumentKind, FileType, JobStatus
from tracker.extensions import db
from tracker.jobs.queue import enqueue
from tracker.jobs.registry import ClaimedJob, job_kind
from tracker.models import Application, Job
from tracker.sample_facts.job import queue_sample_facts
from tracker.search import index_application

EXTRACT_TEXT = "extract_text"


def queue_extraction(application: Application) -> Job:
    """Queue the reading of *application*'s documents, in the caller's transaction."""
    if application.id is None:
        db.session.flush()
    return enqueue(EXTRACT_TEXT, application_id=application.id)


def extraction_pending(application_id: int) -> bool:
    """Tell whether the text of an application's documents is still to be read."""
    return (
        db.session.scalar(
            select(Job.id)
            .where(
                Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
                Job.kind == EXTRACT_TEXT,
                Job.payload["application_id"].as_integer() == application_id,
            )
            .limit(1)
        )
        is not None
    )


def read_stored_document(storage_key: str, file_type: str) -> tuple[str | None, int | None]:
    """Return the text of the stored document under *storage_key* (None if unreadable)
    and, for a PDF, its page count (0 if it cannot be counted; None for other types).

    The one place where background work reads a stored document: a local copy on either
    storage backend. A missing object or an unreachable bucket raises OSError, and the job
    is tried again later.
    """
    with local_copy(storage_key) as path:
        text = extract_text(path, FileType(file_type))
        pages = count_pages(path) if file_type == FileType.PDF else None
    return text, pages


@job_kind(EXTRACT_TEXT, label=_l("Read the text of an application's documents"))
def extract_documents(job: ClaimedJob, _resource: None) -> bool:
    """Read, store and index the text of the documents of the job's application, and
    store each PDF's page count.

    The documents are parsed with no transaction open (no SQLite write lock is held while
    a slow PDF is read); False if the application was erased before or meanwhile.
    """
    application_id = job.payload["application_id"]
    application = db.session.get(Application, application_id)
    if application is None:
        db.session.commit()
        return False
    stored = [(each.id, each.storage_key, each.file_type) for each in application.documents]
    db.session.commit()
    read = {document_id: read_stored_document(key, kind) for document_id, key, kind in stored}
    begin_write()
    application = db.session.get(Application, application_id, populate_existing=True)
    if application is None:
        db.session.commit()
        return False
    for document in application.documents:
        if document.id in read:
            document.text, document.page_count = read[document.id]
    index_application(application)
    # The sample's facts are measured from the text stored here: queued with it.
    if any(document.kind == DocumentKind.WRITING_SAMPLE for document in application.documents):
        queue_sample_facts(application_id)
    db.session.commit()
    return True
