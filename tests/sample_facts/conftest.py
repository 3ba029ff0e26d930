"""Writing samples stored as a submission stores them, with the text extraction gave."""

from __future__ import annotations

import hashlib

import pytest

from tracker.documents.storage import new_staging_path, store_staged
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.models import Application, Document
from tracker.sample_facts.job import queue_sample_facts


def store_sample(application: Application, text: str | None) -> Document:
    """Store a TXT writing sample of *application* whose extracted text is *text*, and
    queue its measuring as the extract_text job does; commit."""
    data = (text or " ").encode()
    staged = new_staging_path()
    staged.write_bytes(data)
    document = Document(
        application=application,
        kind="writing_sample",
        filename="sample.txt",
        file_type="txt",
        content_type="text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=store_staged(staged),
        flags=[],
        text=text,
    )
    db.session.add(document)
    db.session.flush()
    queue_sample_facts(application.id)
    db.session.commit()
    return document


def words(prefix: str, count: int, start: int = 0) -> str:
    """Return *count* distinct words such as "hafen12 hafen13 …"."""
    return " ".join(f"{prefix}{n}" for n in range(start, start + count))


@pytest.fixture
def measure():
    """Run the queued sample_facts jobs as the worker does; return its report."""

    def run():
        return run_pending(kinds={"sample_facts"})

    return run
