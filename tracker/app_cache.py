"""Values an app keeps between requests: drawn or counted once, then reused until their key
changes (the inbox's status tabs under the database's change counts, the blank application
form under its call's content).

Per app, not per process: each app (each test) has its own database and its own values.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

# Entries an app keeps of each kind (the least recently used go first).
KEPT = 512

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


def kept(kind: str, key: tuple, read: Callable[[], Kept]) -> Kept:
    """Return what *read* returns, kept by the current app under (*kind*, *key*)."""
    values = current_app.extensions.setdefault(f"tracker_kept_{kind}", KeptValues())
    return values.get_or_read(key, read)


def forget(kind: str) -> None:
    """Drop every value the current app keeps of *kind*."""
    current_app.extensions.pop(f"tracker_kept_{kind}", None)
