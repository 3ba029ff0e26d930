"""Run due jobs: claim each atomically, run it, record done, retry later, or failed.

The one implementation of claiming, backoff and stale claims (ARCHITECTURE.md §3). Each
job is claimed in a write transaction of its own — on PostgreSQL ``SELECT … FOR UPDATE SKIP
LOCKED``, so two workers pass each other by; on SQLite under the write lock that
:func:`tracker.database.begin_write` takes — and the claim is committed before the handler
runs, so no transaction stays open while it works and no two workers run one job.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime

from flask import has_request_context
from sqlalchemy import or_, select, text

from tracker.database import begin_write
from tracker.enums import JobStatus
from tracker.extensions import db
from tracker.jobs.queue import enqueue
from tracker.jobs.registry import (
    KINDS,
    ClaimedJob,
    JobFailed,
    JobKind,
    KindUnavailable,
    RetryLater,
)
from tracker.models import Job, utcnow

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted: the worker stopped after claiming this job"


@dataclass
class JobReport:
    """What one pass did: jobs claimed, how they ended, and the kinds found unavailable."""

    attempted: int = 0
    done: int = 0
    skipped: int = 0
    deferred: int = 0
    failed: int = 0
    stopped: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Failure:
    error: str
    permanent: bool | None  # None: retry, and the kind is unavailable for this pass


def run_pending(
    *, now: datetime | None = None, limit: int = 100, kinds: set[str] | None = None
) -> JobReport:
    """Run the jobs that are due, each once, and record how each ended.

    Run it outside any request, after the transactions that queued the jobs committed;
    `flask worker` does. Stale claims are reset first, and recurring kinds queued when due.
    A handler that raises KindUnavailable ends the pass for its kind.

    :param now: the current time as naive UTC; tests pass it to move the clock.
    :param limit: the most jobs to claim in this pass.
    :param kinds: run only these kinds (None: all).
    :raises RuntimeError: inside a request — a web request never waits on background work.
    """
    if has_request_context():
        raise RuntimeError("run_pending() runs in the worker, never in a request")
    now = now or utcnow()
    report = JobReport()
    reset_stale_claims(now)
    queue_recurring(now, kinds)
    with ExitStack() as resources:
        opened: dict[str, object] = {}
        while report.attempted < limit:
            wanted = set(KINDS) if kinds is None else set(kinds)
            job = claim_next(now, wanted - report.stopped)
            if job is None:
                break
            report.attempted += 1
            kind = KINDS.get(job.kind)
            failure, did_work = _run(job, kind, opened, resources)
            _record_outcome(job, kind, failure, did_work, now, report)
            if failure is not None and failure.permanent is None:
                report.stopped.add(job.kind)
    db.session.commit()
    return report


def claim_next(now: datetime, kinds: set[str]) -> ClaimedJob | None:
    """Claim the oldest due job of *kinds* for this worker and commit; None if none is due.

    Claiming counts as an attempt.
    """
    if not kinds:
        return None
    due = select(Job).where(
        Job.status == JobStatus.QUEUED.value, _is_due(now), Job.kind.in_(sorted(kinds))
    )
    if _none(due):
        return None
    begin_write()
    job = db.session.scalars(
        due.order_by(Job.id).limit(1).with_for_update(skip_locked=True)
    ).first()
    if job is None:
        db.session.commit()
        return None
    job.status = JobStatus.RUNNING.value
    job.claimed_at = now
    job.attempts += 1
    _mirror(job)
    claimed = ClaimedJob(job.id, job.kind, dict(job.payload), job.attempts, now)
    db.session.commit()
    return claimed


def _is_due(now: datetime):
    return or_(Job.next_attempt_at.is_(None), Job.next_attempt_at <= now)


def _run(
    job: ClaimedJob, kind: JobKind | None, opened: dict, resources: ExitStack
) -> tuple[_Failure | None, bool]:
    """Run one claimed job; return why it failed (None if it did not) and if it did work.

    A failure's *permanent* is True (fail now), False (retry) or None (retry, and the
    kind is unavailable for the rest of the pass).
    """
    if kind is None:
        return _Failure(f"no handler for the job kind {job.kind!r}", permanent=True), False
    try:
        if kind.name not in opened:
            opened[kind.name] = (
                resources.enter_context(kind.open_pass()) if kind.open_pass else None
            )
        did_work = kind.run(job, opened[kind.name])
    except JobFailed as error:
        db.session.rollback()
        return _Failure(str(error), permanent=True), False
    except KindUnavailable as error:
        db.session.rollback()
        return _Failure(str(error), permanent=None), False
    except RetryLater as error:
        db.session.rollback()
        return _Failure(str(error), permanent=False), False
    except Exception as error:
        db.session.rollback()
        log.exception("job %s (%s) raised", job.id, job.kind)
        return _Failure(f"{type(error).__name__}: {error}", permanent=False), False
    return None, did_work is not False


def _record_outcome(
    claimed: ClaimedJob,
    kind: JobKind | None,
    failure: _Failure | None,
    did_work: bool,
    now: datetime,
    report: JobReport,
) -> None:
    """Write how one attempt ended and commit it, so a crash later loses nothing."""
    begin_write()
    job = db.session.get(Job, claimed.id, populate_existing=True)
    if job is None:  # removed while it ran; there is nothing left to record
        db.session.commit()
        return
    if failure is None:
        job.status, job.finished_at, job.last_error = JobStatus.DONE.value, now, None
        if did_work:
            report.done += 1
        else:
            report.skipped += 1
        log.info("job %s (%s) done%s", job.id, job.kind, "" if did_work else ": nothing to do")
    elif failure.permanent or kind is None or job.attempts >= kind.max_attempts():
        job.status, job.finished_at, job.last_error = JobStatus.FAILED.value, now, failure.error
        report.failed += 1
        log.warning("job %s (%s) failed: %s", job.id, job.kind, failure.error)
    else:
        job.status = JobStatus.QUEUED.value
        job.next_attempt_at = now + kind.retry_delay(job.attempts)
        job.last_error = failure.error
        report.deferred += 1
        log.info(
            "job %s (%s) retried at %s: %s", job.id, job.kind, job.next_attempt_at, failure.error
        )
    _mirror(job)
    db.session.commit()


def reset_stale_claims(now: datetime) -> int:
    """Requeue jobs whose worker stopped after claiming them, or fail them if out of attempts.

    The stopped worker may have done the work before it died; doing it again is the lesser
    harm (an email keeps its Message-ID, so a receiver can tell the duplicate). The
    interrupted attempt counts, so a job that kills its worker cannot loop forever.
    Commits; returns how many claims were reset.
    """
    running = select(Job).where(Job.status == JobStatus.RUNNING.value)
    if _none(running):
        return 0
    begin_write()
    running = db.session.scalars(running.with_for_update(skip_locked=True)).all()
    reset = 0
    for job in running:
        kind = KINDS.get(job.kind)
        if kind is not None and job.claimed_at and job.claimed_at >= now - kind.stale_after():
            continue
        out_of_attempts = kind is None or job.attempts >= kind.max_attempts()
        job.status = (JobStatus.FAILED if out_of_attempts else JobStatus.QUEUED).value
        job.finished_at = now if out_of_attempts else None
        job.last_error = INTERRUPTED
        _mirror(job)
        log.warning("job %s (%s) interrupted: %s", job.id, job.kind, job.status)
        reset += 1
    db.session.commit()
    return reset


def queue_recurring(now: datetime, kinds: set[str] | None = None) -> list[str]:
    """Queue one job of each recurring kind none of which was queued within its period.

    Commits; returns the kinds queued. Two workers cannot both queue one: SQLite's write
    lock, and on PostgreSQL a transaction-scoped advisory lock, serialise the check.
    """
    recurring = [
        kind
        for kind in KINDS.values()
        if kind.every is not None
        and (kinds is None or kind.name in kinds)
        and (kind.enabled is None or kind.enabled())
    ]
    if all(not _none(_recent(kind, now)) for kind in recurring):
        db.session.commit()
        return []
    begin_write()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('tracker.jobs.recurring'))"))
    queued = []
    for kind in recurring:
        if _none(_recent(kind, now), end=False):
            enqueue(kind.name).created_at = now
            queued.append(kind.name)
    db.session.commit()
    return queued


def _recent(kind: JobKind, now: datetime):
    return select(Job).where(Job.kind == kind.name, Job.created_at > now - kind.every)


def _none(query, *, end: bool = True) -> bool:
    """Tell whether *query* finds no row; with *end*, end the read transaction if so.

    Read first, and take SQLite's write lock only when there is something to write: an
    idle worker then never holds up a submission.
    """
    found = db.session.scalar(query.with_only_columns(Job.id).limit(1)) is not None
    if not found and end:
        db.session.commit()
    return not found


def _mirror(job: Job) -> None:
    kind = KINDS.get(job.kind)
    if kind is not None and kind.mirror is not None:
        kind.mirror(job)
