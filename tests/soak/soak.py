"""`make soak`: bounded fault runs against gunicorn on loopback; prints what it found.

SQLite always; PostgreSQL too when SOAK_DATABASE_URL (or TEST_DATABASE_URL) is set – that
database is emptied first. Every run is bounded in count and time. Exits non-zero if an
invariant breaks: every application whole (rows = stored files = acknowledgement emails),
every email delivered exactly once, failures only as clean 503s with Retry-After.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from tests.smtp_servers import mail_settings, recording_smtp_server
from tests.soak import harness
from tracker import create_app
from tracker.calls import seed_default_call
from tracker.documents import storage
from tracker.extensions import db
from tracker.mail.delivery import deliver_pending
from tracker.models import Application, Document, OutboxEmail

PROBLEMS: list[str] = []


def check(condition: bool, message: str) -> None:
    print(("  ok    " if condition else "  FAIL  ") + message)
    if not condition:
        PROBLEMS.append(message)


def summary(run: harness.Run) -> str:
    kinds = Counter(o.error.split(":")[0] if o.error else f"{o.status}" for o in run.failed)
    rate = len(run.stored) / run.seconds if run.seconds else 0
    return (
        f"{len(run.stored)}/{len(run.outcomes)} stored in {run.seconds:.1f} s "
        f"({rate:.1f}/s), failures {dict(kinds) or 'none'}"
    )


class Site:
    """A database and storage folder for one soak, with counting helpers."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.storage = folder / "uploads"
        self.app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "STORAGE_ROOT": str(self.storage),
                "SECRET_KEY": harness.SECRET,
                "LOG_LEVEL": "WARNING",
            }
        )
        with self.app.app_context():
            db.drop_all()
            db.create_all()
            call, _ = seed_default_call()
            db.session.commit()
            self.slug = call.slug
            db.engine.dispose()

    def counts(self) -> tuple[int, int, int, int]:
        """Return (applications, documents, emails, files under objects/)."""
        with self.app.app_context():
            result = (
                db.session.scalar(select(func.count(Application.id))),
                db.session.scalar(select(func.count(Document.id))),
                db.session.scalar(select(func.count(OutboxEmail.id))),
            )
            db.engine.dispose()
        objects = self.storage / "objects"
        files = sum(1 for p in objects.rglob("*") if p.is_file()) if objects.exists() else 0
        return (*result, files)

    def check_whole(self, label: str) -> int:
        applications, documents, emails, files = self.counts()
        check(
            documents == 3 * applications == 3 * emails and files >= documents,
            f"{label}: {applications} applications, {documents} documents, {emails} "
            f"acknowledgements, {files} files",
        )
        with self.app.app_context():
            report = storage.reconcile()
            storage.GRACE_SECONDS, grace = 0, storage.GRACE_SECONDS
            try:
                young = storage.reconcile().orphan_files
            finally:
                storage.GRACE_SECONDS = grace
            db.engine.dispose()
        check(
            report.missing_files == [] and report.orphan_files == [],
            f"{label}: reconcile finds {len(report.missing_files)} missing and "
            f"{len(report.orphan_files)} orphan files; {len(young)} file(s) younger than the "
            f"{grace} s grace period without a row (moved into place by a request that died "
            "before its commit; `storage reconcile --delete` removes them after the grace period)",
        )
        return applications

    def serve(self, label: str, workers: int = 4, **env: str):
        return harness.gunicorn(
            harness.server_env(self.url, self.storage, **env),
            workers=workers,
            log=self.folder / f"gunicorn-{label}.log",
        )


def soak_concurrency(site: Site) -> None:
    print("200 submissions from 16 concurrent clients, 4 workers")
    with site.serve("concurrency") as server:
        run = harness.submit_many(server.port, site.slug, 200, clients=16)
    print("  " + summary(run))
    check(run.failed == [], "no errors")
    applications = site.check_whole("after the run")
    check(applications == 200, "200 applications stored")


def soak_mail_outage(site: Site) -> None:
    print("SMTP down for the whole run, then up")
    with recording_smtp_server(started=False) as smtp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": site.url,
                "STORAGE_ROOT": str(site.storage),
                "SECRET_KEY": harness.SECRET,
                "LOG_LEVEL": "ERROR",
                **mail_settings(smtp.port, MAIL_TIMEOUT=5),
            }
        )
        with app.app_context():
            queued = db.session.scalar(select(func.count(OutboxEmail.id)))
            down = deliver_pending(limit=1000)
            check(
                down.sent == 0 and smtp.messages == [], f"nothing sent while down ({queued} queued)"
            )
            smtp.start()
            later = db.session.scalar(select(func.max(OutboxEmail.next_attempt_at)))
            for _ in range(10):
                report = deliver_pending(now=later, limit=1000)
                if report.attempted == 0:
                    break
            ids = Counter(received.message["Message-ID"] for received in smtp.messages)
            sent = db.session.scalar(
                select(func.count(OutboxEmail.id)).where(OutboxEmail.status == "sent")
            )
            db.engine.dispose()
        check(
            len(smtp.messages) == queued == sent and max(ids.values(), default=1) == 1,
            f"after recovery: {len(smtp.messages)} delivered, {sent} rows sent, "
            f"{sum(1 for n in ids.values() if n > 1)} duplicates",
        )


def soak_killed_worker(site: Site) -> None:
    print("a worker killed with SIGKILL during uploads (60 submissions, 8 clients)")
    killed = []
    with site.serve("kill") as server:

        def kill(_outcome, done):
            if done in (10, 30) and len(killed) < 2:
                victim = server.worker_pids()[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        before = site.counts()[0]
        run = harness.submit_many(server.port, site.slug, 60, clients=8, on_done=kill, start=1000)
    print(f"  killed {len(killed)} workers; " + summary(run))
    applications = site.check_whole("after the kills")
    check(
        len(run.stored) <= applications - before <= 60,
        f"every acknowledged submission stored ({len(run.stored)} acknowledged, "
        f"{applications - before} stored)",
    )


def soak_sqlite_lock(site: Site) -> None:
    database = site.url.removeprefix("sqlite:///")

    def hold(seconds: float, started: threading.Event) -> None:
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        holder.execute("ROLLBACK")
        holder.close()

    for label, busy_ms, hold_s in (("within", "5000", 3.0), ("beyond", "1000", 3.0)):
        print(
            f"SQLite write lock held {hold_s:.0f} s by another connection, busy timeout {busy_ms} ms"
        )
        with site.serve(f"lock-{label}", SQLITE_BUSY_TIMEOUT_MS=busy_ms) as server:
            harness.submit_many(server.port, site.slug, 4, clients=4, start=5000)  # warm up
            before = site.counts()[0]
            started = threading.Event()
            holder = threading.Thread(target=hold, args=(hold_s, started))
            holder.start()
            started.wait()
            run = harness.submit_many(server.port, site.slug, 8, clients=8, start=6000)
            holder.join()
        print("  " + summary(run))
        if label == "within":
            check(run.failed == [], "every submission waited for the lock and succeeded")
        else:
            clean = all(o.status == 503 and o.retry_after for o in run.failed)
            check(
                bool(run.failed) and clean,
                f"{len(run.failed)} answered 503 with Retry-After, none otherwise",
            )
        applications = site.check_whole(f"lock {label} busy timeout")
        check(applications - before == len(run.stored), "nothing partial")


def soak_postgres_restart(site: Site) -> None:
    cluster = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False)
    fields = cluster.stdout.split()
    if cluster.returncode != 0 or len(fields) < 2:
        print("PostgreSQL restart: skipped (pg_lsclusters not available)")
        return
    version, name = fields[0], fields[1]
    print(f"PostgreSQL {version}/{name} restarted mid-run (120 submissions, 8 clients)")
    with site.serve("pg-restart") as server:

        def restart() -> None:
            time.sleep(2)
            subprocess.run(
                [
                    "pg_ctlcluster",
                    "--skip-systemctl-redirect",
                    version,
                    name,
                    "restart",
                    "-m",
                    "fast",
                ],
                check=True,
            )

        restarter = threading.Thread(target=restart)
        restarter.start()
        run = harness.submit_many(server.port, site.slug, 120, clients=8, start=20_000)
        restarter.join()
        after = harness.submit_many(server.port, site.slug, 16, clients=8, start=30_000)
    print("  during: " + summary(run))
    print("  after:  " + summary(after))
    clean = all(o.status == 503 and o.retry_after for o in run.failed)
    check(clean, f"in-flight failures are clean 503s with Retry-After ({len(run.failed)})")
    check(after.failed == [], "the pool recovered: every later submission stored")
    site.check_whole("after the restart")


def main() -> int:
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="tracker-soak-"))
    try:
        print("== SQLite ==")
        site = Site(f"sqlite:///{folder / 'sqlite' / 'tracker.db'}", folder / "sqlite")
        soak_concurrency(site)
        soak_mail_outage(site)
        soak_killed_worker(site)
        soak_sqlite_lock(site)
        url = os.environ.get("SOAK_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
        if url:
            print("== PostgreSQL ==")
            pg = Site(url, folder / "postgres")
            soak_concurrency(pg)
            soak_mail_outage(pg)
            soak_killed_worker(pg)
            soak_postgres_restart(pg)
        else:
            print("== PostgreSQL: skipped (set SOAK_DATABASE_URL) ==")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"soak finished in {time.perf_counter() - started:.0f} s: ", end="")
    print("all invariants held" if not PROBLEMS else f"{len(PROBLEMS)} problem(s)")
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
