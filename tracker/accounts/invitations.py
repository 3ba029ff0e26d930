"""Invitations: an administrator invites a person, who chooses a first password by link."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tracker import tokens
from tracker.accounts.common import AccountError, lock_user, normalise_staff_email
from tracker.accounts.passwords import (
    hash_new_password,
    set_password,
    token_fingerprint,
    user_of_link,
)
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import Role
from tracker.extensions import db
from tracker.mail.outbox import queue_rendered
from tracker.mail.templates import render_file
from tracker.models import User
from tracker.ui_languages import STAFF_LANGUAGES
from tracker.urls import external_url


class InvitationError(AccountError):
    """An invitation link cannot be used: it expired, was used already, or is forged.

    *expired* tells the first case apart, so the page can say so.
    """

    def __init__(self, message, *, expired: bool = False):
        super().__init__(message)
        self.message = message
        self.expired = expired


def invitation_max_age_hours() -> int:
    """Return how many hours an invitation link stays valid."""
    return int(current_app.config["INVITATION_MAX_AGE_HOURS"])


def make_invitation_token(user: User) -> str:
    """Return a signed, expiring, single-use token that lets *user* choose a password.

    It carries the same keyed fingerprint as a reset link (password hash and session
    version): setting the password, a new invitation, or a deactivation voids it.
    """
    return tokens.sign(tokens.Purpose.INVITATION, {"user": user.id, "fp": token_fingerprint(user)})


def _unusable_password_hash() -> str:
    # A real hash of a secret that is thrown away at once: nobody can sign in with it,
    # and checking a password against it costs as much as against any other account's.
    return generate_password_hash(secrets.token_urlsafe(32))


def check_invitation_token(token: str, *, now: datetime | None = None) -> User:
    """Return the account an invitation is for, or raise InvitationError.

    :param now: the current time as aware or naive UTC; tests pass it to move the clock.
    """
    try:
        return user_of_link(tokens.Purpose.INVITATION, token, now=now or datetime.now(UTC))
    except tokens.TokenExpired as error:
        raise InvitationError(
            _l(
                "This invitation has expired. Please ask an administrator of your team "
                "to invite you again."
            ),
            expired=True,
        ) from error
    except tokens.TokenInvalid as error:
        raise _invalid_invitation() from error


def _invalid_invitation() -> InvitationError:
    return InvitationError(
        _l(
            "This invitation link does not work any more: it has been used already, or a "
            "newer invitation replaced it. If you have set your password, please sign in; "
            "otherwise ask an administrator to invite you again."
        )
    )


def _queue_invitation(user: User, *, by: User | None, language: str) -> None:
    """Write the invitation email into the outbox, in *language* (German or English)."""
    if language not in STAFF_LANGUAGES:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    token = make_invitation_token(user)
    rendered = render_file(
        "invitation",
        language,
        user=user,
        inviter=by.name if by is not None else "",
        link=external_url("admin.accept_invitation", token=token),
        hours=invitation_max_age_hours(),
        site_name=current_app.config["SITE_NAME"],
    )
    queue_rendered(rendered, to_address=user.email, user=user)


def invite_user(
    email: str, *, name: str, role: str, by: User | None, language: str = "de", scope=None
) -> User:
    """Create an account without a usable password, queue its invitation email, commit.

    The invitee chooses a password through the link (accept_invitation); until then
    nobody can sign in to the account. *scope* (a guest's accounts.guests.GuestAccess) is
    written in the same transaction.

    :raises AccountError: if the address is invalid or already has an account.
    """
    email = normalise_staff_email(email)
    role = Role(role).value
    password_hash = _unusable_password_hash()  # before the write lock: scrypt takes a while
    begin_write()
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        db.session.rollback()
        raise AccountError(_l("There is an account for %(email)s already.", email=email))
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        password_hash=password_hash,
        # Shows "has not chosen a password yet" in the team list; cleared on acceptance.
        password_change_required=True,
    )
    db.session.add(user)
    db.session.flush()
    details = {}
    if scope is not None:
        scope.write(user)
        details = scope.details()
    _queue_invitation(user, by=by, language=language)
    record_event("account.invited", actor=by, user_id=user.id, role=role, **details)
    db.session.commit()
    return user


def resend_invitation(user: User, *, by: User | None, language: str = "de") -> None:
    """Send a new invitation to an account that has not chosen a password, and commit.

    The account gets a new unusable password, so every earlier link stops working.

    :raises AccountError: if the account has chosen its password or is deactivated.
    """
    password_hash = _unusable_password_hash()
    begin_write()
    user = lock_user(user.id)
    if user is None or not user.active or not user.password_change_required:
        db.session.rollback()
        raise AccountError(
            _l("Only active accounts that have not chosen a password can be invited again.")
        )
    user.password_hash = password_hash
    db.session.flush()
    _queue_invitation(user, by=by, language=language)
    record_event("account.invitation_resent", actor=by, user_id=user.id)
    db.session.commit()


def accept_invitation(token: str, password: str, *, now: datetime | None = None) -> User:
    """Set the invitee's first password with their link, and commit; return the account.

    The link works once: the new password changes the fingerprint it carries.

    :raises InvitationError: if the link expired, was used already or is forged.
    :raises AccountError: if *password* is too short or too long, or breaks a rule of
        accounts.password_rules (WeakPasswordError).
    """
    user = check_invitation_token(token, now=now)
    new_hash = hash_new_password(password, user=user)  # before the write lock
    begin_write()
    user = lock_user(user.id)
    # Checked again under the lock: of two requests with one link, only the first wins.
    try:
        if user is None:
            raise _invalid_invitation()
        check_invitation_token(token, now=now)
    except InvitationError:
        db.session.rollback()
        raise
    # The placeholder hash it replaces was never a password: nothing to remember.
    set_password(user, new_hash, remember_previous=False)
    record_event("account.invitation_accepted", actor=user, user_id=user.id)
    db.session.commit()
    return user
