"""Staff accounts: creation, sign-in, passwords, password resets and session revocation."""

from __future__ import annotations

import logging
import secrets
import unicodedata
from datetime import UTC, datetime
from functools import cache
from urllib.parse import unquote, urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, render_template, session
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import tokens
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import Role
from tracker.extensions import db
from tracker.mail.outbox import queue_email
from tracker.models import User
from tracker.urls import external_url

logger = logging.getLogger(__name__)

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
EMAIL_MAX_LENGTH = 254
# Staff pages and staff emails exist in German and English only.
STAFF_LANGUAGES = ("de", "en")


class AccountError(ValueError):
    """An account cannot be created or changed as asked."""


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


def normalise_staff_email(address: str) -> str:
    """Return the normalised, lower-cased form of a staff address, or raise AccountError.

    Lower case: nobody expects Ana@ and ana@ to be two accounts that sign in separately.
    """
    try:
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(str(error)) from error


def hash_password(password: str) -> str:
    """Hash *password* after checking its length (the length check comes first, so an
    attacker cannot make us hash a megabyte)."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise AccountError(
            f"A password must have {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters."
        )
    return generate_password_hash(password)


def create_user(email: str, *, name: str = "", role: str = Role.EDITOR) -> tuple[User, str]:
    """Create a staff account with a random one-time password; return it and the password."""
    email = normalise_staff_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"An account for {email} exists already.")
    password = secrets.token_urlsafe(12)
    user = User(
        email=email,
        name=name or email,
        role=Role(role).value,
        password_hash=hash_password(password),
        password_change_required=True,
    )
    db.session.add(user)
    db.session.flush()
    return user, password


def bootstrap_admin(email: str) -> tuple[User, str] | None:
    """Create a first admin when none exists; return it with its password, or None."""
    if db.session.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1)) is not None:
        return None
    return create_user(email, name="Admin", role=Role.ADMIN)


def load_staff_user(user_id: str) -> User | None:
    """Return the signed-in user for Flask-Login, or None to treat the session as signed out.

    A session belongs to one ``session_version`` of its account: a password change, a
    sign-out or a deactivation bumps the version, so every copy of an older cookie –
    on another computer, or stolen – stops working at once, though the cookie itself
    (signed, client-side) cannot be recalled.
    """
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.active:
        return None
    if not has_request_context() or session.get("session_version") != user.session_version:
        return None
    return user


def find_user_by_email(address: str) -> User | None:
    """Return the account whose (normalised) address is *address*, or None."""
    if len(address) > EMAIL_MAX_LENGTH:
        return None
    try:
        email = normalise_staff_email(address)
    except AccountError:
        return None
    return db.session.scalar(select(User).where(User.email == email))


@cache
def _dummy_password_hash() -> str:
    # A hash of a password nobody knows, made with today's method and cost, so that an
    # unknown address costs the same hash check as a known one with a wrong password.
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
        check_password_hash(_dummy_password_hash(), password)
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
    user = _lock_user(user_id)
    if user is None:
        db.session.commit()
        return
    end_all_sessions(user)
    record_event("account.signed_out", actor=user, user_id=user.id)
    db.session.commit()


def change_password(user: User, current: str, new: str, *, by: User) -> None:
    """Set a new password after checking the current one, end every other session, commit.

    :raises WrongPasswordError: if *current* is not the account's password.
    :raises AccountError: if *new* is too short or too long, or the same as *current*.
    """
    # Both expensive hash operations run before the write transaction, so that the
    # SQLite write lock is not held while scrypt works.
    if len(current) > PASSWORD_MAX_LENGTH or not check_password_hash(user.password_hash, current):
        raise WrongPasswordError(_l("Your current password is not right."))
    if new == current:
        raise AccountError(_l("Please choose a new password that differs from the current one."))
    new_hash = _hash_new_password(new)
    user_id, checked_hash = user.id, user.password_hash
    begin_write()
    user = _lock_user(user_id)
    if user is None or user.password_hash != checked_hash:
        # Changed (or reset) in between: the password checked above is no longer current.
        db.session.rollback()
        raise WrongPasswordError(_l("Your current password is not right."))
    _set_password(user, new_hash)
    record_event("account.password_changed", actor=by, user_id=user.id)
    db.session.commit()


def _hash_new_password(password: str) -> str:
    try:
        return hash_password(password)
    except AccountError as error:
        raise AccountError(
            _l(
                "Your password must have %(min)s to %(max)s characters.",
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
            )
        ) from error


def _set_password(user: User, new_hash: str) -> None:
    user.password_hash = new_hash
    user.password_change_required = False
    end_all_sessions(user)


def _lock_user(user_id: int) -> User | None:
    # FOR UPDATE on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers):
    # two requests using one reset link must not both succeed.
    return db.session.get(User, user_id, with_for_update=True)


# --- password reset -------------------------------------------------------------------


def _reset_fingerprint(user: User) -> str:
    """Return a value that changes whenever the password or the session version does.

    A reset link carries it, so the link stops working once it was used (the password
    changed), once the password was changed otherwise, and once the account signed out
    everywhere. Keyed, so the link reveals nothing about the password hash.
    """
    return tokens.keyed_digest(f"{user.id}:{user.password_hash}:{user.session_version}")


def make_password_reset_token(user: User) -> str:
    """Return a signed, expiring, single-use token that lets *user* set a new password."""
    return tokens.sign(
        tokens.Purpose.PASSWORD_RESET, {"user": user.id, "fp": _reset_fingerprint(user)}
    )


def password_reset_max_age() -> int:
    """Return how many seconds a reset link stays valid."""
    return tokens.max_age(tokens.Purpose.PASSWORD_RESET)


def check_password_reset_token(token: str) -> User:
    """Return the account a reset token is for, or raise PasswordResetError."""
    try:
        data = tokens.load(tokens.Purpose.PASSWORD_RESET, token)
    except tokens.TokenExpired as error:
        raise PasswordResetError(
            _l("This link has expired. Please ask for a new one."), expired=True
        ) from error
    except tokens.TokenInvalid as error:
        raise _invalid_link() from error
    user = _user_of_token(data)
    if user is None:
        raise _invalid_link()
    return user


def _user_of_token(data) -> User | None:
    """Return the active user a reset or invitation token names, if its fingerprint still
    matches (a used link, a changed password or a newer invitation changed it), else None."""
    user_id = data.get("user") if isinstance(data, dict) else None
    fingerprint = data.get("fp") if isinstance(data, dict) else None
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    return user if tokens.same(fingerprint, _reset_fingerprint(user)) else None


def _invalid_link() -> PasswordResetError:
    return PasswordResetError(
        _l(
            "This link does not work any more: it may have been used already. "
            "Please ask for a new one."
        )
    )


def request_password_reset(email: str) -> None:
    """Queue a reset link to *email* if it is an active staff account, and commit.

    Nothing tells the caller whether the address has an account: the answer on the page
    is the same either way.
    """
    begin_write()
    user = find_user_by_email(email)
    if user is not None and user.active:
        _queue_password_reset(user)
        record_event("account.password_reset_requested", actor=None, user_id=user.id)
    db.session.commit()


def _queue_password_reset(user: User) -> None:
    """Write the reset email into the outbox, in the language of the page it was asked on."""
    language = str(get_locale()) if has_request_context() else ""
    if language not in STAFF_LANGUAGES:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    token = make_password_reset_token(user)
    with force_locale(language):
        context = {
            "user": user,
            "link": external_url("auth.reset_password", token=token),
            "minutes": password_reset_max_age() // 60,
            "site_name": current_app.config["SITE_NAME"],
        }
        subject = render_template("mail/password_reset.subject.txt", **context).strip()
        body = render_template("mail/password_reset.txt", **context)
    queue_email(
        to_address=user.email,
        subject=subject,
        body_text=body,
        template="password_reset",
        language=language,
        user=user,
    )


def reset_password(token: str, new: str) -> User:
    """Set a new password with a reset token, end every session, commit; return the user.

    :raises PasswordResetError: if the token expired, was used already or is forged.
    :raises AccountError: if *new* is too short or too long.
    """
    user_id = check_password_reset_token(token).id
    new_hash = _hash_new_password(new)  # before the write lock: scrypt takes a while
    begin_write()
    user = _lock_user(user_id)
    # Checked again under the lock: of two requests with one link, only the first wins.
    if user is None:
        db.session.rollback()
        raise _invalid_link()
    try:
        check_password_reset_token(token)
    except PasswordResetError:
        db.session.rollback()
        raise
    _set_password(user, new_hash)
    record_event("account.password_reset", actor=user, user_id=user.id)
    db.session.commit()
    return user


# --- where to go after signing in -------------------------------------------------------

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


# --- the team: invitations, roles, deactivation ------------------------------------------


class InvitationError(AccountError):
    """An invitation link cannot be used: it expired, was used already, or is forged.

    *expired* tells the first case apart, so the page can say so.
    """

    def __init__(self, message, *, expired: bool = False):
        super().__init__(message)
        self.message = message
        self.expired = expired


class LastAdminError(AccountError):
    """The change would leave the team without an active administrator."""


def invitation_max_age_hours() -> int:
    """Return how many hours an invitation link stays valid."""
    return int(current_app.config["INVITATION_MAX_AGE_HOURS"])


def make_invitation_token(user: User) -> str:
    """Return a signed, expiring, single-use token that lets *user* choose a password.

    It carries the same keyed fingerprint as a reset link (password hash and session
    version): setting the password, a new invitation, or a deactivation voids it.
    """
    return tokens.sign(tokens.Purpose.INVITATION, {"user": user.id, "fp": _reset_fingerprint(user)})


def _unusable_password_hash() -> str:
    # A real hash of a secret that is thrown away at once: nobody can sign in with it,
    # and checking a password against it costs as much as against any other account's.
    return generate_password_hash(secrets.token_urlsafe(32))


def check_invitation_token(token: str, *, now: datetime | None = None) -> User:
    """Return the account an invitation is for, or raise InvitationError.

    :param now: the current time as aware or naive UTC; tests pass it to move the clock.
    """
    try:
        data = tokens.load(tokens.Purpose.INVITATION, token, now=now or datetime.now(UTC))
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
    user = _user_of_token(data)
    if user is None:
        raise _invalid_invitation()
    return user


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
    with force_locale(language):
        context = {
            "user": user,
            "inviter": by.name if by is not None else "",
            "link": external_url("admin.accept_invitation", token=token),
            "hours": invitation_max_age_hours(),
            "site_name": current_app.config["SITE_NAME"],
        }
        subject = render_template("mail/invitation.subject.txt", **context).strip()
        body = render_template("mail/invitation.txt", **context)
    queue_email(
        to_address=user.email,
        subject=subject,
        body_text=body,
        template="invitation",
        language=language,
        user=user,
    )


def invite_user(email: str, *, name: str, role: str, by: User | None, language: str = "de") -> User:
    """Create an account without a usable password, queue its invitation email, commit.

    The invitee chooses a password through the link (accept_invitation); until then
    nobody can sign in to the account.

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
    _queue_invitation(user, by=by, language=language)
    record_event("account.invited", actor=by, user_id=user.id, role=role)
    db.session.commit()
    return user


def resend_invitation(user: User, *, by: User | None, language: str = "de") -> None:
    """Send a new invitation to an account that has not chosen a password, and commit.

    The account gets a new unusable password, so every earlier link stops working.

    :raises AccountError: if the account has chosen its password or is deactivated.
    """
    password_hash = _unusable_password_hash()
    begin_write()
    user = _lock_user(user.id)
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
    :raises AccountError: if *password* is too short or too long.
    """
    user = check_invitation_token(token, now=now)
    new_hash = _hash_new_password(password)  # before the write lock
    begin_write()
    user = _lock_user(user.id)
    # Checked again under the lock: of two requests with one link, only the first wins.
    try:
        if user is None:
            raise _invalid_invitation()
        check_invitation_token(token, now=now)
    except InvitationError:
        db.session.rollback()
        raise
    _set_password(user, new_hash)
    record_event("account.invitation_accepted", actor=user, user_id=user.id)
    db.session.commit()
    return user


def list_team() -> list[User]:
    """Return every staff account: active ones first, then by name."""
    return list(
        db.session.scalars(select(User).order_by(User.active.desc(), User.name, User.email))
    )


def _check_other_active_admin(user: User) -> None:
    """Raise LastAdminError unless an active admin other than *user* remains.

    The other admins' rows are locked (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE
    serialises writers already), so two admins who demote each other at the same moment
    cannot both succeed and leave nobody in charge.
    """
    others = db.session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN.value, User.active, User.id != user.id)
        .with_for_update()
    ).all()
    if not others:
        raise LastAdminError(
            _l(
                "%(name)s is the last active administrator. Make someone else an "
                "administrator first.",
                name=user.name,
            )
        )


def _locked_or_gone(user: User) -> User:
    locked = _lock_user(user.id)
    if locked is None:
        db.session.rollback()
        raise AccountError(_l("This account does not exist any more."))
    return locked


def change_role(user: User, role: str, *, by: User | None) -> bool:
    """Give *user* another role, record it, commit; return whether anything changed.

    :raises LastAdminError: if this would demote the last active administrator.
    """
    role = Role(role).value
    begin_write()
    user = _locked_or_gone(user)
    if user.role == role:
        db.session.rollback()
        return False
    try:
        if user.role == Role.ADMIN.value and user.active:
            _check_other_active_admin(user)
    except LastAdminError:
        db.session.rollback()
        raise
    previous, user.role = user.role, role
    record_event("account.role_changed", actor=by, user_id=user.id, role=role, previous=previous)
    db.session.commit()
    return True


def deactivate_user(user: User, *, by: User | None) -> bool:
    """Deactivate an account and end all its sessions at once, record it, commit.

    Return whether anything changed. :raises LastAdminError: for the last active admin.
    """
    begin_write()
    user = _locked_or_gone(user)
    if not user.active:
        db.session.rollback()
        return False
    try:
        if user.role == Role.ADMIN.value:
            _check_other_active_admin(user)
    except LastAdminError:
        db.session.rollback()
        raise
    user.active = False
    end_all_sessions(user)
    record_event("account.deactivated", actor=by, user_id=user.id)
    db.session.commit()
    return True


def reactivate_user(user: User, *, by: User | None) -> bool:
    """Let a deactivated account sign in again, record it, commit; return whether it changed."""
    begin_write()
    user = _locked_or_gone(user)
    if user.active:
        db.session.rollback()
        return False
    user.active = True
    record_event("account.reactivated", actor=by, user_id=user.id)
    db.session.commit()
    return True
