"""Guest reviewers: a guest for the default call's Armenia region, and applications in and
out of that scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.conftest import login_as
from tracker.accounts.guests import today
from tracker.extensions import db
from tracker.models import Application, Call, GuestScope, User
from tracker.search import index_application

GUEST_EMAIL = "gayane@partner.example"


def make_guest(make_user, call: Call, *, regions=("armenia",), days_left: int = 30) -> User:
    """Create a guest account with a scope: *call*, *regions*, *days_left* days to go."""
    user = make_user(GUEST_EMAIL, "guest", name="Gayane Guest")
    db.session.add(
        GuestScope(
            user_id=user.id,
            call_id=call.id,
            regions=list(regions),
            ends_on=today() + timedelta(days=days_left),
        )
    )
    db.session.commit()
    return user


def other_call() -> Call:
    """Create and return a second call, with a region of the same key as the default's."""
    call = Call(
        slug="second-call",
        title={"de": "Zweiter Aufruf", "en": "Second call"},
        description={"de": "", "en": ""},
        regions=[
            {
                "key": "armenia",
                "country": "armenia",
                "group": "south_caucasus",
                "label": {"de": "Armenien", "en": "Armenia"},
            }
        ],
        topics=[{"key": "politics", "label": {"de": "Politik", "en": "Politics"}}],
    )
    db.session.add(call)
    db.session.commit()
    return call


@dataclass
class Candidates:
    """One application in the guest's scope, one in the call but another region, one in
    another call (the same region key)."""

    inside: Application
    other_region: Application
    other_call: Application


@pytest.fixture
def candidates(call, make_application) -> Candidates:
    """The three applications, in the search index (whose text holds the addresses too)."""
    found = Candidates(
        inside=make_application(
            region="armenia",
            full_name="Anahit Petrosyan",
            email="anahit.p@example.org",
            phone="+374 91 234567",
            cover_letter="Schreiben Sie mir: anahit.p@example.org oder +374 91 234567.",
            links=["https://facebook.example/anahit"],
            writing_sample_url="https://anahit.example/blog",
        ),
        other_region=make_application(
            region="georgia", full_name="Nino Beridze", email="nino@example.org"
        ),
        other_call=make_application(
            call=other_call(), region="armenia", full_name="Aram Sargsyan", email="aram@example.org"
        ),
    )
    for application in (found.inside, found.other_region, found.other_call):
        index_application(application)
    db.session.commit()
    return found


@pytest.fixture
def guest_client(app, call, make_user):
    """A client signed in as a guest for the default call's Armenia region."""
    client = app.test_client()
    client.user = make_guest(make_user, call)
    login_as(client, client.user)
    return client
