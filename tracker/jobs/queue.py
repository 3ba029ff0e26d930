"""Queue background work in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete

from tracker.enums import JobStatus
from tracker.extensions import db
from tracker.jobs.registry import KINDS
from tracker.models import Job


def enqueue(kind: str, **payload) -> Job:
    """Add a job of *kind* to ``db.session``, in the caller's transaction, and return it.

    Nothing is committed: the job is written together with the change that causes it, or
    not at all. *payload* is small and JSON: ids (``email_id=7``), never personal data.

    :raises ValueError: no module declares *kind*.
    """
    if kind not in KINDS:
        raise ValueError(f"no job kind {kind!r}")
    job = Job(kind=kind, payload=payload)
    db.session.add(job)
    return job


def delete_jobs(kind: str, field: str, ids: Select) -> None:
    """Delete, in the caller's transaction, the jobs of *kind* whose payload *field* is
    one of *ids* (a SELECT of ids): an erasure takes the work about its rows with them."""
    db.session.execute(
        delete(Job)
        .where(Job.kind == kind, Job.payload[field].as_integer().in_(ids))
        .execution_options(synchronize_session=False)
    )


def forget_done_jobs(before: datetime) -> int:
    """Delete the jobs that finished successfully before *before*; return how many.

    Done jobs are only counted on the admins' page; without this the table would grow by
    two rows per application for ever. Failed and waiting jobs are kept.
    """
    result = db.session.execute(
        delete(Job)
        .where(Job.status == JobStatus.DONE.value, Job.finished_at < before)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
