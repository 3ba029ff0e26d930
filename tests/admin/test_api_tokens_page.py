"""Admin → API tokens: create (the secret shown once), list, revoke; admins only; audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.admin.test_audit_log import actions
from tests.conftest import hidden_fields
from tracker.api_tokens import create_token, hash_token
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent, utcnow

SECRET = re.compile(r'<code id="token-secret">(trk_[A-Za-z0-9_-]{43})</code>')


def flashes(markup: str) -> list[str]:
    return re.findall(r'<div class="notice notice-\w+" role="status">([^<]*)</div>', markup)


def create(client, **fields):
    page = client.get("/admin/api?lang=en")
    form = {"csrf_token": hidden_fields(page.text)["csrf_token"]}
    form |= {"name": "CMS", "scopes": ["experts:read", "contacts:read"], "expires": "90"}
    return client.post("/admin/api", data=form | fields)


def test_a_new_token_is_shown_once_and_stored_as_its_hash(admin_client):
    response = create(admin_client)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(response.text).group(1)
    assert "Copy the token now: it will not be shown again." in response.text
    token = db.session.scalars(select(ApiToken)).one()
    assert (token.name, token.scopes) == ("CMS", ["contacts:read", "experts:read"])
    assert token.token_hash == hash_token(secret)
    assert token.prefix == secret[:8]
    assert timedelta(days=89, hours=23) < token.expires_at - utcnow() <= timedelta(days=90)
    with admin_client.session_transaction() as session:
        assert secret not in str(dict(session))
    again = admin_client.get("/admin/api?lang=en")
    assert secret not in again.text
    assert SECRET.search(again.text) is None
    assert f"<code>{secret[:8]}…</code>" in again.text
    assert flashes(again.text) == []
    events = db.session.scalars(select(AuditEvent)).all()
    assert [event.action for event in events] == ["api_token.created"]
    assert secret not in str(events[0].details)


def test_the_list_shows_each_token_with_its_state(admin_client):
    admin = admin_client.user
    create_token("Chat", ["applications:read"], by=admin)
    expired, _secret = create_token("Old CMS", ["experts:read"], by=admin, expires_days=1)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    page = admin_client.get("/admin/api?lang=en").text

    rows = re.findall(r'<tr id="token-\d+">(.*?)</tr>', page, re.S)
    assert [re.search(r"<td>([^<]*)</td>", row).group(1) for row in rows] == ["Old CMS", "Chat"]
    assert [re.findall(r'class="badge token-state-(\w+)"', row) for row in rows] == [
        ["expired"],
        ["active"],
    ]
    assert "Ada Admin" in rows[1]
    assert "never" in rows[1]
    assert "not yet" in rows[1]
    assert re.search(r'<a href="/admin/api"[^>]*>API tokens</a>', page)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": " "}, "Please name the token after the program that will use it."),
        ({"scopes": []}, "Choose at least one scope."),
        ({"scopes": ["everything"]}, "is not a valid choice for this field."),
    ],
)
def test_a_token_needs_a_name_and_scopes(admin_client, fields, message):
    response = create(admin_client, **fields)

    assert response.status_code == 400
    assert message in response.text
    assert SECRET.search(response.text) is None
    assert db.session.scalars(select(ApiToken)).all() == []


@pytest.mark.parametrize(("expires", "days"), [("30", 30), ("365", 365), ("never", None)])
def test_the_expiry_choices(admin_client, expires, days):
    create(admin_client, expires=expires)

    expires_at = db.session.scalars(select(ApiToken.expires_at)).one()
    if days is None:
        assert expires_at is None
    else:
        left = expires_at - utcnow()
        assert timedelta(days=days) - timedelta(minutes=1) < left <= timedelta(days=days)


def test_a_revoked_token_gets_401_from_the_api(admin_client, client):
    secret = SECRET.search(create(admin_client).text).group(1)
    token = db.session.scalars(select(ApiToken)).one()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/experts", headers=headers).status_code == 200

    confirm = admin_client.get(f"/admin/api/{token.id}/revoke?lang=en")
    assert "Every program that uses this token is refused" in confirm.text
    response = admin_client.post(
        f"/admin/api/{token.id}/revoke",
        data={"csrf_token": hidden_fields(confirm.text)["csrf_token"]},
    )

    assert response.status_code == 302
    assert response.location == "/admin/api"
    assert flashes(admin_client.get("/admin/api?lang=en").text) == [
        "The token “CMS” is revoked: requests with it are refused."
    ]
    db.session.refresh(token)
    assert token.revoked_at is not None
    refused = client.get("/api/v1/experts", headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["detail"] == (
        "This request needs a valid token: Authorization: Bearer <token>."
    )


def test_revoking_needs_the_csrf_token(admin_client):
    token, _secret = create_token("Chat", ["applications:read"], by=admin_client.user)

    response = admin_client.post(f"/admin/api/{token.id}/revoke")

    assert response.status_code == 400
    db.session.refresh(token)
    assert token.revoked_at is None


def test_editors_may_not_see_or_change_tokens(editor_client, make_user, make_application):
    boss = make_user("boss@example.org", "admin", name="Boss")
    token, _secret = create_token("Chat", ["applications:read"], by=boss)
    # A valid CSRF token of the editor's session, from a page the editor may open.
    page = editor_client.get(f"/review/applications/{make_application().id}").text
    csrf = {"csrf_token": hidden_fields(page)["csrf_token"]}
    wanted = {"name": "Mine", "scopes": ["exports:read"], "expires": "never"}

    assert editor_client.get("/admin/api").status_code == 403
    assert editor_client.post("/admin/api", data=csrf | wanted).status_code == 403
    assert editor_client.get(f"/admin/api/{token.id}/revoke").status_code == 403
    assert editor_client.post(f"/admin/api/{token.id}/revoke", data=csrf).status_code == 403
    db.session.refresh(token)
    assert token.revoked_at is None
    assert db.session.scalars(select(ApiToken.name)).all() == ["Chat"]


def test_the_audit_log_lists_api_events_under_api(admin_client, client):
    secret = SECRET.search(create(admin_client).text).group(1)
    client.get("/api/v1/experts", headers={"Authorization": f"Bearer {secret}"})
    token = db.session.scalars(select(ApiToken)).one()
    confirm = admin_client.get(f"/admin/api/{token.id}/revoke")
    csrf = {"csrf_token": hidden_fields(confirm.text)["csrf_token"]}
    admin_client.post(f"/admin/api/{token.id}/revoke", data=csrf)

    page = admin_client.get("/review/audit?kind=api&lang=en").text

    assert actions(page) == ["api_token.revoked", "api.request", "api_token.created"]
    assert '<option value="api" selected>API</option>' in page


def test_reloading_the_answer_refuses_instead_of_creating_a_second_token(admin_client):
    """The answer shows the secret and is not stored, so a reload sends the form again:
    the form's one-time field makes that a refusal, and there is still one token."""
    page = admin_client.get("/admin/api?lang=en")
    fields = hidden_fields(page.text)
    assert set(fields) == {"csrf_token", "once"}
    form = fields | {"name": "CMS", "scopes": ["experts:read"], "expires": "90"}

    first = admin_client.post("/admin/api", data=form)
    again = admin_client.post("/admin/api", data=form)

    assert SECRET.search(first.text) is not None
    assert again.status_code == 400
    assert SECRET.search(again.text) is None
    assert (
        "This form was sent already (the page was reloaded): nothing new was created." in again.text
    )
    assert [token.name for token in db.session.scalars(select(ApiToken))] == ["CMS"]
    fresh = hidden_fields(admin_client.get("/admin/api?lang=en").text)["once"]
    assert fresh != form["once"]
    assert SECRET.search(admin_client.post("/admin/api", data=form | {"once": fresh}).text)
