"""What part of the inbox an account may see.

Admins (and the command line) see everything. Editors see everything but the applicants
at risk they are not named for (need to know: tracker.applications.risk). A guest reviewer
sees one call, perhaps some of its regions, and never an applicant at risk.

The scope is one more set of WHERE clauses on the one inbox query (tracker.inbox.query),
so the status tabs, counts, search, pages, exports and j/k neighbours all stay inside it;
the access policy (tracker.web.access) asks the same scope about every candidate a URL
names, and answers 404 outside it, as if the candidate did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, exists, or_, select

from tracker.extensions import db
from tracker.models import (
    ApplicantSafety,
    Application,
    ApplicationNeedToKnow,
    ApplicationRegion,
    CallNeedToKnow,
    Expert,
    GuestScope,
    User,
)

# Nobody's need-to-know lists: the viewer of a guest's scope (guests never see the
# applicants at risk, whoever named them).
NOBODY = 0


def hidden_at_risk(viewer_id: int) -> Select:
    """Return the SELECT of the ids of applicants at risk that *viewer_id* was not named
    for, neither for their call nor for them alone.

    Read from the few rows of applicant_safety, once per statement: every listing excludes
    them with ``id NOT IN (…)``, which leaves its own index plan as it was (the id is in
    every index).
    """
    return select(ApplicantSafety.application_id).where(
        ApplicantSafety.call_id.not_in(
            select(CallNeedToKnow.call_id).where(CallNeedToKnow.user_id == viewer_id)
        ),
        ApplicantSafety.application_id.not_in(
            select(ApplicationNeedToKnow.application_id).where(
                ApplicationNeedToKnow.user_id == viewer_id
            )
        ),
    )


def named_for(viewer_id: int, application: Application) -> bool:
    """Tell whether *viewer_id* is on the need-to-know list of *application* or its call."""
    if viewer_id == NOBODY:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    CallNeedToKnow.user_id == viewer_id,
                    CallNeedToKnow.call_id == application.call_id,
                )
                | exists().where(
                    ApplicationNeedToKnow.user_id == viewer_id,
                    ApplicationNeedToKnow.application_id == application.id,
                )
            )
        )
    )


@dataclass(frozen=True)
class InboxScope:
    """The applications an editor or a guest may see. Hashable: the inbox caches its
    statements per scope.

    *viewer_id*: whose need-to-know lists open applicants at risk (NOBODY for a guest);
    *call_id* and *regions*: a guest's call and regions (any region if empty).
    """

    viewer_id: int
    call_id: int | None = None
    regions: tuple[str, ...] = ()
    guest: bool = False

    def not_hidden(self) -> ColumnElement[bool]:
        """Return the WHERE clause that leaves out the applicants at risk the scope hides."""
        return Application.id.not_in(hidden_at_risk(self.viewer_id))

    def conditions(self, *, at_risk: bool = True) -> list[ColumnElement[bool]]:
        """Return the WHERE clauses that keep a query inside the scope; without *at_risk*,
        all but :meth:`not_hidden`, for a statement that applies it elsewhere."""
        conditions = [self.not_hidden()] if at_risk else []
        if self.call_id is not None:
            conditions.append(Application.call_id == self.call_id)
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
        if self.call_id is not None and application.call_id != self.call_id:
            return False
        if self.regions and not set(application.regions) & set(self.regions):
            return False
        return not application.at_risk or named_for(self.viewer_id, application)


# A guest whose scope row is missing sees nothing (no call has id 0).
NOTHING = InboxScope(viewer_id=NOBODY, call_id=0, guest=True)


def scope_of(user: User | None) -> InboxScope | None:
    """Return *user*'s scope, or None for admins (and the command line), who see all."""
    if user is None or user.is_admin:
        return None
    if not user.is_guest:
        return InboxScope(viewer_id=user.id)
    row = db.session.get(GuestScope, user.id)
    if row is None:
        return NOTHING
    return InboxScope(
        viewer_id=NOBODY, call_id=row.call_id, regions=tuple(sorted(row.regions or ())), guest=True
    )


def may_see(user: User | None, application: Application | None) -> bool:
    """Tell whether *user* may see *application* (anyone may see no candidate): what the
    access policy asks of every URL that names one, and notify of every recipient."""
    if application is None:
        return True
    scope = scope_of(user)
    return scope is None or scope.admits(application)


def for_guest(scope: InboxScope | None) -> bool:
    """Tell whether *scope* is a guest's: no team labels, no search by contact details."""
    return scope is not None and scope.guest


def hidden_from(user: User | None) -> Select | None:
    """Return the SELECT of the ids of the applicants at risk *user* may not see (None for
    admins and the command line, who see all): :func:`hidden_at_risk` of their scope."""
    scope = scope_of(user)
    return None if scope is None else hidden_at_risk(scope.viewer_id)


def hidden_among(ids: Iterable[int], user: User | None) -> set[int]:
    """Return those of the application *ids* that *user* may not see (applicants at risk
    they are not named for): one query over applicant_safety, none without ids or for
    admins. For rows already read with their neighbours (relatives, copies, versions)."""
    ids = list(ids)
    hidden = hidden_from(user) if ids else None
    if hidden is None:
        return set()
    return set(db.session.scalars(hidden.where(ApplicantSafety.application_id.in_(ids))))


def need_to_know(column, user: User | None) -> list[ColumnElement[bool]]:
    """Return the WHERE clauses that leave out the rows whose *column* (an application's
    id) names an applicant at risk *user* may not see; none for admins.

    For the listings beside the inbox (outbox, experts, notifications, relatives, copies,
    the dashboard): the inbox's own NOT IN over the few rows of applicant_safety. A row
    that names no application (NULL) stays.
    """
    hidden = hidden_from(user)
    if hidden is None:
        return []
    return [or_(column.is_(None), column.not_in(hidden))]


def experts_need_to_know(column, user: User | None) -> list[ColumnElement[bool]]:
    """Return the WHERE clauses that leave out the rows whose *column* (an expert's id)
    names an expert who came from an applicant at risk *user* may not see; none for admins."""
    hidden = hidden_from(user)
    if hidden is None:
        return []
    hidden_experts = select(Expert.id).where(Expert.application_id.in_(hidden))
    return [or_(column.is_(None), column.not_in(hidden_experts))]
