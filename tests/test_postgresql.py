"""PostgreSQL connections: statements prepared once per connection, reads outside a
transaction (BEGIN before the first write), writes still rolled back when a request does not
commit them."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import func, insert, inspect, make_url, select, text

from tests.applying import application_form, check_page_fields, is_check_page
from tests.stored import new_document
from tracker.calls import call_by_slug
from tracker.database import begin_write, vacuum
from tracker.extensions import db
from tracker.models import Application, Tag
from tracker.search import index_application, matching_application_ids
from tracker.web.access import public


@pytest.fixture
def one_connection(app):
    """The pool emptied: the requests that follow use one connection, one after another."""
    db.session.commit()
    db.engine.dispose()


# Where Debian's PostgreSQL listens on its Unix socket (libpq's default directory there).
SOCKET_DIR = "/var/run/postgresql"


@pytest.fixture
def through_unix_socket(app_config):
    """The test database reached through the server's Unix socket instead of TCP, as an app
    on the same host as its database may reach it (README, Deploying)."""
    url = make_url(app_config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL's Unix socket")
    port = str(url.port or 5432)
    if not Path(SOCKET_DIR, f".s.PGSQL.{port}").exists():
        pytest.skip(f"no PostgreSQL socket in {SOCKET_DIR}")
    socket_url = url.set(host=None, port=None, query={"host": SOCKET_DIR, "port": port})
    app_config["SQLALCHEMY_DATABASE_URI"] = socket_url.render_as_string(hide_password=False)


def prepared_statements() -> list[str]:
    rows = db.session.scalars(text("SELECT statement FROM pg_prepared_statements"))
    return sorted(" ".join(statement.split()[:3]) for statement in rows)


def test_a_page_s_marked_statements_are_prepared_once_per_connection_and_kept(
    app, editor_client, make_application
):
    """The candidate page's statements built once and marked PREPARE stay prepared across
    requests (a request that only reads begins no transaction, so none ends with the
    ROLLBACK at which psycopg forgets them); nothing else is prepared, however often it
    runs."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements on PostgreSQL")
    # A writing sample not measured yet: the page asks whether its job failed.
    application = make_application(documents=[new_document("writing_sample")])
    db.session.commit()
    db.engine.dispose()
    for _ in range(3):
        assert editor_client.get(f"/review/applications/{application.id}").status_code == 200
        assert editor_client.get("/review/").status_code == 200

    # The candidate page's application with its documents (read by the access policy: need
    # to know), its neighbours in the inbox, its answers, its timeline, the person's
    # applications and versions, the tags (with those hidden from an editor), the
    # assignments, the writing sample's latest measuring job; the inbox's rows' lists, my ratings, the addresses' versions, the change
    # counts; the account of every staff request, the tags hidden from an editor, every
    # account (with and without guests), the header's unread notifications.
    assert prepared_statements() == [
        "SELECT 'regions' AS",
        "SELECT (SELECT applications.id",
        "SELECT applications.id, application_languages_1.id",
        "SELECT applications.id, applications.call_id,",
        "SELECT applications.id, applications.call_id,",
        "SELECT assignments.id, assignments.reference,",
        "SELECT change_counts.name, change_counts.value",
        "SELECT count(*) AS",
        "SELECT jobs.status, jobs.last_error",
        "SELECT kinds.kind, status_changes.id,",
        "SELECT ratings.application_id FROM",
        "SELECT relatives.kind, applications.id,",
        "SELECT tags.id, tags.name,",
        "SELECT tags.name FROM",
        "SELECT users.id, users.email,",
        "SELECT users.id, users.email,",
        "SELECT users.id, users.email,",
    ]


def test_a_request_that_wrote_without_committing_is_rolled_back(app, one_connection):
    """A flushed row, or an UPDATE, that the request did not commit is undone as before."""

    def write_and_leave():
        db.session.add(Tag(name="left behind"))
        db.session.flush()
        db.session.execute(text("SELECT count(*) FROM tags")).scalar()
        return "written"

    def update_and_leave():
        db.session.scalar(select(func.count(Tag.id)))
        db.session.execute(text("UPDATE tags SET name = 'changed'"))
        return "updated"

    app.add_url_rule("/test/write", view_func=public(write_and_leave))
    app.add_url_rule("/test/update", view_func=public(update_and_leave))
    db.session.add(Tag(name="kept"))
    db.session.commit()
    client = app.test_client()

    assert client.get("/test/write").text == "written"
    assert client.get("/test/update").text == "updated"
    assert db.session.scalars(select(Tag.name)).all() == ["kept"]


def test_a_transaction_that_only_read_goes_on_as_the_write_transaction(app, one_connection):
    """begin_write on PostgreSQL: after reads only, no COMMIT and BEGIN (the same transaction
    goes on, what was loaded is expired as a commit would); after a write, the write is
    committed first, whatever the write transaction then does."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite always begins the write transaction anew (BEGIN IMMEDIATE)")
    db.session.add(Tag(name="kept"))
    db.session.commit()

    tag = db.session.scalar(select(Tag))
    started = db.session.scalar(text("SELECT transaction_timestamp()"))
    begin_write(prepared=True)
    assert db.session.scalar(text("SELECT transaction_timestamp()")) == started
    assert inspect(tag).expired
    tag.name = "renamed"
    db.session.commit()

    db.session.add(Tag(name="flushed"))
    db.session.flush()
    started = db.session.scalar(text("SELECT transaction_timestamp()"))
    begin_write()
    assert db.session.scalar(text("SELECT transaction_timestamp()")) != started
    db.session.rollback()
    assert sorted(db.session.scalars(select(Tag.name))) == ["flushed", "renamed"]


def test_a_read_that_failed_is_rolled_back_and_the_connection_serves_the_next_request(
    app, one_connection
):
    def fail():
        try:
            db.session.execute(text("SELECT * FROM no_such_table"))
        except Exception:  # noqa: BLE001 - the failed transaction is what this test needs
            return "failed"
        return "answered"

    def ask():
        return str(db.session.scalar(text("SELECT 41 + 1")))

    app.add_url_rule("/test/fail", view_func=public(fail))
    app.add_url_rule("/test/ask", view_func=public(ask))
    client = app.test_client()

    assert [client.get("/test/fail").text, client.get("/test/ask").text] == ["failed", "42"]


def test_a_submission_s_statements_are_prepared(app, client, call, make_user):
    """Sending an application reads the call and its form ticket's application by
    statements marked PREPARE, and runs every statement of its write transaction prepared
    (begin_write(prepared=True)): each prepared once per connection."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements on PostgreSQL")
    make_user(email="editor@example.org", role="editor")
    db.session.commit()
    db.engine.dispose()
    url = f"/apply/{call.slug}"
    for email in ("nino@example.org", "lela@example.org"):
        check = client.post(
            url,
            data=application_form(client, call, email=email),
            content_type="multipart/form-data",
        )
        assert is_check_page(check)
        sent = client.post(url, data={**check_page_fields(check.text), "send": "1"})
        assert sent.status_code == 302

    assert db.session.scalar(select(func.count()).select_from(Application)) == 2
    assert prepared_statements() == [
        # Several rows of one table in one executemany, which psycopg prepares itself.
        "INSERT INTO application_languages",
        "INSERT INTO application_regions",  # one region: prepared with the transaction
        "INSERT INTO application_topics",
        # The write transaction's own statements.
        "INSERT INTO applications",
        "INSERT INTO documents",
        "INSERT INTO jobs",
        "INSERT INTO notifications",
        "INSERT INTO outbox_emails",
        "INSERT INTO reply_addresses",
        "INSERT INTO search_entries",
        "SELECT applications.id FROM",  # the form ticket's (its id only)
        "SELECT applications.id FROM",  # the reference is unused
        "SELECT applications.id, applications.call_id,",  # a recent repeat
        "SELECT calls.id, calls.slug,",  # the call of the address, for the form's page
        "SELECT calls.id, calls.slug,",  # and for its posts (without its long texts)
        "SELECT count(*) AS",  # the earlier versions (the acknowledgement's note)
        "SELECT email_templates.id, email_templates.key,",  # the acknowledgement's text
        "SELECT notification_choices.user_id, notification_choices.delivery",
        "SELECT users.id, users.email,",  # who follows the regions
        "SELECT webhook_endpoints.id, webhook_endpoints.events",  # who hears of it
    ]


def test_a_database_on_the_same_host_is_reached_through_its_unix_socket(
    through_unix_socket, app, editor_client, make_application
):
    """A request on a fresh connection and one on the same connection again, taken from the
    pool after the check of its socket (tracker/postgresql.py), both through the socket."""
    application = make_application(full_name="Tamar Abashidze")
    db.session.commit()
    db.engine.dispose()

    pages = [editor_client.get(f"/review/applications/{application.id}") for _ in range(2)]

    assert [page.status_code for page in pages] == [200, 200]
    assert all("Tamar Abashidze" in page.text for page in pages)
    # No server address: the connection is not a TCP one.
    assert db.session.scalar(text("SELECT inet_server_addr()")) is None


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("transactions on PostgreSQL")


@pytest.fixture
def other_connection(postgresql):
    """A second connection to the test database, as another request's would be."""
    url = db.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as other:
        yield other


def server_transaction() -> TransactionStatus:
    """Return the session's connection's transaction status, as the server last reported it."""
    return db.session.connection().connection.dbapi_connection.info.transaction_status


def test_a_request_that_only_reads_never_begins_a_transaction_on_the_server(
    postgresql, app, one_connection, make_application
):
    """No BEGIN, and so no COMMIT or ROLLBACK: a page's statements are its only round trips."""
    make_application(full_name="Tamar Abashidze")
    db.session.commit()

    def read():
        names = db.session.scalars(select(Application.full_name)).all()
        tags = db.session.scalar(select(func.count(Tag.id)))
        return f"{names} {tags} {server_transaction().name}"

    app.add_url_rule("/test/read", view_func=public(read))
    client = app.test_client()

    assert [client.get("/test/read").text for _ in range(2)] == ["['Tamar Abashidze'] 0 IDLE"] * 2
    # The connection went back to the pool as SQLAlchemy expects it: not in autocommit.
    raw = db.engine.raw_connection()
    try:
        assert raw.driver_connection.autocommit is False
    finally:
        raw.close()


def test_a_transaction_that_began_but_only_read_ends_keeping_the_prepared_statements(
    postgresql, app, call, one_connection
):
    """A textual SELECT begins the transaction; a request that then only reads ends it with
    COMMIT, after which psycopg keeps what it prepared (at a ROLLBACK it deallocates all)."""

    slug = call.slug
    db.session.commit()  # the one connection back in the pool, for the request

    def read_in_a_transaction():
        db.session.execute(text("SELECT 1"))
        return call_by_slug(slug).slug

    app.add_url_rule("/test/read-in-a-transaction", view_func=public(read_in_a_transaction))
    client = app.test_client()

    assert client.get("/test/read-in-a-transaction").text == slug
    assert prepared_statements() == ["SELECT calls.id, calls.slug,"]


def test_search_reads_outside_a_transaction_and_keeps_the_prepared_statements(
    postgresql, editor_client, make_application
):
    """Search's statement begins with WITH (its matches, MATERIALIZED, tracker.search): a
    WITH whose expressions only read is a plain read too, so the search page begins no
    transaction and never ends one with the ROLLBACK at which psycopg deallocates all."""
    index_application(make_application(full_name="Tamar Abashidze"))
    db.session.commit()
    matches = select(Application.full_name).where(
        Application.id.in_(matching_application_ids("Tamar"))
    )
    assert db.session.scalars(matches).all() == ["Tamar Abashidze"]
    assert server_transaction() is TransactionStatus.IDLE
    db.session.commit()
    db.engine.dispose()

    pages = [editor_client.get("/review/?q=Tamar") for _ in range(2)]

    assert all("Tamar Abashidze" in page.text for page in pages)
    assert "SELECT users.id, users.email," in prepared_statements()  # the account's


def test_a_with_that_writes_begins_the_transaction(postgresql, one_connection):
    written = insert(Tag).values(name="through a CTE").returning(Tag.id).cte("written")

    assert len(db.session.execute(select(written.c.id)).all()) == 1
    assert server_transaction() is TransactionStatus.INTRANS
    db.session.rollback()

    assert db.session.scalars(select(Tag.name)).all() == []


def test_the_first_write_begins_the_transaction_and_all_after_it_is_undone_together(
    postgresql, one_connection
):
    db.session.add(Tag(name="kept"))
    db.session.commit()

    assert db.session.scalars(select(Tag.name)).all() == ["kept"]
    assert server_transaction() is TransactionStatus.IDLE
    begin_write()
    assert server_transaction() is TransactionStatus.IDLE  # nothing written yet
    db.session.add(Tag(name="undone"))
    db.session.flush()
    assert server_transaction() is TransactionStatus.INTRANS
    db.session.execute(text("UPDATE tags SET name = 'changed' WHERE name = 'kept'"))
    assert sorted(db.session.scalars(select(Tag.name))) == ["changed", "undone"]
    db.session.rollback()

    assert db.session.scalars(select(Tag.name)).all() == ["kept"]
    assert server_transaction() is TransactionStatus.IDLE


def test_a_savepoint_begins_the_transaction(postgresql, one_connection):
    db.session.scalar(select(func.count(Tag.id)))
    assert server_transaction() is TransactionStatus.IDLE

    with db.session.begin_nested():
        assert server_transaction() is TransactionStatus.INTRANS
        db.session.add(Tag(name="in the savepoint"))
    db.session.rollback()

    assert db.session.scalars(select(Tag.name)).all() == []


def test_a_select_that_locks_rows_keeps_its_locks_until_the_transaction_ends(
    postgresql, other_connection
):
    tag = Tag(name="claimed")
    db.session.add(tag)
    db.session.commit()
    lock_it = "SELECT id FROM tags WHERE id = %s FOR UPDATE NOWAIT"

    assert db.session.get(Tag, tag.id, with_for_update=True, populate_existing=True) is tag
    assert server_transaction() is TransactionStatus.INTRANS
    with pytest.raises(psycopg.errors.LockNotAvailable):
        other_connection.execute(lock_it, (tag.id,))
    db.session.commit()

    assert other_connection.execute(lock_it, (tag.id,)).fetchone() == (tag.id,)


def test_a_textual_statement_begins_the_transaction(postgresql, other_connection):
    """A statement written as text may take transaction-scoped locks (the job runner's
    advisory lock): it runs in the transaction, which holds them until it ends."""
    db.session.commit()
    try_lock = "SELECT pg_try_advisory_xact_lock(4242)"

    db.session.execute(text("SELECT pg_advisory_xact_lock(4242)"))
    assert server_transaction() is TransactionStatus.INTRANS
    assert other_connection.execute(try_lock).fetchone() == (False,)
    db.session.commit()

    assert other_connection.execute(try_lock).fetchone() == (True,)


def test_a_server_side_cursor_streams_inside_a_transaction(postgresql, one_connection):
    """Exports stream their rows through a server-side cursor (yield_per), which PostgreSQL
    keeps only inside a transaction."""
    db.session.add_all(Tag(name=f"tag {number:02}") for number in range(25))
    db.session.commit()

    result = db.session.connection().execute(
        select(Tag.name).order_by(Tag.name).execution_options(yield_per=10)
    )
    assert server_transaction() is TransactionStatus.INTRANS
    assert [name for (name,) in result] == [f"tag {number:02}" for number in range(25)]
    db.session.commit()


def test_a_connection_that_read_outside_a_transaction_can_still_run_in_autocommit(
    postgresql, one_connection
):
    """VACUUM, which cannot run in a transaction, on the connection a read just used."""
    db.session.scalar(select(func.count(Tag.id)))
    db.session.commit()

    vacuum(["tags"])

    assert db.session.scalar(select(func.count(Tag.id))) == 0
