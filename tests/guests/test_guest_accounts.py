"""Inviting guest reviewers, changing and ending their access, and their last day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.admin.test_team import audit, invitation_link, join, token_of
from tests.auth.test_sign_in import flashes, problem, sign_in
from tests.conftest import PASSWORD, hidden_fields, login_as
from tests.guests.conftest import GUEST_EMAIL, make_guest, other_call
from tracker.accounts import users
from tracker.accounts.common import AccountError
from tracker.accounts.guests import today
from tracker.dates import day
from tracker.extensions import db
from tracker.models import GuestScope, OutboxEmail, User


def _invite(admin_client, call, **overrides):
    data = {
        **hidden_fields(admin_client.get("/admin/team").text),
        "guest-name": "Gayane Guest",
        "guest-email": "Gayane@Partner.example",
        "guest-call": str(call.id),
        "guest-regions": ["armenia", "karabakh"],
        "guest-ends_on": (today() + timedelta(days=14)).isoformat(),
        "guest-language": "en",
    }
    data.update(overrides)
    return admin_client.post("/admin/team/guests/invite?lang=en", data=data)


def _scope_row(user_id: int) -> tuple:
    scope = db.session.get(GuestScope, user_id)
    db.session.refresh(scope)
    return (scope.call_id, scope.regions, scope.ends_on)


def test_an_admin_invites_a_guest_for_a_call_some_regions_and_a_last_day(admin_client, call):
    response = _invite(admin_client, call)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/team#guests"
    guest = db.session.scalar(select(User).where(User.email == GUEST_EMAIL))
    assert (guest.name, guest.role, guest.password_change_required) == (
        "Gayane Guest",
        "guest",
        True,
    )
    last_day = today() + timedelta(days=14)
    assert _scope_row(guest.id) == (call.id, ["armenia", "karabakh"], last_day)
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == guest.id))
    assert email.to_address == GUEST_EMAIL
    assert "/team/join/" in email.body_text
    [event] = audit("account.invited")
    assert event.details == {
        "user_id": guest.id,
        "role": "guest",
        "call_id": call.id,
        "regions": ["armenia", "karabakh"],
        "ends_on": last_day.isoformat(),
    }
    page = admin_client.get("/admin/team?lang=en").text
    assert "Gayane Guest is invited as a guest reviewer." in flashes(page)
    # Listed among the guests, with their access, not in the team's table of roles.
    assert f'id="role-{guest.id}"' not in page
    assert (
        f'<input class="input" type="date" name="ends_on" id="ends-on-{guest.id}" value="{last_day.isoformat()}">'
        in page
    )


def test_the_invited_guest_chooses_a_password_and_signs_in_to_their_inbox(
    app, admin_client, call, make_application
):
    make_application(region="armenia", full_name="Anahit Petrosyan")
    make_application(region="georgia", full_name="Nino Beridze")
    _invite(admin_client, call, **{"guest-regions": ["armenia"]})
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == GUEST_EMAIL))
    client = app.test_client()
    assert join(client, invitation_link(email)).headers["Location"] == "/auth/login"
    response = sign_in(client, GUEST_EMAIL, "a long and fresh passphrase")
    assert response.headers["Location"] == "/review/"
    inbox = client.get("/review/?lang=en").text
    assert "Anahit Petrosyan" in inbox
    assert "Nino Beridze" not in inbox
    guest = db.session.scalar(select(User).where(User.email == GUEST_EMAIL))
    assert [event.details["endpoint"] for event in audit("guest.request")] == [
        "auth.login",
        "review.inbox",
    ]
    assert {event.actor_id for event in audit("guest.request")} == {guest.id}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"guest-call": "second", "guest-regions": ["georgia"]},
            "guest-regions",
            "Please choose only regions of the chosen call.",
        ),
        (
            {"guest-ends_on": "yesterday"},
            "guest-ends_on",
            "The last day of access cannot be in the past.",
        ),
        ({"guest-ends_on": ""}, "guest-ends_on", "Please enter the last day of access."),
    ],
)
def test_a_guest_invitation_with_a_wrong_scope_is_refused_and_writes_nothing(
    admin_client, call, overrides, field, message
):
    second = other_call()
    if overrides.get("guest-call") == "second":
        overrides["guest-call"] = str(second.id)
    if overrides.get("guest-ends_on") == "yesterday":
        overrides["guest-ends_on"] = (today() - timedelta(days=1)).isoformat()
    response = _invite(admin_client, call, **overrides)
    assert response.status_code == 400
    assert (
        f'<p class="field-error" id="{field}-error"><span class="visually-hidden">Error:</span> {message}</p>'
        in response.text
    )
    # What the admin typed is kept.
    assert (
        'name="guest-email" required type="email" value="gayane@partner.example"' in response.text
    )
    assert db.session.scalar(select(User).where(User.role == "guest")) is None
    assert db.session.scalar(select(GuestScope)) is None
    assert db.session.scalar(select(OutboxEmail)) is None


def test_an_admin_changes_a_guests_access_and_it_applies_at_once(
    admin_client, guest_client, call, make_application
):
    make_application(region="georgia", full_name="Nino Beridze")
    assert "Nino Beridze" not in guest_client.get("/review/").text
    guest = guest_client.user
    last_day = today() + timedelta(days=3)
    response = admin_client.post(
        f"/admin/team/{guest.id}/guest?lang=en",
        data={
            "csrf_token": token_of(admin_client),
            "call": str(call.id),
            "regions": ["georgia"],
            "ends_on": last_day.isoformat(),
        },
    )
    assert response.headers["Location"] == f"/admin/team#user-{guest.id}"
    assert _scope_row(guest.id) == (call.id, ["georgia"], last_day)
    [event] = audit("guest.access_changed")
    assert (event.actor_id, event.details) == (
        admin_client.user.id,
        {
            "user_id": guest.id,
            "call_id": call.id,
            "regions": ["georgia"],
            "ends_on": last_day.isoformat(),
        },
    )
    assert "Nino Beridze" in guest_client.get("/review/").text
    log = admin_client.get("/review/audit?kind=guests&lang=en").text
    assert "guest.access_changed" in log


def test_a_scope_change_for_a_team_member_is_refused(admin_client, editor_client, call):
    response = admin_client.post(
        f"/admin/team/{editor_client.user.id}/guest?lang=en",
        data={
            "csrf_token": token_of(admin_client),
            "call": str(call.id),
            "ends_on": today().isoformat(),
        },
    )
    assert response.status_code == 302
    assert "This is not a guest account." in flashes(admin_client.get("/admin/team").text)
    assert db.session.scalar(select(GuestScope)) is None


def test_ending_a_guests_access_signs_them_out_at_once(admin_client, guest_client):
    guest = guest_client.user
    response = admin_client.post(
        f"/admin/team/{guest.id}/guest/end?lang=en", data={"csrf_token": token_of(admin_client)}
    )
    assert response.status_code == 302
    yesterday = today() - timedelta(days=1)
    assert _scope_row(guest.id)[2] == yesterday
    assert [event.details for event in audit("guest.access_ended")] == [{"user_id": guest.id}]
    # The open session stops on its next request, saying why.
    response = guest_client.get("/review/")
    assert response.headers["Location"] == "/auth/login"
    assert flashes(guest_client.get("/auth/login").text) == [_ended_message(yesterday)]
    assert guest_client.get("/review/").headers["Location"].startswith("/auth/login?next=")


def _ended_message(last_day) -> str:
    with force_locale("en"):
        return (
            f"Your access as a guest reviewer ended on {day(last_day)}. If you need it longer, "
            "please ask the editor who invited you."
        )


def test_after_the_last_day_a_guest_cannot_sign_in(app, call, make_user):
    guest = make_guest(make_user, call, days_left=-1)
    client = app.test_client()
    client.get("/auth/login?lang=en")  # the page language is kept in the session
    response = sign_in(client, guest.email, PASSWORD)
    assert response.status_code == 400
    assert problem(response.text) == _ended_message(today() - timedelta(days=1))
    assert client.get("/review/").headers["Location"].startswith("/auth/login")


def test_after_the_last_day_an_open_session_ends_with_a_clear_message(app, call, make_user):
    guest = make_guest(make_user, call, days_left=0)
    client = app.test_client()
    login_as(client, guest)
    assert client.get("/review/").status_code == 200  # the last day itself still counts
    db.session.get(GuestScope, guest.id).ends_on = today() - timedelta(days=1)
    db.session.commit()
    response = client.get("/review/?lang=en")
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login?lang=en").text
    assert flashes(page) == [_ended_message(today() - timedelta(days=1))]
    assert client.get("/review/").headers["Location"].startswith("/auth/login")


def test_a_guest_cannot_be_made_a_team_member_nor_the_reverse(guest_client, editor_client):
    for user, role in ((guest_client.user, "editor"), (editor_client.user, "guest")):
        with pytest.raises(AccountError):
            users.change_role(user, role, by=None)
    db.session.refresh(guest_client.user)
    db.session.refresh(editor_client.user)
    assert (guest_client.user.role, editor_client.user.role) == ("guest", "editor")
