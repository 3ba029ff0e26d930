"""One candidate's history as a single timeline (the admins' audit log is tracker.audit).

The timeline merges what happened to an application – status changes, ratings, comments,
assignments, tag changes, recusals (admins only), emails and the applicant's replies –
newest first. It is built
with one query for the rows of every kind plus one for the people involved, never one
per entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, literal_column, select, union_all

from tracker.applications.ratings import CRITERIA, visible_ratings
from tracker.database import PREPARE
from tracker.extensions import db
from tracker.models import (
    ApplicantReply,
    Application,
    AuditEvent,
    Comment,
    OutboxEmail,
    Rating,
    Recusal,
    StatusChange,
    User,
)

# The audit actions the timeline shows; everything else stays in the admins' audit log.
TIMELINE_ACTIONS = ("application.assigned", "application.tagged", "application.untagged")

# Tie-breaker for entries with the same timestamp: what caused what (a status change
# queues an email in the same transaction, so the email sorts as the later of the two).
_KIND_ORDER = {
    "submitted": 0,
    "status": 1,
    "assignment": 2,
    "tags": 3,
    "rating": 4,
    "recusal": 5,
    "comment": 6,
    "email": 7,
    "reply": 8,
}


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to an application.

    *kind* is one of ``submitted``, ``status``, ``rating``, ``recusal``, ``comment``,
    ``assignment``, ``tags``, ``email`` and ``reply``; *item* is the row it comes from (a
    StatusChange, Rating, Recusal, Comment, AuditEvent, OutboxEmail or ApplicantReply;
    the Application for ``submitted``); *details* holds what the page needs beyond the row.
    """

    kind: str
    at: datetime
    actor: User | None
    item: Any
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple[datetime, int, int]:
        """Order by time, then by cause before effect, then by row id."""
        return (self.at, _KIND_ORDER[self.kind], getattr(self.item, "id", 0) or 0)


@dataclass(frozen=True)
class HistoryRows:
    """The rows one application's timeline is made of, each kind in id order.

    The candidate page also decides from them what the viewer may see of the ratings and
    whether they are recused (tracker.applications.ratings.visible_ratings), without
    asking again.
    """

    changes: list[StatusChange]
    ratings: list[Rating]
    comments: list[Comment]
    events: list[AuditEvent]
    emails: list[OutboxEmail]
    recusals: list[Recusal]
    replies: list[ApplicantReply]


# The tables a timeline is made of, by the kind of row (HistoryRows' field names).
_HISTORY_MODELS = {
    "changes": StatusChange,
    "ratings": Rating,
    "comments": Comment,
    "events": AuditEvent,
    "emails": OutboxEmail,
    "recusals": Recusal,
    "replies": ApplicantReply,
}


@cache
def _history_statement() -> Select:
    """Return the one SELECT of an application's timeline rows (``application_id`` bound).

    One row per kind (a UNION ALL of the kinds' names), each outer-joined to its own table
    only: a row carries one history row, or none for a kind without any. Seven tables in one
    statement instead of seven round trips, and still ORM objects, which the page reads with
    their relationships (a rating's user). Built once: the kinds never change.
    """
    # The names are literals, not parameters: PostgreSQL's plan of the prepared statement
    # then knows which join a row of each kind takes.
    names = {kind: literal_column(f"'{kind}'") for kind in _HISTORY_MODELS}
    kinds = union_all(*(select(name.label("kind")) for name in names.values())).subquery("kinds")
    application_id = bindparam("application_id")
    statement = select(kinds.c.kind, *_HISTORY_MODELS.values()).select_from(kinds)
    for kind, model in _HISTORY_MODELS.items():
        on = [kinds.c.kind == names[kind], model.application_id == application_id]
        if model is AuditEvent:
            on.append(AuditEvent.action.in_(TIMELINE_ACTIONS))
        statement = statement.outerjoin(model, and_(*on))
    return statement.execution_options(**PREPARE)


def history_rows(application: Application) -> HistoryRows:
    """Load the rows of *application*'s timeline, each kind in id order, in one statement."""
    found: dict[str, list] = {kind: [] for kind in _HISTORY_MODELS}
    result = db.session.execute(_history_statement(), {"application_id": application.id})
    for kind, *items in result:
        item = next((item for item in items if item is not None), None)
        if item is not None:
            found[kind].append(item)
    return HistoryRows(**{kind: sorted(rows, key=_id) for kind, rows in found.items()})


def _id(row) -> int:
    return row.id


def timeline(
    application: Application,
    *,
    viewer: User,
    rows: HistoryRows | None = None,
    users: dict[int, User] | None = None,
) -> list[TimelineEntry]:
    """Return everything that happened to *application*, newest first, as *viewer* may see it.

    Ratings are blind until *viewer* has rated (see ratings.visible_ratings): before that
    the timeline says who rated but neither their recommendation nor their scores, except
    for *viewer*'s own rating. Recusals are shown to admins only.

    :param rows: the application's rows from :func:`history_rows`, if the caller has them.
    :param users: every account by id, if the caller has read them all; else the accounts
        the entries name are read here.
    """
    rows = rows or history_rows(application)
    changes, ratings, comments = rows.changes, rows.ratings, rows.comments
    events, emails, recusals = rows.events, rows.emails, rows.recusals

    if users is None:
        # Everyone the entries mention, in one query: actors and the people assigned.
        user_ids = {c.actor_id for c in changes} | {r.user_id for r in ratings}
        user_ids |= {c.author_id for c in comments} | {e.actor_id for e in events}
        user_ids |= {r.user_id for r in recusals}
        user_ids |= {e.details.get("assignee_id") for e in events if e.details}
        users = _users({uid for uid in user_ids if isinstance(uid, int)})

    # Blind first pass: scores are visible once the viewer has rated (and is not recused).
    ratings_visible = visible_ratings(viewer, ratings, recusals) is not None

    entries = [
        TimelineEntry("submitted", application.created_at, None, application),
    ]
    entries += [TimelineEntry("status", c.created_at, users.get(c.actor_id), c) for c in changes]
    for rating in ratings:
        visible = ratings_visible or rating.user_id == viewer.id
        entries.append(
            TimelineEntry(
                "rating",
                rating.updated_at or rating.created_at,
                users.get(rating.user_id),
                rating,
                {
                    "visible": visible,
                    # Both stamps are taken separately on insert: ignore sub-second gaps.
                    "updated": (rating.updated_at - rating.created_at).total_seconds() >= 1,
                    "scores": (
                        {c.value: getattr(rating, c.value) for c in CRITERIA} if visible else {}
                    ),
                },
            )
        )
    if viewer.is_admin:
        entries += [
            TimelineEntry("recusal", r.created_at, users.get(r.user_id), r) for r in recusals
        ]
    entries += [TimelineEntry("comment", c.created_at, users.get(c.author_id), c) for c in comments]
    for event in events:
        details = event.details or {}
        if event.action == "application.assigned":
            assignee_id = details.get("assignee_id")
            entries.append(
                TimelineEntry(
                    "assignment",
                    event.created_at,
                    users.get(event.actor_id),
                    event,
                    {"assignee": users.get(assignee_id) if assignee_id else None},
                )
            )
        else:
            entries.append(
                TimelineEntry(
                    "tags",
                    event.created_at,
                    users.get(event.actor_id),
                    event,
                    {
                        "tags": details.get("tags"),
                        "added": details.get("added"),
                        "removed": details.get("removed"),
                    },
                )
            )
    entries += [TimelineEntry("email", e.created_at, None, e) for e in emails]
    entries += [TimelineEntry("reply", r.sent_at, None, r) for r in rows.replies]
    entries.sort(key=lambda entry: entry.sort_key, reverse=True)
    return entries


def _users(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
