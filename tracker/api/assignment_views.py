"""Assignments for the accounting desk and the CMS: fee, deadline, state, publication, payment.

A fee is exact decimal text beside its currency (tracker.money), never a float. A deadline
is given in UTC and in the expert's time zone. The brief is included as the editor wrote
it. A payment record left by an erasure has no deadline, title or brief (null, "").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from tracker.api import api_route, responses
from tracker.api.cursors import PageQuery, page_of
from tracker.api.schemas import Money, money_out
from tracker.assignments.listing import (
    AssignmentFilter,
    assignment_by_reference,
    assignments_after,
)
from tracker.enums import ApiScope, AssignmentState
from tracker.models import Assignment
from tracker.web.problems import ApiProblem


class AssignmentQuery(PageQuery):
    """Which assignments to list; every parameter optional, combined with AND."""

    state: AssignmentState | None = None
    expert: int | None = Field(default=None, ge=1, description="The expert's id.")
    application: str | None = Field(
        default=None, max_length=20, description="The candidate's application reference."
    )
    deadline_from: date | None = Field(default=None, description="Due on or after this UTC day.")
    deadline_to: date | None = Field(default=None, description="Due on or before this UTC day.")


class Deadline(BaseModel):
    """When a piece is due: in UTC and in the expert's time zone."""

    utc: datetime = Field(examples=["2026-12-20T14:00:00Z"])
    local: datetime = Field(
        description="The same moment in the expert's zone.", examples=["2026-12-20T18:00:00+04:00"]
    )
    timezone: str = Field(examples=["Asia/Tbilisi"])


class AssignmentOut(BaseModel):
    """A commissioned piece."""

    reference: str = Field(examples=["AS-7K2M9Q"])
    title: str
    brief: str = Field(description="The editor's brief, as written.")
    state: AssignmentState
    fee: Money
    deadline: Deadline | None = Field(description="null only for a payment record.")
    expert_id: int | None
    application: str | None = Field(description="The candidate's application reference.")
    published_url: str | None = Field(description="As stored; never fetched by tracker.")
    published_on: date | None
    paid_on: date | None


class AssignmentPage(BaseModel):
    """A page of assignments, by id; pass next_cursor as cursor for the next page."""

    items: list[AssignmentOut]
    next_cursor: str | None = Field(description="null on the last page.")


def deadline_out(assignment: Assignment) -> Deadline | None:
    """Return the deadline of *assignment* in UTC and its zone (None if it has none)."""
    if assignment.deadline_at is None:
        return None
    utc = assignment.deadline_at.replace(tzinfo=UTC)
    local = utc.astimezone(ZoneInfo(assignment.timezone))
    return Deadline(utc=utc, local=local, timezone=assignment.timezone)


def assignment_out(assignment: Assignment) -> AssignmentOut:
    """Return *assignment* as the API shows it."""
    return AssignmentOut(
        reference=assignment.reference,
        title=assignment.title,
        brief=assignment.brief or "",
        state=assignment.state,
        fee=money_out(assignment.fee_minor, assignment.currency),
        deadline=deadline_out(assignment),
        expert_id=assignment.expert_id,
        application=assignment.application.reference if assignment.application else None,
        published_url=assignment.published_url,
        published_on=assignment.published_on,
        paid_on=assignment.paid_on,
    )


@api_route(
    "/assignments",
    scope=ApiScope.ASSIGNMENTS_READ,
    resp=responses(200, AssignmentPage, 422),
    tags=("assignments",),
    query=AssignmentQuery,
)
def list_assignments(query: AssignmentQuery):
    """List the assignments the filters match, by id."""
    f = AssignmentFilter(
        state=query.state,
        expert_id=query.expert,
        application_reference=query.application,
        deadline_from=query.deadline_from,
        deadline_to=query.deadline_to,
    )
    rows, next_cursor = page_of(assignments_after(f, query.after, query.limit + 1), query.limit)
    return AssignmentPage(items=[assignment_out(row) for row in rows], next_cursor=next_cursor)


@api_route(
    "/assignments/<reference>",
    scope=ApiScope.ASSIGNMENTS_READ,
    resp=responses(200, AssignmentOut, 404),
    tags=("assignments",),
)
def show_assignment(reference: str):
    """Show one assignment."""
    assignment = assignment_by_reference(reference)
    if assignment is None:
        raise ApiProblem(404, f"There is no assignment {reference}.")
    return assignment_out(assignment)
