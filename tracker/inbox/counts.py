"""What the inbox reads on every view but changes rarely, kept until it changes: the status
tabs of each filter, whether an editor's scope hides anyone, the calls, the accounts and the
tags.

Counting every match by status costs as much as there are matches – 45 ms for a region a
third of 100,000 applicants cover – on every view of every page. The database counts each
change of what that depends on itself (models.ChangeCount and its triggers: "applications"
for the applications and what the filters read, "calls", "staff"), and what is derived from
it is kept (`tracker.app_cache`) under those numbers until the next change.

The numbers are read before what is kept under them, in their own statement: a change
committed in between is already in what is read (the key is then older than the data,
never newer), and that key never comes back: a later reader sees the higher number and
reads again. For reads only: a request that changed something and has not committed yet
must not keep what it reads.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from tracker.app_cache import kept
from tracker.database import PREPARE
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.filter import DEFAULT_SORT, PER_PAGE, InboxFilter
from tracker.inbox.query import status_counts
from tracker.inbox.scope import InboxScope, hidden_at_risk, scope_of
from tracker.models import ChangeCount, User

_COUNTS = select(ChangeCount.name, ChangeCount.value).execution_options(**PREPARE)


def change_counts() -> dict[str, int]:
    """Return every change count by name (a name without any change yet is missing)."""
    return dict(db.session.execute(_COUNTS).all())


def cached_status_counts(
    f: InboxFilter, *, user: User, changes: dict[str, int]
) -> dict[Status, int]:
    """Return :func:`inbox.query.status_counts` of *f*, counted once per change of the
    applications (*changes*: :func:`change_counts`, read before)."""
    # The status, page and order do not change the tabs: one entry serves them all.
    tabs_of = replace(f, status=(), page=1, sort=DEFAULT_SORT, per_page=PER_PAGE)
    # A guest's scope too: an admin may change it without any application changing.
    key = (changes.get("applications", 0), tabs_of, user.id, scope_of(user))
    # A copy: the caller may change its own.
    return dict(kept("status_counts", key, lambda: status_counts(tabs_of, user=user)))


def hides_anyone(scope: InboxScope | None, *, changes: dict[str, int]) -> bool:
    """Tell whether *scope* hides any applicant at risk (None, an admin's: never), asked once
    per change of the applications (*changes*: :func:`change_counts`, read before), which
    counts every change of applicant_safety and of the need-to-know lists too."""
    if scope is None:
        return False
    key = (changes.get("applications", 0), scope.viewer_id)
    hidden = hidden_at_risk(scope.viewer_id)
    return kept("hides_anyone", key, lambda: db.session.scalar(select(hidden.exists())))


def matching(counts: dict[Status, int], f: InboxFilter) -> int:
    """Return how many applications *f* finds, from its status *counts* (the tabs)."""
    return sum(counts[status] for status in f.status or Status)
