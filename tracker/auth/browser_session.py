"""The sign-in state this browser's session cookie holds, and how it starts and ends.

Sessions live in Flask's signed cookie, so they are ended on the server by bumping the
account's session version (see ``accounts.sessions``), and limited in time by the
timestamps they carry (see ``auth.guards.end_expired_session``). Only the auth package
reads or writes these keys; the accounts functions get their values as arguments.
"""

from __future__ import annotations

import time

from flask import has_request_context, request, session
from flask_login import login_user, logout_user

from tracker.accounts import sessions, two_factor
from tracker.models import User

# The half-signed-in state between a right password and a right code: its session key,
# and how long it lasts. Short, so that a browser left at the code prompt is not a
# password-free way in for the next person at the keyboard.
_PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 5 * 60
# How often a signed-in session's last use is written into it (see mark_seen).
SEEN_EVERY_SECONDS = 60
# The secret being enrolled, between showing the QR code and the confirming code.
_ENROL_KEY = "two_factor_enrol_secret"


def load_signed_in_user(user_id: str) -> User | None:
    """Return the account this session is signed in to, for Flask-Login, or None."""
    version = session.get("session_version") if has_request_context() else None
    return sessions.load_staff_user(user_id, version)


def _clear_keeping_language() -> None:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def start_session(user: User) -> None:
    """Sign *user* in on a fresh session: nothing from before the sign-in survives.

    Flask's session is a signed cookie without a server-side id, so rotating it means
    starting from an empty dict (a planted value cannot ride along into the signed-in
    session) and letting Flask-Login write a new ``_id`` and fresh marker.
    """
    _clear_keeping_language()
    login_user(user)
    now = time.time()
    session["session_version"] = user.session_version
    session["login_at"] = now
    session["seen_at"] = now


def end_session() -> None:
    """Sign this browser out, keeping only its choice of language."""
    logout_user()
    _clear_keeping_language()


def expiry(now: float) -> str | None:
    """Return "idle" or "absolute" if this signed-in session has run out, else None."""
    return sessions.session_expiry(session.get("login_at"), session.get("seen_at"), now)


def mark_seen(now: float) -> None:
    """Note that the signed-in session was used at *now* (its idle time starts again).

    Written at most once every :data:`SEEN_EVERY_SECONDS`: a changed session is signed and
    sent again as a new cookie, which every staff request paid for. An idle session so
    ends up to that long before its full idle time, never later.
    """
    seen_at = session.get("seen_at")
    if not sessions.is_timestamp(seen_at) or now - seen_at >= SEEN_EVERY_SECONDS:
        session["seen_at"] = now


def current_path() -> str:
    """Return this request's path with its query string."""
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def next_here() -> str | None:
    """Return this request's path as a `next` target; only a GET can be repeated later."""
    return sessions.safe_next_path(current_path()) if request.method == "GET" else None


# --- between the password and the second factor -------------------------------------------


def begin_second_factor(user: User, next_path: str | None) -> None:
    """Remember, for a few minutes, that *user* gave the right password on this browser.

    Nothing of a signed-in session exists yet (no ``_user_id``): the session is emptied
    as at sign-in, so a value planted before cannot ride along.
    """
    _clear_keeping_language()
    session[_PENDING_KEY] = {
        "user": user.id,
        "version": user.session_version,
        "at": time.time(),
        "next": next_path or "",
    }


def pending_user() -> User | None:
    """Return the account waiting for its second factor on this browser, or None.

    None when the password was given more than PENDING_SECONDS ago, when the account was
    deactivated or signed out everywhere since, or when it has no second factor any more.
    """
    pending = session.get(_PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    at = pending.get("at")
    if not sessions.is_timestamp(at) or time.time() - at > PENDING_SECONDS:
        return None
    return sessions.load_pending_user(pending.get("user"), pending.get("version"))


def pending_next_path() -> str | None:
    """Return where the visitor waiting for their second factor asked to go, if safe."""
    return sessions.safe_next_path(session[_PENDING_KEY].get("next"))


def forget_pending() -> None:
    """Drop the half-signed-in state, after it ran out."""
    session.pop(_PENDING_KEY, None)


# --- enrolling an authenticator app ----------------------------------------------------------


def enrolment_secret(user: User, *, fresh: bool) -> str:
    """Return the secret being enrolled on this browser; make one if there is none or
    *fresh* asks for a new one."""
    secret = session.get(_ENROL_KEY)
    if fresh or not isinstance(secret, str):
        # Kept for the confirming POST only. The session cookie is signed, not encrypted,
        # but it travels only between this browser and us, which shows the secret anyway.
        secret = two_factor.begin_enrolment(user)
        session[_ENROL_KEY] = secret
    return secret


def forget_enrolment_secret() -> None:
    """Drop the enrolled secret from the session once it is stored with the account."""
    session.pop(_ENROL_KEY, None)
