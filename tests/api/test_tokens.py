"""API tokens: created once, checked on every request, refused without a hint, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.api_tokens import ApiTokenError, create_token, hash_token, revoke_token
from tracker.dates import export_moment
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent, utcnow

UNAUTHORIZED = {
    "type": "about:blank",
    "title": "Unauthorized",
    "status": 401,
    "detail": "This request needs a valid token: Authorization: Bearer <token>.",
}


def test_a_token_is_stored_only_as_its_hash(api_admin):
    token, secret = create_token("CMS", ["applications:read"], by=api_admin, expires_days=30)

    assert secret.startswith("trk_")
    assert len(secret) == 47
    row = db.session.get(ApiToken, token.id)
    assert row.token_hash == hash_token(secret) != secret
    assert row.prefix == secret[:8]
    assert row.scopes == ["applications:read"]
    assert row.expires_at - utcnow() > timedelta(days=29, hours=23)
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor_id) == ("api_token.created", api_admin.id)
    assert event.details == {"token": token.id, "name": "CMS", "scopes": ["applications:read"]}
    assert secret not in str(event.details)


@pytest.mark.parametrize(
    ("name", "scopes", "days", "message"),
    [
        ("  ", ["applications:read"], None, "A token needs a name of 1 to 80 characters."),
        ("CMS", [], None, "A token needs at least one scope."),
        ("CMS", ["applications:delete"], None, "Unknown scope: applications:delete."),
        ("CMS", ["experts:read"], 0, "A token expires after 1 to 3650 days."),
    ],
)
def test_a_token_needs_a_name_known_scopes_and_a_sane_expiry(
    api_admin, name, scopes, days, message
):
    with pytest.raises(ApiTokenError, match=message):
        create_token(name, scopes, by=api_admin, expires_days=days)
    assert db.session.scalars(select(ApiToken)).all() == []


def test_a_call_with_a_token_answers_and_is_audited_with_the_token_name(api, call, api_admin):
    response = api("applications:read").get("/api/v1/calls")

    assert response.status_code == 200
    assert [item["slug"] for item in response.get_json()["items"]] == [call.slug]
    token = db.session.scalars(select(ApiToken)).one()
    assert token.last_used_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.request")).one()
    assert event.actor_id == api_admin.id
    assert event.details == {
        "api_token": token.id,
        "api_token_name": "CMS",
        "endpoint": "api.list_calls",
        "method": "GET",
        "status": 200,
    }


def _refused(response) -> dict:
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="tracker"'
    return response.get_json()


def test_missing_unknown_revoked_and_expired_tokens_get_the_same_401(api, make_token, api_admin):
    revoked = make_token("applications:read", name="old")
    revoke_token(db.session.scalars(select(ApiToken)).one(), by=api_admin)
    expired = make_token("applications:read", name="short", expires_days=1)
    db.session.scalars(select(ApiToken).where(ApiToken.name == "short")).one().expires_at = (
        utcnow() - timedelta(seconds=1)
    )
    db.session.commit()

    answers = [
        _refused(api().get("/api/v1/calls")),
        _refused(api(secret="trk_" + "x" * 43).get("/api/v1/calls")),
        _refused(api(secret=revoked).get("/api/v1/calls")),
        _refused(api(secret=expired).get("/api/v1/calls")),
        _refused(api().get("/api/v1/calls", headers={"Authorization": f"Basic {revoked}"})),
    ]

    assert answers == [UNAUTHORIZED] * 5
    assert (
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "api.request")
        ).all()
        == []
    )


@pytest.mark.parametrize(("field", "value"), [("role", "editor"), ("active", False)])
def test_a_token_stops_working_when_its_admin_may_no_longer_act(
    api, make_token, api_admin, field, value
):
    secret = make_token("applications:read")
    assert api(secret=secret).get("/api/v1/calls").status_code == 200
    setattr(api_admin, field, value)
    db.session.commit()

    assert _refused(api(secret=secret).get("/api/v1/calls")) == UNAUTHORIZED


def test_a_token_in_the_query_string_is_refused(api, make_token):
    secret = make_token("applications:read")

    for query in (f"?access_token={secret}", f"?token={secret}", f"?q={secret}"):
        response = api().get(f"/api/v1/calls{query}")
        assert response.status_code == 400
        assert response.get_json()["detail"] == (
            "Send the token in the Authorization header (Authorization: Bearer <token>), "
            "never in the URL."
        )
    # Not even with the right header beside it: the URL has leaked it already.
    response = api(secret=secret).get(f"/api/v1/calls?access_token={secret}")
    assert response.status_code == 400


def test_a_token_without_the_scope_gets_403_naming_it(api):
    response = api("experts:read").get("/api/v1/calls")

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "This token does not have the scope applications:read."


def test_an_unknown_api_path_answers_problem_json_not_a_page(api):
    response = api("applications:read").get("/api/v1/nothing-here", check=False)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Not Found"


def test_a_session_cookie_does_not_authorise_an_api_call(admin_client):
    response = admin_client.get("/api/v1/calls")

    assert response.status_code == 401
    assert response.get_json() == UNAUTHORIZED


def test_no_cors_headers_are_sent(api):
    response = api("applications:read").get(
        "/api/v1/calls", headers={"Origin": "https://cms.example.org"}
    )

    assert response.status_code == 200
    assert not [
        name for name, _value in response.headers.items() if name.startswith("Access-Control-")
    ]


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute")


def test_requests_are_limited_per_token(limited, api, make_token):
    one, other = (
        make_token("applications:read", name="one"),
        make_token("applications:read", name="two"),
    )

    statuses = [api(secret=one).get("/api/v1/calls").status_code for _ in range(2)]
    refused = api(secret=one).get("/api/v1/calls")
    other_answer = api(secret=other).get("/api/v1/calls")

    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["detail"].startswith(
        "Too many requests with this token. Try again in "
    )
    assert other_answer.status_code == 200


def test_the_cli_creates_a_token_and_prints_it_once(runner, api_admin, api):
    result = runner.invoke(
        args=[
            "api",
            "tokens",
            "create",
            "--name",
            "Chat",
            "--scope",
            "applications:read",
            "--scope",
            "experts:read",
            "--expires-days",
            "7",
        ]
    )

    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    token = db.session.scalars(select(ApiToken)).one()
    assert (token.name, token.scopes, token.created_by_id) == (
        "Chat",
        ["applications:read", "experts:read"],
        api_admin.id,
    )
    assert token.token_hash == hash_token(secret)
    expires = export_moment(token.expires_at, "UTC")
    assert result.stderr == (
        f"Token 'Chat' for api-admin@example.org: applications:read, experts:read; "
        f"expires {expires} UTC. Keep it now: it is not shown again.\n"
    )
    assert api(secret=secret).get("/api/v1/calls").status_code == 200


def test_the_cli_makes_the_token_act_for_the_admin_named(runner, api_admin, make_user):
    other = make_user("second-admin@example.org", "admin")

    result = runner.invoke(
        args=[
            "api",
            "tokens",
            "create",
            "--name",
            "Books",
            "--scope",
            "assignments:read",
            "--admin",
            "Second-Admin@example.org",
        ]
    )
    missing = runner.invoke(
        args=[
            "api",
            "tokens",
            "create",
            "--name",
            "x",
            "--scope",
            "assignments:read",
            "--admin",
            "nobody@example.org",
        ]
    )

    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(ApiToken.created_by_id)).all() == [other.id]
    assert missing.exit_code == 1
    assert "No active admin nobody@example.org." in missing.output


def test_the_cli_refuses_an_unknown_scope_and_a_missing_admin(runner):
    result = runner.invoke(
        args=["api", "tokens", "create", "--name", "x", "--scope", "applications:read"]
    )
    assert result.exit_code == 1
    assert "There is no active admin yet." in result.output
    result = runner.invoke(args=["api", "tokens", "create", "--name", "x", "--scope", "nope"])
    assert result.exit_code == 2
    assert db.session.scalars(select(ApiToken)).all() == []
