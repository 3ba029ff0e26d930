"""Configuration read from environment variables, with safe development defaults."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

MB = 1024 * 1024


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe to start with."""


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str) -> dict:
    """Return the configuration for an app whose instance folder is *instance_path*.

    Every key can be set by an environment variable of the same name. Defaults suit a
    developer's machine: SQLite and uploads inside the instance folder, emails printed to
    the console.
    """
    instance = Path(instance_path)
    env = os.environ.get("TRACKER_ENV", "development")
    file_limit = _env_int("MAX_FILE_SIZE", 10 * MB)
    return {
        "ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'tracker.db'}"
        ),
        "SQLITE_BUSY_TIMEOUT_MS": _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000),
        "STORAGE_ROOT": os.environ.get("STORAGE_ROOT", str(instance / "uploads")),
        # Uploads: one limit per file, and one for the whole request (three files + text).
        "MAX_FILE_SIZE": file_limit,
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 3 * file_limit + 1 * MB),
        # Text fields are small; anything larger in memory is an attack, not an application.
        "MAX_FORM_MEMORY_SIZE": _env_int("MAX_FORM_MEMORY_SIZE", 1 * MB),
        "MAX_FORM_PARTS": _env_int("MAX_FORM_PARTS", 100),
        # Archives (DOCX, ODT) are judged from their directory before anything is inflated.
        "ZIP_MAX_ENTRIES": _env_int("ZIP_MAX_ENTRIES", 1000),
        "ZIP_MAX_UNCOMPRESSED": _env_int("ZIP_MAX_UNCOMPRESSED", 100 * MB),
        "ZIP_MAX_RATIO": _env_int("ZIP_MAX_RATIO", 100),
        # A slow upload from a phone must not outlive its CSRF token.
        "WTF_CSRF_TIME_LIMIT": _env_int("WTF_CSRF_TIME_LIMIT", 4 * 3600),
        "FORM_MIN_FILL_SECONDS": _env_int("FORM_MIN_FILL_SECONDS", 4),
        "SITE_NAME": os.environ.get("SITE_NAME", "Caucasus Watch"),
        "REFERENCE_PREFIX": os.environ.get("REFERENCE_PREFIX", "CW"),
        "PRIVACY_NOTICE_VERSION": os.environ.get("PRIVACY_NOTICE_VERSION", "2026-11"),
        "PRIVACY_NOTICE_FILE": os.environ.get("PRIVACY_NOTICE_FILE"),
        "DESK_EMAIL": os.environ.get("DESK_EMAIL", "experts@example.org"),
        # Mail: with no MAIL_SERVER the worker prints each email to the console.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "experts@example.org"),
        "MAIL_REPLY_TO": os.environ.get("MAIL_REPLY_TO"),
        "MAIL_TIMEOUT": _env_int("MAIL_TIMEOUT", 10),
        "MAIL_MAX_ATTEMPTS": _env_int("MAIL_MAX_ATTEMPTS", 8),
        "MAIL_RETRY_BASE_SECONDS": _env_int("MAIL_RETRY_BASE_SECONDS", 60),
        "MAIL_STALE_SENDING_SECONDS": _env_int("MAIL_STALE_SENDING_SECONDS", 600),
        "BABEL_DEFAULT_LOCALE": "de",
        "LANGUAGES": ["de", "en", "ru"],
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", env == "production"),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_LIFETIME_HOURS", 12)),
    }


def development_secret_key(instance_path: str) -> str:
    """Return a secret key generated once into the instance folder (development only)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def check_production(config: dict) -> None:
    """Refuse to run in production with a missing or weak secret key, or in debug mode."""
    if config["ENV"] != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if len(key) < 32:
        raise ConfigError("SECRET_KEY must be set to at least 32 random characters in production")
    if config.get("DEBUG"):
        raise ConfigError("debug mode must be off in production")
