"""Faults a production site meets: concurrency, a mail outage, a killed worker, a full disk,
a locked or vanished database. Small, fast versions of `make soak` (tests/soak/)."""

from __future__ import annotations

import errno
import os
import secrets
import signal
import sqlite3
import stat
from pathlib import Path

import psycopg
import pytest
import redis
from flask import redirect
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from tests.applying import application_form, post, stored_files
from tests.production import PRIVACY_SETTINGS
from tests.smtp_servers import mail_settings, recording_smtp_server
from tests.soak import harness
from tracker.documents import storage
from tracker.documents.storage import reconcile
from tracker.enums import EmailStatus
from tracker.extensions import db
from tracker.mail.delivery import deliver_pending
from tracker.models import Application, Document, OutboxEmail, Tag
from tracker.web.access import public


@pytest.fixture
def client(client):
    """The test client, reading pages in English (the messages are asserted verbatim)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def object_files(app) -> list[Path]:
    root = Path(app.config["STORAGE_ROOT"]) / "objects"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def staged_files(app) -> list[Path]:
    root = Path(app.config["STORAGE_ROOT"]) / "staging"
    return sorted(root.iterdir()) if root.exists() else []


def assert_whole(app, documents: int = 3) -> int:
    """Check that every application is whole: its documents with files, 1 acknowledgement."""
    db.session.commit()
    applications = count(Application)
    assert count(Document) == documents * applications
    assert count(OutboxEmail) == applications
    keys = set(db.session.scalars(select(Document.storage_key)))
    on_disk = {path.name for path in object_files(app)}
    assert keys <= on_disk, "a document row without its file"
    return applications


@pytest.fixture
def server(app, call, tmp_path):
    """gunicorn (2 workers) serving the test's database and storage."""
    db.session.commit()
    env = harness.server_env(app.config["SQLALCHEMY_DATABASE_URI"], app.config["STORAGE_ROOT"])
    with harness.gunicorn(env, workers=2, log=tmp_path / "gunicorn.log") as running:
        running.slug = call.slug
        yield running


def test_concurrent_submissions_through_gunicorn_are_all_stored_whole(app, server):
    run = harness.submit_many(server.port, server.slug, 20, clients=4)

    assert [(o.number, o.status, o.error) for o in run.failed] == [], server.log_text()
    assert assert_whole(app) == 20
    assert len(object_files(app)) == 60
    assert staged_files(app) == []
    assert (
        sorted(db.session.scalars(select(OutboxEmail.template)).all()) == ["acknowledgement"] * 20
        or count(OutboxEmail) == 20
    )


def test_killed_worker_leaves_no_partial_application(app, server):
    killed = []

    def kill_one_worker(_outcome, done):
        # While the other clients' uploads are in flight.
        if done == 4 and not killed:
            victim = server.worker_pids()[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    run = harness.submit_many(server.port, server.slug, 12, clients=4, on_done=kill_one_worker)

    assert killed
    applications = assert_whole(app)
    # Every acknowledged submission is stored; a request cut off by the kill either
    # committed whole before it died or left no row at all.
    assert len(run.stored) <= applications <= 12
    report = reconcile()
    assert report.missing_files == []
    # Files younger than the grace period are never reported: a killed request may have
    # moved up to three files into place before dying uncommitted. Without the grace
    # period they show up – and only those few, all belonging to the requests that failed.
    assert report.orphan_files == []
    storage.GRACE_SECONDS, grace = 0, storage.GRACE_SECONDS
    try:
        orphans = reconcile().orphan_files
    finally:
        storage.GRACE_SECONDS = grace
    assert len(orphans) <= 3 * len(run.failed)


@pytest.fixture
def smtp_down(app_config):
    """A recording SMTP server that refuses connections until started."""
    with recording_smtp_server(started=False) as server:
        app_config.update(mail_settings(server.port, MAIL_TIMEOUT=5))
        yield server


def test_mail_outage_then_recovery_delivers_every_email_once(smtp_down, app, client, call):
    for number in range(3):
        # Three addresses: one address sending the same documents again would be a repeat.
        data = application_form(client, call, email=f"applicant{number}@example.org")
        assert post(client, call, data).status_code == 302

    report = deliver_pending()  # the server is down
    assert report.sent == 0
    assert smtp_down.messages == []
    assert set(db.session.scalars(select(OutboxEmail.status))) == {EmailStatus.QUEUED.value}

    smtp_down.start()
    much_later = db.session.scalar(select(func.max(OutboxEmail.next_attempt_at)))
    deliver_pending(now=much_later)
    deliver_pending(now=much_later)  # a second pass finds nothing left to send

    assert len(smtp_down.messages) == 3
    assert len({received.message["Message-ID"] for received in smtp_down.messages}) == 3
    assert set(db.session.scalars(select(OutboxEmail.status))) == {EmailStatus.SENT.value}


# Both ways a disk says that no file fits: full, or the account's quota used up.
NO_SPACE = pytest.mark.parametrize(
    "error_number", [errno.ENOSPC, errno.EDQUOT], ids=["disk full", "over quota"]
)


def _no_space(error_number: int):
    raise OSError(error_number, os.strerror(error_number))


class _FullDisk:
    """A file opened for writing on a full disk: every write fails with *error_number*."""

    def __init__(self, handle, error_number):
        self.handle = handle
        self.error_number = error_number

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.handle.close()

    def write(self, _data):
        _no_space(self.error_number)


@NO_SPACE
def test_disk_full_while_staging_keeps_answers_and_stores_nothing(
    app, client, call, monkeypatch, error_number
):
    assert post(client, call, application_form(client, call)).status_code == 302
    before = sorted(stored_files(app))
    real_fdopen = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        return _FullDisk(handle, error_number) if "w" in mode else handle

    # The standard library's fdopen is the seam: staging writes through it, and a full
    # disk shows itself there as ENOSPC on write.
    monkeypatch.setattr(os, "fdopen", fdopen)
    response = post(client, call, application_form(client, call, full_name="Giorgi Kapanadze"))

    assert response.status_code == 400
    assert "We cannot store files right now. Nothing was saved" in response.text
    assert 'value="Giorgi Kapanadze"' in response.text
    # The earlier application (CV and writing sample) is intact.
    assert assert_whole(app, documents=2) == 1
    assert sorted(stored_files(app)) == before
    assert staged_files(app) == []


@NO_SPACE
def test_disk_full_while_storing_answers_503_and_stores_nothing(
    app, client, call, monkeypatch, error_number
):
    real_fsync = os.fsync

    def fsync(fd):
        # Storing flushes each file, then the directories holding the new names; the disk
        # fills up at the directory flush, after a file may already have moved into place.
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            _no_space(error_number)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    response = post(client, call, application_form(client, call))

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert "We cannot store files right now" in response.text
    assert "Traceback" not in response.text
    assert count(Application) == count(Document) == count(OutboxEmail) == 0
    assert object_files(app) == []
    assert staged_files(app) == []


@pytest.fixture
def short_busy_timeout(app_config):
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    app_config["SQLITE_BUSY_TIMEOUT_MS"] = 200


def test_sqlite_locked_longer_than_busy_timeout_answers_503(short_busy_timeout, app, client, call):
    data = application_form(client, call)
    database = db.engine.url.database
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        response = post(client, call, data)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert "We are busy right now" in response.text
    assert "Nothing was saved" in response.text
    assert count(Application) == count(Document) == count(OutboxEmail) == 0
    assert object_files(app) == []
    assert staged_files(app) == []
    # Once the lock is gone the same form goes through.
    assert post(client, call, application_form(client, call)).status_code == 302


def test_lost_database_connection_answers_503_not_a_traceback(app, client, call, monkeypatch):
    def server_restarted(*_args, **_kwargs):
        raise OperationalError(
            "SELECT 1",
            {},
            psycopg.OperationalError("server closed the connection unexpectedly"),
            connection_invalidated=True,
        )

    monkeypatch.setattr("tracker.apply.views.submit_application", server_restarted)
    response = post(client, call, application_form(client, call))

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert "We are busy right now" in response.text
    assert "server closed" not in response.text
    assert count(Application) == 0


def end_server_process(pid: int) -> bool:
    """End PostgreSQL's server process *pid*, as a restart ends every one, from a connection
    of its own; wait until it is gone. Return whether it was ended."""
    dsn = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as administrator:
        query = "SELECT pg_terminate_backend(%s, 5000)"
        return administrator.execute(query, (pid,)).fetchone()[0]


@pytest.mark.parametrize(
    "backend_pid",
    [
        pytest.param(text("SELECT pg_backend_pid()"), id="in-a-transaction"),
        # A plain read runs outside a transaction (tracker/postgresql.py): none to end.
        pytest.param(select(func.pg_backend_pid()), id="outside-a-transaction"),
    ],
)
def test_a_connection_cut_before_the_request_ends_keeps_the_answer(app, backend_pid):
    """PostgreSQL restarted after the view answered: ending the session (its ROLLBACK) fails,
    and the client still gets the view's answer, not a bare 500; the next request works."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server that cuts the connection")

    def answer_then_lose_the_server():
        pid = db.session.scalar(backend_pid)
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return redirect("/apply/thanks-for-the-test")

    def ask_the_database():
        return str(db.session.scalar(text("SELECT 41 + 1")))

    app.add_url_rule("/test/cut", view_func=public(answer_then_lose_the_server))
    app.add_url_rule("/test/ask", view_func=public(ask_the_database))
    client = app.test_client()
    response = client.get("/test/cut")
    assert response.status_code == 302
    assert response.headers["Location"] == "/apply/thanks-for-the-test"
    assert client.get("/test/ask").text == "42"


@pytest.mark.parametrize(
    "first_statement",
    [
        # A plain read runs outside a transaction, a textual one in it (tracker/postgresql.py).
        pytest.param(select(func.pg_backend_pid()), id="read-outside-a-transaction"),
        pytest.param(text("SELECT pg_backend_pid()"), id="in-a-transaction"),
    ],
)
def test_a_connection_lost_while_the_request_runs_answers_503_and_the_next_one_works(
    app, first_statement
):
    """PostgreSQL restarted between two statements of a request: the second fails, the
    request answers 503 (not a traceback), and the next request gets a new connection."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server that cuts the connection")

    def lose_the_server_between_two_statements():
        end_server_process(db.session.scalar(first_statement))
        return str(db.session.scalar(select(func.count(Tag.id))))

    app.add_url_rule("/test/lose", view_func=public(lose_the_server_between_two_statements))
    app.add_url_rule("/test/count", view_func=public(lambda: str(count(Tag))))
    client = app.test_client()

    lost = client.get("/test/lose", headers={"Accept-Language": "en"})
    assert (lost.status_code, lost.headers["Retry-After"]) == (503, "10")
    assert "We are busy right now" in lost.text
    assert client.get("/test/count").text == "0"


def test_a_pooled_connection_the_server_closed_is_replaced_without_a_ping(app):
    """PostgreSQL restarted between two requests (its server processes ended): the next
    request gets a new connection and answers, and no request pays a ping for it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server that closes the connection")
    pings = []
    dialect = db.engine.dialect
    pinging = dialect.do_ping

    def counted_ping(dbapi_connection):
        pings.append(1)
        return pinging(dbapi_connection)

    dialect.do_ping = counted_ping

    def backend():
        return str(db.session.scalar(text("SELECT pg_backend_pid()")))

    app.add_url_rule("/test/backend", view_func=public(backend))
    db.session.commit()
    db.engine.dispose()  # the pool holds one connection: the one the request returns
    client = app.test_client()
    try:
        first = client.get("/test/backend")
        ended = end_server_process(int(first.text))
        second = client.get("/test/backend")
    finally:
        del dialect.do_ping
    assert (first.status_code, ended, second.status_code) == (200, True, 200)
    assert second.text != first.text
    assert pings == []


def test_other_sqlite_errors_stay_500(app, client, call, monkeypatch):
    # On PostgreSQL every OperationalError is the connection's; on SQLite most are bugs.
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's OperationalError")

    def bug(*_args, **_kwargs):
        raise OperationalError("SELECT nope", {}, sqlite3.OperationalError("no such table: x"))

    monkeypatch.setattr("tracker.apply.views.submit_application", bug)
    response = post(client, call, application_form(client, call))

    assert response.status_code == 500
    assert "Retry-After" not in response.headers


# --- rate limits shared by gunicorn's workers --------------------------------------------------

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix():
    """A rate-limit key prefix of this test's own in the local Redis (removed afterwards).

    pytest-xdist runs tests side by side against one Redis: a prefix per test keeps their
    counts apart. Skipped when no Redis answers on loopback (.ci/run starts one).
    """
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    prefix = f"test-{secrets.token_hex(8)}"
    yield prefix
    for key in client.scan_iter(f"LIMITER/{prefix}/*"):
        client.delete(key)
    client.close()


def production_env(app, **extra: str) -> dict[str, str]:
    """Return the environment of a production server on the test's database and storage."""
    return harness.server_env(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["STORAGE_ROOT"],
        TRACKER_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        PUBLIC_BASE_URL="https://experts.example.org",
        **PRIVACY_SETTINGS,
        **extra,
    )


def test_per_address_limit_holds_across_four_gunicorn_workers(app, call, tmp_path, redis_prefix):
    db.session.commit()
    env = production_env(
        app,
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=redis_prefix,
        APPLY_LIMIT_PER_EMAIL="3 per day",
        GUNICORN_ACCESS_LOG="-",
    )
    with harness.gunicorn(env, workers=4, log=tmp_path / "gunicorn.log") as server:
        # One after the other, each from an address of its own: only the applicant's
        # address links them, and whichever worker takes a request must know the count.
        outcomes = [
            harness.submit(
                server.port, call.slug, n, email="nino@example.org", source=f"127.0.0.{10 + n}"
            )
            for n in range(8)
        ]
        log = server.log_text()

    assert [(o.status, o.stored) for o in outcomes[:3]] == [(302, True)] * 3, outcomes[0].body
    assert [o.status for o in outcomes[3:]] == [429] * 5, log
    for refused in outcomes[3:]:
        assert 23 * 3600 < int(refused.retry_after) <= 24 * 3600
        assert "Dieses Formular wurde zu oft gesendet. Bitte versuchen Sie es in 1 Tag erneut." in (
            refused.body
        )
        assert 'value="Nino Beridze' in refused.body  # the form, as typed
    assert assert_whole(app) == 3
    # The requests were spread over the workers: an in-memory count would have missed some.
    workers = {pid for status, pid in harness.served_by(log)}
    assert len(workers) > 1, log


def test_production_with_several_workers_needs_redis(app, tmp_path):
    db.session.commit()
    env = production_env(app)  # server_env drops any REDIS_URL of the caller
    with harness.gunicorn(env, workers=4, log=tmp_path / "refused.log") as refused:
        assert refused.process.wait(timeout=60) == 1
    assert (
        "Error: refusing to start: TRACKER_ENV=production with 4 workers needs REDIS_URL"
        in refused.log_text()
    )
    # One worker counts for the whole site: it may run without Redis.
    with harness.gunicorn(env, workers=1, log=tmp_path / "single.log") as single:
        page = harness.submit(single.port, "no-such-call", 0)
    assert page.status == 404, single.log_text()
