"""Every signed token the app hands out: one factory, a salt per purpose.

A token signed for one purpose never passes for another (each purpose has its own salt),
expiry comes from the configuration, and every comparison of a secret is constant-time.
The salts are the ones the app has always used, so links already emailed keep working.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer


class Purpose(StrEnum):
    """What a token is for; the value is its salt."""

    STATUS_LINK = "tracker.status-link"
    ERASURE = "tracker.erasure-request"
    PASSWORD_RESET = "tracker.accounts.password-reset"  # noqa: S105 - a salt, not a secret
    INVITATION = "tracker.accounts.invitation"
    FORM_TICKET = "application-form-ticket"
    COMPOSE = "tracker.compose-ticket"
    EXPERT_IMPORT = "tracker.experts.import-upload"


# How long a token of each timed purpose works, in seconds, from the configuration. The
# form and compose tickets are untimed: the form ticket carries the time it was shown
# (the submission checks both the limit and the minimum fill time), and a compose ticket
# only has to be unique.
_MAX_AGE_SECONDS = {
    Purpose.STATUS_LINK: lambda config: int(config["STATUS_LINK_MAX_AGE_DAYS"]) * 86400,
    Purpose.ERASURE: lambda config: int(config["ERASURE_LINK_MAX_AGE_HOURS"]) * 3600,
    Purpose.PASSWORD_RESET: lambda config: int(config["PASSWORD_RESET_MAX_AGE"]),
    Purpose.INVITATION: lambda config: int(config["INVITATION_MAX_AGE_HOURS"]) * 3600,
    Purpose.EXPERT_IMPORT: lambda config: int(config["IMPORT_STAGE_MAX_AGE_MINUTES"]) * 60,
}


class TokenInvalid(Exception):
    """The token is forged, damaged, or signed for another purpose."""


class TokenExpired(TokenInvalid):
    """The token was genuine but is older than its purpose allows."""


def max_age(purpose: Purpose) -> int | None:
    """Return how many seconds a token for *purpose* works, or None if it never expires."""
    age = _MAX_AGE_SECONDS.get(purpose)
    return age(current_app.config) if age else None


def _serializer(purpose: Purpose) -> URLSafeSerializer:
    factory = URLSafeTimedSerializer if purpose in _MAX_AGE_SECONDS else URLSafeSerializer
    return factory(current_app.config["SECRET_KEY"], salt=purpose.value)


def sign(purpose: Purpose, data: Any) -> str:
    """Return *data* signed for *purpose* (and, for timed purposes, stamped with the time)."""
    return _serializer(purpose).dumps(data)


def load(purpose: Purpose, token: str | None, *, now: datetime | None = None) -> Any:
    """Return the data inside *token* if it was signed for *purpose* and has not expired.

    :param now: the current time (aware or naive UTC); tests pass it to move the clock.
    :raises TokenExpired: genuine, but older than :func:`max_age` allows.
    :raises TokenInvalid: forged, damaged, or signed for another purpose.
    """
    serializer = _serializer(purpose)
    limit = max_age(purpose)
    try:
        if limit is None:
            return serializer.loads(token or "")
        if now is None:
            return serializer.loads(token or "", max_age=limit)
        data, signed_at = serializer.loads(token or "", return_timestamp=True)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if (now - signed_at).total_seconds() > limit:
        raise TokenExpired
    return data


def same(secret: str | None, expected: str | None) -> bool:
    """Tell whether two secrets are equal, in time that does not depend on where they differ."""
    return hmac.compare_digest((secret or "").encode(), (expected or "").encode())


def keyed_digest(message: str) -> str:
    """Return an HMAC-SHA256 of *message* under the secret key (a fingerprint to embed)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, message.encode(), "sha256").hexdigest()
