"""What admins see of the background jobs, and their one action on them: retry a failed job."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import JobStatus
from tracker.extensions import db
from tracker.jobs.registry import KINDS
from tracker.models import Job, User

JOBS_PAGE_SIZE = 50
# Done jobs are counted, not listed: they are the thousands that need no one.
LISTED = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED)
JOB_STATUS_LABELS = {
    JobStatus.QUEUED: _l("Waiting"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.DONE: _l("Done"),
    JobStatus.FAILED: _l("Failed"),
}


class JobActionError(ValueError):
    """A job is no longer in the state the action needs (someone was first)."""


def job_counts() -> dict[JobStatus, int]:
    """Return how many jobs are in each state, every state listed (0 where none)."""
    counts = dict.fromkeys(JobStatus, 0)
    for status, count in db.session.execute(
        select(Job.status, func.count(Job.id)).group_by(Job.status)
    ):
        counts[JobStatus(status)] = count
    return counts


def jobs_page(page: int) -> Pagination:
    """Return page *page* of the waiting, running and failed jobs, newest first.

    JOBS_PAGE_SIZE a page; a page number below 1 shows the first page, one past the end an
    empty page.
    """
    return db.paginate(
        select(Job)
        .where(Job.status.in_([status.value for status in LISTED]))
        .order_by(Job.id.desc()),
        page=page,
        per_page=JOBS_PAGE_SIZE,
        max_per_page=JOBS_PAGE_SIZE,
        error_out=False,
    )


def retry_job(job_id: int, *, by: User) -> Job:
    """Queue a failed job again with a fresh count of attempts, audited; commit.

    :raises JobActionError: the job is gone or no longer failed.
    """
    begin_write()
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is None or job.status != JobStatus.FAILED.value:
        db.session.rollback()
        raise JobActionError(
            _("This job is no longer failed – perhaps a colleague retried it. Please look again.")
        )
    job.status = JobStatus.QUEUED.value
    job.attempts = 0
    job.next_attempt_at = job.finished_at = job.claimed_at = job.last_error = None
    kind = KINDS.get(job.kind)
    if kind is not None and kind.mirror is not None:
        kind.mirror(job)
    record_event("job.retried", actor=by, job=job.id, kind=job.kind)
    db.session.commit()
    return job
