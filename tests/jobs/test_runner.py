"""The job table and its runner: written with the change, claimed once, retried, reset."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests.jobs.kinds import ECHO, echo_kind
from tracker.extensions import db
from tracker.jobs import runner
from tracker.jobs.queue import enqueue
from tracker.jobs.registry import JobFailed, KindUnavailable, RetryLater
from tracker.jobs.runner import run_pending
from tracker.models import Job, utcnow

BASE = timedelta(seconds=60)  # JOB_RETRY_BASE_SECONDS


@pytest.fixture
def echo(app):
    app.config.update(JOB_MAX_ATTEMPTS=3, JOB_RETRY_BASE_SECONDS=60, JOB_STALE_SECONDS=600)
    with echo_kind() as handler:
        yield handler


def queued(count: int = 1) -> list[int]:
    added = [enqueue(ECHO, number=n) for n in range(count)]
    db.session.commit()
    return [job.id for job in added]


def jobs() -> list[tuple]:
    db.session.commit()  # a fresh snapshot: other workers' commits included
    return [
        (job.id, job.status, job.attempts, job.next_attempt_at, job.last_error)
        for job in db.session.scalars(select(Job).where(Job.kind == ECHO).order_by(Job.id))
    ]


def test_enqueue_writes_in_the_callers_transaction_and_a_rollback_leaves_no_job(echo):
    job = enqueue(ECHO, email_id=7)
    db.session.flush()
    assert (job.kind, job.payload, job.status, job.attempts) == (ECHO, {"email_id": 7}, "queued", 0)
    db.session.rollback()
    assert db.session.scalars(select(Job)).all() == []

    enqueue(ECHO, email_id=8)
    db.session.commit()
    assert [job.payload for job in db.session.scalars(select(Job))] == [{"email_id": 8}]


def test_enqueue_refuses_a_kind_nobody_declares(app):
    with pytest.raises(ValueError, match="no job kind 'nothing'"):
        enqueue("nothing", id=1)


def test_a_due_job_runs_once_and_is_done(echo):
    (job_id,) = queued()
    now = utcnow()

    report = run_pending(now=now, kinds={ECHO})

    assert (report.attempted, report.done, report.deferred, report.failed) == (1, 1, 0, 0)
    assert echo.ran == [job_id]
    assert echo.passes == 1
    assert jobs() == [(job_id, "done", 1, None, None)]
    assert db.session.get(Job, job_id).finished_at == now
    assert run_pending(now=now, kinds={ECHO}).attempted == 0
    assert echo.ran == [job_id]


def test_a_failing_job_waits_twice_as_long_each_time_then_fails_with_the_error(echo):
    (job_id,) = queued()
    echo.errors = [RetryLater("450 try later"), RuntimeError("disk on fire"), RetryLater("again")]
    first = utcnow()

    assert run_pending(now=first, kinds={ECHO}).deferred == 1
    assert jobs() == [(job_id, "queued", 1, first + BASE, "450 try later")]
    assert run_pending(now=first + BASE - timedelta(seconds=1), kinds={ECHO}).attempted == 0
    second = first + BASE
    assert run_pending(now=second, kinds={ECHO}).deferred == 1
    assert jobs() == [(job_id, "queued", 2, second + 2 * BASE, "RuntimeError: disk on fire")]
    third = second + 2 * BASE
    assert run_pending(now=third, kinds={ECHO}).failed == 1

    assert jobs() == [(job_id, "failed", 3, second + 2 * BASE, "again")]
    assert run_pending(now=third + timedelta(days=1), kinds={ECHO}).attempted == 0
    assert echo.ran == [job_id] * 3


def test_the_wait_between_attempts_is_capped_at_six_hours(echo):
    kind = runner.KINDS[ECHO]
    assert [kind.retry_delay(n) for n in (1, 2, 9, 10, 500)] == [
        BASE,
        2 * BASE,
        timedelta(hours=4, minutes=16),
        timedelta(hours=6),
        timedelta(hours=6),
    ]


def test_a_job_that_cannot_succeed_fails_at_once(echo):
    (job_id,) = queued()
    echo.errors = [JobFailed("550 no such mailbox")]

    assert run_pending(kinds={ECHO}).failed == 1
    assert jobs() == [(job_id, "failed", 1, None, "550 no such mailbox")]


def test_an_unavailable_kind_ends_the_pass_for_that_kind_and_leaves_the_rest(echo):
    first, second, third = queued(3)
    echo.errors = [KindUnavailable("Connection refused")]
    now = utcnow()

    report = run_pending(now=now, kinds={ECHO})

    assert (report.attempted, report.deferred, report.stopped) == (1, 1, {ECHO})
    assert jobs() == [
        (first, "queued", 1, now + BASE, "Connection refused"),
        (second, "queued", 0, None, None),
        (third, "queued", 0, None, None),
    ]
    assert run_pending(now=now, kinds={ECHO}).done == 2  # the next pass goes on


def test_a_stale_claim_is_reset_and_run_and_a_fresh_one_is_left_alone(echo):
    stale, fresh, spent = queued(3)
    now = utcnow()
    for job_id, claimed_at, attempts in (
        (stale, now - timedelta(seconds=601), 1),
        (fresh, now - timedelta(seconds=60), 1),
        (spent, now - timedelta(hours=1), 3),
    ):
        job = db.session.get(Job, job_id)
        job.status, job.claimed_at, job.attempts = "running", claimed_at, attempts
    db.session.commit()

    report = run_pending(now=now, kinds={ECHO})

    assert (report.attempted, report.done) == (1, 1)
    assert echo.ran == [stale]
    assert jobs() == [
        (stale, "done", 2, None, None),  # the interrupted attempt counts
        (fresh, "running", 1, None, None),
        (spent, "failed", 3, None, runner.INTERRUPTED),
    ]


def test_a_job_is_claimed_only_once(echo):
    (job_id,) = queued()
    now = utcnow()

    claimed = runner.claim_next(now, {ECHO})

    assert (claimed.id, claimed.payload, claimed.attempts, claimed.claimed_at) == (
        job_id,
        {"number": 0},
        1,
        now,
    )
    assert runner.claim_next(now, {ECHO}) is None
    assert jobs() == [(job_id, "running", 1, None, None)]


class Worker(threading.Thread):
    """A worker of its own: thread, app context and database session."""

    def __init__(self, app, barrier: threading.Barrier):
        super().__init__()
        self.app, self.barrier = app, barrier
        self.attempted: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        with self.app.app_context():
            try:
                self.barrier.wait(timeout=30)
                self.attempted = run_pending(kinds={ECHO}).attempted
            except BaseException as error:  # re-raised in the test's thread
                self.error = error
            finally:
                db.session.remove()


def test_two_workers_at_once_run_each_of_thirty_jobs_exactly_once(echo, app):
    ids = queued(30)
    barrier = threading.Barrier(2)
    workers = [Worker(app, barrier) for _ in range(2)]

    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.error is not None:
            raise worker.error

    assert sum(worker.attempted for worker in workers) == 30
    assert sorted(echo.ran) == ids
    assert {status for _, status, *_ in jobs()} == {"done"}


def test_on_postgresql_a_job_locked_by_another_worker_is_skipped(echo):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite's write lock is one writer at a time")
    first, second = queued(2)
    with db.engine.connect() as other:
        # Another worker's claim transaction, still open: it holds the first row's lock.
        locked = other.execute(
            text("SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE")
        ).scalar()
        assert locked == first

        claimed = runner.claim_next(utcnow(), {ECHO})

        assert claimed.id == second  # not waiting for the lock, not the same job
        other.rollback()
    assert jobs()[0][:3] == (first, "queued", 0)
