"""API tokens: created by admins, shown once, stored as their SHA-256, checked per request.

A token is ``trk_`` and 43 URL-safe characters (256 random bits). Only its hash is kept;
a lost token is revoked and replaced, never shown again. A token acts for the admin who
made it and within its scopes (tracker.enums.ApiScope): it stops working when it expires,
is revoked, or its admin is deactivated or no longer an admin.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import ApiScope
from tracker.extensions import db
from tracker.models import ApiToken, User, utcnow

TOKEN_PREFIX = "trk_"  # noqa: S105 - the public start of every token, not a secret
NAME_MAX_LENGTH = 80
EXPIRES_DAYS_MAX = 3650


class ApiTokenError(ValueError):
    """A token cannot be created as asked (no name, no scope, an unknown scope …)."""


def hash_token(token: str) -> str:
    """Return the stored form of *token*."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    name: str, scopes: Iterable[str], *, by: User, expires_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token named *name* with *scopes*, commit, and return it with its secret.

    The secret is returned this once and never stored.

    :raises ApiTokenError: the name is blank or too long, no scope or an unknown one is
        given, or *expires_days* is not between 1 and 3650.
    """
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ApiTokenError(f"A token needs a name of 1 to {NAME_MAX_LENGTH} characters.")
    wanted = set(scopes)
    unknown = sorted(wanted - {scope.value for scope in ApiScope})
    if unknown:
        raise ApiTokenError(f"Unknown scope: {', '.join(unknown)}.")
    if not wanted:
        raise ApiTokenError("A token needs at least one scope.")
    if expires_days is not None and not 1 <= expires_days <= EXPIRES_DAYS_MAX:
        raise ApiTokenError(f"A token expires after 1 to {EXPIRES_DAYS_MAX} days.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    begin_write()
    token = ApiToken(
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        # In the order of ApiScope, so every list of them reads alike.
        scopes=[scope.value for scope in ApiScope if scope.value in wanted],
        created_by_id=by.id,
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    db.session.flush()
    record_event("api_token.created", actor=by, token=token.id, name=name, scopes=token.scopes)
    db.session.commit()
    return token, secret


def revoke_token(token: ApiToken, *, by: User) -> bool:
    """Revoke *token* and commit; return False if it was revoked already."""
    begin_write()
    if token.revoked_at is not None:
        db.session.rollback()
        return False
    token.revoked_at = utcnow()
    record_event("api_token.revoked", actor=by, token=token.id, name=token.name)
    db.session.commit()
    return True


def usable_token(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """Return the token *secret* names if it may be used now, else None.

    Missing, unknown, revoked and expired tokens, and those whose admin may no longer act,
    are all None: the client is not told which.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = now or utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    admin = token.created_by
    if admin is None or not admin.is_active or not admin.is_admin:
        return None
    return token


def all_tokens() -> list[ApiToken]:
    """Return every token, the newest first, for the admins' page."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def token_state(token: ApiToken, *, now: datetime | None = None) -> str:
    """Return "revoked", "expired" or "active", as the admins' page shows the token."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"
