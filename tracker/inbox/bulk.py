"""Bulk actions of the inbox: one change to the ticked rows or to every row of a filter."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracker.applications.pipeline import BulkResult, TransitionError, bulk_set_status
from tracker.applications.teamwork import CandidateError, bulk_add_tag, bulk_assign
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import WITH_TAGS, iter_filtered, selected_applications
from tracker.models import Application, User

BULK_ACTIONS = ("status", "assign", "tag")


@dataclass(frozen=True)
class BulkAction:
    """What to do to every target: change the status, assign someone, or add a tag."""

    kind: str  # one of BULK_ACTIONS
    status: Status | None = None
    reason: str | None = None
    assignee: User | None = None
    tag: str | None = None


def bulk_targets(
    action: BulkAction, *, inbox_filter: InboxFilter, ids: Iterable[int] | None, user: User
) -> Iterator[Application]:
    """Yield the hand-picked applications *ids*, or (None) every one *inbox_filter* matches."""
    options = WITH_TAGS if action.kind == "tag" else ()
    if ids is None:
        return iter_filtered(inbox_filter, user=user, options=options)
    return selected_applications(ids, user=user, options=options)


def run_bulk_action(
    action: BulkAction, *, inbox_filter: InboxFilter, ids: Iterable[int] | None, by: User
) -> BulkResult:
    """Apply *action* to the targets in one transaction; on a refusal nothing is changed.

    :param ids: the ticked rows, or None for every application *inbox_filter* matches.
    :raises TransitionError, CandidateError: the change was refused and rolled back.
    """
    targets = bulk_targets(action, inbox_filter=inbox_filter, ids=ids, user=by)
    try:
        if action.kind == "status":
            return bulk_set_status(targets, action.status, by=by, reason=action.reason)
        if action.kind == "assign":
            return bulk_assign(targets, action.assignee, by=by)
        return bulk_add_tag(targets, action.tag, by=by)
    except (TransitionError, CandidateError):
        # A refusal may come half-way through the rows: none of the earlier ones stays.
        db.session.rollback()
        raise
