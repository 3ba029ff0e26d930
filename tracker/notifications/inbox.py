"""A person's own notifications: the header's unread count, the list, marking them read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload

from tracker.database import PREPARE, begin_write
from tracker.extensions import db
from tracker.inbox.scope import hidden_at_risk, need_to_know, scope_of
from tracker.models import Notification, User, utcnow

PAGE_SIZE = 50


# Every staff page's header counts them: built once, the user bound at execution (as
# accounts.sessions reads the signed-in account), not built and keyed on each request.
_UNREAD = (
    select(func.count())
    .select_from(Notification)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    .execution_options(**PREPARE)
)
# An editor's: without those about an applicant at risk they may not (or no longer) see
# (tracker.inbox.scope), the viewer of their scope bound at execution.
_UNREAD_IN_SCOPE = _UNREAD.where(
    or_(
        Notification.application_id.is_(None),
        Notification.application_id.not_in(hidden_at_risk(bindparam("viewer_id"))),
    )
)


def unread_count(user: User) -> int:
    """Return how many of *user*'s notifications are unread: one indexed COUNT."""
    scope = scope_of(user)
    if scope is None:
        return db.session.scalar(_UNREAD, {"user_id": user.id})
    return db.session.scalar(_UNREAD_IN_SCOPE, {"user_id": user.id, "viewer_id": scope.viewer_id})


@dataclass(frozen=True)
class NotificationPage:
    """One page of a person's notifications, newest first."""

    items: list[Notification]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def notifications_page(user: User, page: int = 1) -> NotificationPage:
    """Return page *page* (from 1) of *user*'s notifications, newest first (but those
    about an applicant at risk *user* may not see)."""
    page = max(page, 1)
    rows = list(
        db.session.scalars(
            select(Notification)
            .options(joinedload(Notification.application), joinedload(Notification.actor))
            .where(
                Notification.user_id == user.id,
                *need_to_know(Notification.application_id, user),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return NotificationPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def open_notification(notification_id: int, *, by: User) -> Notification | None:
    """Mark *by*'s notification read and commit; None if it is not theirs (or gone)."""
    begin_write()
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != by.id:
        db.session.rollback()
        return None
    if row.read_at is None:
        row.read_at = utcnow()
    db.session.commit()
    return row


def mark_all_read(*, by: User) -> int:
    """Mark every unread notification of *by* read, commit, and return how many."""
    begin_write()
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == by.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
