"""Shared fixtures: an isolated app per test, its client and CLI runner, and guards."""

from __future__ import annotations

import functools
import os
import re
import socket

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from werkzeug.security import generate_password_hash

from tests.apps import APP_ENGINES, EmptyDatabases, build_app
from tests.storage_backends import BACKENDS, s3_url
from tracker.extensions import db

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def _engines_disposed():
    """Every engine the test's apps made is disposed when it ends (see tests/apps.py)."""
    yield
    APP_ENGINES.dispose_made()


@pytest.fixture(autouse=True)
def _no_network_beyond_loopback(monkeypatch):
    """Fail any test that would reach a real mail host (or anything else off this machine)."""
    real_create_connection = socket.create_connection

    def guarded(address, *args, **kwargs):
        host = address[0]
        if host not in LOOPBACK:
            raise AssertionError(f"test tried to connect to {host!r}")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


@pytest.fixture(scope="session")
def postgresql_url() -> str | None:
    """The PostgreSQL database of this test process, or None to use SQLite.

    Under pytest-xdist every worker gets a fresh database of its own, named after the one
    in TEST_DATABASE_URL (tracker_ci_gw0, tracker_ci_gw1 …), since each test empties and
    rebuilds the schema.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    own = make_url(url).set(database=f"{make_url(url).database}_{worker}")
    server = create_engine(own.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}"'))
        connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    server.dispose()
    return own.render_as_string(hide_password=False)


@pytest.fixture
def app_config(tmp_path, postgresql_url) -> dict:
    """Overrides for the test app; tests may change them before `app` is built."""
    url = postgresql_url or f"sqlite:///{tmp_path / 'test.db'}"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": url,
        "STORAGE_ROOT": str(tmp_path / "uploads"),
        "IMPORT_STAGING_DIR": str(tmp_path / "imports"),
        "FORM_MIN_FILL_SECONDS": 0,
        "MAIL_SERVER": None,
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture(scope="session")
def s3_bucket():
    """A bucket of this test process on moto's S3 server, started on loopback once."""
    from tests.storage_backends import start_s3_server

    server, bucket = start_s3_server()
    yield bucket
    server.stop()


@pytest.fixture(params=BACKENDS)
def storage(request, app_config) -> str:
    """Run the test once per storage backend: the filesystem, and S3 (moto on loopback).

    Requested by a test, it is set up before `app`, whose STORAGE_URL it chooses.
    """
    if request.param == "s3":
        app_config["STORAGE_URL"] = s3_url(request.getfixturevalue("s3_bucket"))
    return request.param


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> EmptyDatabases:
    """Empty databases with the schema for this process's tests."""
    return EmptyDatabases(tmp_path_factory.mktemp("schema") / "schema.db")


@pytest.fixture
def app(app_config, request, databases):
    """An app with an empty database of its own."""
    if "storage" in request.fixturenames:
        request.getfixturevalue("storage")
    app = build_app(app_config)
    app.test_client_class = RequestClient
    url = app_config["SQLALCHEMY_DATABASE_URI"]
    keeps_schema = "changes_schema" not in request.keywords
    with app.app_context():
        databases.empty(url, keeps_schema=keeps_schema)
        yield app
        db.session.remove()
        databases.after_test(url, keeps_schema=keeps_schema)
        db.engine.dispose()


class RequestClient(FlaskClient):
    """A test client whose requests run like real ones, each in an app context of its own.

    The `app` fixture keeps an app context open so that tests can use `db.session`; without
    this, every request would share that context's `g`, locale and session with the test.
    The test's own transaction is ended first, so the request sees what the test committed
    and the test's next query sees what the request wrote.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def call(app):
    """The default call, as `make run` seeds it."""
    from tracker.calls import seed_default_call

    call, _ = seed_default_call()
    db.session.commit()
    return call


def hidden_fields(html: str) -> dict[str, str]:
    """Return the hidden inputs of a page (CSRF token, form ticket) by name."""
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


@pytest.fixture
def make_application(call):
    """Create applications directly in the database (no files, no emails)."""
    from tests.stored import new_application

    def make(**fields):
        """Create an application; see ``new_application`` for the shorthands."""
        application = new_application(call, **fields)
        db.session.add(application)
        db.session.commit()
        return application

    return make


@pytest.fixture
def make_user(app):
    """Create staff accounts with a known password ("correct horse battery")."""
    from tracker.models import User

    def make(email: str = "editor@example.org", role: str = "editor", **overrides) -> User:
        user = User(
            email=email,
            name=overrides.pop("name", email.split("@")[0].title()),
            role=role,
            password_hash=password_hash(),
            **overrides,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


PASSWORD = "correct horse battery"


@functools.cache
def password_hash() -> str:
    """PASSWORD hashed as the app hashes it, once per process: most tests make users, and a
    hash takes 70 ms (scrypt)."""
    return generate_password_hash(PASSWORD)


def login_as(client, user) -> None:
    """Sign *user* in on *client* without the login form (the auth tests cover the form)."""
    import time

    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session["session_version"] = user.session_version
        session["login_at"] = session["seen_at"] = time.time()
        # Staff tests read English: flashed messages are translated when they are flashed,
        # so a page asked for with ?lang=en would still show a German flash otherwise.
        session["lang"] = "en"


@pytest.fixture
def editor_client(app, make_user):
    """A client signed in as an editor (the user is `editor_client.user`)."""
    client = app.test_client()
    client.user = make_user("editor@example.org", "editor", name="Ana Editor")
    login_as(client, client.user)
    return client


@pytest.fixture
def admin_client(app, make_user):
    """A client signed in as an admin (the user is `admin_client.user`)."""
    client = app.test_client()
    client.user = make_user("admin@example.org", "admin", name="Ada Admin")
    login_as(client, client.user)
    return client


@pytest.fixture(scope="session")
def dovecot_server():
    """A real Dovecot (Debian's packages) on loopback for the reply fetcher; .ci/run
    installs it. Started once per test process; tests/dovecot.py says how."""
    from tests import dovecot

    if not os.path.exists(dovecot.DOVECOT):
        pytest.skip("no dovecot binary (apt-get install dovecot-imapd dovecot-lmtpd)")
    server = dovecot.start()
    yield server
    dovecot.stop(server)


@pytest.fixture
def desk_mailbox(dovecot_server, app_config):
    """The desk's mailbox, emptied, with the app pointed at it (before `app` is built)."""
    from tests import dovecot

    dovecot_server.empty()
    app_config.update(
        MAIL_IMAP_URL=dovecot_server.imap_url(),
        MAIL_IMAP_CA_FILE=str(dovecot_server.ca_file),
        DESK_EMAIL=f"{dovecot.USER}@{dovecot.DOMAIN}",
    )
    return dovecot_server
