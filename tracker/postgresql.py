"""How the app keeps its PostgreSQL connections: checked without a round trip, and with the
statements every request runs prepared once per connection.

Each request is a transaction, and on PostgreSQL each statement a round trip that the
server also parses and plans. Two things here save work that every request repeated:

- a pooled connection that the server closed is noticed from its socket, not by a
  ``SELECT 1`` (pool_pre_ping) at every checkout;
- statements built once and marked :data:`tracker.database.PREPARE` are prepared on each
  connection the first time they run and then only executed: the server plans them once
  (a generic plan) instead of on every request. psycopg forgets its prepared statements at
  every ROLLBACK, and every request used to end with one; a transaction that only read
  now ends with COMMIT, which on a transaction without writes ends it just the same.
"""

from __future__ import annotations

import contextlib
import select

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DisconnectionError

# More executions than a connection ever sees: psycopg prepares only what it is asked to.
_NEVER = 2**62
# A note on the connection that its transaction sent something other than a SELECT.
_WROTE = "tracker_wrote"


def configure_postgresql(engine: Engine) -> None:
    """Install the connection checks and prepared statements described above on *engine*."""
    replace_closed_connections(engine)
    prepare_marked_statements(engine)


def replace_closed_connections(engine: Engine) -> None:
    """Replace a pooled PostgreSQL connection that the server closed before it is used.

    A restart (or an administrator, or an idle timeout) ends each server process, which
    says so on the connection and closes it; the pooled connection is dead, and the next
    request that used it would fail. pool_pre_ping finds that out by sending ``SELECT 1``
    at every checkout, a round trip on every request. Here the connection's socket is asked
    instead, without waiting: between transactions the server sends nothing, so anything to
    read there – the server's farewell, or the end of the stream – means the connection is
    closed. The pool then drops it and opens a new one (a DisconnectionError at checkout).
    A network that loses the server without a word is noticed by the first statement, as
    with a ping: that request answers 503 and the pool reconnects.
    """

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, _record, _proxy):
        if dbapi_connection.closed or _has_input(dbapi_connection.fileno()):
            raise DisconnectionError("the server closed the connection")


def has_only_read(connection: Connection) -> bool:
    """Tell whether *connection*'s transaction has sent nothing but SELECT statements."""
    return not connection.info.get(_WROTE, False)


def _has_input(fd: int) -> bool:
    """Tell whether the socket *fd* has something to read, or was closed (no waiting)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def prepare_marked_statements(engine: Engine) -> None:
    """Prepare the statements marked with ``database.PREPARE``, and only those, and keep them.

    psycopg would also prepare any statement run five times on a connection; its count is
    set out of reach, so that every other statement is planned for its values as before.
    (None would switch preparing off altogether, the marked statements' too.)
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.prepare_threshold = _NEVER

    @event.listens_for(engine, "do_execute")
    def execute(cursor, statement, parameters, context):
        if not context.execution_options.get("tracker_prepare"):
            return False
        cursor.execute(statement, parameters, prepare=True)
        return True

    @event.listens_for(engine, "before_cursor_execute")
    def note_writes(connection, _cursor, statement, *_):
        if statement.lstrip()[:6].upper() != "SELECT":
            connection.info[_WROTE] = True

    @event.listens_for(engine, "commit")
    def forget_writes(connection):
        connection.info.pop(_WROTE, None)

    @event.listens_for(engine, "rollback")
    def end_reads_with_commit(connection):
        # Called before the ROLLBACK, which then finds no transaction and sends nothing.
        wrote = connection.info.pop(_WROTE, False)
        dbapi_connection = connection.connection.dbapi_connection
        if wrote or dbapi_connection.info.transaction_status != TransactionStatus.INTRANS:
            return  # something to undo, a failed transaction, or none at all: ROLLBACK
        # A connection lost meanwhile: the ROLLBACK that follows fails and reports it.
        with contextlib.suppress(psycopg.Error):
            dbapi_connection.commit()
