"""A scratch database of N seeded applications, reused while it is complete.

SQLite by default: the database and the stored files under /tmp/tracker-bench/n<N>, marked
complete by a file ``seeded``. With DATABASE_URL=postgresql+psycopg://…/<name> the rows go
to PostgreSQL instead: database ``<name>`` with a trailing ``_<number>`` replaced by ``_<N>``
(tracker_bench_100000 for N = 100,000, tracker_bench_10000 for 10,000), created through the
``postgres`` maintenance database when missing and marked complete by a table
``bench_seeded``; its files go to /tmp/tracker-bench/<name>.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from tracker import create_app
from tracker.extensions import db

ROOT = Path(os.environ.get("BENCH_ROOT", "/tmp/tracker-bench"))  # noqa: S108 - scratch data
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
EDITOR_EMAIL = "bench-editor@example.org"
# PostgreSQL's answers that mean "never seeded": no such database, no such table.
_NOT_SEEDED = {"3D000", "42P01"}


def postgresql_url(n: int) -> str | None:
    """Return the PostgreSQL URL of the scratch database of *n*, or None for SQLite."""
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        return None
    parsed = make_url(url)
    name = re.sub(r"_\d+$", "", parsed.database or "tracker_bench")
    return parsed.set(database=f"{name}_{n}").render_as_string(hide_password=False)


def database_kind() -> str:
    """Return the name of the database the bench runs on, for its table's title."""
    return "PostgreSQL" if postgresql_url(0) else "SQLite"


def scratch_dir(n: int) -> Path:
    """Return the folder holding the SQLite database (if used) and storage for *n*."""
    url = postgresql_url(n)
    return ROOT / make_url(url).database if url else ROOT / f"n{n}"


def scratch_config(n: int) -> dict:
    """Return app overrides for the scratch database of *n* applications."""
    folder = scratch_dir(n)
    return {
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": postgresql_url(n) or f"sqlite:///{folder / 'tracker.db'}",
        "STORAGE_ROOT": str(folder / "uploads"),
        "FORM_MIN_FILL_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": None,
        "LOG_LEVEL": "WARNING",
    }


def ensure_seeded(n: int) -> Path:
    """Seed *n* applications into the scratch database unless a finished one exists."""
    folder = scratch_dir(n)
    if _is_complete(n):
        print(f"reusing {_where(n)} ({n} applications)", file=sys.stderr)
        # A database seeded before a new migration is brought up to date, not thrown away.
        app = create_app(scratch_config(n))
        with app.app_context():
            _set_up_as_make_run(app)
            db.engine.dispose()
        return folder
    # Nothing, or a run interrupted while seeding: start again rather than measure half.
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if url := postgresql_url(n):
        _recreate_database(url)
    _seed(n)
    _mark_complete(n)
    return folder


def _where(n: int) -> str:
    url = postgresql_url(n)
    return make_url(url).render_as_string(hide_password=True) if url else str(scratch_dir(n))


def _is_complete(n: int) -> bool:
    url = postgresql_url(n)
    if url is None:
        return (scratch_dir(n) / "seeded").exists()
    if not (scratch_dir(n) / "uploads").is_dir():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT n FROM bench_seeded")) == n
    except DBAPIError as error:
        # No database, or no marker table: not complete. Any other error (the server is
        # restarting or refuses connections) is raised: taking it for "not complete" would
        # drop the seeded database and seed it again.
        if getattr(error.orig, "sqlstate", None) in _NOT_SEEDED:
            return False
        raise
    finally:
        engine.dispose()


def working_copy(n: int, folder: Path) -> str:
    """Return the URL of a fresh copy of the seeded database of *n*, for runs that write.

    SQLite: a backup into *folder*; PostgreSQL: a database created from the seeded one as
    its template. Either way the reusable database does not grow.
    """
    url = postgresql_url(n)
    if url is None:
        source = sqlite3.connect(scratch_dir(n) / "tracker.db")
        target = sqlite3.connect(folder / "tracker.db")
        source.backup(target)
        source.close()
        target.close()
        # Written to disk now, not by the kernel's writeback during the run that follows.
        os.sync()
        return f"sqlite:///{folder / 'tracker.db'}"
    copy = make_url(url).set(database=f"{make_url(url).database}_work")
    _recreate_database(copy.render_as_string(hide_password=False), template=make_url(url).database)
    return copy.render_as_string(hide_password=False)


def _recreate_database(url: str, *, template: str | None = None) -> None:
    name = make_url(url).database
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if template:
            # A template must have no other connections while it is copied.
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ),
                {"name": template},
            )
        copy_from = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{copy_from}'))
        if template:
            # The copy is written through the WAL: flush it now, or the checkpoint that
            # writes it out falls into the run that follows and is timed with it.
            connection.execute(text("CHECKPOINT"))
    server.dispose()


def _mark_complete(n: int) -> None:
    url = postgresql_url(n)
    if url is None:
        (scratch_dir(n) / "seeded").write_text(str(n))
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_seeded (n integer NOT NULL)"))
        connection.execute(text("INSERT INTO bench_seeded VALUES (:n)"), {"n": n})
    engine.dispose()


def _set_up_as_make_run(app) -> None:
    """Migrate the database and store the email templates, as `make run` does: a submission
    then reads its acknowledgement's text from the database, as in production."""
    from flask_migrate import upgrade

    from tracker.mail.template_store import seed_templates
    from tracker.migrating import attach_migrations

    attach_migrations(app)
    upgrade()
    seed_templates()


def _seed(n: int) -> None:
    app = create_app(scratch_config(n))
    started = time.perf_counter()
    with app.app_context():
        from tracker.accounts.passwords import hash_password
        from tracker.demo.seed import seed_demo
        from tracker.models import User

        _set_up_as_make_run(app)
        written = 0

        def progress(count: int) -> None:
            nonlocal written
            written += count
            if written % 10_000 == 0 or written == n:
                elapsed = time.perf_counter() - started
                print(f"  seeded {written}/{n} in {elapsed:.0f} s", file=sys.stderr)

        seed_demo(n, seed=42, progress=progress)
        db.session.add(
            User(
                email=EDITOR_EMAIL,
                name="Bench Editor",
                role="editor",
                password_hash=hash_password("bench password 123"),
            )
        )
        db.session.commit()
        db.engine.dispose()
    settle_statistics(scratch_config(n)["SQLALCHEMY_DATABASE_URI"])
    print(f"seeded {n} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def settle_statistics(url: str) -> None:
    """Leave the database at *url*, just filled in bulk, as a database in use is: its
    planner statistics gathered (ANALYZE), on PostgreSQL also its visibility map set, so
    that counts can use index-only scans (VACUUM, which cannot run inside a transaction).

    Autovacuum does both a while after rows change; a bench that ran before it would time
    plans made for empty tables (the sample-language filter's SQL: 24.7 ms against 4.1 at
    100,000 on PostgreSQL).
    """
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    engine.dispose()


if __name__ == "__main__":
    ensure_seeded(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
