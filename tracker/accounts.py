"""Staff accounts: creation, the first-admin bootstrap and password rules."""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from .enums import Role
from .extensions import db
from .models import User

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128


class AccountError(ValueError):
    """An account cannot be created or changed as asked."""


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
    """Return the signed-in user for Flask-Login, or None if the account is inactive."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
