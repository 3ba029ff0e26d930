"""Bench submissions with three documents through gunicorn."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psutil
from sqlalchemy import select

from tests.benchmarks.scratch import database_kind, scratch_config, working_copy
from tests.benchmarks.timing import Table
from tests.soak import harness
from tracker import create_app
from tracker.documents.extract_job import EXTRACT_TEXT
from tracker.enums import EmailTemplateKey
from tracker.extensions import db
from tracker.models import Application, Call, Document, Job, OutboxEmail


def bench_submissions(n: int, folder: Path, table: Table, count: int, clients: int) -> None:
    """Submit *count* applications from *clients* threads to gunicorn (as many workers as
    gunicorn.conf.py starts: one per CPU)."""
    work = folder / "submissions"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    url = working_copy(n, work)
    app = create_app({**scratch_config(n), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        slug = db.session.scalar(select(Call.slug).order_by(Call.id))
        before = _counts()
        db.engine.dispose()
    # The rate limits are counted as production counts them with several workers: in Redis
    # (gunicorn.conf.py). In memory, each worker would also start a timer thread per count.
    with harness.redis_limits() as limits:
        env = harness.server_env(url, work / "uploads", **(limits or {}))
        with harness.gunicorn(env, log=work / "gunicorn.log") as server:
            # Warm the workers (imports, first connection) before the clock starts.
            harness.submit_many(server.port, slug, 8, clients=8, start=10_000_000)
            workers = len(server.worker_pids())
            cpu_before = _cpu_by_process(server)
            run = harness.submit_many(server.port, slug, count, clients=clients)
            cpu_after = _cpu_by_process(server)
    with app.app_context():
        after = _counts()
        db.engine.dispose()
    files = sum(1 for path in (work / "uploads" / "objects").rglob("*") if path.is_file())
    rate = len(run.stored) / run.seconds
    errors = len(run.failed)
    rows, documents, acknowledgements, extractions = (
        now - then for now, then in zip(after, before, strict=True)
    )
    # Every stored application: its rows, its three files, one acknowledgement queued and
    # one extraction job; nothing half-written by a submission that failed.
    whole = rows * 3 == documents == files and rows == acknowledgements == extractions
    cpu = ", ".join(
        f"{name} {1000 * (cpu_after[name] - cpu_before[name]) / max(len(run.stored), 1):.1f}"
        for name in cpu_after
    )
    table.add(
        f"submissions, 3 docs ({count} from {clients} clients, {workers} workers)",
        f"{rate:.1f}/s",
        f"{run.seconds:.1f} s",
        "-",
        None,
        None,
        f">= 50/s (errors {errors}, rows +{rows}, files +{files}, "
        f"acknowledgements +{acknowledgements}, extraction jobs +{extractions}; "
        f"rate limits counted in {'Redis' if limits else 'memory: no Redis answered'}; "
        f"CPU ms a submission: {cpu})",
        rate >= 50 and errors == 0 and whole,
    )


def _cpu_by_process(server: harness.Server) -> dict[str, float]:
    """Return the CPU seconds used so far by the workers, PostgreSQL's processes, Redis and
    the clients (this process): where a submission's time goes on a machine the run fills."""
    workers = set(server.worker_pids())
    used = {"workers": 0.0, "clients": 0.0, "Redis": 0.0}
    if database_kind() == "PostgreSQL":
        used["PostgreSQL"] = 0.0
    for process in psutil.process_iter(["pid", "name", "cpu_times"]):
        times = process.info["cpu_times"]
        if times is None:
            continue
        name = process.info["name"] or ""
        if process.info["pid"] in workers:
            used["workers"] += times.user + times.system
        elif "PostgreSQL" in used and name.startswith("postgres"):
            used["PostgreSQL"] += times.user + times.system
        elif name.startswith("redis-server"):
            used["Redis"] += times.user + times.system
        elif process.info["pid"] == os.getpid():
            used["clients"] += times.user + times.system
    return used


def _counts() -> tuple[int, int, int, int]:
    """Return the applications, documents, acknowledgements and extraction jobs stored."""
    count = db.func.count()
    return (
        db.session.scalar(select(count).select_from(Application)),
        db.session.scalar(select(count).select_from(Document)),
        db.session.scalar(
            select(count)
            .select_from(OutboxEmail)
            .where(OutboxEmail.template == EmailTemplateKey.ACKNOWLEDGEMENT.value)
        ),
        db.session.scalar(select(count).select_from(Job).where(Job.kind == EXTRACT_TEXT)),
    )
