"""Telling staff what happened: notifications in the app, by email at once, or in a digest.

Every cause calls :func:`notify` in its own transaction (core); the header count and the
list are in :mod:`.inbox`, each person's choices in :mod:`.settings`, the daily digest in
:mod:`.digest`, and reading ``@name`` in comments in :mod:`.mentions`.
"""

from tracker.notifications.core import notify

__all__ = ["notify"]
