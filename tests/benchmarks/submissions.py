"""Bench submissions with three documents through gunicorn."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import select

from tests.benchmarks.scratch import scratch_config
from tests.benchmarks.timing import Table
from tests.soak import harness
from tracker import create_app
from tracker.extensions import db
from tracker.models import Application, Call


def bench_submissions(n: int, folder: Path, table: Table, count: int, clients: int) -> None:
    """Submit *count* applications from *clients* threads to gunicorn (4 workers)."""
    work = folder / "submissions"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    # A copy of the seeded database, so that runs do not grow the reusable one.
    source = sqlite3.connect(folder / "tracker.db")
    target = sqlite3.connect(work / "tracker.db")
    source.backup(target)
    source.close()
    target.close()
    url = f"sqlite:///{work / 'tracker.db'}"
    app = create_app({**scratch_config(n), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        slug = db.session.scalar(select(Call.slug).order_by(Call.id))
        before = db.session.scalar(select(db.func.count(Application.id)))
        db.engine.dispose()
    env = harness.server_env(url, work / "uploads")
    with harness.gunicorn(env, workers=4, log=work / "gunicorn.log") as server:
        # Warm the workers (imports, first connection) before the clock starts.
        harness.submit_many(server.port, slug, 8, clients=8, start=10_000_000)
        run = harness.submit_many(server.port, slug, count, clients=clients)
    with app.app_context():
        after = db.session.scalar(select(db.func.count(Application.id)))
        db.engine.dispose()
    rate = len(run.stored) / run.seconds
    errors = len(run.failed)
    table.add(
        f"submissions, 3 docs ({count} from {clients} clients)",
        f"{rate:.1f}/s",
        f"{run.seconds:.1f} s",
        "-",
        None,
        None,
        f">= 50/s (errors {errors}, rows +{after - before})",
        rate >= 50 and errors == 0,
    )
