"""Database engine settings, and how a write transaction starts."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import (
    ColumnElement,
    Engine,
    any_,
    bindparam,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.types import ARRAY, JSON

from tracker.extensions import db

_IMMEDIATE = "tracker_begin_immediate"
# Execution options of a statement that every request runs, built once, whose plan does
# not depend on the values bound (a look-up by id): on PostgreSQL it is prepared on each
# connection and planned once there (tracker.postgresql); elsewhere nothing changes.
PREPARE = {"tracker_prepare": True}


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Give SQLite the settings of an embedded production database.

    The database file is created readable by its owner only, like stored documents (SQLite
    gives its -wal and -shm files the same mode). WAL lets readers run beside a writer; the
    busy timeout makes a writer wait for the lock instead of failing; foreign keys are
    enforced; secure_delete overwrites erased personal data instead of leaving it in free
    pages. synchronous=NORMAL: in WAL mode a commit is not flushed to disk while the write
    lock is held (the WAL is flushed at each checkpoint instead). The database stays
    consistent after any crash and loses nothing when the app or its server process dies;
    only a power cut or an operating-system crash may undo the last commits, which then
    leaves the documents they stored as orphans for `storage reconcile` (files are flushed
    before their rows commit, so a row never outlives its file). FULL held the write lock
    through a disk flush on every commit (2–8 ms on the development machine), and every
    other writer waited behind it. Transactions opened by :func:`begin_write` start with
    BEGIN IMMEDIATE (see there); all others are plain deferred readers.
    """
    create_private_file(engine.url.database)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        immediate = connection.get_execution_options().get(_IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_private_file(database: str | None) -> None:
    """Create the SQLite file *database* with mode 0600 unless it exists or is in memory."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: an existing database, or one another process just created, is left as it is.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def begin_write(*, prepared: bool = False) -> None:
    """End the session's read transaction, if any, and open one that will write.

    On SQLite a transaction that reads and then writes fails at once ("database is locked")
    when another writer committed in between; starting with BEGIN IMMEDIATE takes the write
    lock first, so concurrent writers queue behind the busy timeout instead. Domain
    functions that write call this before their first query.

    *prepared*: on PostgreSQL every statement of the transaction is prepared, as if marked
    :data:`PREPARE` – for a transaction that runs the same statements every time.

    On PostgreSQL a transaction that has only read goes on as the one that writes: at READ
    COMMITTED every statement reads its own snapshot, so a new transaction would see
    nothing more, and its COMMIT and BEGIN were two round trips (and a connection returned
    to the pool and taken again) for nothing. What was loaded is expired all the same, as
    the commit would have done.
    """
    options = {_IMMEDIATE: True, **(PREPARE if prepared else {})}
    session = db.session()
    if on_postgresql() and not (session.new or session.dirty or session.deleted):
        from tracker.postgresql import has_only_read

        connection = session.connection()
        if has_only_read(connection):
            if session.expire_on_commit:
                session.expire_all()
            connection.execution_options(**options)
            return
    session.commit()
    session.connection(execution_options=options)


@contextlib.contextmanager
def keep_loaded() -> Iterator[None]:
    """Within the block, a commit leaves the session's objects loaded instead of expired.

    For a write whose outcome the request still reads (the call it wrote to, the new
    row's reference): what this transaction wrote or read is what the page shows, and
    reading it all again inside (or just after) a write transaction only costs time.
    """
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = expiring


def empty_wal() -> bool:
    """On SQLite, copy the WAL into the database file and truncate it; True when emptied.

    A committed DELETE leaves the rows' old page images in the -wal file (every earlier
    transaction's pages stay there until the WAL is restarted and overwritten), so an
    erasure is complete on disk only once the WAL is checkpointed and truncated. The
    checkpoint waits (busy timeout) for readers of older snapshots; if some still read, it
    returns False and the next erasure or ``privacy purge`` tries again. Call it with no
    transaction open in the session. Other databases: nothing to do, True.
    """
    engine = db.session.get_bind()
    if engine.dialect.name != "sqlite":
        return True
    # The driver connection runs in autocommit (see configure_sqlite): a checkpoint inside
    # a transaction could not truncate the WAL this connection itself still reads.
    connection = engine.raw_connection()
    try:
        busy, _frames, _copied = (
            connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        )
    finally:
        connection.close()
    return busy == 0


def vacuum(tables: list[str]) -> None:
    """On PostgreSQL, VACUUM *tables* (dead rows of deletions become free space); else nothing.

    VACUUM cannot run inside a transaction block, so it runs on a connection of its own in
    autocommit mode.
    """
    engine = db.session.get_bind()
    if engine.dialect.name != "postgresql":
        return
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.execute(text(f"VACUUM {quote(table)}"))


def on_postgresql() -> bool:
    """Tell whether the session talks to PostgreSQL (else SQLite)."""
    return db.session.get_bind().dialect.name == "postgresql"


def in_bound_list(column: ColumnElement, name: str, *, postgresql: bool) -> ColumnElement[bool]:
    """Return "*column* is one of the list bound as *name* at execution".

    PostgreSQL: ``= ANY(%(name)s)``, the list as one array: psycopg parses a statement of
    more than 50 parameters anew on every execution (its cache stops there), and SQLAlchemy
    renders a cast for each of them. SQLite: ``IN (SELECT value FROM json_each(?))``, the
    list as one JSON text: an expanding ``IN (?, ?, …)`` is rendered anew on every execution
    with one parameter per value (400 for an inbox page's details), and SQLite runs both in
    the same time.
    """
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    values = func.json_each(bindparam(name, type_=JSON))
    return column.in_(select(literal_column("value")).select_from(values))
