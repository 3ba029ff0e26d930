"""Reminders of deadlines and of pieces waiting for an edit: the ``assignment_reminders`` job.

The worker queues the job every hour (``flask assignments remind`` runs it at once). Each
reminder is sent once: its marker (``deadline_reminded_at``, ``edit_reminded_at``,
``expert_reminded_at``) is set by an ``UPDATE … WHERE marker IS NULL`` in the same
transaction as the notification or email, and only the run whose update changed the row
writes them — two workers running at once never remind twice.

- The editor responsible (``Assignment.editor``) is told (``DEADLINE_NEAR``) when an
  offered or accepted piece is due within 48 hours, and (``EDIT_WAITING``) when a
  delivered piece has waited three days for an edit.
- With ``remind_expert``, the author gets an email within 48 hours before the deadline,
  in their language, from templates/mail/deadline_reminder.*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from tracker.assignments.brief import recipient_of
from tracker.assignments.deadlines import deadline_text
from tracker.database import begin_write
from tracker.enums import AssignmentState, NotificationEvent
from tracker.extensions import db
from tracker.jobs.registry import ClaimedJob, job_kind
from tracker.mail.discretion import discretion_for
from tracker.mail.outbox import queue_rendered
from tracker.mail.templates import render_file
from tracker.models import Assignment, utcnow
from tracker.notifications import notify

ASSIGNMENT_REMINDERS = "assignment_reminders"
REMINDER_TEMPLATE = "deadline_reminder"
DEADLINE_NEAR = timedelta(hours=48)
EDIT_WAIT = timedelta(days=3)
# The states in which a piece is still to be written.
OPEN_STATES = (AssignmentState.OFFERED.value, AssignmentState.ACCEPTED.value)


@dataclass(frozen=True)
class ReminderReport:
    """How many reminders one run sent, of each kind."""

    deadlines: int = 0
    edits: int = 0
    experts: int = 0

    @property
    def total(self) -> int:
        return self.deadlines + self.edits + self.experts


def _due(now: datetime) -> dict[str, tuple]:
    """Return, per marker, the conditions under which its reminder is due at *now*."""
    return {
        "deadline_reminded_at": (
            Assignment.state.in_(OPEN_STATES),
            Assignment.deadline_at <= now + DEADLINE_NEAR,
            Assignment.editor_id.is_not(None),
        ),
        "edit_reminded_at": (
            Assignment.state == AssignmentState.DELIVERED.value,
            Assignment.delivered_at <= now - EDIT_WAIT,
            Assignment.editor_id.is_not(None),
        ),
        "expert_reminded_at": (
            Assignment.remind_expert.is_(True),
            Assignment.state.in_(OPEN_STATES),
            Assignment.deadline_at <= now + DEADLINE_NEAR,
            Assignment.deadline_at > now,
        ),
    }


def send_reminders(now: datetime | None = None) -> ReminderReport:
    """Send every reminder due at *now* (naive UTC; default now); return how many."""
    now = now or utcnow()
    counts = {}
    for marker, conditions in _due(now).items():
        column = getattr(Assignment, marker)
        ids = db.session.scalars(
            select(Assignment.id).where(column.is_(None), *conditions).order_by(Assignment.id)
        ).all()
        db.session.commit()
        counts[marker] = sum(
            _remind(assignment_id, marker, conditions, now) for assignment_id in ids
        )
    return ReminderReport(
        deadlines=counts["deadline_reminded_at"],
        edits=counts["edit_reminded_at"],
        experts=counts["expert_reminded_at"],
    )


def _remind(assignment_id: int, marker: str, conditions: tuple, now: datetime) -> bool:
    """Claim one reminder by setting its marker and send it, in one transaction; False if
    another run claimed it first (or it is no longer due)."""
    column = getattr(Assignment, marker)
    begin_write()
    try:
        claimed = db.session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id, column.is_(None), *conditions)
            .values({marker: now})
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            db.session.rollback()
            return False
        assignment = db.session.get(Assignment, assignment_id, populate_existing=True)
        if marker == "expert_reminded_at":
            _email_author(assignment)
        else:
            event = (
                NotificationEvent.DEADLINE_NEAR
                if marker == "deadline_reminded_at"
                else NotificationEvent.EDIT_WAITING
            )
            notify(
                event,
                users=[assignment.editor],
                application=assignment.application,
                assignment=assignment,
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return True


def _email_author(assignment: Assignment) -> None:
    """Queue the deadline reminder to the assignment's author, in their language."""
    recipient = recipient_of(assignment)
    if recipient is None:
        return  # the author was erased: nobody to remind
    rendered = render_file(
        REMINDER_TEMPLATE,
        recipient.language,
        discretion=discretion_for(recipient.application, recipient.expert),
        full_name=recipient.name,
        assignment_title=assignment.title,
        reference=assignment.reference,
        deadline=deadline_text(assignment.deadline_at, assignment.timezone, recipient.language),
        desk_email=current_app.config["DESK_EMAIL"],
        site_name=current_app.config["SITE_NAME"],
    )
    queue_rendered(
        rendered,
        to_address=recipient.address,
        application=recipient.application,
        expert=recipient.expert,
    )


@job_kind(
    ASSIGNMENT_REMINDERS,
    label=_l("Remind of assignment deadlines and edits"),
    every=timedelta(hours=1),
)
def run_reminders(job: ClaimedJob, _resource) -> bool:
    """Send the reminders due when the job was claimed; False if none was due."""
    return send_reminders(job.claimed_at).total > 0
