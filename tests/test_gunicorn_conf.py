"""gunicorn.conf.py: how many workers it starts."""

from __future__ import annotations

import os
import runpy

import pytest
from sqlalchemy import select

from tests.soak import harness
from tracker.extensions import db
from tracker.models import Application

CONF = harness.REPO / "gunicorn.conf.py"


def workers_started(monkeypatch, cpus: int, **env: str) -> int:
    """Return the workers gunicorn.conf.py asks for on a machine with *cpus* and *env*."""
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cpus)), raising=False)
    return runpy.run_path(str(CONF))["workers"]


@pytest.mark.parametrize(("cpus", "workers"), [(1, 2), (2, 2), (4, 4), (16, 16)])
def test_one_worker_per_cpu_and_at_least_two(monkeypatch, cpus, workers):
    assert workers_started(monkeypatch, cpus) == workers


def test_gunicorn_workers_sets_the_number(monkeypatch):
    assert workers_started(monkeypatch, 2, GUNICORN_WORKERS="5") == 5
    assert workers_started(monkeypatch, 8, GUNICORN_WORKERS="1") == 1


def test_only_the_cpus_the_process_may_use_count(monkeypatch):
    # A container or `taskset` may allow fewer CPUs than the machine has.
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert workers_started(monkeypatch, 3) == 3


def test_gunicorn_starts_that_many_workers_and_serves(app, call, tmp_path):
    db.session.commit()
    env = harness.server_env(app.config["SQLALCHEMY_DATABASE_URI"], app.config["STORAGE_ROOT"])
    # gunicorn inherits the CPUs this process may use: one (or two, where there are), so
    # that a machine with many does not start a worker for each of them here.
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, sorted(allowed)[:2])
    try:
        with harness.gunicorn(env, log=tmp_path / "gunicorn.log") as server:
            os.sched_setaffinity(0, allowed)
            outcome = harness.submit(server.port, call.slug, 1)
            workers = len(server.worker_pids())
    finally:
        os.sched_setaffinity(0, allowed)

    assert workers == 2
    assert (outcome.status, outcome.error, outcome.stored) == (302, None, True), outcome.body
    db.session.rollback()  # what gunicorn's workers committed
    references = db.session.scalars(select(Application.reference)).all()
    assert len(references) == 1
    assert outcome.location.endswith(f"/thanks/{references[0]}")
