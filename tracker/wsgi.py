"""The production entry point: ``gunicorn -c gunicorn.conf.py tracker.wsgi:app``."""

from __future__ import annotations

import gc

from tracker import create_app

# Built once per worker (gunicorn does not preload: see gunicorn.conf.py), so no database
# connection or file handle is ever shared across a fork.
app = create_app()
# Everything built so far lives as long as the worker: move it out of the collector's
# reach, so that a full collection walks only what requests allocate. Without this, one
# request in a few dozen paid 50–75 ms for a walk over the app's own objects
# (the inbox at 100,000 applications, `make bench`).
gc.freeze()
