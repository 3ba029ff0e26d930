"""Experts and assignments for the API tests, written straight to the database."""

from __future__ import annotations

from datetime import date, datetime

from tracker.experts.records import new_expert, set_expertise
from tracker.extensions import db
from tracker.models import Assignment, Expert


def add_expert(
    full_name: str,
    email: str,
    *,
    regions=("georgia",),
    languages=(("de", "B2"),),
    topics=("politics",),
    **fields,
) -> Expert:
    """Create an imported expert with their regions, languages and topics; commit."""
    fields.setdefault("source", "import")
    expert = new_expert(full_name=full_name, email=email, **fields)
    set_expertise(expert, regions=regions, languages=languages, topics=topics)
    db.session.commit()
    return expert


def add_assignment(reference: str, *, expert=None, application=None, **fields) -> Assignment:
    """Create an assignment (250.00 EUR, due 20 Dec 2026 12:00 UTC, Tbilisi time); commit."""
    values = {
        "title": "Tea harvest",
        "brief": "3,000 characters on the harvest.",
        "fee_minor": 25000,
        "currency": "EUR",
        "deadline_at": datetime(2026, 12, 20, 12, 0),
        "timezone": "Asia/Tbilisi",
        "state": "offered",
        "created_at": datetime(2026, 12, 1),
    } | fields
    assignment = Assignment(
        reference=reference,
        expert_id=expert.id if expert is not None else None,
        application_id=application.id if application is not None else None,
        **values,
    )
    db.session.add(assignment)
    db.session.commit()
    return assignment


PUBLISHED_ON = date(2026, 11, 3)
