"""Moving applications through the pipeline: the one place a status changes.

Every transition goes through :func:`_apply_status`, which checks the transition table,
writes the history row and the audit event; :func:`set_status`, :func:`bulk_set_status`
and :func:`withdraw` own the transaction around it, together with any email the change
causes (queued in the same transaction: ARCHITECTURE.md §3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select

from tracker.applications.status_links import StatusLinkError
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import (
    FINAL_STATUSES,
    TRANSITIONS,
    EmailStatus,
    EmailTemplateKey,
    NotificationEvent,
    RejectionReason,
    Status,
    WebhookEvent,
)
from tracker.experts.pool import enrol_expert
from tracker.extensions import db
from tracker.labels import status_label
from tracker.mail.compose import queue_template_email
from tracker.models import Application, AuditEvent, OutboxEmail, StatusChange, User, utcnow
from tracker.notifications import notify
from tracker.notifications.core import assignee_and_raters
from tracker.webhooks.events import emit


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


def transition_refusal(current: str | Status, new: str | Status) -> str:
    """Return the sentence that tells an editor why *current* cannot move to *new*."""
    return gettext(
        "A candidate who is “%(current)s” cannot be moved to “%(new)s”. "
        "Please choose one of the statuses offered.",
        current=status_label(current),
        new=status_label(new),
    )


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
    new: str | Status,
    *,
    by: User | None,
    note: str | None = None,
    reason: str | None = None,
    notify: str | EmailTemplateKey | None = None,
    expected_version: int | None = None,
) -> StatusChange:
    """Move *application* to *new*, record who, when and why, and commit.

    Nothing is changed when anything fails: the transaction is rolled back.

    :param by: the editor who decides.
    :param note: the editor's note; blank means none.
    :param reason: a RejectionReason, required when rejecting and refused otherwise.
    :param notify: a template key: the email about the decision is written as a *draft*
        in the same transaction and waits in the outbox until an editor releases it
        (decide now, notify later).
    :param expected_version: the version the editor saw; a different current version
        raises StaleApplicationError instead of silently overwriting their colleague.
    :raises TransitionError: the transition table does not allow the move.
    :raises TemplateValidationError: the *notify* template cannot be rendered.
    """
    begin_write()
    try:
        check_version(application, expected_version)
        change = _apply_status(
            application, Status(new), by=by, note=(note or "").strip() or None, reason=reason
        )
        if notify:
            _draft_notification(application, notify, by=by, reason=reason)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return change


def _draft_notification(
    application: Application, key: str | EmailTemplateKey, *, by: User | None, reason: str | None
) -> OutboxEmail:
    """Write the email about a decision as a draft and record that it was drafted."""
    email = queue_template_email(application, key, by=by, status=EmailStatus.DRAFT, reason=reason)
    db.session.flush()
    record_event(
        "email.drafted", actor=by, application=application, email=email.id, template=str(key)
    )
    return email


def withdraw(
    application: Application, *, by_applicant: bool, note: str | None = None
) -> OutboxEmail:
    """Withdraw the application as its applicant asked, queue the confirmation, and commit.

    The history row has no actor: the applicant acted. The confirmation goes out in the
    language the applicant chose for emails.

    :param by_applicant: must be True: only the applicant withdraws this way (an editor
        moves a candidate to "withdrawn" with :func:`set_status`, which names the editor).
    :raises TransitionError: the application is withdrawn already.
    :raises StatusLinkError: the application was erased meanwhile.
    """
    if not by_applicant:
        raise ValueError("withdraw() is the applicant's action; editors use set_status()")
    begin_write()
    try:
        locked = db.session.get(Application, application.id, with_for_update=True)
        if locked is None:
            raise StatusLinkError
        _apply_status(
            locked, Status.WITHDRAWN, by=None, note=(note or "").strip() or None, reason=None
        )
        email = queue_template_email(
            locked, EmailTemplateKey.WITHDRAWAL_CONFIRMATION, by=None, status=EmailStatus.QUEUED
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return email


def bulk_set_status(
    applications: Iterable[Application],
    new_status: str | Status,
    *,
    by: User,
    note: str | None = None,
    reason: str | None = None,
) -> BulkResult:
    """Move every application that may make the move, in one transaction; skip the rest.

    Each row goes through the same transition code as :func:`set_status`.
    """
    new_status = Status(new_status)
    _check_reason(new_status, reason)
    result = BulkResult()
    begin_write()
    try:
        for application in applications:
            if new_status in TRANSITIONS[Status(application.status)]:
                _apply_status(application, new_status, by=by, note=note, reason=reason)
                result.changed.append(application)
            else:
                result.skipped.append(application)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
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
    if new_status is Status.ACCEPTED:
        enrol_expert(application, by=by)  # into the expert pool, with the acceptance
    withdrawn = new_status is Status.WITHDRAWN
    notify(
        NotificationEvent.WITHDREW if withdrawn else NotificationEvent.STATUS_CHANGED,
        users=assignee_and_raters(application),
        application=application,
        actor=by,
        detail=new_status.value,
    )
    record_event(
        "application.status_changed",
        actor=by,
        application=application,
        from_status=old_status.value,
        to_status=new_status.value,
        reason=reason,
    )
    about = {
        "reference": application.reference,
        "call_id": application.call_id,
        "status": new_status.value,
        "previous_status": old_status.value,
    }
    emit(WebhookEvent.APPLICATION_STATUS_CHANGED, **about)
    if withdrawn:
        emit(
            WebhookEvent.APPLICATION_WITHDRAWN,
            **about,
            withdrawn_by="applicant" if by is None else "staff",
        )
    return change
