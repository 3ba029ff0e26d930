"""Configuration read from environment variables, with safe development defaults."""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

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


def _retention_settings() -> dict:
    """Return RETENTION_DAYS (days kept after a final status, per status, JSON such as
    '{"rejected": 183}'; a status not listed is kept; `privacy purge` erases) and
    RETENTION_DAYS_AT_RISK (the most days for a rejected or withdrawn applicant at risk)."""
    value = os.environ.get("RETENTION_DAYS")
    policy = json.loads(value) if value else {"rejected": 183, "withdrawn": 183}
    if not isinstance(policy, dict) or not all(
        isinstance(days, int) and days >= 0 for days in policy.values()
    ):
        raise ConfigError('RETENTION_DAYS must be a JSON object such as {"rejected": 183}')
    at_risk = os.environ.get("RETENTION_DAYS_AT_RISK", "30").strip()
    if not re.fullmatch("[0-9]+", at_risk):
        raise ConfigError("RETENTION_DAYS_AT_RISK must be a whole number of days, 0 or more")
    return {"RETENTION_DAYS": policy, "RETENTION_DAYS_AT_RISK": int(at_risk)}


# Marks the development defaults of the privacy notice's controller details; production
# refuses a value that carries it, as it refuses a placeholder key.
SAMPLE_MARK = "(sample value)"


def _privacy_settings(env: str) -> dict:
    """Return the privacy notice's controller details (GDPR Art. 13) and retention periods.

    On a developer's machine they are sample values marked as such; in production they have
    no default, and :func:`check_production` refuses to start without them unless
    PRIVACY_NOTICE_FILE replaces the built-in notice.
    """

    def sample(value: str) -> str | None:
        return None if env == "production" else f"{value} {SAMPLE_MARK}"

    settings = {
        "PRIVACY_CONTROLLER_NAME": os.environ.get(
            "PRIVACY_CONTROLLER_NAME", sample("Caucasus Watch gGmbH")
        ),
        "PRIVACY_CONTROLLER_ADDRESS": os.environ.get(
            "PRIVACY_CONTROLLER_ADDRESS", sample("Musterstraße 1, 10115 Berlin, Germany")
        ),
        "PRIVACY_CONTACT_EMAIL": os.environ.get(
            "PRIVACY_CONTACT_EMAIL", None if env == "production" else "privacy@example.org"
        ),
        # Optional: the data-protection officer's name and address, as one line.
        "PRIVACY_DPO_CONTACT": os.environ.get("PRIVACY_DPO_CONTACT") or None,
        # Optional: the authority applicants may complain to, and its web address.
        "PRIVACY_SUPERVISORY_AUTHORITY": os.environ.get(
            "PRIVACY_SUPERVISORY_AUTHORITY",
            sample("Berlin Commissioner for Data Protection and Freedom of Information"),
        ),
        "PRIVACY_SUPERVISORY_AUTHORITY_URL": os.environ.get(
            "PRIVACY_SUPERVISORY_AUTHORITY_URL",
            None if env == "production" else "https://www.datenschutz-berlin.de/",
        ),
        # Optional: who hosts the server and delivers the email on the controller's behalf
        # (processors, Art. 28), and where; the notice names them.
        "PRIVACY_PROCESSORS": os.environ.get("PRIVACY_PROCESSORS") or None,
        # How long the operator keeps the server's logs (which hold client addresses): the
        # notice states it, and journald or logrotate must be set to match.
        "LOG_RETENTION_DAYS": _env_int("LOG_RETENTION_DAYS", 14),
    }
    url = settings["PRIVACY_SUPERVISORY_AUTHORITY_URL"]
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError("PRIVACY_SUPERVISORY_AUTHORITY_URL must be an http(s) address")
    return settings | _retention_settings()


def load_config(instance_path: str) -> dict:
    """Return the configuration for an app whose instance folder is *instance_path*.

    Every key can be set by an environment variable of the same name. Defaults suit a
    developer's machine: SQLite and uploads inside the instance folder, emails printed to
    the console.
    """
    instance = Path(instance_path)
    env = os.environ.get("TRACKER_ENV", "development")
    secure_cookie = _env_bool("SESSION_COOKIE_SECURE", env == "production")
    file_limit = _env_int("MAX_FILE_SIZE", 10 * MB)
    return {
        "ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'tracker.db'}"
        ),
        "SQLITE_BUSY_TIMEOUT_MS": _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000),
        # A database error's text would otherwise quote the values of the failed statement
        # (names, addresses, cover letters) into the log and the traceback.
        # No pool_pre_ping: on PostgreSQL a pooled connection that a restart killed is
        # noticed at checkout without a round trip (postgresql.replace_closed_connections);
        # an SQLite file has no server that could close it.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "STORAGE_ROOT": os.environ.get("STORAGE_ROOT", str(instance / "uploads")),
        # Unset: documents live under STORAGE_ROOT. s3://bucket/prefix: in an S3-compatible
        # bucket (endpoint and credentials from the AWS_* variables; see storage/s3.py), and
        # STORAGE_ROOT only holds uploads while they are checked.
        "STORAGE_URL": os.environ.get("STORAGE_URL") or None,
        # Encryption at rest (documents/storage/sealing.py): a 32-byte key, or a file holding it.
        "STORAGE_KEY": os.environ.get("STORAGE_KEY") or None,
        "STORAGE_KEY_FILE": os.environ.get("STORAGE_KEY_FILE") or None,
        # Uploads: one limit per file, and one for the whole request (three files + text).
        # Flask (3.1+) hands the three MAX_* request limits below to Werkzeug, which answers
        # 413 as soon as a request goes over one, before a view sees any of it.
        "MAX_FILE_SIZE": file_limit,
        # The whole body in bytes (Content-Length, or counted while streaming): three files
        # at MAX_FILE_SIZE plus room for the text fields and the multipart framing.
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 3 * file_limit + 1 * MB),
        # Bytes of one non-file field, held in memory (files stream to temporary files).
        # Text fields are small; anything larger in memory is an attack, not an application.
        "MAX_FORM_MEMORY_SIZE": _env_int("MAX_FORM_MEMORY_SIZE", 1 * MB),
        # Fields plus files in one form. The application form has about 30; thousands of
        # tiny parts would cost parsing time and temporary files for nothing.
        "MAX_FORM_PARTS": _env_int("MAX_FORM_PARTS", 100),
        # Archives (DOCX, ODT) are judged from their directory before anything is inflated.
        "ZIP_MAX_ENTRIES": _env_int("ZIP_MAX_ENTRIES", 1000),
        "ZIP_MAX_UNCOMPRESSED": _env_int("ZIP_MAX_UNCOMPRESSED", 100 * MB),
        "ZIP_MAX_RATIO": _env_int("ZIP_MAX_RATIO", 100),
        # Importing experts (tracker.experts.importing): the largest file and the most rows
        # read (a larger list is split), where an upload waits between the dry run and
        # the import, and for how many minutes.
        "IMPORT_MAX_BYTES": _env_int("IMPORT_MAX_BYTES", 16 * MB),
        "IMPORT_MAX_ROWS": _env_int("IMPORT_MAX_ROWS", 5000),
        "IMPORT_STAGING_DIR": os.environ.get("IMPORT_STAGING_DIR", str(instance / "imports")),
        "IMPORT_STAGE_MAX_AGE_MINUTES": _env_int("IMPORT_STAGE_MAX_AGE_MINUTES", 60),
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
        # The name in From ("Caucasus Watch <experts@…>"). Unset: the name written in
        # MAIL_DEFAULT_SENDER, else SITE_NAME; set but empty: the bare address.
        "MAIL_SENDER_NAME": os.environ.get("MAIL_SENDER_NAME"),
        "MAIL_REPLY_TO": os.environ.get("MAIL_REPLY_TO"),
        "MAIL_TIMEOUT": _env_int("MAIL_TIMEOUT", 10),
        "MAIL_MAX_ATTEMPTS": _env_int("MAIL_MAX_ATTEMPTS", 8),
        "MAIL_RETRY_BASE_SECONDS": _env_int("MAIL_RETRY_BASE_SECONDS", 60),
        "MAIL_STALE_SENDING_SECONDS": _env_int("MAIL_STALE_SENDING_SECONDS", 600),
        # Applicants' replies (tracker.replies): the desk's mailbox, imaps://user:password@
        # host:993/INBOX (or imap:// with STARTTLS, required); unset: nothing is fetched.
        # The server's certificate is verified against the system's CAs, or this file.
        "MAIL_IMAP_URL": os.environ.get("MAIL_IMAP_URL"),
        "MAIL_IMAP_CA_FILE": os.environ.get("MAIL_IMAP_CA_FILE"),
        # The most messages one pass of the fetcher reads (a full batch queues the next).
        "REPLY_BATCH": _env_int("REPLY_BATCH", 50),
        # Machine-translated previews (tracker.translation): a LibreTranslate-compatible
        # service. Unset: nothing is ever sent, whatever the admin switch says. Only the
        # environment sets the address, never a web page, so nobody signed in can point
        # applicants' texts at a server of their own. https, or http to this machine only,
        # unless TRANSLATION_ALLOW_HTTP admits a plain-text network between the two.
        "TRANSLATION_URL": os.environ.get("TRANSLATION_URL", "").strip() or None,
        "TRANSLATION_API_KEY": os.environ.get("TRANSLATION_API_KEY") or None,
        "TRANSLATION_TIMEOUT": _env_int("TRANSLATION_TIMEOUT", 10),
        "TRANSLATION_ALLOW_HTTP": _env_bool("TRANSLATION_ALLOW_HTTP", False),
        # Webhooks: one delivery's time limit; development only: http:// and private addresses.
        "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS") or 10),
        "WEBHOOK_ALLOW_PRIVATE": _env_bool("WEBHOOK_ALLOW_PRIVATE", False),
        # Background jobs other than emails (text extraction, purges): attempts, the first
        # retry's wait (doubled per failure, at most 6 h), and when a claim is stale.
        "JOB_MAX_ATTEMPTS": _env_int("JOB_MAX_ATTEMPTS", 5),
        "JOB_RETRY_BASE_SECONDS": _env_int("JOB_RETRY_BASE_SECONDS", 60),
        "JOB_STALE_SECONDS": _env_int("JOB_STALE_SECONDS", 600),
        # Jobs that finished successfully are deleted by the daily purge after this many days.
        "JOB_KEEP_DONE_DAYS": _env_int("JOB_KEEP_DONE_DAYS", 30),
        # The hour (0-23, in the app's time zone, BABEL_DEFAULT_TIMEZONE) from which each
        # person's daily digest of notifications is sent (tracker.notifications.digest).
        "DIGEST_HOUR": _env_int("DIGEST_HOUR", 7),
        # A copy of every email for the newsroom's archive: SMTP envelope recipients only,
        # never a header, so applicants do not see it. Comma-separated; empty for none.
        "MAIL_ARCHIVE_BCC": os.environ.get("MAIL_ARCHIVE_BCC", ""),
        # The site's public address (https://experts.example.org): links in emails are built
        # from it, never from a request's Host header, which a client can forge. Unset (a
        # developer's machine only), SERVER_NAME or localhost is used.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL"),
        # An applicant's link to confirm their own erasure works this many hours.
        "ERASURE_LINK_MAX_AGE_HOURS": _env_int("ERASURE_LINK_MAX_AGE_HOURS", 72),
        # Applicants' status links (/status/<token>) stop working after this many days, or
        # as soon as a new link is asked for.
        "STATUS_LINK_MAX_AGE_DAYS": _env_int("STATUS_LINK_MAX_AGE_DAYS", 365),
        # Asking for a new status link (POST /status/reissue), per client address.
        "STATUS_REISSUE_LIMIT_PER_IP": os.environ.get(
            "STATUS_REISSUE_LIMIT_PER_IP", "5 per hour;20 per day"
        ),
        # The thanks page (GET /apply/<slug>/thanks/<reference>), per client address: it
        # answers 200 or 404, so without a limit it would let anyone test references.
        "THANKS_LIMIT_PER_IP": os.environ.get("THANKS_LIMIT_PER_IP", "30 per hour"),
        "BABEL_DEFAULT_LOCALE": "de",
        # Where the rate limits count. In memory, each process counts alone: gunicorn's
        # workers would multiply every limit, so production with several workers refuses to
        # start without REDIS_URL (gunicorn.conf.py), and with it all workers share one count.
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL", "memory://"),
        # Names this site's counters in a Redis that other sites (or test runs) share.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "tracker"),
        # Off: Flask-Limiter would read each limit's window from Redis on every response of
        # a limited route for its X-RateLimit-* headers. A refusal (429) gets its
        # Retry-After from tracker.web.errors.tell_when_to_retry instead.
        "RATELIMIT_HEADERS_ENABLED": False,
        # The public form (POST only): every attempt per client address, and the stored
        # applications per applicant address, so that nobody can use us to flood someone's
        # inbox with acknowledgements from many IPs while an applicant who corrects mistakes
        # from a shared office or mobile address is not locked out.
        "APPLY_LIMIT_PER_IP": os.environ.get("APPLY_LIMIT_PER_IP", "20 per hour"),
        "APPLY_LIMIT_PER_EMAIL": os.environ.get("APPLY_LIMIT_PER_EMAIL", "5 per day"),
        # The JSON API, per token (per address for requests without one).
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120 per minute;3000 per hour"),
        # How many reverse proxies in front of the app set X-Forwarded-For / -Proto. 0 (not
        # behind a proxy) trusts neither header: a forged one could dodge every rate limit.
        "PROXY_FIX_X_FOR": _env_int("PROXY_FIX_X_FOR", 0),
        "PROXY_FIX_X_PROTO": _env_int("PROXY_FIX_X_PROTO", 0),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        # Staff sign-in: failed attempts per client address and per account, reset requests,
        # and how long a reset link works.
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 15 minutes"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "RESET_LIMIT_PER_IP": os.environ.get("RESET_LIMIT_PER_IP", "5 per 15 minutes"),
        "PASSWORD_RESET_MAX_AGE": _env_int("PASSWORD_RESET_MAX_AGE", 3600),
        "INVITATION_MAX_AGE_HOURS": _env_int("INVITATION_MAX_AGE_HOURS", 72),
        # Admins must sign in with a second factor (TOTP): one without it is sent to the
        # enrolment page and reaches no other staff page. Editors may enrol if they wish.
        "REQUIRE_2FA_FOR_ADMINS": _env_bool("REQUIRE_2FA_FOR_ADMINS", env == "production"),
        # A staff session ends after this long without a request, and this long after
        # sign-in whatever the activity (keep SESSION_LIFETIME_HOURS at least as long).
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 60),
        "SESSION_ABSOLUTE_HOURS": _env_int("SESSION_ABSOLUTE_HOURS", 12),
        # Text extracted from one document for preview and search, and the whole searchable
        # text of one application (PostgreSQL refuses a tsvector over 1 MiB).
        "EXTRACTED_TEXT_MAX_CHARS": _env_int("EXTRACTED_TEXT_MAX_CHARS", 200_000),
        "SEARCH_BODY_MAX_BYTES": _env_int("SEARCH_BODY_MAX_BYTES", 500_000),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookie,
        # In production the __Host- prefix makes browsers accept the cookie only if it is
        # Secure, has Path=/ and no Domain: a sibling subdomain (or a man in the middle on
        # plain HTTP) cannot plant a session cookie on us. Without Secure the browser would
        # drop a __Host- cookie, so an HTTP-only setup keeps the plain name.
        "SESSION_COOKIE_NAME": (
            "__Host-session" if env == "production" and secure_cookie else "session"
        ),
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_LIFETIME_HOURS", 12)),
    } | _privacy_settings(env)


# S3's rules for bucket names: 3–63 lowercase letters, digits, dots and hyphens.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_PREFIX_PART = re.compile(r"[A-Za-z0-9._-]+")


class StorageLocation(NamedTuple):
    """Where the S3 backend keeps objects: a bucket and a key prefix (may be empty)."""

    bucket: str
    prefix: str


def storage_location(url: str | None) -> StorageLocation | None:
    """Return the bucket and prefix of a ``STORAGE_URL``, or None when it is unset.

    :raises ConfigError: for anything but ``s3://bucket`` or ``s3://bucket/prefix/parts``.
    """
    if not url:
        return None
    parts = urlsplit(url)
    problem = (
        parts.scheme != "s3"
        or not _BUCKET.fullmatch(parts.netloc or "")
        or ".." in parts.netloc
        or parts.query
        or parts.fragment
    )
    segments = [segment for segment in parts.path.split("/") if segment]
    if problem or any(
        not _PREFIX_PART.fullmatch(segment) or segment in {".", ".."} for segment in segments
    ):
        raise ConfigError(
            "STORAGE_URL must look like s3://bucket or s3://bucket/prefix "
            "(a lowercase bucket name; letters, digits, dots, hyphens and underscores)"
        )
    return StorageLocation(parts.netloc, "/".join(segments))


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
    """Refuse to run in production with a missing or weak secret key, in debug mode,
    without a public address, or without the privacy notice's controller details."""
    if config["ENV"] != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if len(key) < 32:
        raise ConfigError("SECRET_KEY must be set to at least 32 random characters in production")
    if _looks_like_a_placeholder(key):
        raise ConfigError(
            "SECRET_KEY looks like a placeholder, not a random value: generate one with "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if config.get("DEBUG"):
        raise ConfigError("debug mode must be off in production")
    base_url = config.get("PUBLIC_BASE_URL")
    if not base_url:
        # Links in emails (password reset, invitations, status pages) must name the real
        # site; without it there would be nothing safe to build them from.
        raise ConfigError(
            "PUBLIC_BASE_URL must be set in production, e.g. https://experts.example.org"
        )
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            "PUBLIC_BASE_URL must be an http(s) address such as https://experts.example.org"
        )
    _check_privacy_controller(config)


# What the built-in privacy notice cannot do without (GDPR Art. 13(1)(a)).
PRIVACY_REQUIRED = (
    "PRIVACY_CONTROLLER_NAME",
    "PRIVACY_CONTROLLER_ADDRESS",
    "PRIVACY_CONTACT_EMAIL",
)


def _check_privacy_controller(config: dict) -> None:
    """Refuse the built-in privacy notice without the real controller's name and contact."""
    if config.get("PRIVACY_NOTICE_FILE"):
        return  # the site's own notice names the controller
    for name in PRIVACY_REQUIRED + ("PRIVACY_SUPERVISORY_AUTHORITY",):
        value = config.get(name) or ""
        if SAMPLE_MARK in value:
            raise ConfigError(f"{name} is still the sample value; set the real one in production")
    missing = [name for name in PRIVACY_REQUIRED if not (config.get(name) or "").strip()]
    if missing:
        raise ConfigError(
            f"{', '.join(missing)} must be set in production: the privacy notice names the "
            "controller and how to reach them (or set PRIVACY_NOTICE_FILE to your own notice)"
        )


# How values pasted from examples and tutorials begin, where a key should have been drawn.
_PLACEHOLDER_STARTS = ("changeme", "change-me", "change_me", "replace", "your", "secret", "example")


def _looks_like_a_placeholder(key: str) -> bool:
    """Tell whether *key* is a few characters repeated or begins like a placeholder."""
    # A random key of 32+ characters has far more than 8 distinct ones.
    return len(set(key)) < 8 or key.lower().startswith(_PLACEHOLDER_STARTS)
