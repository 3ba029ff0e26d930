"""Staff passwords: hashing, changing one, and resetting a forgotten one with a link."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import tokens
from tracker.accounts.common import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    AccountError,
    find_user_by_email,
    lock_user,
)
from tracker.accounts.password_rules import check_new_password, remember_password
from tracker.accounts.sessions import end_all_sessions
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.extensions import db
from tracker.mail.outbox import queue_rendered
from tracker.mail.templates import render_file
from tracker.models import User
from tracker.ui_languages import STAFF_LANGUAGES
from tracker.urls import external_url


class WrongPasswordError(AccountError):
    """The current password given to confirm a change is not the account's password."""


class PasswordResetError(AccountError):
    """A password-reset link cannot be used: it expired, was used already, or is forged.

    *expired* tells the first case apart, so the page can say so; used and forged links
    are deliberately indistinguishable.
    """

    def __init__(self, message, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def hash_password(password: str) -> str:
    """Hash *password* after checking its length (the length check comes first, so an
    attacker cannot make us hash a megabyte)."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise AccountError(
            f"A password must have {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters."
        )
    return generate_password_hash(password)


def hash_new_password(password: str, *, user: User) -> str:
    """Hash a password *user* chose, or raise AccountError with a message for them.

    The length comes first (cheap, and it bounds the work of the strength estimate), then
    the rules of accounts.password_rules: not easy to guess, not the account's own name or
    address, none of its last passwords. Call it before taking the write lock: it hashes.
    """
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise AccountError(
            _l(
                "Your password must have %(min)s to %(max)s characters.",
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
            )
        )
    check_new_password(user, password)
    return generate_password_hash(password)


def set_password(user: User, new_hash: str, *, remember_previous: bool = True) -> None:
    """Give the locked *user* a new password hash in the caller's transaction, end its sessions.

    The hash it replaces joins the account's password history, unless *remember_previous*
    is false (an invitee's placeholder hash is no password anyone chose).
    """
    if remember_previous:
        remember_password(user, user.password_hash)
    user.password_hash = new_hash
    user.password_change_required = False
    end_all_sessions(user)


def change_password(user: User, current: str, new: str, *, by: User) -> None:
    """Set a new password after checking the current one, end every other session, commit.

    :raises WrongPasswordError: if *current* is not the account's password.
    :raises AccountError: if *new* is too short or too long, the same as *current*, or
        breaks a rule of accounts.password_rules (WeakPasswordError).
    """
    # Both expensive hash operations run before the write transaction, so that the
    # SQLite write lock is not held while scrypt works.
    if len(current) > PASSWORD_MAX_LENGTH or not check_password_hash(user.password_hash, current):
        raise WrongPasswordError(_l("Your current password is not right."))
    if new == current:
        raise AccountError(_l("Please choose a new password that differs from the current one."))
    new_hash = hash_new_password(new, user=user)
    user_id, checked_hash = user.id, user.password_hash
    begin_write()
    user = lock_user(user_id)
    if user is None or user.password_hash != checked_hash:
        # Changed (or reset) in between: the password checked above is no longer current.
        db.session.rollback()
        raise WrongPasswordError(_l("Your current password is not right."))
    set_password(user, new_hash)
    record_event("account.password_changed", actor=by, user_id=user.id)
    db.session.commit()


# --- single-use links: password reset (here) and invitation (accounts.invitations) ---------


def token_fingerprint(user: User) -> str:
    """Return a value that changes whenever the password or the session version does.

    A reset or invitation link carries it, so the link stops working once it was used
    (the password changed), once the password was changed otherwise, and once the account
    signed out everywhere. Keyed, so the link reveals nothing about the password hash.
    """
    return tokens.keyed_digest(f"{user.id}:{user.password_hash}:{user.session_version}")


def user_of_link(purpose: tokens.Purpose, token: str, *, now: datetime | None = None) -> User:
    """Return the active user a reset or invitation link names.

    :raises tokens.TokenExpired: the link is older than *purpose* allows.
    :raises tokens.TokenInvalid: forged, or its fingerprint no longer matches: the link was
        used, the password changed otherwise, or a newer invitation replaced it.
    """
    data = tokens.load(purpose, token, now=now)
    user_id = data.get("user") if isinstance(data, dict) else None
    fingerprint = data.get("fp") if isinstance(data, dict) else None
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        raise tokens.TokenInvalid
    user = db.session.get(User, user_id)
    if user is None or not user.active or not tokens.same(fingerprint, token_fingerprint(user)):
        raise tokens.TokenInvalid
    return user


def make_password_reset_token(user: User) -> str:
    """Return a signed, expiring, single-use token that lets *user* set a new password."""
    return tokens.sign(
        tokens.Purpose.PASSWORD_RESET, {"user": user.id, "fp": token_fingerprint(user)}
    )


def password_reset_max_age() -> int:
    """Return how many seconds a reset link stays valid."""
    return tokens.max_age(tokens.Purpose.PASSWORD_RESET)


def check_password_reset_token(token: str) -> User:
    """Return the account a reset token is for, or raise PasswordResetError."""
    try:
        return user_of_link(tokens.Purpose.PASSWORD_RESET, token)
    except tokens.TokenExpired as error:
        raise PasswordResetError(
            _l("This link has expired. Please ask for a new one."), expired=True
        ) from error
    except tokens.TokenInvalid as error:
        raise _invalid_link() from error


def _invalid_link() -> PasswordResetError:
    return PasswordResetError(
        _l(
            "This link does not work any more: it may have been used already. "
            "Please ask for a new one."
        )
    )


def request_password_reset(email: str, *, language: str) -> None:
    """Queue a reset link to *email* if it is an active staff account, and commit.

    The email is in *language* (the page's) if it is a staff language, else the default.
    Nothing tells the caller whether the address has an account: the answer on the page
    is the same either way.
    """
    begin_write()
    user = find_user_by_email(email)
    if user is not None and user.active:
        _queue_password_reset(user, language=language)
        record_event("account.password_reset_requested", actor=None, user_id=user.id)
    db.session.commit()


def _queue_password_reset(user: User, *, language: str) -> None:
    if language not in STAFF_LANGUAGES:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    token = make_password_reset_token(user)
    rendered = render_file(
        "password_reset",
        language,
        user=user,
        link=external_url("auth.reset_password", token=token),
        minutes=password_reset_max_age() // 60,
        site_name=current_app.config["SITE_NAME"],
    )
    queue_rendered(rendered, to_address=user.email, user=user)


def reset_password(token: str, new: str) -> User:
    """Set a new password with a reset token, end every session, commit; return the user.

    :raises PasswordResetError: if the token expired, was used already or is forged.
    :raises AccountError: if *new* is too short or too long, or breaks a rule of
        accounts.password_rules (WeakPasswordError).
    """
    user = check_password_reset_token(token)
    user_id = user.id
    new_hash = hash_new_password(new, user=user)  # before the write lock: scrypt takes a while
    begin_write()
    user = lock_user(user_id)
    # Checked again under the lock: of two requests with one link, only the first wins.
    if user is None:
        db.session.rollback()
        raise _invalid_link()
    try:
        check_password_reset_token(token)
    except PasswordResetError:
        db.session.rollback()
        raise
    set_password(user, new_hash)
    record_event("account.password_reset", actor=user, user_id=user.id)
    db.session.commit()
    return user
