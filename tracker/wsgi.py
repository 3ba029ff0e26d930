"""The production entry point: ``gunicorn -c gunicorn.conf.py tracker.wsgi:app``."""

from __future__ import annotations

from tracker import create_app
from tracker.collector import settle_collector
from tracker.documents.validate import load_readers

# Built once per worker (gunicorn does not preload: see gunicorn.conf.py), so no database
# connection or file handle is ever shared across a fork.
app = create_app()
# Before the first request, and before the collector freezes what the worker built.
load_readers()
settle_collector()
