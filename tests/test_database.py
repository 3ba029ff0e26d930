"""The SQLite database file and its companions are private to the app's user."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import text

from tracker import create_app
from tracker.extensions import db


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_wal_are_readable_by_the_owner_only(tmp_path):
    path = tmp_path / "instance" / "tracker.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "k" * 40})
    with app.app_context():
        db.create_all()
        with db.engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM applications"))
            files = sorted(p.name for p in path.parent.iterdir())
            modes = {p.name: mode(p) for p in path.parent.iterdir()}
        db.engine.dispose()
    assert files == ["tracker.db", "tracker.db-shm", "tracker.db-wal"]
    assert modes == {"tracker.db": 0o600, "tracker.db-shm": 0o600, "tracker.db-wal": 0o600}


def test_an_existing_database_file_keeps_its_mode(tmp_path):
    path = tmp_path / "tracker.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "k" * 40})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    assert mode(path) == 0o640


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_creates_no_file(tmp_path, monkeypatch, url):
    monkeypatch.chdir(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 40})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "instance") == []


def test_in_bound_list_finds_the_values_bound_at_execution(app, make_application):
    from sqlalchemy import select

    from tracker.database import in_bound_list, on_postgresql
    from tracker.models import Application

    first, _second, third = (make_application(email=f"p{n}@example.org") for n in range(3))
    postgresql = on_postgresql()
    by_id = select(Application.id).where(
        in_bound_list(Application.id, "ids", postgresql=postgresql)
    )
    by_email = select(Application.id).where(
        in_bound_list(Application.email, "emails", postgresql=postgresql)
    )
    assert sorted(db.session.scalars(by_id, {"ids": [third.id, first.id, 10**9]})) == [
        first.id,
        third.id,
    ]
    assert list(db.session.scalars(by_email, {"emails": ["p2@example.org", "x@y.org"]})) == [
        third.id
    ]
    # PostgreSQL gets the list as one array parameter, SQLite one parameter per value.
    sql = str(by_id.compile(db.engine))
    assert ("= ANY" in sql, "IN (" in sql) == (postgresql, not postgresql)
