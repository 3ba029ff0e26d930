"""What every account module shares: the limits, the base error, finding and locking an account."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import User

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
# A new password must differ from this many of the account's last ones, the current included.
PASSWORD_HISTORY = 5
EMAIL_MAX_LENGTH = 254
# Staff pages and staff emails exist in German and English only.


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


def find_user_by_email(address: str) -> User | None:
    """Return the account whose (normalised) address is *address*, or None."""
    if len(address) > EMAIL_MAX_LENGTH:
        return None
    try:
        email = normalise_staff_email(address)
    except AccountError:
        return None
    return db.session.scalar(select(User).where(User.email == email))


def lock_user(user_id: int) -> User | None:
    """Return the account with its row locked for this transaction, or None if it is gone."""
    # FOR UPDATE on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers):
    # two requests using one reset link must not both succeed.
    return db.session.get(User, user_id, with_for_update=True)
