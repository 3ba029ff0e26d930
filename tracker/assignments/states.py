"""The one function that changes an assignment's state (enums.ASSIGNMENT_TRANSITIONS).

A piece moves offered → accepted → delivered → edited → published → paid, or is
cancelled before it is published. "published" needs the address it was published at
(stored as text, never fetched) and the day; "paid" needs the day of the payment.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask_babel import gettext as _

from tracker.assignments.records import AssignmentError, check_version, webhook_data
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import ASSIGNMENT_TRANSITIONS, AssignmentState, WebhookEvent
from tracker.extensions import db
from tracker.labels import ASSIGNMENT_STATE_LABELS
from tracker.models import Assignment, User, utcnow
from tracker.webhooks.events import emit

URL_MAX_LENGTH = 2000


def allowed_states(state: str | AssignmentState) -> list[AssignmentState]:
    """Return the states an assignment in *state* may move to, in the order of the enum."""
    allowed = ASSIGNMENT_TRANSITIONS[AssignmentState(state)]
    return [candidate for candidate in AssignmentState if candidate in allowed]


def check_published_url(url: str | None) -> str:
    """Return *url* trimmed if it is an http(s) address of a web page, else raise.

    Only stored and shown as a link, never fetched: so no address is refused for where it
    points, only for what it is ("javascript:", a bare word, a line break).
    """
    url = (url or "").strip()
    if not url:
        raise AssignmentError(_("Please give the address where the piece is published."), "url")
    if len(url) > URL_MAX_LENGTH:
        raise AssignmentError(
            _("The address may be at most %(max)s characters long.", max=URL_MAX_LENGTH), "url"
        )
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(char.isspace() or ord(char) < 32 for char in url)
    ):
        raise AssignmentError(
            _("Please give a web address starting with https:// or http://."), "url"
        )
    return url


def advance_assignment(
    assignment: Assignment,
    new_state: str | AssignmentState,
    *,
    by: User,
    published_url: str | None = None,
    published_on: date | None = None,
    paid_on: date | None = None,
    expected_version: int | None = None,
) -> None:
    """Move *assignment* to *new_state*, record it, and commit.

    :raises AssignmentError: the transition table does not allow the move, or what the
        new state needs (address and day of publication, day of payment) is missing.
    :raises StaleAssignmentError: a colleague changed the assignment meanwhile.
    """
    if new_state not in set(AssignmentState):
        raise AssignmentError(_("Please choose one of the steps offered."))
    new_state = AssignmentState(new_state)
    begin_write()
    try:
        check_version(assignment, expected_version)
        current = AssignmentState(assignment.state)
        if new_state not in ASSIGNMENT_TRANSITIONS[current]:
            raise AssignmentError(
                _(
                    "An assignment that is “%(current)s” cannot become “%(new)s”. "
                    "Please choose one of the steps offered.",
                    current=ASSIGNMENT_STATE_LABELS[current],
                    new=ASSIGNMENT_STATE_LABELS[new_state],
                )
            )
        if new_state is AssignmentState.PUBLISHED:
            url = check_published_url(published_url)
            if published_on is None:
                raise AssignmentError(
                    _("Please give the day the piece was published."), "published_on"
                )
            assignment.published_url, assignment.published_on = url, published_on
        if new_state is AssignmentState.PAID:
            if paid_on is None:
                raise AssignmentError(_("Please give the day the fee was paid."), "paid_on")
            assignment.paid_on = paid_on
        if new_state is AssignmentState.DELIVERED:
            assignment.delivered_at = utcnow()
        assignment.state = new_state.value
        record_event(
            "assignment.state_changed",
            actor=by,
            application=assignment.application,
            assignment_id=assignment.id,
            from_state=current.value,
            to_state=new_state.value,
        )
        emit(WebhookEvent.ASSIGNMENT_STATE_CHANGED, **webhook_data(assignment, current.value))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
