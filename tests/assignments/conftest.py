"""Fixtures of the assignment tests: a candidate on trial, an expert, a ready assignment."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tracker.assignments.records import create_assignment
from tracker.experts.records import new_expert
from tracker.extensions import db
from tracker.models import utcnow


def in_days(days: float) -> datetime:
    """Return naive UTC *days* from now, to the minute."""
    return (utcnow() + timedelta(days=days)).replace(second=0, microsecond=0)


@pytest.fixture
def editor(make_user):
    return make_user("ana@example.org", "editor", name="Ana Editor")


@pytest.fixture
def on_trial(make_application):
    """Nino Beridze from Georgia, on a trial assignment."""
    return make_application(status="trial")


@pytest.fixture
def expert(app):
    """Arman, an expert of the pool in Yerevan who reads English."""
    person = new_expert(
        full_name="Arman Petrosyan",
        email="Arman@example.org",
        country="armenia",
        timezone="Asia/Yerevan",
        preferred_language="en",
    )
    db.session.commit()
    return person


@pytest.fixture
def make_assignment(editor):
    """Create an assignment (for the candidate or expert given), 250 EUR, due in 10 days."""

    def make(**overrides):
        fields = {
            "title": "Winter in Gudauri",
            "brief": "3,000 characters on the ski season.",
            "fee_minor": 25000,
            "currency": "EUR",
            "deadline_at": in_days(10),
            "timezone": "Asia/Tbilisi",
            "remind_expert": False,
            "editor": None,
            "by": editor,
        }
        return create_assignment(**(fields | overrides))

    return make
