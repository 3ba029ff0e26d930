"""The application factory and its configuration."""

from pathlib import Path

import pytest

from tracker import TEMPLATE_FOLDER, create_app
from tracker.config import ConfigError


def test_templates_live_at_the_repository_root(app):
    root = Path(__file__).resolve().parent.parent
    assert Path(app.template_folder) == root / "templates" == TEMPLATE_FOLDER
    assert (TEMPLATE_FOLDER / "apply" / "form.html").is_file()


def test_development_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("TRACKER_ENV", "development")
    overrides = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    first = create_app(overrides)
    key_file = Path(first.instance_path) / "secret_key"
    second = create_app(overrides)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) == 64
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("TRACKER_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_production_refuses_a_short_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="at least 32"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_defaults_keep_database_and_uploads_in_the_instance_folder(monkeypatch):
    for name in ("DATABASE_URL", "STORAGE_ROOT", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"SECRET_KEY": "x" * 40})
    instance = Path(app.instance_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'tracker.db'}"
    assert app.config["STORAGE_ROOT"] == str(instance / "uploads")
    assert app.config["MAX_FILE_SIZE"] == 10 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] == 31 * 1024 * 1024


def test_sqlite_runs_with_wal_normal_sync_foreign_keys_and_secure_delete(app):
    from sqlalchemy import text

    from tracker.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        # NORMAL (1): in WAL mode commits are flushed at checkpoints, not each one.
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_production_refuses_to_start_without_a_public_base_url(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k3y-drawn-at-random-0123456789-qwertyuiop")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
