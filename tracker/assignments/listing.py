"""Assignments listed by filters (state, expert, candidate, deadline days), a page by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import Application, Assignment


@dataclass(frozen=True)
class AssignmentFilter:
    """Which assignments to list; every field narrows, None leaves it open.

    Deadline days are UTC days, both ends included.
    """

    state: str | None = None
    expert_id: int | None = None
    application_reference: str | None = None
    deadline_from: date | None = None
    deadline_to: date | None = None

    def conditions(self) -> list:
        """Return the WHERE clauses of this filter."""
        conditions = []
        if self.state is not None:
            conditions.append(Assignment.state == self.state)
        if self.expert_id is not None:
            conditions.append(Assignment.expert_id == self.expert_id)
        if self.application_reference is not None:
            conditions.append(
                Assignment.application_id.in_(
                    select(Application.id).where(
                        Application.reference == self.application_reference
                    )
                )
            )
        if self.deadline_from is not None:
            start = datetime.combine(self.deadline_from, time())
            conditions.append(Assignment.deadline_at >= start)
        if self.deadline_to is not None:
            end = datetime.combine(self.deadline_to + timedelta(days=1), time())
            conditions.append(Assignment.deadline_at < end)
        return conditions


def assignments_after(f: AssignmentFilter, after: int, limit: int) -> list[Assignment]:
    """Return up to *limit* assignments *f* matches whose id is above *after*, by id."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(*f.conditions(), Assignment.id > after)
            .options(joinedload(Assignment.application), joinedload(Assignment.expert))
            .order_by(Assignment.id)
            .limit(limit)
        )
    )


def assignment_by_reference(reference: str) -> Assignment | None:
    """Return the assignment with *reference* ("AS-7K2M9Q"), or None."""
    return db.session.scalar(select(Assignment).where(Assignment.reference == reference))
