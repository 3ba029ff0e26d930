"""What the assignment pages show: details, the forms, the next steps and the history."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from tracker.accounts.users import assignable_users
from tracker.assignments.deadlines import NEWSROOM_TIMEZONE, deadline_text, default_timezone
from tracker.assignments.records import (
    AssignmentError,
    StaleAssignmentError,
    assignment_events,
)
from tracker.assignments.states import allowed_states
from tracker.dates import moment
from tracker.enums import AssignmentState
from tracker.labels import ASSIGNMENT_ACTION_LABELS, ASSIGNMENT_STATE_LABELS
from tracker.models import Application, Assignment, AuditEvent, Expert, User
from tracker.money import format_amount
from tracker.review.assignment_forms import AdvanceForm, AssignmentForm
from tracker.review.candidate_forms import label_of

# Where an AssignmentError's field is shown in each form.
ERROR_FIELDS = {"url": "published_url"}


def field_names() -> dict[str, str]:
    """Return what an edit names, by the field the audit event records, in the page
    language."""
    return {
        "title": gettext("working title"),
        "brief": gettext("brief"),
        "fee_minor": gettext("fee"),
        "currency": gettext("currency"),
        "deadline_at": gettext("deadline"),
        "timezone": gettext("time zone"),
        "remind_expert": gettext("reminder to the author"),
        "editor_id": gettext("editor responsible"),
    }


@dataclass(frozen=True)
class HistoryLine:
    """One event of an assignment's history."""

    when: str
    who: str
    what: str


@dataclass
class AssignmentPage:
    """Everything the assignment page shows."""

    assignment: Assignment
    form: AssignmentForm
    advance_form: AdvanceForm
    next_states: list[tuple[str, str]]
    history: list[HistoryLine]
    fee: str
    deadline: str
    deadline_newsroom: str
    problem: str | None = None
    conflict: list[str] | None = None
    state_label: str = ""


def describe_event(event: AuditEvent) -> str:
    """Return what an assignment's audit event says, in the page language."""
    details = event.details or {}
    if event.action == "assignment.created":
        return gettext("Assignment created.")
    if event.action == "assignment.updated":
        names = field_names()
        changed = ", ".join(names.get(name, name) for name in details.get("changed", []))
        return gettext("Changed: %(fields)s.", fields=changed)
    if event.action == "assignment.state_changed":
        return gettext(
            "From “%(old)s” to “%(new)s”.",
            old=label_of(ASSIGNMENT_STATE_LABELS, details.get("from_state")),
            new=label_of(ASSIGNMENT_STATE_LABELS, details.get("to_state")),
        )
    if event.action == "email.queued":
        return gettext("Brief sent by email.")
    return event.action


def history(assignment: Assignment) -> list[HistoryLine]:
    """Return the assignment's history, newest first."""
    return [
        HistoryLine(
            when=moment(event.created_at),
            who=event.actor.name if event.actor else gettext("Automatic"),
            what=describe_event(event),
        )
        for event in assignment_events(assignment)
    ]


def conflict_lines(error: StaleAssignmentError) -> list[str]:
    """Say who changed what and when since the editor loaded the assignment."""
    return [
        gettext(
            "%(who)s on %(when)s: %(what)s",
            who=event.actor.name if event.actor else gettext("Someone"),
            when=moment(event.created_at),
            what=describe_event(event),
        )
        for event in error.events
    ] or [gettext("Someone else changed this assignment meanwhile.")]


def place_error(form, error: AssignmentError) -> str | None:
    """Show *error* at its field of *form*; return it as the page's problem if it has none."""
    name = ERROR_FIELDS.get(error.field or "", error.field)
    if name and name in form:
        form[name].errors = [*form[name].errors, str(error)]
        return None
    return str(error)


def new_form(application: Application | None, expert: Expert | None, *, by: User):
    """Return the blank form of a new assignment: the author's zone, *by* responsible."""
    form = AssignmentForm(formdata=None)
    form.timezone.data = default_timezone(application, expert)
    form.editor.data = str(by.id)
    form.offer(assignable_users())
    return form


def edit_form(assignment: Assignment, posted: AssignmentForm | None = None) -> AssignmentForm:
    """Return the edit form: the one the editor sent, or filled from *assignment*."""
    if posted is not None:
        return posted
    form = AssignmentForm(formdata=None)
    form.fill(assignment)
    form.offer(assignable_users())
    return form


def assignment_page(
    assignment: Assignment,
    *,
    form: AssignmentForm | None = None,
    advance_form: AdvanceForm | None = None,
    problem: str | None = None,
    conflict: StaleAssignmentError | None = None,
) -> AssignmentPage:
    """Assemble the assignment page; posted forms replace the blank ones."""
    if advance_form is None:
        advance_form = AdvanceForm(formdata=None, expected_version=assignment.version_id)
    zone = assignment.timezone
    return AssignmentPage(
        assignment=assignment,
        form=edit_form(assignment, form),
        advance_form=advance_form,
        next_states=[
            (state.value, str(ASSIGNMENT_ACTION_LABELS[state]))
            for state in allowed_states(assignment.state)
        ],
        history=history(assignment),
        fee=format_amount(assignment.fee_minor, assignment.currency),
        deadline=deadline_text(assignment.deadline_at, zone),
        deadline_newsroom=""
        if zone == NEWSROOM_TIMEZONE
        else deadline_text(assignment.deadline_at, NEWSROOM_TIMEZONE),
        problem=problem,
        conflict=conflict_lines(conflict) if conflict else None,
        state_label=str(ASSIGNMENT_STATE_LABELS[AssignmentState(assignment.state)]),
    )
