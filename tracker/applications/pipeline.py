"""Moving applications through the pipeline: the one place a status changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import FINAL_STATUSES, TRANSITIONS, RejectionReason, Status
from tracker.extensions import db
from tracker.models import Application, AuditEvent, StatusChange, User, utcnow


class TransitionError(ValueError):
    """The pipeline does not allow this change (or a required reason is missing)."""


class StaleApplicationError(Exception):
    """Someone else changed the application since the editor loaded it.

    *events* are the most recent audit events of the application, newest first, so the
    page can say what changed and who changed it.
    """

    def __init__(self, application: Application, events: list[AuditEvent]):
        super().__init__(f"application {application.id} changed meanwhile")
        self.application = application
        self.events = events


@dataclass
class BulkResult:
    """What a bulk action did: the applications it changed and those it left alone."""

    changed: list[Application] = field(default_factory=list)
    skipped: list[Application] = field(default_factory=list)


def allowed_transitions(status: str | Status) -> list[Status]:
    """Return the statuses *status* may move to, in pipeline order."""
    allowed = TRANSITIONS[Status(status)]
    return [candidate for candidate in Status if candidate in allowed]


def check_version(application: Application, expected_version: int | None) -> None:
    """Raise StaleApplicationError if the application changed since *expected_version*."""
    if expected_version is not None and application.version_id != expected_version:
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.application_id == application.id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(5)
        ).all()
        raise StaleApplicationError(application, list(events))


def set_status(
    application: Application,
    new_status: str | Status,
    *,
    by: User | None,
    note: str | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
) -> StatusChange:
    """Move *application* to *new_status*, record who, when and why, and commit.

    :param by: the editor, or None when the applicant acts (withdrawal).
    :param reason: a RejectionReason, required when rejecting and refused otherwise.
    :param expected_version: the version the editor saw; a different current version
        raises StaleApplicationError instead of silently overwriting their colleague.
    :raises TransitionError: the transition table does not allow the move.
    """
    begin_write()
    check_version(application, expected_version)
    change = _apply_status(application, Status(new_status), by=by, note=note, reason=reason)
    db.session.commit()
    return change


def bulk_set_status(
    applications: Iterable[Application],
    new_status: str | Status,
    *,
    by: User,
    note: str | None = None,
    reason: str | None = None,
) -> BulkResult:
    """Move every application that may make the move, in one transaction; skip the rest."""
    new_status = Status(new_status)
    _check_reason(new_status, reason)
    result = BulkResult()
    begin_write()
    for application in applications:
        if new_status in TRANSITIONS[Status(application.status)]:
            _apply_status(application, new_status, by=by, note=note, reason=reason)
            result.changed.append(application)
        else:
            result.skipped.append(application)
    db.session.commit()
    return result


def _check_reason(new_status: Status, reason: str | None) -> None:
    if new_status is Status.REJECTED:
        if reason not in set(RejectionReason):
            raise TransitionError("a rejection needs one of the structured reasons")
    elif reason is not None:
        raise TransitionError("only a rejection takes a reason")


def _apply_status(
    application: Application,
    new_status: Status,
    *,
    by: User | None,
    note: str | None,
    reason: str | None,
) -> StatusChange:
    """Change the status and write history and audit; the caller owns the transaction."""
    old_status = Status(application.status)
    if new_status not in TRANSITIONS[old_status]:
        raise TransitionError(f"{old_status.value} cannot move to {new_status.value}")
    _check_reason(new_status, reason)
    change = StatusChange(
        application_id=application.id,
        from_status=old_status.value,
        to_status=new_status.value,
        actor_id=by.id if by is not None else None,
        reason=reason,
        note=note or None,
    )
    application.status = new_status.value
    # Retention periods (privacy.purge_expired) count from the decision; reopening a
    # decided application stops the clock.
    if new_status in FINAL_STATUSES:
        application.decided_at = utcnow()
    elif old_status in FINAL_STATUSES:
        application.decided_at = None
    db.session.add(change)
    record_event(
        "application.status_changed",
        actor=by,
        application=application,
        from_status=old_status.value,
        to_status=new_status.value,
        reason=reason,
    )
    return change
