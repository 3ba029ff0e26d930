"""The production entry point: ``gunicorn -c gunicorn.conf.py tracker.wsgi:app``."""

from __future__ import annotations

from tracker import create_app
from tracker.collector import settle_collector

# Built once per worker (gunicorn does not preload: see gunicorn.conf.py), so no database
# connection or file handle is ever shared across a fork.
app = create_app()
settle_collector()
