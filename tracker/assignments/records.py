"""Creating and editing assignments; what an editor is told when a colleague was faster.

Every function here opens its write with :func:`tracker.database.begin_write`, records an
audit event (details: ids, states and field names only — never the title or the brief,
which may name the expert) and commits or rolls back as a whole. The state is changed
only by :mod:`tracker.assignments.states`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from tracker.audit import record_event
from tracker.database import PREPARE, begin_write
from tracker.enums import (
    CURRENCY_MAX_FEE,
    CURRENCY_MINOR_UNITS,
    EXPERT_TIMEZONES,
    STAFF_ROLES,
    Currency,
    Status,
    WebhookEvent,
)
from tracker.extensions import db
from tracker.models import Application, Assignment, AuditEvent, Expert, User, utcnow
from tracker.webhooks.events import emit

# Letters and digits nobody misreads on the phone or in a bank transfer: no 0/O, 1/I/L.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "AS-"
TITLE_MAX_LENGTH = 200
BRIEF_MAX_LENGTH = 10_000
# The statuses of a candidate who may be given an assignment.
ASSIGNABLE_STATUSES = (Status.TRIAL, Status.ACCEPTED)
# The fields an edit may change, in the order the stale message names them.
EDITABLE_FIELDS = (
    "title",
    "brief",
    "fee_minor",
    "currency",
    "deadline_at",
    "timezone",
    "remind_expert",
    "editor_id",
)


class AssignmentError(ValueError):
    """An assignment cannot be written as asked; the message says why (in the user's
    language) and *field* names the form field it concerns, if one does."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleAssignmentError(Exception):
    """A colleague changed the assignment since the editor loaded it.

    *events* are the assignment's latest audit events, newest first, to say what changed.
    """

    def __init__(self, assignment: Assignment, events: list[AuditEvent]):
        super().__init__(f"assignment {assignment.id} changed meanwhile")
        self.assignment = assignment
        self.events = events


@dataclass(frozen=True)
class AssignmentData:
    """What an editor writes into an assignment (fee and deadline already parsed)."""

    title: str
    brief: str
    fee_minor: int
    currency: str
    deadline_at: datetime
    timezone: str
    remind_expert: bool
    editor: User | None

    @classmethod
    def written(cls, fields: dict, *, editor: User | None) -> AssignmentData:
        """Return *fields* (the keyword arguments of :func:`create_assignment`) as written
        data: the title trimmed, no brief as empty, *editor* where none is chosen."""
        return cls(
            **{
                **fields,
                "title": (fields["title"] or "").strip(),
                "brief": fields["brief"] or "",
                "remind_expert": bool(fields["remind_expert"]),
                "editor": fields["editor"] or editor,
            }
        )


def new_reference() -> str:
    """Return an unused reference such as "AS-7K2M9Q"."""
    while True:
        reference = REFERENCE_PREFIX + "".join(
            secrets.choice(REFERENCE_ALPHABET) for _index in range(6)
        )
        taken = db.session.scalar(select(Assignment.id).where(Assignment.reference == reference))
        if taken is None:
            return reference


def check_data(
    data: AssignmentData, *, deadline_changed: bool = True, editor_changed: bool = True
) -> None:
    """Raise AssignmentError for anything an assignment may not hold."""
    if not data.title.strip():
        raise AssignmentError(_("Please write a working title."), "title")
    if len(data.title) > TITLE_MAX_LENGTH or any(c in data.title for c in "\r\n\0"):
        raise AssignmentError(
            _(
                "The working title must be one line of at most %(max)s characters.",
                max=TITLE_MAX_LENGTH,
            ),
            "title",
        )
    if len(data.brief) > BRIEF_MAX_LENGTH or "\0" in data.brief:
        raise AssignmentError(
            _("The brief may be at most %(max)s characters long.", max=BRIEF_MAX_LENGTH),
            "brief",
        )
    if data.currency not in set(Currency):
        raise AssignmentError(_("Please choose one of the currencies offered."), "currency")
    currency = Currency(data.currency)
    highest = CURRENCY_MAX_FEE[currency] * 10 ** CURRENCY_MINOR_UNITS[currency]
    # bool is an int too: a fee is never True.
    if type(data.fee_minor) is not int or not 0 <= data.fee_minor <= highest:
        raise AssignmentError(
            _(
                "The fee must be between 0 and %(max)s %(currency)s.",
                max=CURRENCY_MAX_FEE[currency],
                currency=currency.value,
            ),
            "fee",
        )
    if data.timezone not in EXPERT_TIMEZONES:
        raise AssignmentError(_("Please choose one of the time zones offered."), "timezone")
    if deadline_changed and data.deadline_at <= utcnow():
        raise AssignmentError(
            _("The deadline has passed already; please choose a later one."), "deadline_day"
        )
    editor = data.editor
    if (
        editor_changed
        and editor is not None
        and (not editor.active or editor.role not in STAFF_ROLES)
    ):
        raise AssignmentError(_("Please choose an editor of the team."), "editor")


def create_assignment(
    *,
    application: Application | None = None,
    expert: Expert | None = None,
    by: User,
    **fields,
) -> Assignment:
    """Give *application* (a candidate on trial or accepted) or *expert* an assignment,
    record it, and commit.

    *fields* are :class:`AssignmentData`'s, all required: ``title``, ``brief``,
    ``fee_minor`` (an int of the currency's minor unit), ``currency``, ``deadline_at``
    (naive UTC), ``timezone``, ``remind_expert`` and ``editor`` (None: *by* is responsible).

    :raises AssignmentError: no candidate or expert, a candidate in another status, or
        anything :func:`check_data` refuses (a past deadline among it).
    """
    data = AssignmentData.written(fields, editor=by)
    check_data(data)
    if application is None and expert is None:
        raise AssignmentError(_("An assignment is given to a candidate or an expert."))
    begin_write()
    try:
        if application is not None and application.status not in ASSIGNABLE_STATUSES:
            raise AssignmentError(
                _("Only a candidate on a trial assignment or accepted can be given an assignment.")
            )
        assignment = Assignment(
            reference=new_reference(),
            application=application,
            expert=expert,
            title=data.title,
            brief=data.brief,
            fee_minor=data.fee_minor,
            currency=data.currency,
            deadline_at=data.deadline_at,
            timezone=data.timezone,
            remind_expert=data.remind_expert,
            editor_id=data.editor.id,
            created_by_id=by.id,
        )
        db.session.add(assignment)
        db.session.flush()
        record_event(
            "assignment.created",
            actor=by,
            application=application,
            assignment_id=assignment.id,
            expert_id=expert.id if expert is not None else None,
            reference=assignment.reference,
        )
        emit(WebhookEvent.ASSIGNMENT_CREATED, **webhook_data(assignment))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return assignment


def webhook_data(assignment: Assignment, previous_state: str | None = None) -> dict:
    """Return what a webhook says of *assignment*: references, ids and states only."""
    data = {
        "reference": assignment.reference,
        "application_reference": assignment.application.reference
        if assignment.application is not None
        else None,
        "expert_id": assignment.expert_id,
        "state": assignment.state,
    }
    if previous_state is not None:
        data["previous_state"] = previous_state
    return data


def check_version(assignment: Assignment, expected_version: int | None) -> None:
    """Raise StaleAssignmentError if *assignment* changed since *expected_version*."""
    if expected_version is not None and assignment.version_id != expected_version:
        raise StaleAssignmentError(assignment, assignment_events(assignment, limit=5))


def update_assignment(
    assignment: Assignment,
    *,
    by: User,
    expected_version: int | None = None,
    **fields,
) -> list[str]:
    """Change what the editor changed (*fields* as :func:`create_assignment`'s; editor
    None keeps the one responsible), record which fields, commit; return the fields.

    A new deadline is reminded of afresh. A deadline that did not change may lie in the
    past (the piece is late); a changed one may not.

    :raises StaleAssignmentError: a colleague changed the assignment meanwhile.
    :raises AssignmentError: as :func:`create_assignment`.
    """
    begin_write()
    try:
        check_version(assignment, expected_version)
        data = AssignmentData.written(fields, editor=assignment.editor)
        check_data(
            data,
            deadline_changed=data.deadline_at != assignment.deadline_at,
            editor_changed=data.editor is not assignment.editor,
        )
        wanted = {
            **{name: getattr(data, name) for name in EDITABLE_FIELDS if name != "editor_id"},
            "editor_id": data.editor.id if data.editor is not None else None,
        }
        changed = [name for name in EDITABLE_FIELDS if getattr(assignment, name) != wanted[name]]
        for name in changed:
            setattr(assignment, name, wanted[name])
        if "deadline_at" in changed:
            assignment.deadline_reminded_at = assignment.expert_reminded_at = None
        if changed:
            record_event(
                "assignment.updated",
                actor=by,
                application=assignment.application,
                assignment_id=assignment.id,
                changed=changed,
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return changed


def assignment_events(assignment: Assignment, *, limit: int = 100) -> list[AuditEvent]:
    """Return the audit events of *assignment*, newest first (its history).

    Read by the assignment's candidate when it has one (indexed), else among the events
    of no application.
    """
    query = select(AuditEvent).where(
        AuditEvent.application_id == assignment.application_id
        if assignment.application_id is not None
        else AuditEvent.application_id.is_(None),
        AuditEvent.details["assignment_id"].as_integer() == assignment.id,
    )
    return list(
        db.session.scalars(
            query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)
        )
    )


# Built once, the candidate or expert bound at execution: a statement's cache key costs
# more to build than the page's few assignments to read.
_NEWEST_FIRST = (
    select(Assignment)
    .order_by(Assignment.created_at.desc(), Assignment.id.desc())
    .execution_options(**PREPARE)
)
_OF_CANDIDATE = _NEWEST_FIRST.where(Assignment.application_id == bindparam("owner_id"))
_OF_EXPERT = _NEWEST_FIRST.where(Assignment.expert_id == bindparam("owner_id"))


def assignments_of(*, application: Application | None = None, expert: Expert | None = None):
    """Return the assignments of a candidate or an expert, newest first."""
    if application is not None:
        return list(db.session.scalars(_OF_CANDIDATE, {"owner_id": application.id}))
    return list(db.session.scalars(_OF_EXPERT, {"owner_id": expert.id}))
