"""What part of the inbox an account may see: everything for the staff, one call (and
perhaps some of its regions) for a guest reviewer.

The scope is one more set of WHERE clauses on the one inbox query (tracker.inbox.query),
so the status tabs, counts, search, pages and j/k neighbours of a guest all stay inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists

from tracker.extensions import db
from tracker.models import Application, ApplicationRegion, GuestScope, User


@dataclass(frozen=True)
class InboxScope:
    """The applications a guest may see: of *call_id*, covering one of *regions* (any if
    empty). Hashable: the inbox caches its statements per scope."""

    call_id: int
    regions: tuple[str, ...] = ()

    def conditions(self) -> list[ColumnElement[bool]]:
        """Return the WHERE clauses that keep a query inside the scope."""
        conditions = [Application.call_id == self.call_id]
        if self.regions:
            conditions.append(
                exists().where(
                    ApplicationRegion.application_id == Application.id,
                    ApplicationRegion.region.in_(self.regions),
                )
            )
        return conditions

    def admits(self, application: Application) -> bool:
        """Tell whether *application* lies inside the scope."""
        if application.call_id != self.call_id:
            return False
        return not self.regions or bool(set(application.regions) & set(self.regions))


# A guest whose scope row is missing sees nothing (no call has id 0).
NOTHING = InboxScope(call_id=0)


def scope_of(user: User | None) -> InboxScope | None:
    """Return *user*'s scope, or None for the staff (and the command line), who see all."""
    if user is None or not user.is_guest:
        return None
    row = db.session.get(GuestScope, user.id)
    if row is None:
        return NOTHING
    return InboxScope(row.call_id, tuple(sorted(row.regions or ())))
