"""Bench the pages editors wait for, through the Flask test client, against their raw SQL."""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable

from flask import jsonify
from sqlalchemy import event, make_url, select

from tests.benchmarks.scratch import EDITOR_EMAIL, scratch_config
from tests.benchmarks.timing import Table, percentile, timed_alternately
from tracker import create_app
from tracker.collector import settle_collector
from tracker.extensions import db
from tracker.models import Application, User
from tracker.web.access import staff


def build_app(n: int):
    """Return the bench app, with a bare route serving one application row as JSON."""
    app = create_app(scratch_config(n))

    @staff
    def bare_application(application_id: int):
        application = db.get_or_404(Application, application_id)
        return jsonify(
            {
                column.key: str(getattr(application, column.key))
                for column in Application.__table__.columns
            }
        )

    app.add_url_rule("/bench/applications/<int:application_id>", view_func=bare_application)
    settle_collector()  # as tracker/wsgi.py does once a worker's app is built
    return app


def sign_in(client, user: User) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session["session_version"] = user.session_version
        session["login_at"] = session["seen_at"] = time.time()


def captured_sql(app, client, url: str) -> list[tuple[str, object]]:
    """Return every (statement, parameters) a repeated request for *url* sends to the
    database: the one the bench times (the first view since a change also counts the inbox's
    status tabs, the views after it do not; see tracker/inbox/counts.py)."""
    client.get(url)
    statements: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert response.status_code == 200, (url, response.status_code, response.text[:500])
    return statements


def raw_replay(url: str, statements: list[tuple[str, object]]) -> Callable[[], None]:
    """Return a function that runs *statements* through the driver itself and fetches all:
    the sqlite3 module, or psycopg for PostgreSQL (no SQLAlchemy in between)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        import psycopg

        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = psycopg.connect(dsn, autocommit=True)
    else:
        connection = sqlite3.connect(parsed.database, isolation_level=None)
        connection.execute("PRAGMA foreign_keys=ON")

    def run() -> None:
        for statement, parameters in statements:
            if statement.strip().upper() in {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}:
                continue
            connection.execute(statement, parameters or ()).fetchall()

    return run


# The targets: a page costs at most 10 ms more than its own SQL, run directly.
OVER_RAW_MS = 10
SEARCH_MS = 50
CANDIDATE_MS = 15


def time_against_raw_sql(
    app, client, url: str, name: str, page: str, table: Table, *, limit_ms: float | None = None
) -> float:
    """Time *page* and a raw replay of the SQL it runs into *table*; return its p95.

    Its target is *limit_ms*, or without one the inbox's: the raw SQL's p95 + OVER_RAW_MS.
    """
    statements = captured_sql(app, client, page)
    samples, baseline = timed_alternately(lambda: client.get(page), raw_replay(url, statements))
    p95, base_p95 = percentile(samples, 0.95), percentile(baseline, 0.95)
    if limit_ms is None:
        limit = base_p95 + OVER_RAW_MS
        verdict = (f"p95 <= raw + {OVER_RAW_MS} = {limit:.1f}", p95 <= limit)
    else:
        verdict = (f"p95 <= {limit_ms}", p95 <= limit_ms)
    table.add(
        name,
        statistics.median(samples),
        p95,
        f"raw SQL ({len(statements)} stmts)",
        statistics.median(baseline),
        base_p95,
        *verdict,
    )
    return p95


def middle_application() -> int:
    """Return the id of the application the candidate page is timed with: the middle one."""
    count = db.session.scalar(select(db.func.count(Application.id)))
    return db.session.scalar(select(Application.id).order_by(Application.id).offset(count // 2))


def bench_pages(app, n: int, table: Table) -> dict[str, float]:
    """Time each page against its baseline into *table*; return each page's p95 by name."""
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EDITOR_EMAIL))
        db.session.expunge(user)
        some_id = middle_application()
    sign_in(client, user)
    url = scratch_config(n)["SQLALCHEMY_DATABASE_URI"]
    p95s = {}
    for name, page, target in (
        ("inbox first page", "/review/", "inbox"),
        ("inbox region+status", "/review/?region=georgia&status=new", "inbox"),
        ("inbox deep page 1000", "/review/?page=1000", "inbox"),
        ("search 'Anaklia'", "/review/?q=Anaklia", "search"),
    ):
        p95s[name] = time_against_raw_sql(
            app, client, url, name, page, table, limit_ms=SEARCH_MS if target == "search" else None
        )
    page = f"/review/applications/{some_id}"
    bare = f"/bench/applications/{some_id}"
    assert client.get(page).status_code == 200
    assert client.get(bare).status_code == 200
    samples, baseline = timed_alternately(lambda: client.get(page), lambda: client.get(bare))
    p95s["candidate page"] = p95 = percentile(samples, 0.95)
    table.add(
        "candidate page",
        statistics.median(samples),
        p95,
        "bare route, same row",
        statistics.median(baseline),
        percentile(baseline, 0.95),
        f"p95 <= {CANDIDATE_MS}",
        p95 <= CANDIDATE_MS,
    )
    return p95s
