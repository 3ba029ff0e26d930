"""`make soak`: bounded fault runs against gunicorn on loopback; prints what it found.

SQLite always; PostgreSQL too when SOAK_DATABASE_URL (or TEST_DATABASE_URL) is set – that
database is emptied first. Every run is bounded in count and time. Exits non-zero if an
invariant breaks: every application whole (rows = stored files = acknowledgement emails),
every email delivered exactly once, failures only as clean 503s with Retry-After, and
every rate limit holding across 4 production workers (counts in the local Redis, or
SOAK_REDIS_URL; skipped when none answers).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from tests.production import PRIVACY_SETTINGS
from tests.smtp_servers import mail_settings, recording_smtp_server
from tests.soak import harness
from tests.soak import s3 as soak_s3
from tracker import create_app
from tracker.accounts.passwords import hash_password
from tracker.calls import seed_default_call
from tracker.documents import storage
from tracker.extensions import db
from tracker.mail.delivery import deliver_pending
from tracker.models import Application, Document, OutboxEmail, User

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
    """A database and storage (a folder, or a bucket with *storage_url*) for one soak,
    with counting helpers."""

    def __init__(self, url: str, folder: Path, storage_url: str | None = None) -> None:
        self.url = url
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.storage = folder / "uploads"
        self.storage_url = storage_url
        self.app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "STORAGE_ROOT": str(self.storage),
                "STORAGE_URL": storage_url,
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
        """Return (applications, documents, emails, stored objects)."""
        with self.app.app_context():
            result = (
                db.session.scalar(select(func.count(Application.id))),
                db.session.scalar(select(func.count(Document.id))),
                db.session.scalar(select(func.count(OutboxEmail.id))),
                sum(1 for _ in storage.backend().stored_objects()),
            )
            db.engine.dispose()
        return result

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
        if self.storage_url:
            env = {"STORAGE_URL": self.storage_url, **env}
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


WORKERS = 4
# What a burst may get past a limit that counts only outcomes (stored applications, wrong
# passwords): each worker may be between its check and its count, one request at a time.
RACE = WORKERS - 1
STAFF_PASSWORD = secrets.token_urlsafe(16)


def soak_limits(site: Site) -> None:
    """Production with 4 workers and the counts in Redis: each limit holds, whoever answers."""
    with harness.redis_limits() as limits:
        if limits is None:
            print(f"rate limits across workers: skipped (no Redis at {harness.REDIS_URL})")
            return
        _soak_limits(site, limits)


def _soak_limits(site: Site, limits: dict[str, str]) -> None:
    with site.app.app_context():
        for address in ("ana@example.org", "ben@example.org"):
            db.session.add(
                User(
                    email=address,
                    name=address.split("@")[0].title(),
                    role="editor",
                    password_hash=hash_password(STAFF_PASSWORD),
                )
            )
        db.session.commit()
        db.engine.dispose()
    env = {
        "TRACKER_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PUBLIC_BASE_URL": "https://experts.example.org",
        **limits,
        # The defaults of tracker/config.py, named here because the checks below count them.
        "APPLY_LIMIT_PER_IP": "20 per hour",
        "APPLY_LIMIT_PER_EMAIL": "5 per day",
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_PER_IP": "20 per 15 minutes",
        "GUNICORN_ACCESS_LOG": "-",
        # Production refuses to start without the privacy controller's details.
        **PRIVACY_SETTINGS,
    }
    print(
        f"rate limits: production, {WORKERS} gunicorn workers, counts in Redis ({harness.REDIS_URL})"
    )
    with site.serve("limits", workers=WORKERS, **env) as server:
        limit_per_address(site, server)
        limit_per_ip(site, server)
        limit_per_account(server)


def at_once(count: int, send) -> list:
    """Call *send(n)* for n in range(count) from 8 threads; return the results in order."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(send, range(count)))


def workers_since(server, mark: int) -> int:
    """Return how many workers answered the POSTs logged after *mark* characters of log."""
    return len({pid for _status, pid in harness.served_by(server.log_text()[mark:])})


def limit_per_address(site: Site, server) -> None:
    mark, before = len(server.log_text()), site.counts()[0]

    def send(email: str, first_source: int, complete: bool = True):
        def one(n: int) -> harness.Outcome:
            source = f"127.0.1.{first_source + n}"
            return harness.submit(
                server.port, site.slug, n, email=email, source=source, complete=complete
            )

        return one

    # Mistakes first: forms refused for what they say do not count towards the address.
    mistakes = [send("nana@example.org", 1, complete=False)(n) for n in range(3)]
    one_by_one = [send("nana@example.org", 10)(n) for n in range(20)]
    stored = sum(o.stored for o in one_by_one)
    refused = [o for o in one_by_one if o.status == 429]
    print(
        f"  per address (5 per day), one at a time: 3 refused forms then 20 complete "
        f"applications from 20 client addresses: {stored} stored, {len(refused)} answered "
        f"429; {workers_since(server, mark)} workers answered"
    )
    check(
        [o.status for o in mistakes] == [400] * 3 and stored == 5 and len(refused) == 15,
        "per address: mistakes do not count, exactly 5 applications stored",
    )
    advice = "Bitte versuchen Sie es in 1 Tag erneut."
    check(
        all(advice in o.body and 23 * 3600 < int(o.retry_after) <= 86400 for o in refused),
        f"per address: every 429 keeps the form and says “{advice}”, as Retry-After does",
    )
    burst = at_once(20, send("lela@example.org", 40))
    burst_stored = sum(o.stored for o in burst)
    print(
        f"  per address, 20 at once from 8 clients: {burst_stored} stored, "
        f"{sum(o.status == 429 for o in burst)} answered 429"
    )
    check(
        5 <= burst_stored <= 5 + RACE,
        f"per address, at once: at most 5 + {RACE} stored (one per worker between check and count)",
    )
    check(
        site.counts()[0] - before == stored + burst_stored,
        "per address: every application answered as stored is stored, no other",
    )


def limit_per_ip(site: Site, server) -> None:
    mark = len(server.log_text())

    def one(n: int) -> harness.Outcome:
        email = f"someone.{n}@example.org"
        return harness.submit(
            server.port, site.slug, n, email=email, source="127.0.2.1", complete=False
        )

    statuses = Counter(o.status for o in at_once(30, one))
    print(
        f"  per IP (20 per hour), 30 forms at once from one address: {statuses[400]} answered, "
        f"{statuses[429]} answered 429; {workers_since(server, mark)} workers answered"
    )
    check(statuses == {400: 20, 429: 10}, "per IP: exactly 20 attempts answered")


def limit_per_account(server) -> None:
    mark = len(server.log_text())

    def guess(account: str):
        def one(n: int) -> int:
            # From 5 client addresses, 5 guesses each: the per-IP limit (20) never bites.
            return harness.sign_in(
                server.port, account, f"guess number {n}", source=f"127.0.3.{1 + n % 5}"
            )

        return one

    one_by_one = Counter(guess("ana@example.org")(n) for n in range(25))
    print(
        f"  per account (5 per 15 minutes), one at a time: 25 wrong passwords from 5 addresses: "
        f"{one_by_one[400]} checked, {one_by_one[429]} answered 429; "
        f"{workers_since(server, mark)} workers answered"
    )
    check(one_by_one == {400: 5, 429: 20}, "per account: exactly 5 passwords checked")
    burst = Counter(at_once(25, guess("ben@example.org")))
    print(
        f"  per account, 25 at once from 8 clients: {burst[400]} checked, {burst[429]} answered 429"
    )
    check(
        5 <= burst[400] <= 5 + RACE and burst[400] + burst[429] == 25,
        f"per account, at once: at most 5 + {RACE} passwords checked",
    )


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
        soak_limits(site)
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
        soak_s3.run(folder, url, Site, (soak_concurrency, soak_killed_worker), check)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"soak finished in {time.perf_counter() - started:.0f} s: ", end="")
    print("all invariants held" if not PROBLEMS else f"{len(PROBLEMS)} problem(s)")
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
