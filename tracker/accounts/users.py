"""The staff team: creating accounts, roles, deactivation, and the last-admin guard."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.accounts.common import AccountError, lock_user, normalise_staff_email
from tracker.accounts.passwords import hash_password
from tracker.accounts.sessions import end_all_sessions
from tracker.audit import record_event
from tracker.database import PREPARE, begin_write
from tracker.enums import STAFF_ROLES, Role
from tracker.extensions import db
from tracker.models import User


class LastAdminError(AccountError):
    """The change would leave the team without an active administrator."""


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
    locked = lock_user(user.id)
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
    if Role.GUEST in (role, user.role) and role != user.role:
        db.session.rollback()
        raise AccountError(_l("A guest reviewer cannot become a team member, nor the reverse."))
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


# Built once: a statement's cache key costs more to build than these few rows to read.
_EVERY_ACCOUNT = select(User).order_by(User.name, User.id).execution_options(**PREPARE)
_EVERY_STAFF_ACCOUNT = _EVERY_ACCOUNT.where(User.role.in_(STAFF_ROLES))


def all_staff(*, guests: bool = False) -> list[User]:
    """Return every staff account, active or not, by name: whom a page may name.

    With *guests*, the guest reviewers too (a page naming who rated or commented).
    """
    return list(db.session.scalars(_EVERY_ACCOUNT if guests else _EVERY_STAFF_ACCOUNT))


def assignable_users() -> list[User]:
    """Return the active staff accounts, by name: who may be assigned a candidate (never a
    guest reviewer)."""
    return list(
        db.session.scalars(
            select(User).where(User.active, User.role.in_(STAFF_ROLES)).order_by(User.name, User.id)
        )
    )
