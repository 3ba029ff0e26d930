"""Migration 0015 lets the users table hold guests without recreating it."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tracker.extensions import db
from tracker.migrating import attach_migrations

pytestmark = pytest.mark.changes_schema

INSERT_USER = text(
    "INSERT INTO users (email, name, role, active, password_hash, session_version, "
    "password_change_required, created_at) VALUES (:email, 'X', :role, TRUE, 'x', 1, FALSE, "
    "'2026-01-01 00:00:00')"
)


def _empty():
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_0015_keeps_the_teams_rows_and_admits_guests(app):
    attach_migrations(app)
    _empty()
    upgrade(revision="0013")
    with db.engine.begin() as connection:
        connection.execute(INSERT_USER, {"email": "ana@example.org", "role": "editor"})
    upgrade()
    with db.engine.begin() as connection:
        connection.execute(INSERT_USER, {"email": "guest@example.org", "role": "guest"})
        roles = connection.execute(text("SELECT email, role FROM users ORDER BY id")).all()
    assert [tuple(row) for row in roles] == [
        ("ana@example.org", "editor"),
        ("guest@example.org", "guest"),
    ]
    with pytest.raises(SystemExit):  # Flask-Migrate exits on the RuntimeError
        downgrade(revision="0013")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM users")).scalar() == 2
    _empty()
