"""The inbox's status tabs: how many applications of a filter are in each status, counted
once per change of what the filters read.

Counting every match costs as much as there are matches – 45 ms for a region a third of
100,000 applicants cover – on every view of every page. The numbers only change when an
application, its regions, languages, topics, tags, ratings or recusals, a tag or the search
index change, and the database counts each such change itself (models.ChangeCount, its
triggers): the counts are kept under that number and counted again after the next change.

The number is read before counting, in its own statement. A change committed in between is
already in the counts (the key is then older than the counts, never newer), and that key
never comes back: a later reader sees the higher number and counts again. Only for reads:
a request that has changed applications and not committed yet must count directly.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace

from flask import current_app
from sqlalchemy import select

from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.filter import DEFAULT_SORT, PER_PAGE, InboxFilter
from tracker.inbox.query import status_counts
from tracker.models import ChangeCount, User

# Filters and users whose counts a process keeps (least recently used ones go first).
KEPT = 512

_KEY = select(ChangeCount.value).where(ChangeCount.name == "applications")


class CountCache:
    """Counts by (change count, filter, user), the least recently used dropped beyond KEPT."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, dict[Status, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> dict[Status, int] | None:
        with self._lock:
            counts = self._entries.get(key)
            if counts is not None:
                self._entries.move_to_end(key)
            return counts

    def put(self, key: tuple, counts: dict[Status, int]) -> None:
        with self._lock:
            self._entries[key] = counts
            self._entries.move_to_end(key)
            while len(self._entries) > KEPT:
                self._entries.popitem(last=False)


def applications_change_count() -> int:
    """Return how many changes the data the inbox's filters read has seen (0: none yet)."""
    return db.session.scalar(_KEY) or 0


def cached_status_counts(f: InboxFilter, *, user: User) -> dict[Status, int]:
    """Return :func:`inbox.query.status_counts` of *f*, counted once per change."""
    # Per app, not per process: each app (each test) has its own database.
    cache = current_app.extensions.setdefault("tracker_status_counts", CountCache())
    # The status, page and order do not change the tabs: one entry serves them all.
    tabs_of = replace(f, status=(), page=1, sort=DEFAULT_SORT, per_page=PER_PAGE)
    key = (applications_change_count(), tabs_of, user.id)
    counts = cache.get(key)
    if counts is None:
        counts = status_counts(tabs_of, user=user)
        cache.put(key, counts)
    # A copy: the caller may change its own.
    return dict(counts)
