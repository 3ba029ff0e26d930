"""How the app keeps its PostgreSQL connections: checked without a round trip, with the
statements every request runs prepared once per connection, and reading outside a
transaction until the first write.

Each request is a transaction, and on PostgreSQL each statement a round trip that the
server also parses and plans. Three things here save work that every request repeated:

- a pooled connection that the server closed is noticed from its socket, not by a
  ``SELECT 1`` (pool_pre_ping) at every checkout;
- statements built once and marked :data:`tracker.database.PREPARE` are prepared on each
  connection the first time they run and then only executed: the server plans them once
  (a generic plan) instead of on every request. psycopg forgets its prepared statements at
  every ROLLBACK, and every request used to end with one; a transaction that only read
  now ends with COMMIT, which on a transaction without writes ends it just the same;
- BEGIN is sent before the first statement that is not a plain read, not before the first
  statement: a request that only reads (most do) runs its statements and nothing else.
"""

from __future__ import annotations

import contextlib
import re
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
    """Install the connection checks, prepared statements and reads outside transactions
    described above on *engine*."""
    replace_closed_connections(engine)
    prepare_marked_statements(engine)
    begin_at_the_first_write(engine)


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


# A note on the connection that its transaction has not begun on the server: it reads in
# autocommit, and BEGIN goes out before its first statement that is not a plain read.
_READING = "tracker_reading"
# A SELECT's locking clause, as SQLAlchemy renders with_for_update(): its locks must last
# until the transaction ends, so such a SELECT begins it.
_LOCKING = re.compile(r"\bFOR (?:UPDATE|NO KEY UPDATE|SHARE|KEY SHARE)\b")
# A common table expression that writes: "name AS [NOT] [MATERIALIZED] (INSERT …".
_WRITING_CTE = re.compile(
    r"\bAS\s+(?:NOT\s+)?(?:MATERIALIZED\s+)?\(\s*(?:INSERT|UPDATE|DELETE|MERGE)\b"
)


def begin_at_the_first_write(engine: Engine) -> None:
    """Send BEGIN only before a transaction's first statement that is not a plain read.

    Most requests only read, and on PostgreSQL their transaction was two round trips more
    than their statements: BEGIN before the first, COMMIT (or ROLLBACK) after the last. At
    READ COMMITTED every statement reads its own snapshot inside a transaction as outside
    one, so plain reads run in autocommit, as if each were its own transaction, and a
    transaction that never writes never reaches the server. Anything else begins it, and
    from there everything runs in it as before: a write (in a WITH too), SAVEPOINT, a SELECT
    that locks rows (FOR UPDATE, FOR SHARE), a textual statement (an advisory lock may be
    one) and a server-side cursor (which lives in a transaction). A transaction that later
    writes loses nothing by its reads having run before BEGIN: at READ COMMITTED they would
    not have been protected inside it either.
    """

    @event.listens_for(engine, "begin")
    def read_in_autocommit(connection):
        dbapi_connection = connection.connection.dbapi_connection
        # Not a connection in autocommit already (VACUUM's, by SQLAlchemy's isolation level).
        if (
            not dbapi_connection.autocommit
            and dbapi_connection.info.transaction_status == TransactionStatus.IDLE
        ):
            dbapi_connection.autocommit = True
            connection.info[_READING] = True

    @event.listens_for(engine, "before_cursor_execute")
    def begin_before_other_statements(connection, _cursor, statement, _params, context, _many):
        if connection.info.get(_READING) and not _is_plain_read(statement, context):
            del connection.info[_READING]
            # psycopg sends BEGIN before this statement.
            connection.connection.dbapi_connection.autocommit = False

    # However the transaction ends, the connection is left as SQLAlchemy knows it (not in
    # autocommit), also in the pool.
    event.listen(engine, "commit", _stop_reading)
    event.listen(engine, "rollback", _stop_reading)


def _stop_reading(connection: Connection) -> None:
    """End a transaction that never began on the server: the connection leaves autocommit."""
    if connection.info.pop(_READING, False):
        connection.connection.dbapi_connection.autocommit = False


def _is_plain_read(statement: str, context) -> bool:
    """Tell whether *statement* is a read that SQLAlchemy compiled (a SELECT, or a WITH whose
    expressions only read, as search's in tracker.search), that locks nothing and that no
    server-side cursor runs. Compiled, its text holds keywords and names, never values."""
    if context is None or context.is_text or context.is_crud or context.isddl:
        return False
    head = statement.lstrip()[:6].upper()
    reads = head == "SELECT" or (head[:4] == "WITH" and not _WRITING_CTE.search(statement))
    return (
        reads
        and not _LOCKING.search(statement)
        and not context.execution_options.get("stream_results")
    )
