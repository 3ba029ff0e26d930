"""The suite's own machinery for apps: engines of one kind share a dialect (tests/apps.py)."""

from __future__ import annotations

import sqlite3

from flask_sqlalchemy import SQLAlchemy

from tests.apps import APP_ENGINES, AppEngines
from tracker import create_app
from tracker.extensions import db


def test_engines_share_only_a_dialect_that_has_met_its_database(tmp_path, monkeypatch):
    # An app whose engine never connected (a test of configuration, say) used to lend its
    # blank dialect to every later engine of the process: migrations then failed to
    # reflect a table on SQLite ("'>=' not supported between NoneType and tuple").
    monkeypatch.setattr(SQLAlchemy, "_make_engine", APP_ENGINES.make_engine)
    engines = AppEngines()
    engines.install()  # undone with the monkeypatch above

    def app(name: str):
        return create_app(
            {
                "SECRET_KEY": "a-secret-key-for-this-test-only-0123456789",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.db",
                "STORAGE_ROOT": str(tmp_path / name),
            }
        )

    try:
        app("never-connected")
        connected = app("connected")
        with connected.app_context():
            with db.engine.connect():
                pass
            dialect = db.engine.dialect
        assert dialect.server_version_info == sqlite3.sqlite_version_info
        with app("later").app_context():
            assert db.engine.dialect is dialect
    finally:
        engines.dispose_made()
