"""The kinds of background job: what runs each one, and the settings of its retries.

A domain module declares its kind where its work lives (``@job_kind("deliver_email", …)``
in tracker/mail/delivery.py); :mod:`tracker.jobs.kinds` imports every such module, so the
worker knows them all.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import LazyString

# However many attempts failed, a queued job is tried again at least this often.
MAX_RETRY_DELAY_SECONDS = 6 * 3600


class JobFailed(Exception):
    """Raised by a handler when trying again cannot help: the job fails at once."""


class RetryLater(Exception):
    """Raised by a handler for a failure that may pass (a 4xx answer): retry with backoff."""


class KindUnavailable(RetryLater):
    """Raised by a handler when what its kind needs is down (the SMTP server).

    The job is retried later with backoff, and the worker claims no more jobs of this
    kind in this pass: the rest wait, untouched, instead of each trying a dead server.
    """


@dataclass(frozen=True)
class ClaimedJob:
    """What a handler is given: the job as claimed, detached from any session."""

    id: int
    kind: str
    payload: dict
    attempts: int
    claimed_at: datetime


@dataclass(frozen=True)
class JobKind:
    """One kind of job.

    :param run: ``run(job, resource)``, the work itself; returns False when it found
        nothing to do (the row it names is gone), anything else when it did the work.
        It may commit its own writes; it raises to fail (see JobFailed, KindUnavailable).
    :param label: the kind in words, for the admins' page.
    :param open_pass: returns a context manager whose value is the *resource* given to
        every job of this kind in one pass (one SMTP connection for many emails); opened
        at the kind's first job, closed at the end of the pass.
    :param mirror: ``mirror(job)``, called in the transaction of every change of the
        job's state (claim, outcome, stale reset), so a row that shows the work to people
        (an outbox email's status) changes together with its job.
    :param every: for a recurring kind, how often the worker queues one by itself.
    :param enabled: for a recurring kind, ``enabled()`` tells whether the worker should
        queue it at all (False while what it works on is not configured).
    :param settings: the config keys of the most attempts, the first retry's wait in
        seconds (doubled per failure), and the seconds after which a claim is stale.
    """

    name: str
    run: Callable[[ClaimedJob, Any], Any]
    label: LazyString
    open_pass: Callable[[], AbstractContextManager] | None = None
    mirror: Callable[[Any], None] | None = None
    every: timedelta | None = None
    enabled: Callable[[], bool] | None = None
    settings: tuple[str, str, str] = (
        "JOB_MAX_ATTEMPTS",
        "JOB_RETRY_BASE_SECONDS",
        "JOB_STALE_SECONDS",
    )

    def max_attempts(self) -> int:
        """Return how many attempts a job of this kind gets before it fails."""
        return current_app.config[self.settings[0]]

    def retry_delay(self, attempts: int) -> timedelta:
        """Return the wait after the *attempts*-th failed attempt: base, 2×base, 4×base …"""
        base = current_app.config[self.settings[1]]
        seconds = min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY_SECONDS)
        return timedelta(seconds=seconds)

    def stale_after(self) -> timedelta:
        """Return how long a claim may last before its worker is taken to have stopped."""
        return timedelta(seconds=current_app.config[self.settings[2]])


KINDS: dict[str, JobKind] = {}


def job_kind(name: str, *, label: LazyString, **options) -> Callable:
    """Register the decorated function as the handler of jobs of kind *name*.

    *options* are :class:`JobKind`'s (open_pass, mirror, every, enabled, settings).
    """

    def register(run: Callable) -> Callable:
        if name in KINDS and KINDS[name].run is not run:
            raise ValueError(f"job kind {name!r} is registered twice")
        KINDS[name] = JobKind(name=name, run=run, label=label, **options)
        return run

    return register


def kind_label(name: str) -> str:
    """Return a kind in words, or its name if no module declares it (any more)."""
    kind = KINDS.get(name)
    return str(kind.label) if kind else name
