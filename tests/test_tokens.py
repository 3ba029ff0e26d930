"""Signed tokens: one factory, a salt per purpose, expiry from the configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from tracker import tokens
from tracker.tokens import Purpose


def test_a_token_loads_for_its_own_purpose(app):
    token = tokens.sign(Purpose.STATUS_LINK, {"a": 7, "k": "key"})
    assert tokens.load(Purpose.STATUS_LINK, token) == {"a": 7, "k": "key"}


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_token_never_passes_for_another_purpose(app, purpose):
    token = tokens.sign(purpose, {"user": 1})
    for other in Purpose:
        if other is not purpose:
            with pytest.raises(tokens.TokenInvalid):
                tokens.load(other, token)


def test_a_forged_or_damaged_token_is_invalid(app):
    token = tokens.sign(Purpose.ERASURE, {"a": 1})
    for bad in (None, "", "x" * 40, token[:-2] + "xx"):
        with pytest.raises(tokens.TokenInvalid):
            tokens.load(Purpose.ERASURE, bad)
    forged = URLSafeTimedSerializer("another key", salt=Purpose.ERASURE.value).dumps({"a": 1})
    with pytest.raises(tokens.TokenInvalid):
        tokens.load(Purpose.ERASURE, forged)


def test_links_signed_before_the_factory_existed_still_load(app):
    # The salts are the ones the app always used: links already emailed keep working.
    key = app.config["SECRET_KEY"]
    status = URLSafeTimedSerializer(key, salt="tracker.status-link").dumps({"a": 1, "k": "k"})
    reset = URLSafeTimedSerializer(key, salt="tracker.accounts.password-reset").dumps({"user": 2})
    invite = URLSafeTimedSerializer(key, salt="tracker.accounts.invitation").dumps({"user": 3})
    erase = URLSafeTimedSerializer(key, salt="tracker.erasure-request").dumps({"a": 4})
    ticket = URLSafeSerializer(key, salt="application-form-ticket").dumps({"token": "t"})
    compose = URLSafeSerializer(key, salt="tracker.compose-ticket").dumps("c")
    assert tokens.load(Purpose.STATUS_LINK, status) == {"a": 1, "k": "k"}
    assert tokens.load(Purpose.PASSWORD_RESET, reset) == {"user": 2}
    assert tokens.load(Purpose.INVITATION, invite) == {"user": 3}
    assert tokens.load(Purpose.ERASURE, erase) == {"a": 4}
    assert tokens.load(Purpose.FORM_TICKET, ticket) == {"token": "t"}
    assert tokens.load(Purpose.COMPOSE, compose) == "c"


def test_max_ages_come_from_the_configuration(app):
    app.config.update(
        STATUS_LINK_MAX_AGE_DAYS=2,
        ERASURE_LINK_MAX_AGE_HOURS=5,
        PASSWORD_RESET_MAX_AGE=600,
        INVITATION_MAX_AGE_HOURS=3,
    )
    assert tokens.max_age(Purpose.STATUS_LINK) == 2 * 86400
    assert tokens.max_age(Purpose.ERASURE) == 5 * 3600
    assert tokens.max_age(Purpose.PASSWORD_RESET) == 600
    assert tokens.max_age(Purpose.INVITATION) == 3 * 3600
    assert tokens.max_age(Purpose.FORM_TICKET) is None
    assert tokens.max_age(Purpose.COMPOSE) is None


def test_a_token_expires_after_its_max_age(app):
    app.config["INVITATION_MAX_AGE_HOURS"] = 1
    token = tokens.sign(Purpose.INVITATION, {"user": 1})
    now = datetime.now(UTC)
    assert tokens.load(Purpose.INVITATION, token, now=now + timedelta(minutes=59)) == {"user": 1}
    with pytest.raises(tokens.TokenExpired):
        tokens.load(Purpose.INVITATION, token, now=now + timedelta(minutes=61))
    naive = (now + timedelta(minutes=61)).replace(tzinfo=None)
    with pytest.raises(tokens.TokenExpired):
        tokens.load(Purpose.INVITATION, token, now=naive)


def test_an_expired_token_is_also_invalid_for_callers_that_need_not_tell(app):
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    token = tokens.sign(Purpose.PASSWORD_RESET, {"user": 1})
    with pytest.raises(tokens.TokenInvalid) as caught:
        tokens.load(Purpose.PASSWORD_RESET, token)
    assert isinstance(caught.value, tokens.TokenExpired)


def test_untimed_tokens_never_expire(app):
    token = tokens.sign(Purpose.COMPOSE, "once")
    far_future = datetime.now(UTC) + timedelta(days=3650)
    assert tokens.load(Purpose.COMPOSE, token, now=far_future) == "once"


def test_secrets_are_compared_whole(app):
    assert tokens.same("abc", "abc")
    assert not tokens.same("abc", "abd")
    assert not tokens.same("abc", None)
    assert not tokens.same(None, "abc")
    assert tokens.same(None, "")


def test_keyed_digest_depends_on_the_secret_key(app):
    first = tokens.keyed_digest("1:hash:0")
    assert first == tokens.keyed_digest("1:hash:0")
    assert first != tokens.keyed_digest("1:hash:1")
    app.config["SECRET_KEY"] = "another secret key that is long enough 0123456789"
    assert tokens.keyed_digest("1:hash:0") != first
