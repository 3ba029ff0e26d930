"""Fixtures of the expert pool: accepted candidates, experts made directly, assignments."""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker.applications.pipeline import set_status
from tracker.experts.records import new_expert, set_expertise
from tracker.extensions import db
from tracker.models import Assignment


@pytest.fixture
def accept(make_user):
    """Accept a shortlisted application as an editor (the status change enrols them)."""
    editor = None

    def accept_(application):
        nonlocal editor
        if editor is None:
            editor = make_user("accepting@example.org", "editor", name="Ada Accepting")
        if application.status != "shortlisted":
            application.status = "shortlisted"
            db.session.commit()
        set_status(application, "accepted", by=editor)
        return application

    return accept_


@pytest.fixture
def make_expert(app):
    """Create an expert straight in the database (as an import would)."""

    def make(
        full_name="Nino Beridze",
        email="nino@example.org",
        regions=("georgia",),
        languages=(("de", "B2"),),
        topics=("politics",),
        **fields,
    ):
        fields.setdefault("source", "import")
        expert = new_expert(full_name=full_name, email=email, **fields)
        set_expertise(expert, regions=regions, languages=languages, topics=topics)
        db.session.commit()
        return expert

    return make


@pytest.fixture
def make_assignment(app):
    """Create an assignment of an expert (or application) in a given state."""
    counter = iter(range(1, 1000))

    def make(*, expert=None, application=None, state="offered", **fields):
        number = next(counter)
        assignment = Assignment(
            reference=f"AS-TEST{number:02d}",
            expert_id=expert.id if expert else None,
            application_id=application.id if application else None,
            title=fields.pop("title", f"Piece {number}"),
            brief=fields.pop("brief", "Write about the harvest."),
            fee_minor=fields.pop("fee_minor", 25000),
            currency=fields.pop("currency", "EUR"),
            deadline_at=fields.pop("deadline_at", datetime(2026, 12, 20, 12, 0)),
            timezone=fields.pop("timezone", "Asia/Tbilisi"),
            state=state,
            **fields,
        )
        db.session.add(assignment)
        db.session.commit()
        return assignment

    return make
