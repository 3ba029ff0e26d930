"""Durable background jobs: written in the caller's transaction, run by `flask worker`.

:mod:`tracker.jobs.queue` adds a job (``enqueue``), :mod:`tracker.jobs.registry` holds the
kinds and their handlers, :mod:`tracker.jobs.runner` claims, runs and retries them, and
:mod:`tracker.jobs.listing` shows them to admins.
"""
