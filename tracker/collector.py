"""The garbage collector of a process that serves requests: set once its app is built.

gunicorn's workers (tracker.wsgi) call :func:`settle_collector`; so does `make bench`, which
measures pages as a worker serves them.
"""

from __future__ import annotations

import gc

# A request allocates a few thousand container objects (an inbox page: its rows, their
# lists, the database's rows) and frees nearly all of them by reference counting. At
# CPython's default of 700 the collector still walked the young objects about four times
# per inbox page (0.3–1 ms of its 9, more when a collection reached the older
# generations); at 10,000 a page seldom starts one. Cycles are still collected, a few
# requests later; the objects waiting for it take a few megabytes at most.
YOUNG_OBJECTS = 10_000


def settle_collector() -> None:
    """Move everything built so far out of the collector's reach and set its threshold."""
    # Everything built so far lives as long as the worker: frozen, a full collection walks
    # only what requests allocate. Without this, one request in a few dozen paid 50–75 ms
    # for a walk over the app's own objects (the inbox at 100,000 applications, `make bench`).
    gc.freeze()
    _young, *older = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, *older)
