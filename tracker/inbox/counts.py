"""What the inbox reads on every view but changes rarely, kept until it changes: the status
tabs of each filter, the calls, the accounts and the tags.

Counting every match by status costs as much as there are matches – 45 ms for a region a
third of 100,000 applicants cover – on every view of every page. The database counts each
change of what that depends on itself (models.ChangeCount and its triggers: "applications"
for the applications and what the filters read, "calls", "staff"), and what is derived from
it is kept under those numbers until the next change.

The numbers are read before what is kept under them, in their own statement: a change
committed in between is already in what is read (the key is then older than the data,
never newer), and that key never comes back: a later reader sees the higher number and
reads again. For reads only: a request that changed something and has not committed yet
must not keep what it reads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from flask import current_app
from sqlalchemy import select

from tracker.database import PREPARE
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.filter import DEFAULT_SORT, PER_PAGE, InboxFilter
from tracker.inbox.query import status_counts
from tracker.models import ChangeCount, User

# Entries a process keeps of each kind (the least recently used go first).
KEPT = 512

_COUNTS = select(ChangeCount.name, ChangeCount.value).execution_options(**PREPARE)

Kept = TypeVar("Kept")


class KeptValues:
    """Values by key, the least recently used dropped beyond KEPT."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_read(self, key: tuple, read: Callable[[], Kept]) -> Kept:
        """Return the value kept under *key*, or what *read* returns, then kept."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = read()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > KEPT:
                self._entries.popitem(last=False)
        return value


def change_counts() -> dict[str, int]:
    """Return every change count by name (a name without any change yet is missing)."""
    return dict(db.session.execute(_COUNTS).all())


def kept(kind: str, key: tuple, read: Callable[[], Kept]) -> Kept:
    """Return what *read* returns, kept per app under (*kind*, *key*)."""
    # Per app, not per process: each app (each test) has its own database.
    values = current_app.extensions.setdefault(f"tracker_kept_{kind}", KeptValues())
    return values.get_or_read(key, read)


def cached_status_counts(
    f: InboxFilter, *, user: User, changes: dict[str, int]
) -> dict[Status, int]:
    """Return :func:`inbox.query.status_counts` of *f*, counted once per change of the
    applications (*changes*: :func:`change_counts`, read before)."""
    # The status, page and order do not change the tabs: one entry serves them all.
    tabs_of = replace(f, status=(), page=1, sort=DEFAULT_SORT, per_page=PER_PAGE)
    key = (changes.get("applications", 0), tabs_of, user.id)
    # A copy: the caller may change its own.
    return dict(kept("status_counts", key, lambda: status_counts(tabs_of, user=user)))
