"""The team page: invitations, roles, deactivation, and the last-admin guard."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.conftest import hidden_fields, login_as
from tracker.accounts import invitations, sessions, users
from tracker.extensions import db
from tracker.models import AuditEvent, OutboxEmail, User

NEW_PASSWORD = "a long and fresh passphrase"


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def token_of(admin_client) -> str:
    return hidden_fields(admin_client.get("/admin/team").text)["csrf_token"]


def invite(admin_client, **overrides):
    data = {
        **hidden_fields(admin_client.get("/admin/team").text),
        "name": "Lela Reporter",
        "email": "Lela@Example.org",
        "role": "editor",
        "language": "en",
    }
    data.update(overrides)
    return admin_client.post("/admin/team/invite?lang=en", data=data)


def invitation_link(email: OutboxEmail) -> str:
    match = re.search(r"http://localhost(/team/join/\S+)", email.body_text)
    assert match, email.body_text
    return match.group(1)


def join(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(link + "?lang=en")
    fields = hidden_fields(page.text)
    return client.post(
        link + "?lang=en",
        data={
            **fields,
            "new_password": password,
            "confirm_password": password if confirm is None else confirm,
        },
    )


# --- inviting ------------------------------------------------------------------------------


def test_invitation_creates_an_account_without_a_usable_password_and_queues_the_email(
    app, admin_client
):
    response = invite(admin_client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/team"
    user = db.session.scalar(select(User).where(User.email == "lela@example.org"))
    assert (user.name, user.role, user.active, user.password_change_required) == (
        "Lela Reporter",
        "editor",
        True,
        True,
    )
    assert sessions.authenticate("lela@example.org", "") is None
    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert (email.to_address, email.template, email.language, email.status, email.user_id) == (
        "lela@example.org",
        "invitation",
        "en",
        "queued",
        user.id,
    )
    assert email.subject == "You are invited to the team of Caucasus Watch"
    assert email.body_text.startswith("Hello Lela Reporter,")
    assert "Ada Admin has invited you to work with the applications of Caucasus Watch." in (
        email.body_text
    )
    assert "The link works once and for 72 hours." in email.body_text
    assert invitation_link(email).startswith("/team/join/")
    (event,) = audit("account.invited")
    assert (event.actor_id, event.details) == (
        admin_client.user.id,
        {"user_id": user.id, "role": "editor"},
    )
    page = admin_client.get("/admin/team?lang=en").text
    assert "Lela Reporter is invited: the email with their link is on its way." in page
    assert "Has not chosen a password yet" in page


def test_invitation_email_in_german_and_public_base_url(app, admin_client):
    app.config["PUBLIC_BASE_URL"] = "https://jobs.example.org/"
    invite(admin_client, language="de")
    email = db.session.scalar(select(OutboxEmail))
    assert email.language == "de"
    assert "https://jobs.example.org/team/join/" in email.body_text


def test_inviting_an_existing_address_is_a_form_error(admin_client, make_user):
    make_user("lela@example.org")
    response = invite(admin_client)
    assert response.status_code == 400
    assert "There is an account for lela@example.org already." in html.unescape(response.text)
    assert db.session.scalar(select(OutboxEmail)) is None


def test_inviting_needs_a_valid_address_and_a_name(admin_client):
    response = invite(admin_client, email="not an address", name="")
    assert response.status_code == 400
    assert "Please enter the person&#39;s name." in response.text
    assert "Please enter an email address like name@example.org." in response.text
    assert db.session.scalars(select(User.email)).all() == ["admin@example.org"]


# --- accepting -----------------------------------------------------------------------------


def test_the_link_sets_the_password_once_and_the_person_can_then_sign_in(app, admin_client):
    invite(admin_client)
    link = invitation_link(db.session.scalar(select(OutboxEmail)))
    client = app.test_client()

    page = client.get(link + "?lang=en")
    assert page.status_code == 200
    assert "Welcome, Lela Reporter." in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"

    response = join(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    user = db.session.scalar(select(User).where(User.email == "lela@example.org"))
    assert sessions.authenticate("lela@example.org", NEW_PASSWORD) == user
    assert user.password_change_required is False
    (event,) = audit("account.invitation_accepted")
    assert (event.actor_id, event.details) == (user.id, {"user_id": user.id})

    again = client.get(link + "?lang=en")
    assert again.status_code == 400
    assert "This invitation link does not work any more: it has been used already" in (again.text)
    second = client.post(
        link + "?lang=en",
        data={"new_password": "another long password", "confirm_password": "x"},
    )
    assert second.status_code == 400
    assert sessions.authenticate("lela@example.org", NEW_PASSWORD) == user


def test_an_expired_invitation_is_refused(app, admin_client):
    invite(admin_client)
    token = invitation_link(db.session.scalar(select(OutboxEmail))).rsplit("/", 1)[1]
    later = datetime.now(UTC) + timedelta(hours=72, minutes=1)

    with force_locale("en"):
        with pytest.raises(invitations.InvitationError) as caught:
            invitations.accept_invitation(token, NEW_PASSWORD, now=later)
        message = str(caught.value)
    assert caught.value.expired is True
    assert message == (
        "This invitation has expired. Please ask an administrator of your team to invite you again."
    )
    user = db.session.scalar(select(User).where(User.email == "lela@example.org"))
    assert sessions.authenticate("lela@example.org", NEW_PASSWORD) is None
    assert user.password_change_required is True

    # Just inside the limit it still works.
    almost = datetime.now(UTC) + timedelta(hours=71, minutes=59)
    assert invitations.accept_invitation(token, NEW_PASSWORD, now=almost) == user


def test_an_expired_link_page_says_so(app, admin_client):
    app.config["INVITATION_MAX_AGE_HOURS"] = 0
    invite(admin_client)
    link = invitation_link(db.session.scalar(select(OutboxEmail)))
    email = db.session.scalar(select(OutboxEmail))
    assert "The link works once and for 0 hours." in email.body_text
    page = app.test_client().get(link + "?lang=en")
    assert page.status_code == 400
    assert "This invitation has expired." in page.text


def test_a_forged_link_is_refused(app, client):
    page = client.get("/team/join/not-a-real-token?lang=en")
    assert page.status_code == 400
    assert "This invitation link does not work any more" in page.text


def test_a_short_password_or_a_mismatch_keeps_the_link_usable(app, admin_client):
    invite(admin_client)
    link = invitation_link(db.session.scalar(select(OutboxEmail)))
    client = app.test_client()
    short = join(client, link, password="too short")
    assert short.status_code == 400
    assert "Your password must have 12 to 128 characters." in short.text
    mismatch = join(client, link, confirm="something else entirely")
    assert mismatch.status_code == 400
    assert "The two passwords are not the same." in mismatch.text
    assert join(client, link).status_code == 302


def test_a_new_invitation_voids_the_earlier_link(app, admin_client):
    invite(admin_client)
    first_link = invitation_link(db.session.scalar(select(OutboxEmail)))
    user = db.session.scalar(select(User).where(User.email == "lela@example.org"))

    response = admin_client.post(
        f"/admin/team/{user.id}/resend", data={"csrf_token": token_of(admin_client)}
    )
    assert response.status_code == 302
    emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert len(emails) == 2
    client = app.test_client()
    assert client.get(first_link).status_code == 400
    assert join(client, invitation_link(emails[1])).status_code == 302
    assert len(audit("account.invitation_resent")) == 1


def test_a_deactivated_invitee_cannot_use_the_link(app, admin_client):
    invite(admin_client)
    link = invitation_link(db.session.scalar(select(OutboxEmail)))
    user = db.session.scalar(select(User).where(User.email == "lela@example.org"))
    users.deactivate_user(user, by=None)
    assert app.test_client().get(link).status_code == 400


# --- roles and deactivation ------------------------------------------------------------------


def test_change_role_is_audited(admin_client, make_user):
    editor = make_user("ana@example.org")
    response = admin_client.post(
        f"/admin/team/{editor.id}/role",
        data={"csrf_token": token_of(admin_client), "role": "admin"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert editor.role == "admin"
    (event,) = audit("account.role_changed")
    assert (event.actor_id, event.details) == (
        admin_client.user.id,
        {"user_id": editor.id, "role": "admin", "previous": "editor"},
    )


def test_deactivation_ends_every_session_at_once(app, admin_client, editor_client):
    editor = editor_client.user
    assert editor_client.get("/admin/dashboard").status_code == 200
    version = editor.session_version

    response = admin_client.post(
        f"/admin/team/{editor.id}/deactivate", data={"csrf_token": token_of(admin_client)}
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert (editor.active, editor.session_version) == (False, version + 1)
    after = editor_client.get("/admin/dashboard")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/auth/login")
    assert sessions.authenticate("editor@example.org", "correct horse battery") is None
    (event,) = audit("account.deactivated")
    assert (event.actor_id, event.details) == (admin_client.user.id, {"user_id": editor.id})
    assert "Deactivated" in admin_client.get("/admin/team?lang=en").text


def test_reactivation_lets_the_account_sign_in_again(admin_client, make_user):
    editor = make_user("ana@example.org", active=False)
    admin_client.post(
        f"/admin/team/{editor.id}/reactivate", data={"csrf_token": token_of(admin_client)}
    )
    db.session.expire_all()
    assert editor.active is True
    assert sessions.authenticate("ana@example.org", "correct horse battery") == editor
    assert len(audit("account.reactivated")) == 1


def test_the_last_active_admin_cannot_deactivate_or_demote_themselves(admin_client):
    admin = admin_client.user
    token = token_of(admin_client)
    admin_client.post(f"/admin/team/{admin.id}/deactivate", data={"csrf_token": token})
    admin_client.post(f"/admin/team/{admin.id}/role", data={"csrf_token": token, "role": "editor"})

    db.session.expire_all()
    assert (admin.active, admin.role) == (True, "admin")
    page = admin_client.get("/admin/team?lang=en").text
    assert (
        page.count(
            "Ada Admin is the last active administrator. Make someone else an administrator first."
        )
        == 2
    )
    assert audit("account.deactivated") == audit("account.role_changed") == []


def test_an_inactive_admin_does_not_count_as_another_admin(admin_client, make_user):
    make_user("old-admin@example.org", role="admin", active=False)
    admin = admin_client.user
    admin_client.post(
        f"/admin/team/{admin.id}/role",
        data={"csrf_token": token_of(admin_client), "role": "editor"},
    )
    db.session.expire_all()
    assert admin.role == "admin"


def test_with_a_second_admin_an_admin_may_step_down(app, admin_client, make_user):
    other = make_user("second-admin@example.org", role="admin")
    admin = admin_client.user
    response = admin_client.post(
        f"/admin/team/{admin.id}/role",
        data={"csrf_token": token_of(admin_client), "role": "editor"},
    )
    assert response.headers["Location"] == "/admin/dashboard"
    db.session.expire_all()
    assert admin.role == "editor"
    # Now an editor, they may no longer use the team page; the other admin may.
    assert admin_client.get("/admin/team").status_code == 403
    with pytest.raises(users.LastAdminError):
        users.deactivate_user(other, by=other)


def test_team_page_lists_everyone_with_their_state(admin_client, make_user):
    make_user("ana@example.org", name="Ana Editor")
    make_user("gone@example.org", name="Gone Editor", active=False)
    page = admin_client.get("/admin/team?lang=en").text
    assert page.index("Ada Admin") < page.index("Ana Editor") < page.index("Gone Editor")
    assert "Deactivated" in page
    assert "They receive an email with a link to choose their password." in page


def test_login_as_helper_still_works_for_a_reactivated_user(app, make_user):
    # The session version a deactivation bumped stays bumped: old cookies stay dead.
    user = make_user("ana@example.org")
    client = app.test_client()
    login_as(client, user)
    users.deactivate_user(user, by=None)
    users.reactivate_user(user, by=None)
    assert client.get("/admin/dashboard").status_code == 302
    login_as(client, db.session.get(User, user.id))
    assert client.get("/admin/dashboard").status_code == 200


def test_a_russian_speaking_editor_is_invited_in_russian(app, admin_client):
    """Staff pages are complete in Russian, so an account's language may be Russian: the
    invitation goes out in it."""
    assert invite(admin_client, language="ru").status_code == 302
    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert (email.language, email.subject) == ("ru", "Приглашение в команду Caucasus Watch")
    assert "Ada Admin приглашает вас работать с заявками Caucasus Watch." in email.body_text
    assert invitation_link(email).startswith("/team/join/")
