"""Staff sign-in and sessions: checking a password, loading the signed-in account, ending
its sessions, and where to go after signing in.

Sessions live in Flask's signed cookie, which the server cannot recall; so every session
belongs to one ``session_version`` of its account, and bumping the version ends them all.
Nothing here reads the cookie: the views in ``tracker.auth`` pass in what it holds.
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from functools import cache
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.accounts.common import PASSWORD_MAX_LENGTH, find_user_by_email, lock_user
from tracker.audit import record_event
from tracker.database import PREPARE, begin_write
from tracker.extensions import db
from tracker.models import User

logger = logging.getLogger(__name__)

# Every staff request reads its account: built once, the id bound at execution (as the
# candidate page's statements; Session.get builds its statement and cache key each time).
_USER_BY_ID = select(User).where(User.id == bindparam("user_id")).execution_options(**PREPARE)


def load_staff_user(user_id: str, session_version: object) -> User | None:
    """Return the signed-in user for Flask-Login, or None to treat the session as signed out.

    *session_version* is the one the session cookie carries. A session belongs to one
    ``session_version`` of its account: a password change, a sign-out or a deactivation
    bumps the version, so every copy of an older cookie – on another computer, or stolen –
    stops working at once, though the cookie itself (signed, client-side) cannot be recalled.
    """
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    user = db.session.execute(_USER_BY_ID, {"user_id": user_id}).scalar_one_or_none()
    if user is None or not user.active:
        return None
    if session_version != user.session_version:
        return None
    return user


def load_pending_user(user_id: object, session_version: object) -> User | None:
    """Return the account that gave its password and now owes its second factor, or None.

    None when the account was deactivated or signed out everywhere since (its session
    version moved on), or when it has no second factor any more.
    """
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != session_version:
        return None
    return user if user.totp_secret else None


def is_timestamp(value: object) -> bool:
    """Tell whether *value* is a Unix time as the session stores it (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def session_expiry(login_at: object, seen_at: object, now: float) -> str | None:
    """Return "idle" or "absolute" if a session signed in at *login_at* and last seen at
    *seen_at* has run out at *now*, else None."""
    config = current_app.config
    idle = 60 * config["SESSION_IDLE_MINUTES"]
    absolute = 3600 * config["SESSION_ABSOLUTE_HOURS"]
    if not is_timestamp(login_at) or now - login_at > absolute:
        return "absolute"
    if not is_timestamp(seen_at) or now - seen_at > idle:
        return "idle"
    return None


@cache
def dummy_password_hash() -> str:
    """Return a hash of a password nobody knows, made once with today's method and cost.

    Checked for an unknown address, so that it costs the same hash check as a known
    address with a wrong password.
    """
    return generate_password_hash(secrets.token_urlsafe(24))


def authenticate(email: str, password: str) -> User | None:
    """Return the active account for *email* if *password* is its password, else None.

    Unknown addresses, wrong passwords and inactive accounts get the same answer after
    the same work (one hash check), so neither the answer nor its timing tells whether an
    address has an account. A password longer than any we accept is refused before
    hashing: hashing a megabyte would be a cheap way to keep the server busy.
    """
    if not password or len(password) > PASSWORD_MAX_LENGTH:
        logger.warning("sign-in failed: password of %d characters refused", len(password or ""))
        return None
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(dummy_password_hash(), password)
        # The address is not logged (it may be a person's, typed into the wrong box).
        logger.warning("sign-in failed: no such account")
        return None
    if not check_password_hash(user.password_hash, password):
        logger.warning("sign-in failed: wrong password for user %s", user.id)
        return None
    if not user.active:
        logger.warning("sign-in failed: user %s is deactivated", user.id)
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Bump the account's session version in the caller's transaction: every session
    signed in before (every copy of every cookie) is signed out on its next request."""
    # An SQL expression, not a Python increment: two bumps at the same moment must give
    # two steps, so that neither leaves a session alive that the other meant to end.
    user.session_version = User.session_version + 1
    db.session.flush()


def sign_out(user: User) -> None:
    """End *user*'s sessions (this browser's and any copy of its cookie) and commit.

    A cookie session cannot be recalled from the server, and a copy of it stays valid
    until its account's session version changes; so signing out bumps it, which also
    signs the account out on its other browsers.
    """
    user_id = user.id
    begin_write()
    user = lock_user(user_id)
    if user is None:
        db.session.commit()
        return
    end_all_sessions(user)
    record_event("account.signed_out", actor=user, user_id=user.id)
    db.session.commit()


# Characters that must never appear in a redirect target: controls (a TAB or newline is
# dropped by browsers, turning "/\t/evil.example" into "//evil.example"), format
# characters such as bidi overrides, and any kind of space.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def safe_next_path(value: str | None) -> str | None:
    """Return *value* if it is a path on this site, else None.

    Accepted: a single leading ``/`` followed by anything but a second ``/`` or ``\\``,
    with no scheme, host or control characters – also after percent-decoding, since
    some browsers and proxies decode ``%2F%2Fevil.example`` into ``//evil.example``.
    """
    if not value or len(value) > 2000:
        return None
    candidates = [value]
    decoded = value
    for _ in range(3):  # double encoding (%252F) too
        decoded = unquote(decoded)
        candidates.append(decoded)
    for candidate in candidates:
        if not candidate.startswith("/") or candidate[1:2] in ("/", "\\"):
            return None
        if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in candidate):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
    return value
