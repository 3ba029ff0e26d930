"""Guest reviewers: outside people invited for one call, some of its regions, until a day.

A guest is an account with the role "guest" and one ``guest_scopes`` row. They sign in like
the staff (the invitation link, password rules and two-factor sign-in are the same), but
only until the end of their last day (UTC): after it they cannot sign in, and a session
still open is ended on its next request (tracker.auth.guards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from tracker.accounts.common import AccountError, lock_user
from tracker.accounts.invitations import invite_user
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import Role
from tracker.extensions import db
from tracker.models import Call, GuestScope, User, utcnow


class GuestAccessError(AccountError):
    """The access asked for cannot be granted; *field* names the form field at fault."""

    def __init__(self, message, *, field: str):
        super().__init__(message)
        self.field = field


def today() -> date:
    """Return today's date in UTC, the calendar a guest's last day is counted in."""
    return utcnow().date()


@dataclass(frozen=True)
class GuestAccess:
    """What an admin grants a guest: a call, some of its region keys (none: all), a last day."""

    call: Call
    regions: tuple[str, ...]
    ends_on: date

    def check(self) -> None:
        """Raise AccountError unless the regions belong to the call and the day is not past."""
        offered = {region["key"] for region in self.call.regions or ()}
        if not set(self.regions) <= offered:
            raise GuestAccessError(
                _l("Please choose only regions of the chosen call."), field="regions"
            )
        if self.ends_on < today():
            raise GuestAccessError(
                _l("The last day of access cannot be in the past."), field="ends_on"
            )

    def write(self, user: User) -> None:
        """Store the access as *user*'s scope (a new row or the existing one changed)."""
        scope = db.session.get(GuestScope, user.id) or GuestScope(user_id=user.id)
        scope.call_id = self.call.id
        scope.regions = sorted(self.regions)
        scope.ends_on = self.ends_on
        db.session.add(scope)

    def details(self) -> dict:
        """Return the access for the audit log."""
        return {
            "call_id": self.call.id,
            "regions": sorted(self.regions),
            "ends_on": self.ends_on.isoformat(),
        }


def invite_guest(
    email: str, *, name: str, access: GuestAccess, by: User | None, language: str = "de"
) -> User:
    """Create a guest account with *access*, queue its invitation email, and commit.

    :raises AccountError: if the address is invalid or has an account, or *access* is not
        a call's regions and a day still to come.
    """
    access.check()
    return invite_user(email, name=name, role=Role.GUEST, by=by, language=language, scope=access)


def _locked_guest(user: User) -> User:
    locked = lock_user(user.id)
    if locked is None or not locked.is_guest:
        db.session.rollback()
        raise AccountError(_l("This is not a guest account."))
    return locked


def change_guest_access(user: User, access: GuestAccess, *, by: User | None) -> bool:
    """Give a guest another call, regions or last day; record it, commit, return True.

    The new scope applies from the guest's next request on.
    """
    access.check()
    begin_write()
    user = _locked_guest(user)
    access.write(user)
    record_event("guest.access_changed", actor=by, user_id=user.id, **access.details())
    db.session.commit()
    return True


def end_guest_access(user: User, *, by: User | None) -> bool:
    """End a guest's access now: yesterday becomes their last day. Record it, commit,
    return True.

    Every session of theirs ends on its next request, with a message saying why
    (tracker.auth.guest_guard): the session version is left alone so that the guard still
    knows whose session it was.
    """
    begin_write()
    user = _locked_guest(user)
    scope = db.session.get(GuestScope, user.id)
    ended = today() - timedelta(days=1)
    if scope is not None and scope.ends_on > ended:
        scope.ends_on = ended
    record_event("guest.access_ended", actor=by, user_id=user.id)
    db.session.commit()
    return True


def access_ends_on(user: User) -> date | None:
    """Return a guest's last day of access (None for the staff, or a guest without scope)."""
    if not user.is_guest:
        return None
    scope = db.session.get(GuestScope, user.id)
    return scope.ends_on if scope is not None else date.min


def access_ended(user: User) -> bool:
    """Tell whether *user* is a guest whose access has ended (or who has no scope)."""
    last_day = access_ends_on(user)
    return last_day is not None and last_day < today()


def guest_scopes() -> dict[int, GuestScope]:
    """Return every guest's scope by user id, for the team page."""
    return {scope.user_id: scope for scope in db.session.scalars(db.select(GuestScope))}
